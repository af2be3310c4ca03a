"""`python -m bench report` (what `make bench` runs): every scenario in one run, one JSON + one Markdown report.

    python -m bench report [--products 100000] [--scale 1000000] [--duration 8 --rounds 3]
                           [--only http|jobs|KEY,…] [--skip KEY,…]

1. Makes sure the catalogue exists (`bench catalog generate`, 100,000 products by default), starts a private
   Redis (cache and broker of this run alone) and three gunicorns with 2 sync workers each: the bare Django
   project (bench/bare), Market Link with the page caches off (the yardstick) and with them on.
2. Reads: every target (bench/targets.py) measured with wrk A/B against the bare view, round after round
   (bare, cache off, cache on); medians of rounds; the ratio to bare is the headline.
3. Writes and background work (bench/report/jobs.py): checkouts, the checkout race, the webhook storm with a
   real Celery worker, the meeting-booking race, reconciliation at 10k/100k/1M, the notification relay, the
   linkage report over 10,000 contracts and 200,000 deliveries (bench/linkage.py, its own database), the
   orders export over 1,000,000 rows (bench/exports.py, its own database).
4. `--scale 1000000` runs the reads again on a 1,000,000-product catalogue (generated when missing) and adds
   a comparison table.

Writes bench/results/<UTC time>.json and .md, copies the Markdown to bench/results/latest.md and prints it.
Exits 1 when a scenario failed or a race was not exact. `--render FILE.json` prints a saved report again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import wrk
from bench.env import DEFAULT_PRODUCTS, RESULTS, ROOT, bench_database_url, child_env, database_name, setup_django
from bench.machine import describe, load_average
from bench.servers import private_redis, start_gunicorn, stop

GROUPS = ("http", "jobs")


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench report", description=__doc__.split("\n\n")[0])
    p.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="catalogue size (generated when missing)")
    p.add_argument("--scale", default="", help="other catalogue sizes to measure the reads at, e.g. 1000000")
    p.add_argument("--duration", type=float, default=8, help="seconds per wrk run")
    p.add_argument("--rounds", type=int, default=3, help="A/B rounds (medians are taken over them)")
    p.add_argument("--warmup", type=float, default=2, help="seconds of wrk per target and mode before round 1")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--threads", type=int, default=2, help="wrk threads")
    p.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (bare and Market Link alike)")
    p.add_argument("--only", default="", help="comma-separated scenario keys, or http / jobs")
    p.add_argument(
        "--yardstick-only",
        action="store_true",
        help="reads with the page caches off only (the yardstick): no cache-on column, a third less time",
    )
    p.add_argument("--skip", default="", help="comma-separated scenario keys, or http / jobs")
    p.add_argument("--checkout-duration", type=float, default=20, help="seconds of checkouts")
    p.add_argument("--buyers", type=int, default=200, help="buyers placing checkouts")
    p.add_argument("--race", type=int, default=300, help="concurrent checkouts on one lot")
    p.add_argument("--race-stock", type=int, default=100, help="units in the raced lot")
    p.add_argument("--storm", type=int, default=1000, help="bank notifications in the webhook storm")
    p.add_argument("--drain-timeout", type=float, default=300, help="seconds to wait for the worker")
    p.add_argument("--meeting-buyers", type=int, default=200)
    p.add_argument("--meeting-exhibitors", type=int, default=20)
    p.add_argument("--reconciliation", default="10000,100000,1000000", help="payment counts")
    p.add_argument("--notifications", type=int, default=2000, help="e-mails through the relay")
    p.add_argument("--linkage-contracts", type=int, default=10_000, help="contracts in the linkage bench database")
    p.add_argument("--linkage-deliveries", type=int, default=200_000, help="deliveries in the linkage bench database")
    p.add_argument("--export-rows", type=int, default=1_000_000, help="orders in the export bench")
    p.add_argument("--export-formats", default="csv", help="comma-separated: csv, xlsx")
    p.add_argument("--results-dir", type=Path, default=RESULTS)
    p.add_argument("--render", type=Path, metavar="JSON", help="print the Markdown of a saved report and stop")
    p.add_argument("--part", choices=["all", "http"], default="all", help=argparse.SUPPRESS)
    p.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _keys(value: str) -> set[str]:
    return {k.strip() for k in value.split(",") if k.strip()}


def selected(key: str, group: str, args: argparse.Namespace) -> bool:
    only, skip = _keys(args.only), _keys(args.skip)
    if only and key not in only and group not in only:
        return False
    return key not in skip and group not in skip


def not_selected(key: str, title: str, kind: str) -> dict[str, Any]:
    return {"key": key, "title": title, "kind": kind, "status": "skipped", "note": "not selected in this run"}


def ensure_catalogue(products: int, outer_env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "bench", "catalog", "generate", "--products", str(products)],
        cwd=ROOT,
        env=outer_env,
        check=True,
    )


def run_size(args: argparse.Namespace, outer_env: dict[str, str], say: Any) -> dict[str, Any]:
    """Everything measured on one catalogue size (reads only with --part http)."""
    from bench.report import abtest, jobs
    from bench.targets import http_fetch, resolve

    database_url = bench_database_url(args.products)
    ensure_catalogue(args.products, outer_env)
    scratch = Path(tempfile.mkdtemp(prefix="bench-report-"))
    report: dict[str, Any] = {"scenarios": []}
    try:
        with private_redis(scratch) as extra:
            setup_django(database_url, **extra)
            fixtures = prepare_fixtures()
            report["machine"] = describe(database_url)
            report["catalogue"] = {**fixtures.pop("catalogue"), "database": database_name(database_url)}
            servers = start_servers(database_url, extra, args, scratch)
            try:
                targets = resolve(
                    fetch=http_fetch(servers.off.base),
                    products=args.products,
                    subjects=fixtures["subjects"],
                    rotation=fixtures["rotation"],
                    lot_token=fixtures["lot_token"],
                    buyer_cookie=fixtures["buyer_cookie"],
                    fair_slug=fixtures["fair_slug"],
                    fair_error=fixtures.get("fair_error", ""),
                )
                chosen = [
                    replace(t, cache_column=t.cache_column and not args.yardstick_only)
                    for t in targets
                    if selected(t.key, "http", args)
                ]
                rows, report["noise"] = abtest.measure(
                    chosen,
                    servers,
                    duration=args.duration,
                    rounds=args.rounds,
                    warmup=args.warmup,
                    connections=args.connections,
                    threads=args.threads,
                    workers=args.workers,
                    say=say,
                )
                measured = {r["key"]: r for r in rows}
                report["scenarios"] += [measured.get(t.key) or not_selected(t.key, t.title, "http") for t in targets]
                if args.part == "all":
                    context = jobs.Context(
                        server=servers.on,
                        env=child_env(database_url, BENCH_PAGE_CACHE="on", **extra),
                        outer_env=outer_env,
                        scratch=scratch,
                        options=job_options(args),
                        say=say,
                        fair=fixtures.get("fair"),
                        fair_error=fixtures.get("fair_error", ""),
                    )
                    report["scenarios"] += run_jobs(context, args, say)
            finally:
                for server in (servers.bare, servers.off, servers.on):
                    stop(server.process)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return report


def prepare_fixtures() -> dict[str, Any]:
    """What the targets point at, made in the bench database once (the fair) or per run (a token)."""
    from django.core.management import call_command

    from bench.fairs import ensure_fair
    from bench.fixtures import api_token, signed_in_buyer_cookie
    from bench.targets import pick_rotation, pick_subjects, start_versions
    from catalog.models import Product
    from market.organisations.models import Organisation, OrganisationKind

    call_command("migrate", verbosity=0)
    subjects = pick_subjects()
    rotation = pick_rotation()
    start_versions(rotation)
    cooperative = Organisation.objects.get(pk=subjects.cooperative_id)
    fixtures: dict[str, Any] = {
        "subjects": subjects,
        "rotation": rotation,
        "lot_token": api_token(cooperative, f"lots-{cooperative.pk}@bench.example"),
        "buyer_cookie": signed_in_buyer_cookie(),
        "catalogue": {
            "products": Product.objects.count(),
            "cooperatives": Organisation.objects.filter(kind=OrganisationKind.COOPERATIVE).count(),
        },
    }
    try:
        fair = ensure_fair()
        fixtures.update(fair=fair, fair_slug=fair.slug)
    except Exception as exc:  # a fairs change broke the setup: reported on the fair rows, the rest still runs
        fixtures.update(fair=None, fair_slug=None, fair_error=f"{type(exc).__name__}: {exc}")
    return fixtures


def start_servers(database_url: str, extra: dict[str, str], args: argparse.Namespace, scratch: Path) -> Any:
    from bench.report.abtest import Servers

    bare_env = {**child_env(database_url), "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}
    started = []
    try:
        started.append(
            start_gunicorn(
                name="bare",
                app="bench.bare.wsgi:application",
                env=bare_env,
                workers=args.workers,
                scratch=scratch,
                ready="/ping",
            )
        )
        for mode in ("off", "on"):
            env = child_env(database_url, BENCH_PAGE_CACHE=mode, **extra)
            started.append(
                start_gunicorn(
                    name=f"market-cache-{mode}",
                    app="market.wsgi:application",
                    env=env,
                    workers=args.workers,
                    scratch=scratch,
                    ready="/bench/ping",
                )
            )
    except BaseException:
        for server in started:
            stop(server.process)
        raise
    return Servers(*started)


def job_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "connections": args.connections,
        "checkout_duration": args.checkout_duration,
        "buyers": args.buyers,
        "race": args.race,
        "race_stock": args.race_stock,
        "storm": args.storm,
        "drain_timeout": args.drain_timeout,
        "meeting_buyers": args.meeting_buyers,
        "meeting_exhibitors": args.meeting_exhibitors,
        "reconciliation": [int(n) for n in args.reconciliation.split(",") if n.strip()],
        "notifications": args.notifications,
        "linkage_contracts": args.linkage_contracts,
        "linkage_deliveries": args.linkage_deliveries,
        "export_rows": args.export_rows,
        "export_formats": args.export_formats,
        "rounds": args.rounds,
    }


def run_jobs(context: Any, args: argparse.Namespace, say: Any) -> list[dict[str, Any]]:
    from bench.report.jobs import JOBS

    rows = []
    for key, (title, job) in JOBS.items():
        if not selected(key, "jobs", args):
            rows.append(not_selected(key, title, "job"))
            continue
        say(f"{title} …")
        try:
            row = job(context)
        except Exception as exc:  # reported as an error row; the other scenarios still run
            first_line = (str(exc).strip().splitlines() or [""])[0]
            row = {
                "key": key,
                "title": title,
                "kind": "job",
                "status": "error",
                "note": f"{type(exc).__name__}: {first_line}"[:300],
            }
            traceback.print_exc()
        say(f"{title}: {row['status']} {row.get('note', '')}")
        rows.append(row)
    return rows


def other_size(products: int, args: argparse.Namespace, outer_env: dict[str, str]) -> dict[str, Any]:
    """The reads on another catalogue size, in a process of its own (its own database and servers)."""
    out = Path(tempfile.mkdtemp(prefix="bench-scale-")) / "report.json"
    options = {
        "--products": products,
        "--duration": args.duration,
        "--rounds": args.rounds,
        "--warmup": args.warmup,
        "--connections": args.connections,
        "--threads": args.threads,
        "--workers": args.workers,
        "--only": args.only,
        "--skip": args.skip,
        "--part": "http",
        "--json-out": out,
    }
    command = [sys.executable, "-m", "bench", "report", *(["--yardstick-only"] if args.yardstick_only else [])]
    for name, value in options.items():
        command += [name, str(value)] if value != "" else []
    subprocess.run(command, cwd=ROOT, env=outer_env, check=True)
    return json.loads(out.read_text())


def failed(report: dict[str, Any]) -> list[str]:
    return [
        f"{r['key']}: {r['status']} {r.get('note', '')}"
        for r in report["scenarios"]
        if r["status"] == "error" or r.get("exact") is False
    ]


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.render:
        from bench.report.render import markdown

        print(markdown(json.loads(args.render.read_text())), end="")
        return 0
    if not wrk.available():
        print("wrk is missing: `make system-packages` installs it (Debian package wrk)", file=sys.stderr)
        return 2
    outer_env = dict(os.environ)

    def say(message: str) -> None:
        print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)

    before = load_average()
    when = datetime.now(UTC)
    report: dict[str, Any] = {
        "when": f"{when:%Y-%m-%d %H:%M} UTC",
        "command": " ".join(["python -m bench report", *argv]),
        "settings": {
            "duration_s": args.duration,
            "rounds": args.rounds,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "threads": args.threads,
            "workers": args.workers,
            "cache_column": not args.yardstick_only,
        },
    }
    report.update(run_size(args, outer_env, say))
    report["load_average"] = {"before": before, "after": load_average()}
    if args.part == "http":
        assert args.json_out is not None, "--part http writes to --json-out"
        args.json_out.write_text(json.dumps(report, indent=2, default=str))
        return 0
    report["scale"] = [
        other_size(int(n), args, outer_env) for n in args.scale.split(",") if n.strip() and int(n) != args.products
    ]
    report["load_average"]["after"] = load_average()
    from bench.report.render import markdown

    text = markdown(report)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stem = args.results_dir / f"{when:%Y%m%dT%H%M%SZ}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str, ensure_ascii=False))
    stem.with_suffix(".md").write_text(text)
    (args.results_dir / "latest.md").write_text(text)
    print("\n" + text)
    print(f"saved {stem.with_suffix('.json')} and .md (also latest.md)")
    problems = failed(report)
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    return 1 if problems else 0
