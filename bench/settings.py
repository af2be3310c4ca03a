"""Settings for the load benchmark: the test defaults (PostgreSQL + Redis from the environment) made
production-like where it matters for speed, with /bench/ping mounted. Never used by the application."""

import os

os.environ.setdefault("MARKET_ENV", "test")
os.environ["MARKET_BENCH"] = "1"

from market.settings import *  # noqa: F403
from market.settings import DATABASES, LOGGING, REST_FRAMEWORK

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Production keeps connections open (conn_max_age=600); the test defaults open one per request.
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Throttles stay on (each request still counts in Redis) but never refuse the load generator.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"anon": "100000000/minute", "user": "100000000/minute"},
}
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
