"""Exports at scale: an alliance staff member exports N orders (CSV and XLSX) through the export job's own
service — the same code a Celery worker runs (market.exports.services.export_job_run): the selector, a
server-side cursor in chunks, the writer, the exports storage. Orders are generated straight into PostgreSQL
with generate_series in the database <name>_export_bench, refilled for each size.

Each (size, format) is measured in a fresh process: wall time and the process's peak memory above its
baseline (VmHWM after resetting it). Flat memory means the peak does not grow with N.

    python -m bench exports                                  # 100k and 1M orders, CSV and XLSX
    python -m bench exports --sizes 1000000 --formats csv --result FILE   # also the rows as JSON (make bench)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.env import ROOT, bench_database_url, ensure_database
from bench.payments import _reset_peak, _status_kib

DEFAULT_SIZES = (100_000, 1_000_000)
DEFAULT_FORMATS = ("csv", "xlsx")


def _env(url: str, media: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "market.settings", "MARKET_ENV": "test",
            "PYTHONPATH": str(ROOT), "PRIVATE_MEDIA_ROOT": media}  # fmt: skip


def generate(n: int) -> None:
    """Fill the bench database with n checkouts of one order each, placed over the last 30 days, and a staff
    member to export them."""
    import django

    django.setup()
    from django.db import connection

    from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User

    buyer, _ = Organisation.objects.get_or_create(
        tax_code="0100109106", defaults={"kind": OrganisationKind.BUYER, "name": "Công ty Bench", "legal_name": "B",
                                         "province_code": 79})  # fmt: skip
    coop, _ = Organisation.objects.get_or_create(
        tax_code="0312345678", defaults={"kind": OrganisationKind.COOPERATIVE, "name": "HTX Bench",
                                         "legal_name": "C", "province_code": 91})  # fmt: skip
    alliance, _ = Organisation.objects.get_or_create(
        tax_code="1701234567", defaults={"kind": OrganisationKind.ALLIANCE, "name": "Liên minh HTX",
                                         "legal_name": "LM", "province_code": 91})  # fmt: skip
    staff, _ = User.objects.get_or_create(email="bench-export@example.org", defaults={"full_name": "Bench"})
    Membership.objects.get_or_create(user=staff, organisation=alliance, defaults={"role": Role.OWNER})
    sql = f"""
    TRUNCATE orders_order, orders_checkout, exports_exportjob RESTART IDENTITY CASCADE;
    INSERT INTO orders_checkout (created_at, updated_at, buyer_id, idempotency_key, request_hash, delivery_address,
        po_number, note, invoice_tax_code, invoice_legal_name, invoice_address, invoice_email, total)
    SELECT now() - (g % 30) * interval '1 day', now(), {buyer.pk}, '', '', 'Kho số 3, KCN Tân Tạo',
           'PO-' || g, '', '0100109106', 'Công ty Bench', 'TP. Hồ Chí Minh', 'ketoan@bench.example',
           1050000 + g % 9000
    FROM generate_series(1, {n}) g;
    INSERT INTO orders_order (created_at, updated_at, checkout_id, number, buyer_id, cooperative_id, source, status,
        payment_status, subtotal, vat_total, total, placed_total, cancel_reason)
    SELECT c.created_at, now(), c.id, 'DH-' || lpad(c.id::text, 8, '0'), {buyer.pk}, {coop.pk}, 'cart', 'placed',
           'unpaid', 1000000 + c.id % 9000, 50000, 1050000 + c.id % 9000, 1050000 + c.id % 9000, ''
    FROM orders_checkout c;
    ANALYZE orders_checkout; ANALYZE orders_order;
    """  # noqa: S608 (numbers we generated)
    with connection.cursor() as cursor:
        cursor.execute(sql)


def measure(n: int, file_format: str) -> dict[str, Any]:
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from market.exports.models import ExportJob
    from market.exports.services import export_job_run, exports_storage
    from market.organisations.models import Membership

    membership = Membership.objects.select_related("user", "organisation").get(user__email="bench-export@example.org")
    today = timezone.localdate()
    job = ExportJob.objects.create(
        requested_by=membership.user, organisation=membership.organisation, kind="orders", file_format=file_format,
        language="vi", date_from=today - timedelta(days=40), date_to=today,
    )  # fmt: skip
    exact = _reset_peak()
    baseline = _status_kib("VmRSS")
    started = time.perf_counter()
    export_job_run(job_id=job.pk)
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    assert baseline is not None
    assert peak is not None
    job.refresh_from_db()
    assert job.is_done, job.error
    exports_storage().delete(job.file_name)
    return {
        "n": n,
        "format": file_format,
        "rows": job.rows_done,
        "file_mb": round(job.file_size / 1024 / 1024, 1),
        "seconds": round(seconds, 1),
        "rows_per_s": round(job.rows_done / seconds),
        "baseline_mb": round(baseline / 1024, 1),
        "peak_mb": round(peak / 1024, 1),
        "peak_above_baseline_mb": round((peak - baseline) / 1024, 1),
        "peak_measured": "during the export" if exact else "since the process started",
    }


def run(sizes: list[int], formats: list[str]) -> list[dict[str, Any]]:
    url = bench_database_url(purpose="export")
    ensure_database(url)
    rows = []
    with tempfile.TemporaryDirectory(prefix="export-bench-") as media:
        env = _env(url, media)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        for n in sizes:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "bench", "exports", "--step", "generate", "--n", str(n)],
                           cwd=ROOT, env=env, check=True)  # fmt: skip
            generated = time.perf_counter() - started
            for file_format in formats:
                out = subprocess.run(
                    [sys.executable, "-m", "bench", "exports", "--step", "measure", "--n", str(n),
                     "--format", file_format],
                    cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                )  # fmt: skip
                row = json.loads(out.stdout.strip().splitlines()[-1])
                row["generated_in_s"] = round(generated, 1)
                rows.append(row)
                print(
                    f"N={n:>9,} {file_format:<4}  rows={row['rows']:>9,}  file={row['file_mb']:>7.1f} MB  "
                    f"time={row['seconds']:>7.1f}s ({row['rows_per_s']:,} rows/s)  "
                    f"peak memory +{row['peak_above_baseline_mb']} MB over {row['baseline_mb']} MB",
                    flush=True,
                )
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench exports")
    parser.add_argument("--sizes", default=",".join(str(n) for n in DEFAULT_SIZES))
    parser.add_argument("--formats", default=",".join(DEFAULT_FORMATS))
    parser.add_argument("--step", choices=["generate", "measure"])
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--format", default="csv")
    parser.add_argument("--result", type=Path, help="also write the rows measured as JSON to this file")
    args = parser.parse_args(argv)
    if args.step == "generate":
        generate(args.n)
        return 0
    if args.step == "measure":
        print(json.dumps(measure(args.n, args.format)))
        return 0
    print(f"exports benchmark on {bench_database_url(purpose='export').rpartition('@')[2]}")
    rows = run([int(size) for size in args.sizes.split(",")], args.formats.split(","))
    if args.result:
        args.result.write_text(json.dumps(rows, indent=2))
    return 0
