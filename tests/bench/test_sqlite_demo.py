"""The seeded SQLite demo made once and copied (bench/sqlite_demo.py), as the audit, the soak and the run_local
test take it."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from bench.sqlite_demo import CACHE, DATABASE_NAME, copy_seeded_demo, demo_key

pytestmark = pytest.mark.slow


def organisations(database: Path) -> int:
    with closing(sqlite3.connect(database)) as db:
        return db.execute("select count(*) from organisations_organisation").fetchone()[0]


def test_callers_at_once_get_whole_independent_copies_of_one_seeded_demo(tmp_path: Path):
    targets = [tmp_path / name for name in ("audit", "soak")]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda target: copy_seeded_demo(target / DATABASE_NAME, target / "var"), targets))

    assert [path.name for path in CACHE.glob("demo-*")] == [f"demo-{demo_key()}"]
    assert not list(CACHE.glob("partial-*"))
    seeded = organisations(CACHE / f"demo-{demo_key()}" / DATABASE_NAME)
    assert seeded > 0
    assert [organisations(target / DATABASE_NAME) for target in targets] == [seeded, seeded]
    assert (targets[0] / "var" / "private").is_dir()  # the uploaded files came with it

    with closing(sqlite3.connect(targets[0] / DATABASE_NAME)) as db, db:
        db.execute("delete from organisations_organisation")
    assert organisations(targets[1] / DATABASE_NAME) == seeded
