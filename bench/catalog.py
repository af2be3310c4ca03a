"""The bench catalogue (`python -m bench catalog …`).

    python -m bench catalog generate [--products 100000] [--cooperatives N] [--recreate]
    python -m bench catalog run [report options]     the reads only: `python -m bench report --only http`

`generate` fills <name>_bench (100,000 products) or <name>_<size>_bench for another size (1m for 1,000,000),
creating and migrating it when missing; when the catalogue is already there it only migrates and vacuums it.
Cooperatives default to 500, and one per 500 products past 250,000 (2,000 at 1,000,000)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.env import DEFAULT_PRODUCTS, bench_database_url, default_cooperatives, ensure_database, setup_django


def generate_command(args: argparse.Namespace) -> dict[str, Any]:
    database_url = bench_database_url(args.products)
    ensure_database(database_url, recreate=args.recreate)
    setup_django(database_url)
    from django.core.management import call_command

    from bench.generate import existing_size, generate

    call_command("migrate", verbosity=0)
    have = existing_size()
    if have:
        print(f"{database_url.rsplit('/', 1)[-1]} already holds {have:,} products (--recreate starts again)")
        summary: dict[str, Any] = {"products": have}
    else:
        cooperatives = args.cooperatives or default_cooperatives(args.products)
        what = f"{args.products:,} products for {cooperatives:,} cooperatives"
        print(f"generating {what} into {database_url}", flush=True)
        summary = generate(products=args.products, cooperatives=cooperatives)
        print(json.dumps(summary, indent=2))
    vacuum()
    return summary


def vacuum() -> None:
    """VACUUM (ANALYZE) the catalogue, as autovacuum leaves a production database after its inserts. Where autovacuum
    is off (this machine's PostgreSQL), a generated catalogue had no visibility map: no index-only scan was possible,
    and the plans PostgreSQL chose, planned and kept were not production's (the list's cards were planned anew for
    every request there, kept here). Quick once done: pages already all-visible are skipped."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def main(argv: list[str]) -> int:
    if argv[:1] == ["run"]:
        from bench import report

        return report.main(["--only", "http", *argv[1:]])
    parser = argparse.ArgumentParser(prog="python -m bench catalog", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="fill the bench catalogue (once)")
    p.add_argument("--products", type=int, default=DEFAULT_PRODUCTS)
    p.add_argument("--cooperatives", type=int, default=0, help="default: 500, or products / 500 when more")
    p.add_argument("--recreate", action="store_true", help="drop the bench database and generate it again")
    sub.add_parser("run", help="the reads against the bare view (python -m bench report --only http)")
    generate_command(parser.parse_args(argv))
    return 0
