"""Settings for the test suite: MARKET_ENV=test (PostgreSQL + Redis), whatever the shell says."""

import os
import re

os.environ["MARKET_ENV"] = "test"


def _redis_of_worker(url: str, worker: str) -> str:
    """pytest-xdist's worker gwN gets its own Redis databases, two above the ones configured per worker
    (cache and broker), as pytest-django gives it its own test database. Child processes are handed the
    shifted URLs (tests/conftest.py process_env) and have no worker id, so they are not shifted twice."""
    index = int(worker.removeprefix("gw"))
    return re.sub(r"/(\d+)$", lambda db: f"/{int(db.group(1)) + 2 * (index + 1)}", url)


if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["REDIS_URL"] = _redis_of_worker(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", worker)
    os.environ["CELERY_BROKER_URL"] = _redis_of_worker(
        os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/1", worker
    )

from market.settings import *  # noqa: F403, E402 (after the worker's Redis databases are chosen)
from market.settings import DATABASES, INSTALLED_APPS, REST_FRAMEWORK  # noqa: E402

# Transactional tests end with the tables emptied by DELETE, not TRUNCATE (tests/postgresql/base.py says why).
if DATABASES["default"]["ENGINE"] == "market.core.postgresql":
    DATABASES["default"]["ENGINE"] = "tests.postgresql"

# A test-only app with a real payable kind registered through the payments registry (tests/payables).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.payables"]

# Hashing for speed only; production keeps Django's default (PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate limits stay on but high enough for permission matrices; the throttling tests lower them.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"}}
# The broker gets its own Redis database so that clearing the cache between tests never drops a task.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
# WhiteNoise looks a static file up when it is asked for, instead of listing every app's files when its middleware
# loads: the test client loads the middleware once per client (~40 ms of CPU), thousands of times a run.
WHITENOISE_AUTOREFRESH = True
