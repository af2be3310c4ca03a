"""Settings for the test suite: MARKET_ENV=test (PostgreSQL + Redis), whatever the shell says."""

import os

os.environ["MARKET_ENV"] = "test"

from market.settings import *  # noqa: F403
from market.settings import INSTALLED_APPS, REST_FRAMEWORK

# A test-only app with a real payable kind registered through the payments registry (tests/payables).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.payables"]

# Hashing for speed only; production keeps Django's default (PBKDF2).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Rate limits stay on but high enough for permission matrices; the throttling tests lower them.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "10000/minute", "user": "10000/minute"}}
# The broker gets its own Redis database so that clearing the cache between tests never drops a task.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/1")
