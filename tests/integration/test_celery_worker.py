"""A real Celery worker process on the Redis broker runs a task that writes to the test database."""

import time

import pytest

from market.core.models import Heartbeat
from market.core.tasks import worker_heartbeat

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def test_worker_runs_a_task_that_touches_the_database(celery_worker_process):
    celery_worker_process(concurrency=1)
    assert not Heartbeat.objects.exists()
    worker_heartbeat.delay()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Heartbeat.objects.filter(name="worker").exists():
        time.sleep(0.2)
    beat = Heartbeat.objects.get(name="worker")
    assert beat.hostname


def test_worker_settings_protect_tasks():
    from market.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit
