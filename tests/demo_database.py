"""The demo, seeded once per run into its own database, and copied into a test module's transaction.

`seed_demo` runs ~18,000 queries through the real services (~19 s of CPU idle, two or three times that under the
suite's load), and several modules want the demo. Now the first worker that needs it clones the migrated template
(tests/db_template.py) into `<database>_demo_tests` and seeds that with `manage.py seed_demo` in a subprocess, under
an advisory lock (the other workers wait); a module then gets the rows by COPY, in about a second. The database is
made again when the template's key (our code) or the day changes: the demo's dates follow today.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from psycopg import sql

from tests.db_template import _connect, _database_url

ROOT = Path(__file__).resolve().parent.parent
# What each demo database's seeding printed and the private files it wrote, one folder per database (git ignores
# var/).
KEPT = ROOT / "var" / "tests"
# Any constant: with the database's name, the advisory lock under which one process checks, makes and copies it
# (two int4 keys: a key space apart from db_template's single bigint lock).
_LOCK_SPACE = 7_414_264


@dataclass(frozen=True)
class DemoDatabase:
    name: str
    private_media: Path
    printed: str


def demo_key(template: str) -> str:
    """The template's key (our code, written by db_template) and today's date."""
    with _connect(connection.settings_dict, "postgres") as admin:
        comment = _comment(admin, template)
    if comment is None:
        raise RuntimeError(f"the test template {template} is not made")
    return f"{comment} {timezone.localdate().isoformat()}"


def _comment(admin: psycopg.Connection, database: str) -> str | None:
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [database]
    ).fetchone()
    return None if row is None else row[0]


def is_made(admin: psycopg.Connection, name: str, key: str) -> bool:
    """The key is written last, after the seeding and its files: a database whose seeding did not finish has none."""
    return _comment(admin, name) == key and (KEPT / name / "printed.txt").exists()


@contextmanager
def demo_database() -> Iterator[DemoDatabase]:
    """The seeded demo database of this code and today (`demo_key`), made when missing or stale.
    Held under the lock while the caller copies from it, so that no other worker remakes it meanwhile."""
    settings_dict = connection.settings_dict
    template = settings_dict["TEST"]["TEMPLATE"]
    name = template.removesuffix("_template_tests") + "_demo_tests"
    key = demo_key(template)
    with _connect(settings_dict, "postgres") as admin:
        admin.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [_LOCK_SPACE, name])
        try:
            if not is_made(admin, name, key):
                _make(admin, settings_dict, template=template, name=name, key=key)
            kept = KEPT / name
            yield DemoDatabase(name=name, private_media=kept / "private", printed=(kept / "printed.txt").read_text())
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [_LOCK_SPACE, name])


def _make(admin: psycopg.Connection, settings_dict: dict[str, Any], *, template: str, name: str, key: str) -> None:
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    kept = KEPT / name
    shutil.rmtree(kept, ignore_errors=True)
    (kept / "private").mkdir(parents=True)
    # The settings the tests run with (MD5 password hashes, the test payable kind), without pytest's variables
    # (a worker id would shift the Redis databases a second time: tests/settings.py).
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env |= {
        "DATABASE_URL": _database_url(settings_dict, name),
        "PRIVATE_MEDIA_ROOT": str(kept / "private"),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"seeding the demo database {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    (kept / "printed.txt").write_text(done.stdout)
    # Written last: a database whose seeding did not finish is never taken for a made one.
    admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(key)))


def copy_demo(demo: DemoDatabase) -> None:
    """Replace every row of the test database with the demo database's, inside the current transaction (a
    rollback restores what was there). No trigger of ours exists (no migration runs SQL), and Django's foreign keys
    are DEFERRABLE INITIALLY DEFERRED: the tables are copied in any order and their keys checked at the end."""
    if not connection.in_atomic_block:
        raise RuntimeError("the copy replaces every row: only inside a transaction that is rolled back")
    target = connection.connection
    with _connect(connection.settings_dict, demo.name) as source:
        tables = _tables(source)
        _make_partitions(source, target)
        # DELETE, not TRUNCATE: the tables hold only what migrations made (a few hundred rows), and TRUNCATE makes
        # every table's files anew (1.5-2.5 s for the ~120 tables, against 0.15 s), and locks them all exclusively.
        every = target.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
        ).fetchall()
        for (name,) in every:
            target.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(name)))
        for table, columns in tables.items():
            listed = sql.SQL(", ").join(map(sql.Identifier, columns))
            with (
                source.cursor().copy(
                    sql.SQL("COPY {} ({}) TO STDOUT (FORMAT binary)").format(sql.Identifier(table), listed)
                ) as rows,
                target.cursor().copy(
                    sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(sql.Identifier(table), listed)
                ) as into,
            ):
                for block in rows:
                    into.write(block)
        # The copied rows' foreign keys, checked once here, in the module's transaction: left pending, each test's
        # constraint check (in its savepoint, whose rollback marks them pending again) would check them all again.
        target.execute("SET CONSTRAINTS ALL IMMEDIATE")
        target.execute("SET CONSTRAINTS ALL DEFERRED")
        # setval is not transactional: the sequences stay past the copied ids after the rollback (only forward).
        used = source.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL"
        ).fetchall()
        target.execute(
            "SELECT setval(format('public.%%I', s.sequencename)::regclass, GREATEST(v.last, s.last_value))"
            " FROM pg_sequences s JOIN unnest(%s::text[], %s::bigint[]) AS v(name, last) ON s.sequencename = v.name"
            " WHERE s.schemaname = 'public'",
            [[name for name, _ in used], [last for _, last in used]],
        )
    # Content types are cached by id per process: the copy's ids are the template's, which an earlier flush
    # (a transactional test) may have changed.
    ContentType.objects.clear_cache()


def _make_partitions(source: psycopg.Connection, target: psycopg.Connection) -> None:
    """The partitions the seeding made (the search rows' ranges: catalog/services/search_rows.py makes them as
    products come) and the test database lacks, made in the transaction: its rollback drops them again."""
    for name, parent, bound in source.execute(
        "SELECT c.relname, p.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_class c"
        " JOIN pg_inherits i ON i.inhrelid = c.oid JOIN pg_class p ON p.oid = i.inhparent"
        " WHERE c.relispartition AND c.relkind IN ('r', 'p') AND c.relnamespace = 'public'::regnamespace"
    ):
        target.execute(
            sql.SQL("CREATE TABLE IF NOT EXISTS {} PARTITION OF {} {}").format(
                sql.Identifier(name), sql.Identifier(parent), sql.SQL(bound)
            )
        )


def _tables(database: psycopg.Connection) -> dict[str, list[str]]:
    """Every table of the public schema that holds rows (partitions, not their partitioned tables) with its
    columns, generated ones aside (COPY cannot write them)."""
    found: dict[str, list[str]] = {}
    for table, column in database.execute(
        "SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0"
        " AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY c.relname, a.attnum"
    ):
        found.setdefault(table, []).append(column)
    return found
