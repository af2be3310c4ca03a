"""The Celery app. Settings come from Django's (CELERY_*); tasks are found in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")

app = Celery("market")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _use_django_logging(**_kwargs: object) -> None:
    """Workers log the same JSON lines as the web process."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def ensure_broker_folders() -> None:
    """The filesystem transport (market/core/broker.py) needs its folders before any process uses them."""
    from django.conf import settings

    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder", "temp_folder"):
            os.makedirs(str(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]), exist_ok=True)
