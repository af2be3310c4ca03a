"""`python -m bench cpu` end to end on a tiny catalogue: every read target has a row with its costs and its ratio
to the bare view. Behaviour only — nothing here asserts a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from bench.cpu import CUSTOM_PLAN_TRIALS, Answer, call, planned_anew, prepared_plans
from tests.bench.test_report import READS, ROOT, bench_env, smoke_database_url


def test_every_read_has_its_cpu_time_queries_and_ratio_to_the_bare_view(tmp_path: Path):
    figures = tmp_path / "cpu.json"

    completed = subprocess.run(
        [sys.executable, "-m", "bench", "cpu", "--products", "300", "--requests", "2", "--json", str(figures)],
        cwd=ROOT,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr[-4000:]
    result = json.loads(figures.read_text())
    assert result["bare"]["status"] == 200
    assert result["bare"]["cpu_ms"] > 0
    rows = {row["key"]: row for row in result["targets"]}
    assert set(rows) == set(READS)  # the load report's targets (bench/targets.py), every one
    for key in READS:
        kept = key.endswith("-304")  # asked again with the ETag the first answer gave
        assert rows[key]["status"] == (304 if kept else 200), key
        assert rows[key]["cpu_ms"] > 0, key
        assert kept or rows[key]["bytes"] > 0, key
        assert rows[key]["queries"] is not None, key
        assert rows[key]["planned_anew"] == 0, key  # two requests: within PostgreSQL's trials
        assert f"| {key} | {rows[key]['status']} |" in completed.stdout
    assert "CPU(bare)/CPU" in completed.stdout
    assert "| planned anew |" in completed.stdout
    # The floor is what its title says: one statement and one Redis round trip, nothing else.
    assert (rows["floor"]["queries"], rows["floor"]["redis"]) == (1, 1)
    # The catalogue was vacuumed as autovacuum leaves a production database (a visibility map: index-only scans and
    # production's plans); the price tiers, which no bench writes, are all-visible.
    with psycopg.connect(smoke_database_url() + "_300_bench") as conn:  # bench.env.bench_database_url's name
        visible, pages = conn.execute(
            "SELECT relallvisible, relpages FROM pg_class WHERE relname = 'catalog_pricetier'"
        ).fetchone()
    assert visible == pages > 0


def test_a_wsgi_call_reads_the_whole_body_and_the_status():
    def application(environ, start_response):
        start_response("201 Created", [("X-Path", environ["PATH_INFO"] + "?" + environ["QUERY_STRING"])])
        return iter([b"a", b"b", environ["HTTP_AUTHORIZATION"].encode()])

    answer = call(application, "/api/v1/x/?q=g%E1%BA%A1o", {"Authorization": "Bearer t"})

    assert answer == Answer(status=201, headers={"X-Path": "/api/v1/x/?q=g%E1%BA%A1o"}, body=b"abBearer t")


@pytest.mark.django_db
@pytest.mark.parametrize(("mode", "anew"), [("force_custom_plan", 1), ("force_generic_plan", 0), ("auto", 0)])
def test_a_statement_planned_for_its_values_on_every_run_is_counted(mode: str, anew: int):
    """PostgreSQL planning a prepared statement anew past its trials (here forced to) is what `planned anew` counts;
    a statement whose plan is kept, or kept after the trials, is not."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET plan_cache_mode = {mode}")
        try:
            before = prepared_plans()
            for n in range(CUSTOM_PLAN_TRIALS + 6):
                cursor.execute("SELECT %s::integer + 1 AS planned_anew_probe", [n])
                assert cursor.fetchone() == (n + 1,)
            after = prepared_plans()
        finally:
            cursor.execute("RESET plan_cache_mode")
    assert any("planned_anew_probe" in statement for statement in after)
    assert planned_anew(before, after) == anew
