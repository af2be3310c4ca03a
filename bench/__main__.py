"""`python -m bench [name] [options]`: run one benchmark, or all of them with their defaults (`make bench`).

Each benchmark is a module with `main(argv) -> int`; add yours to BENCHMARKS."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "catalog": "bench.catalog",
    "linkage": "bench.linkage",
    "notifications": "bench.notifications",
    "orders": "bench.orders",
    "payments": "bench.payments",
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in {"-h", "--help"}:
        print(__doc__)
        print("benchmarks:", ", ".join(sorted(BENCHMARKS)))
        return 0
    if argv and argv[0] not in BENCHMARKS:
        print(f"unknown benchmark {argv[0]!r}; choose from: {', '.join(sorted(BENCHMARKS))}", file=sys.stderr)
        return 2
    chosen = [argv[0]] if argv else sorted(BENCHMARKS)
    status = 0
    for name in chosen:
        module = importlib.import_module(BENCHMARKS[name])
        status = max(status, module.main(argv[1:] if argv else []))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
