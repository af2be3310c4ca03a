"""The demo, seeded once per run into its own database, and copied into a test module's transaction.

`seed_demo` runs ~18,000 queries through the real services (~19 s of CPU idle, two or three times that under the
suite's load), and several modules want the demo. Now the first worker that needs it clones the migrated template
(tests/db_template.py) into `<database>_demo_tests` and seeds that with `manage.py seed_demo` in a subprocess, under
an advisory lock (bench.env.made_database: the other workers wait); a module then gets the rows by COPY, in about a
second. The database is made again when the template's key (our code) or the hour changes: the demo's dates and
times follow the moment it was seeded.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from psycopg import sql

from bench.env import made_database, made_key, run_manage
from tests.db_template import connect, database_url

ROOT = Path(__file__).resolve().parent.parent
# What each demo database's seeding printed and the private files it wrote, one folder per database (git ignores
# var/).
KEPT = ROOT / "var" / "tests"


@dataclass(frozen=True)
class DemoDatabase:
    name: str
    private_media: Path
    printed: str


def demo_key(template: str) -> str:
    """The template's key (our code) and the hour: the demo's dates and times follow the moment it was seeded, so a
    later run (CI on the same machine hours after) seeds afresh rather than copy a demo made for another time."""
    with connect(connection.settings_dict, "postgres") as admin:
        comment = made_key(admin, template)
    if comment is None:
        raise RuntimeError(f"the test template {template} is not made")
    return f"{comment} {timezone.localtime().strftime('%Y-%m-%dT%H')}"


@contextmanager
def demo_database() -> Iterator[DemoDatabase]:
    """The seeded demo database of this code and hour (`demo_key`), made when missing or stale, with what its
    seeding printed and the private files it wrote (kept beside it). Held under the lock while the caller copies
    from it, so that no other worker remakes it meanwhile."""
    settings_dict = connection.settings_dict
    template = settings_dict["TEST"]["TEMPLATE"]
    name = template.removesuffix("_template_tests") + "_demo_tests"
    kept = KEPT / name
    url = database_url(settings_dict, name)

    def seed() -> None:
        shutil.rmtree(kept, ignore_errors=True)
        (kept / "private").mkdir(parents=True)
        # The settings the tests run with (MD5 password hashes, the test payable kind).
        printed = run_manage(url, "tests.settings", "seed_demo", PRIVATE_MEDIA_ROOT=str(kept / "private"))
        (kept / "printed.txt").write_text(printed)

    ready = (kept / "printed.txt").exists()
    with made_database(url, demo_key(template), seed, template=template, ready=ready):
        yield DemoDatabase(name=name, private_media=kept / "private", printed=(kept / "printed.txt").read_text())


def copy_demo(demo: DemoDatabase) -> None:
    """Replace every row of the test database with the demo database's, inside the current transaction (a
    rollback restores what was there). No trigger of ours exists (no migration runs SQL), and Django's foreign keys
    are DEFERRABLE INITIALLY DEFERRED: the tables are copied in any order and their keys checked at the end."""
    if not connection.in_atomic_block:
        raise RuntimeError("the copy replaces every row: only inside a transaction that is rolled back")
    target = connection.connection
    with connect(connection.settings_dict, demo.name) as source:
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
