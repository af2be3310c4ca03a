"""The migrated template the tests and the bench copy their databases from (bench.env.migrated): made once per code,
then found made, and the bench run by a test copies the tests' own instead of migrating a second one."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from bench import env
from tests.db_template import current_template

pytestmark = pytest.mark.django_db


def _admin() -> psycopg.Connection:
    parts = urlsplit(env.base_database_url())
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)


def _url(name: str) -> str:
    return urlunsplit(urlsplit(env.base_database_url())._replace(path=f"/{name}"))


def _comment(admin: psycopg.Connection, name: str, text: str) -> None:
    admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(text)))


@pytest.fixture
def copy_of_the_template() -> Iterator[str]:
    """A copy of the tests' template (a COMMENT is not copied with it), dropped afterwards."""
    template = current_template()
    if template is None:
        pytest.skip("PostgreSQL only")
    name = f"{template}_probe"
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    yield name
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_template_made_at_this_code_is_kept_as_it_is(copy_of_the_template: str):
    with _admin() as admin:
        _comment(admin, copy_of_the_template, env.code_key()[:16])
    with psycopg.connect(_url(copy_of_the_template), autocommit=True) as conn:
        conn.execute("CREATE TABLE probe_kept (id int)")

    env.migrated(_url(copy_of_the_template))

    with psycopg.connect(_url(copy_of_the_template)) as conn:  # neither dropped nor migrated again
        assert conn.execute("SELECT to_regclass('probe_kept') IS NOT NULL").fetchone() == (True,)


def test_the_bench_run_by_the_tests_copies_their_template(monkeypatch: pytest.MonkeyPatch):
    template = current_template()
    if template is None:
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("BENCH_TEMPLATE_DATABASE", template)

    assert env.migrated_template() == template


def test_a_named_template_made_at_other_code_is_refused(copy_of_the_template: str, monkeypatch: pytest.MonkeyPatch):
    with _admin() as admin:
        _comment(admin, copy_of_the_template, "other code")
    monkeypatch.setenv("BENCH_TEMPLATE_DATABASE", copy_of_the_template)

    with pytest.raises(SystemExit, match="not a database migrated at this code"):
        env.migrated_template()


@pytest.fixture
def probe_database() -> Iterator[str]:
    """The address of a database no one else uses, dropped afterwards."""
    name = f"{current_template() or 'market'}_made_probe"
    yield _url(name)
    with _admin() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _made(url: str, key: str, *, ready: bool = True) -> list[str]:
    """made_database at `key`, whose making marks the database; the marks the database holds afterwards."""

    def make() -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS made (mark text)")
            conn.execute("INSERT INTO made VALUES (%s)", [key])

    with env.made_database(url, key, make, ready=ready), psycopg.connect(url, autocommit=True) as conn:
        marks = [row[0] for row in conn.execute("SELECT mark FROM made ORDER BY mark")]
        conn.execute("INSERT INTO made VALUES ('used')")  # gone when the database is made again
        return marks


def test_a_database_is_made_once_per_key_and_again_when_its_key_or_what_lies_beside_it_is_missing(probe_database):
    assert _made(probe_database, "code-1 10:00") == ["code-1 10:00"]
    assert _made(probe_database, "code-1 10:00") == ["code-1 10:00", "used"]  # found made: not made a second time
    assert _made(probe_database, "code-1 11:00") == ["code-1 11:00"]  # another key: dropped and made again
    assert _made(probe_database, "code-1 11:00", ready=False) == ["code-1 11:00"]  # its files gone: made again
    with _admin() as admin:
        assert env.made_key(admin, env.database_name(probe_database)) == "code-1 11:00"


def test_a_database_whose_making_failed_is_never_taken_for_a_made_one(probe_database):
    def fail() -> None:
        raise RuntimeError("the seeding failed")

    with pytest.raises(RuntimeError, match="seeding failed"), env.made_database(probe_database, "code-2", fail):
        pass
    with _admin() as admin:
        assert env.made_key(admin, env.database_name(probe_database)) == ""  # no key: the next caller makes it
