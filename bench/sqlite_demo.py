"""The demo as `make run` seeds it — a SQLite database and the files it uploaded — made once per code and day and
copied where a scratch stack wants it: the page audit, the soak and the `run_local` test each migrated and seeded
one from nothing (migrating SQLite alone costs over a minute of CPU).

Kept in var/demo-cache/demo-<key>; made under a lock, so that runs starting together seed it once and the others
wait to copy it; stored under a temporary name and renamed, so a half-made one is never copied.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.env import code_key, manage_py

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "demo-cache"
DATABASE_NAME = "market.sqlite3"
MACHINE = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH")


def demo_key() -> str:
    """Our code and the locked packages (bench.env.code_key), and the day: the demo's dates count from today."""
    day = datetime.now(UTC).date().isoformat()
    return hashlib.sha256(f"{day} {code_key()}".encode()).hexdigest()[:16]


def copy_seeded_demo(database: Path, files: Path) -> None:
    """The seeded demo into `database` and the folder `files` (MARKET_VAR_DIR), made first when this code has
    not seeded one today."""
    kept = CACHE / f"demo-{demo_key()}"
    if not kept.exists():
        with _locked():
            if not kept.exists():
                _make(kept)
    files.mkdir(parents=True, exist_ok=True)
    shutil.copytree(kept / "var", files, dirs_exist_ok=True)
    _copy_database(kept / DATABASE_NAME, database)


@contextmanager
def _locked() -> Iterator[None]:
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _make(kept: Path) -> None:
    """Seeded as `make run` seeds it, whatever the caller's environment says (a test database, a production
    setting, a mail server not yet listening): only the machine's own variables are passed on."""
    # Under the lock nobody else is making one: a partial-* folder is what a killed maker left.
    for stale in [*CACHE.glob("demo-*"), *CACHE.glob("partial-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    partial = Path(tempfile.mkdtemp(prefix="partial-", dir=CACHE))
    seeding = {name: os.environ[name] for name in MACHINE if name in os.environ} | {
        "DJANGO_SETTINGS_MODULE": "market.settings",
        "MARKET_ENV": "development",
        "DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{partial / DATABASE_NAME}",
        "MARKET_VAR_DIR": str(partial / "var"),
    }
    try:
        manage_py(seeding, "migrate", "--noinput", "-v0")
        manage_py(seeding, "seed_demo")
        (partial / "var").mkdir(exist_ok=True)
        partial.rename(kept)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's own backup: a whole, consistent copy whatever its write-ahead log still holds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as origin, closing(sqlite3.connect(target)) as copy:
        origin.backup(copy)
