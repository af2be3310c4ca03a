"""`python -m bench cpu`: what each read costs the web process itself, measured in one process, so that a busy
machine changes the answer little (wrk's req/s move with every other test suite on the machine).

    python -m bench cpu [--products 100000] [--requests 30] [--only KEY,…] [--json FILE]

Each target of bench/targets.py (the same list the load report measures) is called through Django's WSGI
handler, as gunicorn calls it, with the bench settings and the page cache off (the yardstick), first a few
times to warm the caches, then `--requests` times: the medians of the process's CPU time (time.process_time)
and of wall time per request, with the SQL queries and Redis round trips (bench/instrument.py) and the body's
bytes. A cold target (one with a rotation of paths) asks each of its paths in turn, warm-up included, after
the content its page keeps was forgotten: each request is for a subject not asked before in the run, as long
as there are more paths than requests (the `paths` column counts the timed requests' distinct paths). The
bare view (bench/bare) is measured the same way in a child process with the bare settings, and each row's
ratio is CPU(bare) / CPU(target): the share of the bare view's speed the target could reach if the web
process's CPU were all there was. Wall time adds PostgreSQL's and Redis's share on top. `planned anew` counts the
statements PostgreSQL planned for their values on the target's timed requests instead of keeping a plan
(`planned_anew`): each such request pays PostgreSQL's planning, which no other column shows.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.env import DEFAULT_PRODUCTS, ROOT, bench_database_url, child_env

WARMUP = 3
# The plans PostgreSQL makes for a prepared statement's values before it may keep one made for any values (a generic
# plan): past these it keeps the generic plan unless that looks costlier than those made for the values.
CUSTOM_PLAN_TRIALS = 5
BARE_PATH = "/ping"
Application = Callable[[dict[str, Any], Callable[..., Any]], Any]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Cost:
    key: str
    title: str
    status: int
    cpu_ms: float
    wall_ms: float
    queries: int | None
    redis: int | None
    bytes: int
    paths: int = 1  # distinct paths among the timed requests
    planned_anew: int = 0  # statements PostgreSQL planned for their values on every timed request (`planned_anew`)


def wsgi_environ(path: str, headers: Mapping[str, str], *, method: str = "GET", body: bytes = b"") -> dict[str, Any]:
    """A request for `path` as gunicorn hands it to the application (from 127.0.0.1, over plain HTTP)."""
    parts = urllib.parse.urlsplit(path)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": urllib.parse.unquote(parts.path, encoding="latin-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
    return environ


def call(
    application: Application, path: str, headers: Mapping[str, str], *, method: str = "GET", body: bytes = b""
) -> Answer:
    """One request through the WSGI application, its body read to the end (as a server sends it)."""
    started: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=int(status.split()[0]), headers=dict(response_headers))

    result = application(wsgi_environ(path, headers, method=method, body=body), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return Answer(status=started["status"], headers=started["headers"], body=body)


@dataclass(frozen=True)
class Measured:
    answer: Answer  # the last one
    status: int  # the worst (highest) status of the timed requests
    cpu_ms: float  # medians
    wall_ms: float
    paths: int  # distinct paths among the timed requests


def measure(application: Application, paths: Sequence[str], headers: Mapping[str, str], requests: int) -> Measured:
    """`requests` timed calls after WARMUP untimed ones, asking `paths` in turn (one path: that one each time)."""
    asked = [paths[n % len(paths)] for n in range(WARMUP + requests)]
    for path in asked[:WARMUP]:
        call(application, path, headers)
    cpu, wall, statuses = [], [], []
    for path in asked[WARMUP:]:
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        answer = call(application, path, headers)
        cpu.append(time.process_time() - cpu_before)
        wall.append(time.perf_counter() - wall_before)
        statuses.append(answer.status)
    return Measured(
        answer=answer,
        status=max(statuses),
        cpu_ms=statistics.median(cpu) * 1000,
        wall_ms=statistics.median(wall) * 1000,
        paths=len(set(asked[WARMUP:])),
    )


def _count(answer: Answer, header: str) -> int | None:
    value = answer.headers.get(header)
    return int(value) if value is not None else None


def bare_cost(requests: int) -> Cost:
    """The bare view, measured in a child process with bench/bare's settings (one process cannot hold two
    Django projects)."""
    env = {**child_env(bench_database_url()), "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "cpu", "--bare", "--requests", str(requests)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return Cost(**json.loads(completed.stdout.strip().splitlines()[-1]))


def _bare_main(requests: int) -> int:
    """In the child: measure the bare view and print its Cost as one JSON line."""
    import django
    from django.core.wsgi import get_wsgi_application

    django.setup()
    m = measure(get_wsgi_application(), [BARE_PATH], {}, requests)
    title = "bare Django JSON view (bench/bare)"
    cost = Cost("bare", title, m.status, m.cpu_ms, m.wall_ms, None, None, len(m.answer.body))
    print(json.dumps(asdict(cost)))
    return 0


def target_costs(products: int, requests: int, only: set[str]) -> list[Cost]:
    """Every target of bench/targets.py in this process, on the bench catalogue of `products`."""
    database_url = bench_database_url(products)
    from bench.env import setup_django

    setup_django(database_url, BENCH_PAGE_CACHE="off")
    from bench.instrument import QUERIES_HEADER, REDIS_HEADER
    from bench.report import prepare_fixtures
    from bench.targets import forget_kept, resolve
    from market.wsgi import application  # as a gunicorn worker loads it (URLs imported, the heap frozen)

    def fetch(path: str, headers: Mapping[str, str]) -> tuple[bytes, Mapping[str, str]]:
        answer = call(application, path, headers)
        return answer.body, answer.headers

    fixtures = prepare_fixtures()
    targets = resolve(
        fetch=fetch,
        products=products,
        subjects=fixtures["subjects"],
        rotation=fixtures["rotation"],
        lot_token=fixtures["lot_token"],
        buyer_cookie=fixtures["buyer_cookie"],
        fair_slug=fixtures["fair_slug"],
        fair_error=fixtures.get("fair_error", ""),
    )
    costs = []
    for target in targets:
        if target.skip or (only and target.key not in only):
            continue
        forget_kept(target.kept)
        plans_before = prepared_plans()
        m = measure(application, target.paths, target.headers, requests)
        anew = planned_anew(plans_before, prepared_plans())
        queries, redis = _count(m.answer, QUERIES_HEADER), _count(m.answer, REDIS_HEADER)
        costs.append(
            Cost(
                key=target.key,
                title=target.title,
                status=m.status,
                cpu_ms=m.cpu_ms,
                wall_ms=m.wall_ms,
                queries=queries,
                redis=redis,
                bytes=len(m.answer.body),
                paths=m.paths,
                planned_anew=anew,
            )
        )
        print(f"  {target.key}: {m.cpu_ms:.2f} ms CPU, {m.wall_ms:.2f} ms wall", file=sys.stderr, flush=True)
    return costs


Plans = dict[str, tuple[int, int]]


def prepared_plans() -> Plans:
    """(generic plans, custom plans) of each statement prepared on this process's database connection."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


def planned_anew(before: Plans, after: Plans) -> int:
    """How many statements PostgreSQL went on planning for their values between the two readings, past its trials and
    keeping no plan: its kept plan looked costlier than those made for the values, so each request pays the planning
    (the storefront's products paid ~0.3 ms of PostgreSQL's CPU so, until its lots' status and OFFSET were written
    in). A statement whose values should choose its plan is written with them (catalog.selectors.page_sql)."""
    anew = 0
    for statement, (generic, custom) in after.items():
        generic_before, custom_before = before.get(statement, (0, 0))
        if custom - custom_before > CUSTOM_PLAN_TRIALS and generic == generic_before:
            anew += 1
    return anew


def table(bare: Cost, costs: list[Cost]) -> str:
    """Markdown: each target's medians and its ratio to the bare view's CPU (and wall) time."""
    lines = [
        "| target | status | CPU ms | wall ms | CPU(bare)/CPU | wall(bare)/wall | queries | Redis | bytes | paths "
        "| planned anew |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cost in [bare, *costs]:
        lines.append(
            f"| {cost.key} | {cost.status} | {cost.cpu_ms:.2f} | {cost.wall_ms:.2f} "
            f"| {bare.cpu_ms / cost.cpu_ms if cost.cpu_ms else float('inf'):.3f} "
            f"| {bare.wall_ms / cost.wall_ms if cost.wall_ms else float('inf'):.3f} "
            f"| {'' if cost.queries is None else cost.queries} | {'' if cost.redis is None else cost.redis} "
            f"| {cost.bytes:,} | {cost.paths:,} | {cost.planned_anew} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench cpu", description=__doc__.split("\n\n")[0])
    p.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="which bench catalogue (generated first)")
    p.add_argument("--requests", type=int, default=30, help="timed requests per target (medians are taken)")
    p.add_argument("--only", default="", help="comma-separated target keys (bench/targets.py)")
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)  # the child that measures bench/bare
    args = p.parse_args(argv)
    if args.bare:
        return _bare_main(args.requests)
    from bench.report import ensure_catalogue

    ensure_catalogue(args.products, dict(os.environ))
    bare = bare_cost(args.requests)
    costs = target_costs(args.products, args.requests, {k.strip() for k in args.only.split(",") if k.strip()})
    print(f"{args.products:,} products, page cache off, median of {args.requests} requests after {WARMUP} warm-up")
    print(table(bare, costs))
    if args.json:
        args.json.write_text(json.dumps({"bare": asdict(bare), "targets": [asdict(c) for c in costs]}, indent=2))
    failed = [c.key for c in costs if c.status >= 400]
    if failed:
        print(f"answered with an error: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0
