"""Writes, races and background work: each job returns one report row (rate, latencies, errors, queries
and whether the outcome was exact), or a skip with its reason."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.env import ROOT
from bench.servers import Server, celery_worker


@dataclass
class Context:
    server: Server  # Market Link with production settings (page caches on)
    env: dict[str, str]  # the environment of Market Link processes (for a Celery worker)
    outer_env: dict[str, str]  # the environment `python -m bench report` started with (for subprocesses)
    scratch: Path
    options: dict[str, Any]
    say: Callable[[str], None]
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    fair: Any = None
    fair_error: str = ""


def answers(statuses: dict[str, int]) -> str:
    """{"201": 15, "409": 1} -> "201 × 15, 409 × 1"."""
    return ", ".join(f"{status} × {count}" for status, count in statuses.items() if count) or "none"


def row(key: str, title: str, **values: Any) -> dict[str, Any]:
    return {"key": key, "title": title, "kind": "job", "status": "ok", "note": "", **values}


def checkout(ctx: Context) -> dict[str, Any]:
    from bench.fixtures import buyers_with_tokens
    from bench.generate import analyse
    from bench.orders import orderable_products, run_checkouts

    buyers = buyers_with_tokens(ctx.options["buyers"], f"Bench {ctx.run_id}")
    products = orderable_products(5000)
    result = run_checkouts(
        ctx.server.base,
        [t for _o, t in buyers],
        products,
        duration=ctx.options["checkout_duration"],
        connections=ctx.options["connections"],
    )
    analyse("orders")
    return row(
        "checkout",
        "checkout, distinct products (API, 16 connections)",
        rate=result["checkouts_per_s"],
        unit="checkouts/s",
        p50_ms=result["p50_ms"],
        p95_ms=result["p95_ms"],
        p99_ms=result["p99_ms"],
        errors=result["errors"],
        queries=result["queries_per_checkout"],
        exact=None,
        note=f"{result['checkouts']} checkouts from {len(buyers)} buyers; {result['queries_per_cart_line']} queries "
        f"per cart line; answers {answers(result['statuses'])}",
        metrics=result,
    )


def checkout_race(ctx: Context) -> dict[str, Any]:
    from bench.fixtures import buyers_with_tokens
    from bench.generate import analyse
    from bench.orders import prepare_race, run_race

    racers = buyers_with_tokens(ctx.options["race"], f"Race {ctx.run_id}")
    lot_id = prepare_race(ctx.options["race_stock"], [o.pk for o, _t in racers])
    result = run_race(ctx.server.base, [t for _o, t in racers], lot_id)
    analyse("orders")
    return row(
        "checkout-race",
        f"{result['concurrent_checkouts']}-way checkout race on one lot",
        rate=None,
        errors=result["server_errors"],
        exact=result["exact"],
        note=f"sold {result['sold']} of {result['stock']}, {result['left']} left; {result['refused_409']} × 409; "
        f"answers {answers(result['statuses'])}; {result['seconds']} s",
        metrics=result,
    )


def webhook_storm(ctx: Context) -> dict[str, Any]:
    from bench.webhooks import storm

    with celery_worker(env=ctx.env, scratch=ctx.scratch, name="storm"):
        result = storm(
            ctx.server.base,
            total=ctx.options["storm"],
            connections=ctx.options["connections"],
            drain_timeout=ctx.options["drain_timeout"],
        )
    title = f"webhook storm, {ctx.options['storm']:,} bank notifications with duplicates"
    if "skipped" in result:
        return row("webhook-storm", title, status="skipped", note=result["skipped"])
    return row(
        "webhook-storm",
        title,
        rate=result["receive_per_s"],
        unit="received/s",
        p50_ms=result["p50_ms"],
        p95_ms=result["p95_ms"],
        p99_ms=result["p99_ms"],
        errors=sum(n for s, n in result["statuses"].items() if s != "200"),
        exact=result["exact"],
        note=f"{result['distinct']} distinct + {result['duplicates_sent']} duplicates; all processed by a Celery "
        f"worker {result['seconds_to_process']} s after the first; {result['payables_paid']} payables paid once, "
        f"{result['payables_overpaid']} overpaid; events {answers(result['events_by_status'])}",
        metrics=result,
    )


def meeting_race(ctx: Context) -> dict[str, Any]:
    from bench.fairs import meeting_race as race

    title = "meeting-booking race (one slot)"
    if ctx.fair is None:
        return row("meeting-race", title, status="error", note=f"no bench fair: {ctx.fair_error}")
    result = race(
        ctx.server.base, ctx.fair, buyers=ctx.options["meeting_buyers"], exhibitors=ctx.options["meeting_exhibitors"]
    )
    return row(
        "meeting-race",
        f"meeting-booking race: {result['buyers']} buyers, {result['exhibitors']} exhibitors, one slot",
        rate=None,
        errors=result["server_errors"],
        exact=result["exact"],
        note=f"{result['meetings']} meetings booked, {result['refused_409']} × 409; "
        f"answers {answers(result['statuses'])}; {result['seconds']} s",
        metrics=result,
    )


def reconciliation(ctx: Context) -> dict[str, Any]:
    from bench.payments import run

    sizes = ctx.options["reconciliation"]
    rows = run(sizes, progress=False)
    first, last = rows[0], rows[-1]
    growth = last["us_per_payment"] / first["us_per_payment"] if first["us_per_payment"] else None
    memory = f"peak memory +{first['peak_above_baseline_mb']} → +{last['peak_above_baseline_mb']} MB"
    return row(
        "reconciliation",
        f"reconciliation at {', '.join(f'{n:,}' for n in sizes)} payments",
        rate=round(last["payments"] / last["seconds"]) if last["seconds"] else None,
        unit="payments/s",
        errors=0,
        exact=None,
        note=f"time per payment ×{growth:.2f} from {sizes[0]:,} to {sizes[-1]:,}; {memory}"
        if growth is not None
        else memory,
        metrics={"sizes": rows},
    )


def notification_relay(ctx: Context) -> dict[str, Any]:
    result_file = ctx.scratch / "notifications.json"
    env = {**ctx.outer_env, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "notifications",
            "--count",
            str(ctx.options["notifications"]),
            "--result",
            str(result_file),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if not result_file.exists():
        return row(
            "notifications",
            "notification relay",
            status="error",
            note=f"exit {completed.returncode}: {(completed.stderr or completed.stdout).strip()[-500:]}",
        )
    result = json.loads(result_file.read_text())
    return row(
        "notifications",
        f"notification relay: {result['notifications']:,} e-mails, 2 workers, local SMTP",
        rate=result["sends_per_second"],
        unit="e-mails/s",
        errors=result["losses"] + result["duplicates"],
        exact=result["losses"] == 0 and result["duplicates"] == 0,
        note=f"{result['distinct_at_smtp']} arrived once, {result['duplicates']} duplicates, {result['losses']} lost; "
        f"all delivered {result['total_seconds']} s after the first was written",
        metrics=result,
    )


def linkage_report(ctx: Context) -> dict[str, Any]:
    """`python -m bench linkage` in a process of its own: it fills and reads its own database."""
    contracts, deliveries = ctx.options["linkage_contracts"], ctx.options["linkage_deliveries"]
    result_file = ctx.scratch / "linkage.json"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "linkage",
            "--contracts",
            str(contracts),
            "--deliveries",
            str(deliveries),
            "--rounds",
            str(ctx.options["rounds"]),
            "--result",
            str(result_file),
        ],
        cwd=ROOT,
        env={**ctx.outer_env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    title = "linkage report"
    if not result_file.exists():
        return row(
            "linkage-report",
            title,
            status="error",
            note=f"exit {completed.returncode}: {(completed.stderr or completed.stdout).strip()[-500:]}",
        )
    result = json.loads(result_file.read_text())
    page, csv, contract = result["report page"], result["report csv"], result["contract page (100 deliveries)"]
    return row(
        "linkage-report",
        f"linkage report page over {result['contracts']:,} contracts, {result['deliveries']:,} deliveries",
        rate=None,
        p50_ms=page["median_ms"],
        errors=0,
        queries=page["queries"],
        exact=None,
        note=f"worst {page['worst_ms']} ms; CSV median {csv['median_ms']} ms ({csv['queries']} queries); a contract "
        f"page with {result['busy_contract_deliveries']} deliveries median {contract['median_ms']} ms "
        f"({contract['queries']} queries); in process (Django's test client), median of the rounds",
        metrics=result,
    )


def export(ctx: Context) -> dict[str, Any]:
    """`python -m bench exports` in a process of its own (its own database): the orders export job, as a
    Celery worker runs it, over `export_rows` orders in each of `export_formats`."""
    rows, formats = ctx.options["export_rows"], ctx.options["export_formats"]
    result_file = ctx.scratch / "exports.json"
    command = ["-m", "bench", "exports", "--sizes", str(rows), "--formats", formats, "--result", str(result_file)]
    completed = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**ctx.outer_env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    title = f"{rows:,}-row export"
    if not result_file.exists():
        note = f"exit {completed.returncode}: {(completed.stderr or completed.stdout).strip()[-500:]}"
        return row("export", title, status="error", note=note)
    measured = json.loads(result_file.read_text())
    first = measured[0]
    return row(
        "export",
        f"{title} (orders, the export job as a worker runs it)",
        rate=first["rows_per_s"],
        unit="rows/s",
        errors=0,
        exact=all(m["rows"] == rows for m in measured),
        note="; ".join(
            f"{m['format'].upper()} {m['rows']:,} rows, {m['file_mb']} MB in {m['seconds']} s "
            f"({m['rows_per_s']:,} rows/s), peak memory +{m['peak_above_baseline_mb']} MB over {m['baseline_mb']} MB"
            for m in measured
        ),
        metrics={"formats": measured},
    )


NOT_BUILT: dict[str, tuple[str, str]] = {}

JOBS: dict[str, tuple[str, Callable[[Context], dict[str, Any]]]] = {
    "checkout": ("checkout, distinct products", checkout),
    "checkout-race": ("checkout race on one lot", checkout_race),
    "webhook-storm": ("webhook storm", webhook_storm),
    "meeting-race": ("meeting-booking race", meeting_race),
    "reconciliation": ("reconciliation", reconciliation),
    "notifications": ("notification relay", notification_relay),
    "linkage-report": ("linkage report", linkage_report),
    "export": ("1,000,000-row export", export),
}
