"""`python -m bench [name] [args…]` — runs one benchmark (default: all). `make bench` calls it."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ["payments"]


def main(argv: list[str]) -> int:
    names = [argv[0]] if argv and argv[0] in BENCHMARKS else BENCHMARKS
    rest = argv[1:] if argv and argv[0] in BENCHMARKS else argv
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        code = module.main(rest)
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
