"""Reconciliation at scale: N card payments against N provider records, and N statement lines against N bank
payments, for N = 10k, 100k, 1M (rows generated straight into PostgreSQL with generate_series, in the
database <name>_recon_bench, refilled for each size).

Each size is measured in a fresh process: wall time of the comparison and the process's peak memory
above its baseline (ru_maxrss). A small share of rows is made to disagree (amount, missing at Stripe,
unknown to us, transfer not on a statement) so the run has discrepancies to stream and store.

    make bench                                   # 10k, 100k, 1M
    python -m bench payments --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.env import ROOT, bench_database_url, ensure_database

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "market.settings", "MARKET_ENV": "test",
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def generate(n: int) -> None:
    """Fill the bench database with n card payments + records and n statement lines + bank payments."""
    import django

    django.setup()
    from django.db import connection

    from market.organisations.models import Organisation, OrganisationKind

    payer, _ = Organisation.objects.get_or_create(
        tax_code="0100109106", defaults={"kind": OrganisationKind.BUYER, "name": "Bench buyer", "legal_name": "B",
                                         "province_code": 79})  # fmt: skip
    payee, _ = Organisation.objects.get_or_create(
        tax_code="0312345678", defaults={"kind": OrganisationKind.COOPERATIVE, "name": "Bench coop",
                                         "legal_name": "C", "province_code": 91})  # fmt: skip
    sql = f"""
    TRUNCATE payments_discrepancy, payments_reconciliationrun, payments_paymentevent, payments_payment,
             payments_providerrecord, payments_banktransaction, payments_payable RESTART IDENTITY CASCADE;
    INSERT INTO payments_payable (created_at, updated_at, kind, object_id, reference, description, amount, currency,
        payer_id, payee_id, account_bin, account_number, account_holder, return_url, amount_paid, amount_refunded,
        amount_credited, status)
    SELECT now(), now(), 'bench.payable', g::text, 'BENCH' || g, 'bench', 1000000, 'VND', {payer.pk}, {payee.pk},
           '970405', '7700201099999', 'BENCH', '', 0, 0, 0, 'unpaid'
    FROM generate_series(1, 1000) g;
    -- card payments and Stripe's records of them
    INSERT INTO payments_payment (created_at, updated_at, payable_id, provider, state, amount, currency,
        amount_refunded, provider_reference, provider_charge, provider_status, failure_code, failure_message,
        card_brand, card_last4, client_key, succeeded_at, outcome_unknown)
    SELECT now() - interval '1 hour', now() - interval '1 hour', (g % 1000) + 1, 'stripe', 'succeeded',
           100000 + g % 5000, 'VND', 0, 'pi_bench_' || g, 'ch_bench_' || g, 'succeeded', '', '', 'visa', '4242', '',
           now() - interval '1 hour', false
    FROM generate_series(1, {n}) g;
    INSERT INTO payments_providerrecord (provider, reference, amount, currency, status, amount_refunded, disputed,
        created, synced_at)
    SELECT 'stripe', 'pi_bench_' || g,
           CASE WHEN g % 1000 = 0 THEN 1 ELSE 100000 + g % 5000 END,   -- 0.1 %: Stripe charged another amount
           'VND', 'succeeded', 0, false, now() - interval '1 hour', now()
    FROM generate_series(1, {n}) g
    WHERE g % 2000 <> 1;                                                  -- 0.05 %: missing at Stripe
    INSERT INTO payments_providerrecord (provider, reference, amount, currency, status, amount_refunded, disputed,
        created, synced_at)
    SELECT 'stripe', 'pi_stranger_' || g, 50000, 'VND', 'succeeded', 0, false, now() - interval '1 hour', now()
    FROM generate_series(1, {n} / 2000) g;                               -- unknown to us
    -- the statement and the bank payments it recognised
    INSERT INTO payments_banktransaction (created_at, updated_at, account_number, bank_reference, booked_at, amount,
        currency, description, counterparty, source, seen_on_statement, status, reason, resolution_note, receipt)
    SELECT now(), now(), '7700201099999', 'FT' || g, now() - interval '10 days', 200000 + g % 7000, 'VND',
           'BENCH' || ((g % 1000) + 1), '', 'statement', g % 1000 <> 7, 'matched', 'exact', '', ''
    FROM generate_series(1, {n}) g;
    INSERT INTO payments_payment (created_at, updated_at, payable_id, provider, state, amount, currency,
        amount_refunded, provider_reference, provider_charge, provider_status, failure_code, failure_message,
        card_brand, card_last4, client_key, succeeded_at, bank_transaction_id, outcome_unknown)
    SELECT now() - interval '1 hour', now() - interval '1 hour', (g % 1000) + 1, 'bank_transfer', 'succeeded',
           200000 + g % 7000, 'VND', 0, '7700201099999/FT' || g, '', 'credited', '', '', '', '', '',
           now() - interval '1 hour', g, false
    FROM generate_series(1, {n}) g;
    ANALYZE;
    """  # noqa: S608 (numbers we generated)
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _status_kib(field: str) -> int | None:
    """VmRSS / VmHWM of this process from /proc (Linux), in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Make VmHWM start again from the current RSS (Linux ≥ 4.0), so the peak is the comparison's own."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure(n: int) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import timedelta

    from market.payments.models import Discrepancy, ReconciliationRun
    from market.payments.services.reconciliation import _compare

    run = ReconciliationRun.objects.create(trigger="bench")
    from django.utils import timezone

    # The peak during the comparison alone: reset the high-water mark first where Linux allows it (else the
    # process's lifetime peak, which includes Django's start-up and can hide a smaller comparison).
    exact = _reset_peak()
    baseline = _status_kib("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    _compare(run, cutoff=timezone.now() - timedelta(minutes=10))
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert baseline is not None
    assert peak is not None
    return {
        "n": n,
        "payments": run.payments_checked,
        "provider_records": run.provider_records_checked,
        "statement_lines": run.statement_lines_checked,
        "discrepancies": run.discrepancies_found,
        "stored": Discrepancy.objects.count(),
        "seconds": round(seconds, 2),
        "baseline_mb": round(baseline / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "peak_above_baseline_mb": round((peak - baseline) / 1024, 1),
        "peak_measured": "during the comparison" if exact else "since the process started",
    }


def run(sizes: list[int], *, progress: bool = True) -> list[dict[str, Any]]:
    """Generate and measure each size in fresh processes; one row per size."""
    url = bench_database_url(purpose="recon")
    ensure_database(url)  # kept between runs (migrated once); each size truncates and refills it
    env = _env(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    rows = []
    for n in sizes:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench", "payments", "--step", "generate", "--n", str(n)],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
        generated = time.perf_counter() - started
        out = subprocess.run([sys.executable, "-m", "bench", "payments", "--step", "measure", "--n", str(n)],
                             cwd=ROOT, env=env, check=True, capture_output=True, text=True)  # fmt: skip
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["generated_in_s"] = round(generated, 1)
        row["us_per_payment"] = round(row["seconds"] / n * 1e6, 1)
        rows.append(row)
        if progress:
            print(
                f"N={n:>9,}  payments={row['payments']:>9,}  records={row['provider_records']:>9,}  "
                f"lines={row['statement_lines']:>9,}  discrepancies={row['discrepancies']:>6,}  "
                f"time={row['seconds']:>7.2f}s  ({row['us_per_payment']} µs/payment)  "
                f"peak memory +{row['peak_above_baseline_mb']} MB over {row['baseline_mb']} MB",
                flush=True,
            )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench payments")
    parser.add_argument("--sizes", default=",".join(str(n) for n in DEFAULT_SIZES))
    parser.add_argument("--step", choices=["generate", "measure"])
    parser.add_argument("--n", type=int, default=0)
    args = parser.parse_args(argv)
    if args.step == "generate":
        generate(args.n)
        return 0
    if args.step == "measure":
        print(json.dumps(measure(args.n)))
        return 0
    print(f"payments reconciliation benchmark on {bench_database_url(purpose='recon').rpartition('@')[2]}")
    run([int(size) for size in args.sizes.split(",")])
    return 0
