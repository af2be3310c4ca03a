"""Where the benchmarks keep their data and how their processes are configured.

Every benchmark database is DATABASE_URL's database name + a suffix ending in "_bench", created when
missing, so a benchmark never touches real or test data:

    <name>_bench          the 100,000-product catalogue (`python -m bench catalog generate`)
    <name>_1m_bench       the 1,000,000-product catalogue (`--products 1000000`), and so on per size
    <name>_recon_bench    the reconciliation benchmark's payments (truncated and refilled per size)
    <name>_notify_bench   the notification relay's people and outbox (made afresh per run)
    <name>_template_bench an empty, migrated database the others are cloned from (CREATE DATABASE … TEMPLATE
                          copies it in a fraction of a second; migrating a fresh one takes half a minute)
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/market"
DEFAULT_PRODUCTS = 100_000


NOT_RUN = ("tests", "bench")  # our packages that no running Market Link imports
# What the tests' migrated template is made of besides our packages: their settings and the test-only app they add,
# with a model and migrations of its own (tests/payables). A change there must make the template again too.
TESTS_MIGRATE = ("tests/settings.py", "tests/payables")


def code_key(root: Path = ROOT) -> str:
    """A digest of what running Market Link is made of: our packages' Python code and the locked packages, and what
    the tests' template adds (TESTS_MIGRATE). What is made by running it and kept (the audit's seeded demo, the
    tests' migrated template, the bench's) is made again when it changes."""
    digest = hashlib.sha256()
    packages = [d for d in sorted(root.iterdir()) if (d / "__init__.py").exists() and d.name not in NOT_RUN]
    packages += [root / name for name in TESTS_MIGRATE]
    for path in [root / "uv.lock", *(path for package in packages for path in _python_files(package))]:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _python_files(path: Path) -> list[Path]:
    """The Python modules at `path`: not `page.html.py`, which Django's makemessages writes for a moment beside each
    template it reads (tests/test_translations.py runs it over the tree while other tests compare keys)."""
    found = [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [module for module in found if "." not in module.stem]


def size_label(products: int) -> str:
    """100000 -> "100k", 1000000 -> "1m", 300 -> "300"."""
    for divisor, suffix in ((1_000_000, "m"), (1_000, "k")):
        if products >= divisor and products % divisor == 0:
            return f"{products // divisor}{suffix}"
    return str(products)


def base_database_url() -> str:
    """The database the bench names derive from: BENCH_DATABASE_URL, else DATABASE_URL (child processes of
    the bench get BENCH_DATABASE_URL, since their DATABASE_URL is already a bench database)."""
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def bench_database_url(products: int = DEFAULT_PRODUCTS, *, purpose: str = "") -> str:
    parts = urlsplit(base_database_url())
    name = parts.path.lstrip("/").removesuffix("_bench")
    tag = purpose or ("" if products == DEFAULT_PRODUCTS else size_label(products))
    return urlunsplit(parts._replace(path=f"/{name}{'_' + tag if tag else ''}_bench"))


def default_cooperatives(products: int) -> int:
    """500 cooperatives up to 250,000 products, then one per 500 products (2,000 at 1,000,000)."""
    return max(500, products // 500)


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def _admin(database_url: str) -> str:
    return urlunsplit(urlsplit(database_url)._replace(path="/postgres"))


def _exists(conn: psycopg.Connection, name: str) -> bool:
    return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


# Any constant: with a digest of the database's name, the advisory lock under which one process at a time checks and
# makes that database (the maker of another does not wait for it).
_MADE_LOCK = 7_414_263


def made_key(conn: psycopg.Connection, name: str) -> str | None:
    """The key a made database was made at (its COMMENT), None when there is no such database."""
    row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
    found = row.fetchone()
    return None if found is None else found[0] or ""


@contextmanager
def made_database(
    database_url: str, key: str, make: Callable[[], None], *, template: str | None = None, ready: bool = True
) -> Iterator[None]:
    """Inside: `database_url`'s database as `make` leaves it, made at `key`. It is made again (dropped, created from
    `template` or empty, made) unless its COMMENT is `key` and it is `ready` (what the caller keeps beside it exists);
    the key is written last, so a database whose making did not finish is never taken for a made one. Held under an
    advisory lock: parallel test workers and bench steps wait for one maker and find it made, no one remakes it while
    another reads it, and a current one costs one query."""
    name = database_name(database_url)
    with _locked_name(database_url) as admin:
        if not (ready and made_key(admin, name) == key):
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            copied = sql.SQL(" TEMPLATE {}").format(sql.Identifier(template)) if template else sql.SQL("")
            admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), copied))
            make()
            admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(key)))
        yield


@contextmanager
def _locked_name(database_url: str) -> Iterator[psycopg.Connection]:
    """An admin connection holding the advisory lock of `database_url`'s database name: one process at a time
    checks, drops and creates it."""
    name = database_name(database_url)
    with psycopg.connect(_admin(database_url), autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", [_MADE_LOCK, name])
        try:
            yield admin
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [_MADE_LOCK, name])


def run_manage(database_url: str, settings_module: str, *command: str, **extra_env: str) -> str:
    """`manage.py <command>` on `database_url`'s database with `settings_module` (without pytest's variables: a
    worker id would shift the Redis databases a second time, tests/settings.py); what it printed, or an error with
    its output."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env |= {"DATABASE_URL": database_url, "MARKET_ENV": "test", "DJANGO_SETTINGS_MODULE": settings_module}
    env |= {"PYTHONPATH": str(ROOT), **extra_env}
    return manage_py(env, *command, on=database_name(database_url))


def manage_py(env: dict[str, str], *command: str, on: str = "") -> str:
    """`manage.py <command>` with exactly `env`; what it printed, or an error with its output."""
    done = subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        where = f" on {on}" if on else ""
        raise RuntimeError(f"{command[0]}{where} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def migrated(database_url: str, *, settings_module: str = "market.settings") -> None:
    """Make `database_url`'s database an empty one migrated at this code (code_key) unless it is one already: a
    current one costs one query, not a `manage.py migrate` process that finds nothing to do."""

    def make() -> None:
        run_manage(database_url, settings_module, "migrate", "--noinput", "-v0")

    with made_database(database_url, code_key()[:16], make):
        pass


def migrated_template() -> str:
    """The name of an empty database migrated at this code that bench databases are copied from: the one
    BENCH_TEMPLATE_DATABASE names (the test suite names its own template, made by its first worker, so a run migrates
    once), else the bench's own, made or made again when the code changed."""
    given = os.environ.get("BENCH_TEMPLATE_DATABASE")
    if not given:
        url = bench_database_url(purpose="template")
        migrated(url)
        return database_name(url)
    with psycopg.connect(_admin(base_database_url()), autocommit=True) as admin:
        if made_key(admin, given) != code_key()[:16]:
            raise SystemExit(f"BENCH_TEMPLATE_DATABASE={given} is not a database migrated at this code")
    return given


def ensure_database(database_url: str, *, recreate: bool = False) -> None:
    """Create the bench database when missing (or again with recreate), as a copy of the migrated template."""
    name = database_name(database_url)
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to use {name!r} for a benchmark: its name must end in _bench")
    # Under the name's lock: two bench runs (a report's steps, parallel tests) never create one database at once.
    with _locked_name(database_url) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if _exists(conn, name):
            return
        template = migrated_template()  # the template's own lock: another name
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    print(f"created database {name} (a copy of {template})", flush=True)


def drop_database(database_url: str) -> None:
    name = database_name(database_url)
    assert name.endswith("_bench"), name
    with psycopg.connect(_admin(database_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Market Link process under benchmark (gunicorn, Celery, a step in a subprocess)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        BENCH_DATABASE_URL=base_database_url(),
        DJANGO_SETTINGS_MODULE="bench.settings",
        MARKET_ENV="test",
        DATABASE_URL=database_url,
        MARKET_BENCH="1",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


def setup_django(database_url: str, **extra: str) -> None:
    """Configure this process as a Market Link process on the bench database."""
    os.environ.update(child_env(database_url, **extra))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
