"""Where the benchmarks keep their data and how their processes are configured.

Every benchmark database is DATABASE_URL's database name + a suffix ending in "_bench", created when
missing, so a benchmark never touches real or test data:

    <name>_bench          the 100,000-product catalogue (`python -m bench catalog generate`)
    <name>_1m_bench       the 1,000,000-product catalogue (`--products 1000000`), and so on per size
    <name>_recon_bench    the reconciliation benchmark's payments (dropped and refilled per run)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/market"
DEFAULT_PRODUCTS = 100_000


def size_label(products: int) -> str:
    """100000 -> "100k", 1000000 -> "1m", 300 -> "300"."""
    for divisor, suffix in ((1_000_000, "m"), (1_000, "k")):
        if products >= divisor and products % divisor == 0:
            return f"{products // divisor}{suffix}"
    return str(products)


def bench_database_url(products: int = DEFAULT_PRODUCTS, *, purpose: str = "") -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(base)
    name = parts.path.lstrip("/").removesuffix("_bench")
    tag = purpose or ("" if products == DEFAULT_PRODUCTS else size_label(products))
    return urlunsplit(parts._replace(path=f"/{name}{'_' + tag if tag else ''}_bench"))


def default_cooperatives(products: int) -> int:
    """500 cooperatives up to 250,000 products, then one per 500 products (2,000 at 1,000,000)."""
    return max(500, products // 500)


def database_name(database_url: str) -> str:
    return urlsplit(database_url).path.lstrip("/")


def ensure_database(database_url: str, *, recreate: bool = False) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = database_name(database_url)
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to use {name!r} for a benchmark: its name must end in _bench")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}", flush=True)


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Market Link process under benchmark (gunicorn, Celery, a step in a subprocess)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
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
