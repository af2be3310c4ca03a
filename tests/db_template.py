"""Every pytest worker's test database is a copy of one migrated template (PostgreSQL's CREATE DATABASE … TEMPLATE).

Migrating an empty database takes about half a minute of CPU; `make test` runs three workers, each of which migrated
its own. Now the first worker migrates `<database>_template_tests` (the others wait on an advisory lock) and every
worker's database is copied from it in a fraction of a second, so the run pays for one migration, and a later run on
the same code for none. The template is made again when our code or the locked packages change (a data migration may
call our code: bench.env.code_key).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
from django.db import connections
from psycopg import sql

from bench.env import code_key

ROOT = Path(__file__).resolve().parent.parent
# Any constant: the advisory lock that lets one worker at a time check and make the template.
_LOCK = 7_414_263


def _connect(settings_dict: dict[str, Any], database: str) -> psycopg.Connection:
    return psycopg.connect(
        dbname=database,
        host=settings_dict["HOST"] or None,
        port=settings_dict["PORT"] or None,
        user=settings_dict["USER"] or None,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )


def _database_url(settings_dict: dict[str, Any], database: str) -> str:
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{database}"


def _migrate(settings_dict: dict[str, Any], database: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env |= {"DATABASE_URL": _database_url(settings_dict, database), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"migrating the test template {database} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )


def use_migrated_template() -> None:
    """Point the default database's TEST TEMPLATE at a template migrated from this code, made when missing."""
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        return
    template = f"{settings_dict['NAME']}_template_tests"
    key = code_key()[:16]
    with _connect(settings_dict, "postgres") as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
        try:
            row = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
            ).fetchone()
            if row is None or row[0] != key:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(template)))
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(template)))
                _migrate(settings_dict, template)
                # Written last: a template whose migration did not finish is never taken for a made one.
                admin.execute(
                    sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(template), sql.Literal(key))
                )
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
    settings_dict.setdefault("TEST", {})["TEMPLATE"] = template
