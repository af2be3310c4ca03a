"""The test databases are copies of a template migrated from this very code (tests/db_template.py)."""

import pytest
from django.db import connection

from bench.env import code_key

pytestmark = pytest.mark.django_db


def test_the_test_database_is_a_copy_of_the_template_migrated_from_this_code():
    template = connection.settings_dict["TEST"]["TEMPLATE"]
    assert template.endswith("_template_tests")
    with connection.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template])
        assert cursor.fetchone() == (code_key()[:16],)
        cursor.execute("SELECT count(*) FROM django_migrations")
        assert cursor.fetchone()[0] > 50  # every migration of every app
