"""Linkage contracts at the alliance's scale (`python -m bench linkage …`; `make bench` runs it with the others).

    python -m bench linkage [--contracts 10000 --deliveries 200000 --rounds 5 --recreate]

Fills its own database (DATABASE_URL's name + "_linkage_bench", created when missing) with 10,000 contracts in
force between 40 processors and 500 cooperatives in 34 provinces over four seasons, and 200,000 weighed
deliveries, each a call-off with its order (checkout, order, line) as the services make them; ten contracts
hold 100 deliveries each. Then it measures, in process with Django's test client (the page as a person gets
it, template rendering included):

1. the alliance's linkage report page (and its CSV) over all of it: median and worst of the rounds, and the
   number of queries (the same on every round);
2. the contract page of a contract with 100 deliveries: median time and queries.

Results are printed and saved to bench/results/linkage-<timestamp>.json (not committed), and to --result FILE
as JSON, which `python -m bench report` reads (its "linkage-report" row).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.env import RESULTS, bench_database_url, ensure_database, setup_django

SEASONS = (("winter_spring", 2026), ("summer_autumn", 2026), ("autumn_winter", 2026), ("winter_spring", 2027))
CHUNK = 5000


def database_url() -> str:
    parts = urlsplit(bench_database_url())
    name = parts.path.lstrip("/").removesuffix("_bench") + "_linkage_bench"
    return urlunsplit(parts._replace(path="/" + name))


def _say(started: float, message: str) -> None:
    print(f"  [{time.monotonic() - started:6.1f}s] {message}", flush=True)


def _organisations(rng: random.Random) -> tuple[Any, list[Any], list[Any], Any]:
    from market.organisations import geo
    from market.organisations.demo import demo_tax_code
    from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User

    provinces = [p.code for p in geo.provinces()]
    alliance = Organisation.objects.create(
        kind=OrganisationKind.ALLIANCE, name="Liên minh HTX (bench)", legal_name="Liên minh HTX", province_code=91,
        tax_code=demo_tax_code(5000), verification_status="verified",
    )  # fmt: skip
    processors = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.BUYER, name=f"Nhà máy chế biến {n}", legal_name=f"Công ty chế biến {n}",
            province_code=91, tax_code=demo_tax_code(5100 + n), verification_status="verified",
            email=f"nhamay{n}@bench.example",
        )
        for n in range(40)
    )  # fmt: skip
    cooperatives = Organisation.objects.bulk_create(
        Organisation(
            kind=OrganisationKind.COOPERATIVE, name=f"HTX liên kết {n}", legal_name=f"Hợp tác xã liên kết {n}",
            province_code=91 if n % 3 == 0 else rng.choice(provinces), tax_code=demo_tax_code(5200 + n),
            verification_status="verified",
        )
        for n in range(500)
    )  # fmt: skip
    staff = User.objects.create(email="baocao@bench.example", full_name="Nhân viên báo cáo")
    Membership.objects.create(user=staff, organisation=alliance, role=Role.MANAGER)
    buyer = User.objects.create(email="thumua@bench.example", full_name="Thu mua")
    Membership.objects.create(user=buyer, organisation=processors[0], role=Role.OWNER)
    return alliance, processors, cooperatives, (staff, buyer)


def generate(*, contracts: int, deliveries: int, seed: int = 12) -> dict[str, int]:
    """Contracts in force with their version, and `deliveries` call-offs ordered, shipped and weighed."""
    from django.db import connection, transaction

    from catalog.models import Category, Product, VatCategory
    from linkage.models import (
        CallOff,
        CallOffStatus,
        ContractStatus,
        ContractVersion,
        Delivery,
        LinkageContract,
        PriceRule,
        VersionStatus,
    )
    from orders.models import Checkout, Order, OrderLine, OrderSource, OrderStatus

    started = time.monotonic()
    rng = random.Random(seed)
    now = datetime.now(UTC)
    today = date.today()
    with transaction.atomic():
        _alliance, processors, cooperatives, _users = _organisations(rng)
        _say(started, f"{len(processors)} processors, {len(cooperatives)} cooperatives")
        rice, vat = Category.objects.get(slug="gao"), VatCategory.objects.get(code="khong-chiu-thue")
        products = Product.objects.bulk_create(
            Product(
                cooperative=coop, category=rice, name_vi=f"Lúa tươi {coop.pk}", unit="kg", moq=1, order_multiple=1,
                vat_category=vat, origin_province_code=coop.province_code,
            )
            for coop in cooperatives
        )  # fmt: skip
        rows = []
        for n in range(contracts):
            coop_index = n % len(cooperatives)
            kind, year = SEASONS[n % len(SEASONS)]
            committed = Decimal(rng.randrange(100, 1500) * 1000)
            rows.append(
                LinkageContract(
                    number=f"HDLKB-{n:07d}", title=f"Hợp đồng thử tải {n}", buyer=processors[n % len(processors)],
                    cooperative=cooperatives[coop_index], drafted_by=processors[n % len(processors)],
                    season_kind=kind, season_year=year, status=ContractStatus.ACTIVE, unit="kg", category=rice,
                    committed_quantity=committed, max_quantity=committed * Decimal("1.05"), planned_unit_price=7000,
                    hectares=committed / 6000, households=int(committed / 15000),
                )
            )  # fmt: skip
        contract_rows = LinkageContract.objects.bulk_create(rows, batch_size=CHUNK)
        versions = ContractVersion.objects.bulk_create(
            (
                ContractVersion(
                    contract=c, number=1, status=VersionStatus.IN_FORCE, drafted_by=c.buyer,
                    product=products[n % len(cooperatives)], grade_spec="Lúa tươi",
                    committed_quantity=c.committed_quantity, tolerance_percent=Decimal(5), delivery_place="Nhà máy",
                    delivery_province_code=91, price_rule=PriceRule.FIXED, base_price=7000,
                    starts_on=today - timedelta(days=120), ends_on=today + timedelta(days=120), buyer_signed_at=now,
                    cooperative_signed_at=now, in_force_at=now,
                )
                for n, c in enumerate(contract_rows)
            ),
            batch_size=CHUNK,
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE linkage_linkagecontract c SET version_in_force_id = v.id FROM linkage_contractversion v "
                "WHERE v.contract_id = c.id"
            )
        _say(started, f"{len(contract_rows)} contracts in force")

        # Ten contracts hold 100 deliveries each; the rest share what is left.
        per_contract = [100 if n < 10 else 0 for n in range(len(contract_rows))]
        rest = deliveries - sum(per_contract)
        for index in range(rest):
            per_contract[10 + index % (len(contract_rows) - 10)] += 1
        plan = [(n, k) for n, count in enumerate(per_contract) for k in range(count)]
        for start in range(0, len(plan), CHUNK):
            chunk = plan[start : start + CHUNK]
            checkouts = Checkout.objects.bulk_create(
                Checkout(
                    buyer_id=contract_rows[n].buyer_id, delivery_address="Nhà máy", invoice_legal_name="Công ty",
                    invoice_address="Nhà máy", invoice_email="ketoan@bench.example", total=0,
                )
                for n, _k in chunk
            )  # fmt: skip
            orders = Order.objects.bulk_create(
                Order(
                    checkout=checkout, buyer_id=contract_rows[n].buyer_id,
                    cooperative_id=contract_rows[n].cooperative_id, source=OrderSource.CONTRACT,
                    status=OrderStatus.DELIVERED, delivered_at=now,
                )
                for checkout, (n, _k) in zip(checkouts, chunk, strict=True)
            )  # fmt: skip
            OrderLine.objects.bulk_create(
                OrderLine(
                    order=order, product=products[n % len(cooperatives)], product_name="Lúa tươi", unit="kg",
                    unit_price=7000, vat_category_code="khong-chiu-thue", vat_rate_percent=0,
                    quantity_ordered=Decimal(10000), quantity_confirmed=Decimal(10000), quantity_shipped=Decimal(10000),
                    quantity_delivered=Decimal(9880),
                )
                for order, (n, _k) in zip(orders, chunk, strict=True)
            )  # fmt: skip
            call_offs = CallOff.objects.bulk_create(
                CallOff(
                    contract=contract_rows[n], version=versions[n], number=k + 1,
                    due_on=today - timedelta(days=100) + timedelta(days=k % 200), quantity=Decimal(10000),
                    status=CallOffStatus.DELIVERED, order=order, unit_price=7000, placed_at=now,
                )
                for order, (n, k) in zip(orders, chunk, strict=True)
            )  # fmt: skip
            Delivery.objects.bulk_create(
                Delivery(
                    call_off=call_off, contract_id=call_off.contract_id, received_on=call_off.due_on,
                    gross_quantity=Decimal(10000), measurements={"moisture": "15"}, deduction=Decimal(120),
                    net_quantity=Decimal(9880), base_price=7000, price_adjustment=0, unit_price=7000,
                    amount=69_160_000, grading=[], short=rng.random() < 0.03,
                )
                for call_off in call_offs
            )  # fmt: skip
            _say(started, f"{start + len(chunk)} deliveries")
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE linkage_linkagecontract c SET delivered_quantity = d.net, delivered_value = d.amount, "
                "called_quantity = LEAST(d.net, c.max_quantity) FROM (SELECT contract_id, SUM(net_quantity) AS net, "
                "SUM(amount) AS amount FROM linkage_delivery GROUP BY contract_id) d WHERE d.contract_id = c.id"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"contracts": len(contract_rows), "deliveries": len(plan), "seconds": round(time.monotonic() - started)}


def _timed(fn: Callable[[], Any], rounds: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm the caches (templates, translations) once
    times, queries = [], set()
    for _round in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = fn()
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries.add(len(captured.captured_queries))
    assert len(queries) == 1, f"the number of queries changed between rounds: {queries}"
    return times, queries.pop()


def measure(rounds: int) -> dict[str, Any]:
    from django.test import Client
    from django.urls import reverse

    from linkage.models import Delivery, LinkageContract
    from market.organisations.models import User

    staff, buyer = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    staff.force_login(User.objects.get(email="baocao@bench.example"))
    buyer.force_login(User.objects.get(email="thumua@bench.example"))
    busy = (
        LinkageContract.objects.filter(buyer__memberships__user__email="thumua@bench.example", deliveries__isnull=False)
        .order_by("pk")
        .first()
    )
    assert busy is not None
    results: dict[str, Any] = {
        "contracts": LinkageContract.objects.count(),
        "deliveries": Delivery.objects.count(),
        "busy_contract_deliveries": Delivery.objects.filter(contract=busy).count(),
    }
    for name, client, url in (
        ("report page", staff, reverse("frontend:linkage-report")),
        ("report csv", staff, reverse("frontend:linkage-report-csv")),
        ("contract page (100 deliveries)", buyer, reverse("frontend:linkage-contract", args=[busy.pk])),
    ):
        times, queries = _timed(lambda c=client, u=url: c.get(u), rounds)
        results[name] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "worst_ms": round(max(times) * 1000, 1),
            "queries": queries,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench linkage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--deliveries", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--recreate", action="store_true", help="drop the bench database and generate again")
    parser.add_argument("--result", type=Path, help="also write the results as JSON to this file")
    args = parser.parse_args(argv or [])
    url = database_url()
    ensure_database(url, recreate=args.recreate)
    setup_django(url)
    from django.core.management import call_command

    from linkage.models import LinkageContract

    call_command("migrate", verbosity=0)
    have = LinkageContract.objects.count()
    if have == 0:
        print(f"generating {args.contracts} contracts and {args.deliveries} deliveries into {url}")
        print(json.dumps(generate(contracts=args.contracts, deliveries=args.deliveries)))
    elif have < args.contracts:
        raise SystemExit(f"the bench database holds {have} contracts, fewer than asked: use --recreate")
    results = measure(args.rounds)
    print(f"\nlinkage over {results['contracts']} contracts and {results['deliveries']} deliveries:")
    for name in ("report page", "report csv", "contract page (100 deliveries)"):
        row = results[name]
        print(
            f"  {name:34} median {row['median_ms']:8.1f} ms  worst {row['worst_ms']:8.1f} ms  {row['queries']} queries"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"linkage-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out}")
    if args.result:
        args.result.write_text(json.dumps(results, indent=2))
    return 0
