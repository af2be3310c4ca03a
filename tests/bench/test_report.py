"""The benchmark harness end to end on a tiny catalogue: every scenario is in the report, with figures or
the reason it was skipped. Behaviour only — no assertion here is about speed.

Its databases are <name>_smoke_*_bench (kept between runs: the migrated template and the 300-product
catalogue are made once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench import env
from tests.db_template import current_template

ROOT = Path(__file__).resolve().parents[2]

READS = (
    "ping",
    "floor",
    "api-list",
    "api-deep",
    "api-search-filters",
    "api-search-many",
    "api-category-price",
    "api-product",
    "api-lot",
    "api-trace",
    "page-catalogue",
    "page-catalogue-search",
    "page-product",
    "page-storefront",
    "page-trace",
    "page-fair-plan",
    "page-fair",
    "fair-plan-svg",
    "page-fair-plan-br",
    # A different product, lot or cooperative each request (bench/targets.py: no kept content reused).
    "api-product-cold",
    "api-trace-cold",
    "page-product-cold",
    "page-storefront-cold",
    "page-trace-cold",
    # A signed-in buyer's pages (a session cookie).
    "page-catalogue-buyer",
    "page-product-buyer",
    "page-product-cold-buyer",
    # Asked again with the ETag of a page or answer kept by the browser (conditional GET).
    "api-product-304",
    "page-catalogue-search-304",
    "page-product-304",
    "page-trace-304",
)
# The reads measured under wrk here: one of each kind of target (plain, searched, a token, a signed-in cookie, a
# different object each request, a revalidation, the fair). Each second of wrk keeps both cores busy, and every
# read's answer, statements and CPU are checked in process for all of READS by tests/bench/test_cpu.py.
MEASURED = (
    "ping",
    "api-list",
    "api-search-filters",
    "api-lot",
    "page-catalogue",
    "page-trace",
    "page-product-cold",
    "page-catalogue-buyer",
    "page-product-304",
    "page-fair",
)
JOBS = (
    "checkout",
    "checkout-race",
    "webhook-storm",
    "meeting-race",
    "reconciliation",
    "notifications",
    "linkage-report",
    "export",
)
TINY = [
    "--only",
    ",".join([*MEASURED, "jobs"]),
    "--products",
    "300",
    "--duration",
    "1",
    "--rounds",
    "1",
    "--warmup",
    "0",
    "--checkout-duration",
    "2",
    "--buyers",
    "8",
    "--race",
    "12",
    "--race-stock",
    "4",
    "--storm",
    "30",
    "--meeting-buyers",
    "12",
    "--meeting-exhibitors",
    "3",
    "--reconciliation",
    "1000,2000",
    "--notifications",
    "20",
    "--linkage-contracts",
    "20",
    "--linkage-deliveries",
    "1000",
    "--export-rows",
    "200",
    "--export-formats",
    "csv,xlsx",
]


def smoke_database_url() -> str:
    """The bench databases of this test are named after DATABASE_URL's + "_smoke" (never the test database)."""
    parts = urlsplit(env.base_database_url())
    return urlunsplit(parts._replace(path=parts.path + "_smoke"))


def bench_env() -> dict[str, str]:
    """The environment of a `python -m bench` process run by a test: its databases named after the smoke one and
    copied from the tests' migrated template (no second migration in a run)."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    child_env.update(BENCH_DATABASE_URL=smoke_database_url(), PYTHONPATH=str(ROOT))
    if template := current_template():
        child_env["BENCH_TEMPLATE_DATABASE"] = template
    return child_env


def run_report(arguments: list[str], results: Path) -> tuple[dict, str, subprocess.CompletedProcess[str]]:
    """(the report's JSON, its Markdown, the finished process) of `python -m bench report` with `arguments`."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "report", *arguments, "--results-dir", str(results)],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    reports = sorted(results.glob("*.json"))
    assert reports, (
        f"no report written (exit {completed.returncode}):\n{completed.stdout[-4000:]}\n{completed.stderr[-4000:]}"
    )
    assert (results / "latest.md").read_text() == reports[-1].with_suffix(".md").read_text()
    return json.loads(reports[-1].read_text()), reports[-1].with_suffix(".md").read_text(), completed


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, subprocess.CompletedProcess[str]]:
    return run_report(TINY, tmp_path_factory.mktemp("bench-results"))


def test_every_scenario_has_figures_or_a_reason(report):
    data, _markdown, completed = report
    rows = {row["key"]: row for row in data["scenarios"]}

    assert sorted(rows) == sorted(READS + JOBS)
    assert len(data["scenarios"]) == len(rows)
    for row in data["scenarios"]:
        assert row["status"] in {"ok", "skipped"}, f"{row['key']}: {row['status']} {row.get('note')}"
        if row["status"] == "skipped":
            assert row["note"].strip(), f"{row['key']} skipped without a reason"
    assert {key for key, row in rows.items() if row.get("note") == "not selected in this run"} == set(READS) - set(
        MEASURED
    )
    assert completed.returncode == 0, completed.stderr[-4000:]


def test_reads_are_measured_against_the_bare_view_with_their_costs(report):
    data, _markdown, _completed = report
    reads = [r for r in data["scenarios"] if r["kind"] == "http" and r["status"] == "ok"]

    assert {r["key"] for r in reads} == set(MEASURED)
    for row in reads:
        assert row["bare"]["rps"] > 0
        figures = row["off"]
        assert figures["ratio"] is not None
        # A revalidated read (304) has no body; every other read has one.
        assert (figures["bytes"] == 0) is row["key"].endswith("-304"), row["key"]
        assert figures["queries"] is not None
        assert figures["redis"] is not None
        assert figures["alone_ms"] > 0
        if figures["requests"]:
            assert figures["rps"] > 0
            assert figures["p99_ms"] >= figures["p50_ms"] > 0
        else:  # too slow to answer within the run: said so, never a made-up latency
            assert figures["runs_without_an_answer"] == len(row["rounds"])
            assert figures["p99_ms"] is None
        assert len(row["rounds"]) == 1
        assert set(row["rounds"][0]) == {"bare", *row["modes"]}
    catalogue = next(r for r in reads if r["key"] == "api-list")
    assert catalogue["on"]["rps"] > 0  # the bonus column: the same target with the page cache on
    assert catalogue["off"]["queries"] > 0
    assert next(r for r in reads if r["key"] == "ping")["off"]["queries"] == 0


def test_writes_races_and_background_work_are_exact(report):
    data, _markdown, _completed = report
    rows = {r["key"]: r for r in data["scenarios"]}

    assert rows["checkout"]["rate"] > 0
    assert rows["checkout"]["queries"] > 0
    for key in ("checkout-race", "webhook-storm", "meeting-race", "notifications"):
        assert rows[key]["exact"] is True, rows[key]["note"]
    assert rows["checkout-race"]["metrics"]["sold"] == "4"
    assert rows["webhook-storm"]["metrics"]["duplicates_sent"] > 0
    assert [s["n"] for s in rows["reconciliation"]["metrics"]["sizes"]] == [1000, 2000]
    assert rows["export"]["exact"] is True, rows["export"]["note"]
    assert [(m["format"], m["rows"]) for m in rows["export"]["metrics"]["formats"]] == [("csv", 200), ("xlsx", 200)]


def test_the_report_says_where_and_how_it_was_measured(report):
    data, markdown, _completed = report

    machine = data["machine"]
    assert machine["cores"] >= 1
    assert machine["postgresql"]
    assert machine["django"]
    assert machine["cpu"]
    assert len(data["load_average"]["before"]) == len(data["load_average"]["after"]) == 3
    assert data["catalogue"]["products"] == 300
    assert data["noise"]["runs"] > 0
    assert data["noise"]["rps_median"] > 0
    assert data["command"].startswith(f"python -m bench report --only {','.join([*MEASURED, 'jobs'])} --products 300")
    for row in data["scenarios"]:
        assert row["title"] in markdown


def test_a_yardstick_only_run_measures_the_reads_with_the_page_caches_off_only(tmp_path: Path):
    data, markdown, completed = run_report(
        ["--only", "api-list", "--products", "300", "--scale", "400", "--duration", "1", "--rounds", "1",
         "--warmup", "0", "--yardstick-only"],
        tmp_path,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr[-4000:]
    (scale,) = data["scale"]  # the other catalogue size, measured in a process of its own
    for size in (data, scale):
        (row,) = [r for r in size["scenarios"] if r["status"] == "ok"]
        assert row["key"] == "api-list"
        assert row["modes"] == ["off"]
        assert "on" not in row
        assert set(row["rounds"][0]) == {"bare", "off"}
        assert row["off"]["ratio"] is not None
    assert scale["catalogue"]["products"] == 400
    assert row["title"] in markdown
    assert "alternating bare → cache off per target" in markdown
