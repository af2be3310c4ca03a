"""Catalogue benchmarks (`python -m bench catalog …`; `make bench` runs them with the others).

    python -m bench catalog generate [--products 100000 --cooperatives 500]   fill the bench database
    python -m bench catalog run [--duration 20 --connections 16 --rounds 3]   gunicorn + wrk, print the table
    python -m bench catalog all                                                both (generate when needed)

The bench database is DATABASE_URL's database name + "_bench", created when missing, so a benchmark never
touches real or test data. The server is gunicorn (2 sync workers, persistent database connections,
Redis-backed throttles still counting) with `/bench/ping` mounted; wrk drives it from the same machine.
Results are printed and saved to bench/results/<timestamp>.json (not committed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/market"
TARGETS = [
    ("ping", "/bench/ping"),
    ("product list (24)", "/api/v1/products/?page_size=24"),
    ("search 'gao st25' + 2 filters", "/api/v1/products/?search=gao+st25&province=91&certificate=vietgap&page_size=24"),
]


def bench_database_url() -> str:
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parts = urlsplit(base)
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        name += "_bench"
    return urlunsplit(parts._replace(path="/" + name))


def child_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        MARKET_ENV="test",
        DATABASE_URL=database_url,
        MARKET_BENCH="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def ensure_database(database_url: str, *, recreate: bool = False) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    assert name.endswith("_bench"), name
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(database_url: str) -> None:
    os.environ.update(child_env(database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def cmd_generate(args: argparse.Namespace) -> dict:
    database_url = bench_database_url()
    ensure_database(database_url, recreate=args.recreate)
    setup_django(database_url)
    from django.core.management import call_command

    from bench.generate import existing_size, generate

    call_command("migrate", verbosity=0)
    have = existing_size()
    if have >= args.products:
        print(f"bench database already holds {have} products (--recreate starts again)")
        return {"products": have}
    if have:
        raise SystemExit(f"bench database holds {have} products, fewer than asked: use --recreate")
    print(f"generating {args.products} products for {args.cooperatives} cooperatives into {database_url}")
    summary = generate(products=args.products, cooperatives=args.cooperatives)
    print(json.dumps(summary, indent=2))
    return summary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"server did not answer at {url}")


def parse_wrk(output: str) -> dict[str, float]:
    def ms(value: str, unit: str) -> float:
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    return {
        "rps": rps,
        "p50_ms": ms(*p50.groups()),
        "p99_ms": ms(*p99.groups()),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
    }


def run_wrk(url: str, *, duration: int, connections: int, threads: int) -> dict[str, float]:
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(output)


def serve(database_url: str, workers: int, extra_env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "market.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**child_env(database_url), **extra_env},
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/bench/ping", server)
    except BaseException:
        stop(server)
        raise
    return server, base


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


# How the catalogue endpoints are served in each mode (the ping is measured in every mode).
MODES = {
    "cached": {"CATALOG_LIST_CACHE_SECONDS": "60"},  # the production setting
    "uncached": {"CATALOG_LIST_CACHE_SECONDS": "0"},  # every request does the database work
}


def cmd_run(args: argparse.Namespace) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    database_url = bench_database_url()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    report: dict = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database_url.rsplit("@", 1)[-1],
        "connections": args.connections,
        "duration_s": args.duration,
        "rounds": args.rounds,
        "workers": args.workers,
        "modes": {},
    }
    for mode in modes:
        server, base = serve(database_url, args.workers, MODES[mode])
        results: dict[str, list[dict[str, float]]] = {name: [] for name, _path in TARGETS}
        try:
            for _name, path in TARGETS:  # warm every worker's connections and caches
                run_wrk(base + path, duration=3, connections=args.connections, threads=2)
            for round_number in range(1, args.rounds + 1):
                for name, path in TARGETS:
                    result = run_wrk(base + path, duration=args.duration, connections=args.connections, threads=2)
                    results[name].append(result)
                    print(
                        f"{mode} round {round_number} {name:32} {result['rps']:8.0f} req/s  "
                        f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                        f"non-2xx {result['non_2xx']}",
                        flush=True,
                    )
        finally:
            stop(server)
        summary = {
            name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()
        }
        report["modes"][mode] = {"median": summary, "runs": results}
    print(
        f"\nmedians of {args.rounds} rounds, {args.connections} connections, {args.duration} s each, "
        f"gunicorn {args.workers} sync workers:"
    )
    print(f"{'mode':9} {'endpoint':34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'× ping':>7}")
    for mode, data in report["modes"].items():
        ping = data["median"]["ping"]["rps"]
        for name, values in data["median"].items():
            print(
                f"{mode:9} {name:34} {values['rps']:8.0f} {values['p50_ms']:8.1f} {values['p99_ms']:8.1f} "
                f"{values['rps'] / ping:7.2f}"
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"saved {out.relative_to(ROOT)}")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench catalog", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    for name in ("generate", "all"):
        p = sub.add_parser(name)
        p.add_argument("--products", type=int, default=100_000)
        p.add_argument("--cooperatives", type=int, default=500)
        p.add_argument("--recreate", action="store_true", help="drop the bench database and generate it again")
    for name in ("run", "all"):
        p = sub.choices[name] if name in sub.choices else sub.add_parser(name)
        p.add_argument("--duration", type=int, default=20, help="seconds per endpoint per round")
        p.add_argument("--connections", type=int, default=16)
        p.add_argument("--rounds", type=int, default=3)
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--modes", default="cached,uncached", help="comma-separated: cached, uncached")
    args = parser.parse_args(argv)
    command = args.command or "all"
    if command == "all" and not hasattr(args, "products"):
        args = parser.parse_args(["all", *(argv or [])])
    if command in ("generate", "all"):
        if command == "all":
            # Generating needs Django in this process; the run happens in gunicorn children.
            extra = ["--recreate"] if args.recreate else []
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench",
                    "catalog",
                    "generate",
                    "--products",
                    str(args.products),
                    "--cooperatives",
                    str(args.cooperatives),
                    *extra,
                ],
                check=True,
                cwd=ROOT,
            )
        else:
            cmd_generate(args)
    if command in ("run", "all"):
        cmd_run(args)
    return 0
