"""`python -m bench [name] [options]`: one benchmark; with no name, the whole report (`make bench`).

    python -m bench report …          every scenario, A/B against a bare Django view; writes the report
    python -m bench catalog generate  the 100,000-product catalogue (--products 1000000 for the big one)
    python -m bench cpu               each read's CPU time in one process against the bare view's (load-insensitive)

Each benchmark is a module with `main(argv) -> int`; add yours to BENCHMARKS."""

from __future__ import annotations

import importlib
import os
import sys

BENCHMARKS = {
    "report": "bench.report",
    "catalog": "bench.catalog",
    "cpu": "bench.cpu",
    "exports": "bench.exports",
    "linkage": "bench.linkage",
    "notifications": "bench.notifications",
    "orders": "bench.orders",
    "payments": "bench.payments",
    "soak": "bench.soak",
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("benchmarks:", ", ".join(sorted(BENCHMARKS)))
        return 0
    # The generators load and index up to 1,000,000 products in statements that run for minutes: the site's
    # 30-second statement limit (market/settings.py) is not for them.
    os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_SECONDS", "0")
    name, rest = (argv[0], argv[1:]) if argv and not argv[0].startswith("-") else ("report", argv)
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}; choose from: {', '.join(sorted(BENCHMARKS))}", file=sys.stderr)
        return 2
    return importlib.import_module(BENCHMARKS[name]).main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
