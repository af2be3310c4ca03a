"""Every pytest worker's test database is a copy of one migrated template (PostgreSQL's CREATE DATABASE … TEMPLATE).

Migrating an empty database takes about half a minute of CPU; `make test` runs three workers, each of which migrated
its own. Now the first worker migrates `<database>_template_tests` (the others wait on an advisory lock) and every
worker's database is copied from it in a fraction of a second, so the run pays for one migration, and a later run on
the same code for none. The template is made again when our code or the locked packages change (a data migration may
call our code: bench.env.code_key). The bench copies its databases from the same template when the tests run it
(BENCH_TEMPLATE_DATABASE, tests/bench).
"""

from __future__ import annotations

import os
from typing import Any

import psycopg
from django.db import connections

from bench.env import migrated


def template_name(settings_dict: dict[str, Any]) -> str:
    return f"{settings_dict['NAME']}_template_tests"


def database_url(settings_dict: dict[str, Any], database: str) -> str:
    user = settings_dict["USER"] or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{database}"


def connect(settings_dict: dict[str, Any], database: str) -> psycopg.Connection:
    return psycopg.connect(database_url(settings_dict, database), autocommit=True)


def use_migrated_template() -> None:
    """Point the default database's TEST TEMPLATE at a template migrated from this code (with the tests' settings:
    their test-only app), made when missing or made at other code."""
    settings_dict = connections["default"].settings_dict
    if connections["default"].vendor != "postgresql":
        return
    template = template_name(settings_dict)
    migrated(database_url(settings_dict, template), settings_module=os.environ["DJANGO_SETTINGS_MODULE"])
    settings_dict.setdefault("TEST", {})["TEMPLATE"] = template


def current_template() -> str | None:
    """The template this worker's test database was copied from (None on SQLite)."""
    return connections["default"].settings_dict.get("TEST", {}).get("TEMPLATE")
