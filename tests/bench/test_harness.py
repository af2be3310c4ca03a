"""The harness's own pieces: reading wrk's summary, naming bench databases, loading rows with COPY."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bench import env, wrk
from bench.generate import Table, public_lot_id
from catalog.models import Product

SUMMARY = {
    "requests": 2000, "duration_us": 1_000_000, "bytes": 350_000, "connect": 0, "read": 2, "write": 0, "status": 3,
    "timeout": 1, "p50_us": 2100, "p95_us": 4000, "p99_us": 9000, "max_us": 12000, "mean_us": 2300.5,
}  # fmt: skip
WRK_OUTPUT = (
    f"Running 1s test @ http://127.0.0.1:1/ping\n  2 threads and 16 connections\n{wrk.MARKER}{json.dumps(SUMMARY)}\n"
)


def test_wrk_summary_counts_answers_that_are_not_2xx_or_3xx_and_socket_errors_as_errors():
    result = wrk.parse(WRK_OUTPUT)

    assert result.rps == 2000
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (2.1, 4.0, 9.0)
    assert result.bytes_per_request == 175
    assert (result.status_errors, result.socket_errors, result.errors) == (3, 3, 6)


def test_wrk_without_a_summary_is_an_error_not_a_zero():
    with pytest.raises(RuntimeError, match="no summary"):
        wrk.parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_bench_databases_are_named_after_the_configured_one_and_never_touch_it(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h:5432/market")

    assert env.bench_database_url().endswith("/market_bench")
    assert env.bench_database_url(1_000_000).endswith("/market_1m_bench")
    assert env.bench_database_url(300).endswith("/market_300_bench")
    assert env.bench_database_url(purpose="recon").endswith("/market_recon_bench")
    # A child process of the bench, already on a bench database, names the others after the original.
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h:5432/market_1m_bench")
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u@h:5432/market")
    assert env.bench_database_url(purpose="recon").endswith("/market_recon_bench")
    with pytest.raises(SystemExit, match="must end in _bench"):
        env.ensure_database("postgres://u@h:5432/market")


def test_public_lot_ids_are_unique_and_fit_the_column():
    ids = {public_lot_id(n) for n in range(1, 200_001)}

    assert len(ids) == 200_000
    assert {len(i) for i in ids} == {10}


@pytest.mark.django_db
def test_copy_names_the_required_columns_the_generator_does_not_fill():
    with pytest.raises(RuntimeError, match=r"does not fill .*Product\.cooperative_id.*add it to the generator"):
        Table(Product, datetime.now(UTC)).copy([{"id": 1, "name_vi": "Gạo ST25"}])


def test_a_run_in_which_no_request_completed_has_no_latency_rather_than_zero():
    silent = {**SUMMARY, "requests": 0, "bytes": 0, "p50_us": 0, "p95_us": 0, "p99_us": 0, "max_us": 0}
    result = wrk.parse(f"{wrk.MARKER}{json.dumps(silent)}\n")

    assert result.rps == 0
    assert (result.p50_ms, result.p99_ms) == (None, None)
