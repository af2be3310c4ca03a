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


@pytest.mark.django_db(databases=[])
def test_the_key_changes_with_our_code_and_what_the_tests_template_adds_not_with_a_test(tmp_path):
    for name in ("market/__init__.py", "market/models.py", "tests/settings.py", "tests/payables/models.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# {name}\n")
    (tmp_path / "uv.lock").write_text("lock\n")
    (tmp_path / "tests/test_anything.py").write_text("def test(): pass\n")
    key = code_key(tmp_path)

    (tmp_path / "tests/test_anything.py").write_text("def test(): assert True\n")
    assert code_key(tmp_path) == key
    # What makemessages writes beside a template while it reads it, and removes after.
    (tmp_path / "market/page.html.py").write_text("gettext('Page')\n")
    assert code_key(tmp_path) == key
    for changed in ("market/models.py", "tests/settings.py", "tests/payables/models.py", "uv.lock"):
        before = code_key(tmp_path)
        (tmp_path / changed).write_text("# changed\n")
        assert code_key(tmp_path) != before, changed
