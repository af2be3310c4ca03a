"""Settings of Market Link under benchmark: the test defaults (PostgreSQL + Redis from the environment)
made production-like where it matters for speed, with /bench/ping mounted and the cost headers of
bench/instrument.py on every answer. Never used by the application (production refuses MARKET_BENCH).

BENCH_PAGE_CACHE=off (the yardstick) turns off every cache of whole public responses; =on keeps them as
configured. A new page cache must add its setting to PAGE_CACHE_SETTINGS so that "off" stays honest."""

import os
from typing import cast

os.environ.setdefault("MARKET_ENV", "test")
os.environ["MARKET_BENCH"] = "1"

from market.settings import *  # noqa: F403
from market.settings import DATABASES, LOGGING, MIDDLEWARE, REST_FRAMEWORK

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
# Quiet servers; a Celery worker under benchmark logs at INFO (its "ready." line tells the harness it is up).
LOGGING = {**LOGGING, "root": {**cast(dict, LOGGING["root"]), "level": os.environ.get("BENCH_LOG_LEVEL", "WARNING")}}
MIDDLEWARE = ["bench.instrument.CostHeadersMiddleware", *MIDDLEWARE]

# Settings that cache whole public responses (seconds; 0 = off).
PAGE_CACHE_SETTINGS = ("CATALOG_LIST_CACHE_SECONDS", "API_REMEMBERED_BODIES")
if os.environ.get("BENCH_PAGE_CACHE", "on") == "off":
    for _name in PAGE_CACHE_SETTINGS:
        globals()[_name] = 0
