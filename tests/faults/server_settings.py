"""Settings of the servers the fault tests start: the test settings made production-like where a fault meets
them. DEBUG off (an error is the page a user would see, never Django's technical page) and persistent
connections with health checks (production's CONN_MAX_AGE), so a database restart meets connections opened
before it."""

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 600
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
