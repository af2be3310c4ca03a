"""Order placement under load (`python -m bench orders …`; `python -m bench report` runs both parts).

    python -m bench orders [--duration 20 --connections 16 --buyers 200 --race 300 --race-stock 100]

On the catalogue's bench database (generated when missing), against gunicorn (2 sync workers):

1. **checkouts** — 200 buyers (API tokens) behind 16 connections: each round adds one product (its MOQ,
   lot chosen first-to-expire) to the buyer's cart and places the checkout with a fresh Idempotency-Key.
   The clock starts once every connection has placed one untimed checkout (the workers are warm).
   Reported: checkouts/s, p50/p95/p99 of the checkout request, queries and Redis round trips per checkout
   and per cart line (the server's X-Bench-Queries and X-Bench-Redis), and every status other than 201.
2. **race** — a lot holding 100 units, 300 buyers each with 1 unit in their cart, 300 checkouts released at
   once on 300 connections. It must end with exactly 100 sold, the lot at 0, 200 clear 409s and no 5xx.

    python -m bench orders --cpu 200 [--profile FILE]

3. **cpu** (instead of 1 and 2) — the same rounds in this one process through Django's WSGI handler, as
   gunicorn calls it: the medians of the web process's CPU time per cart add and per checkout, and the CPU
   that PostgreSQL's backend and our Redis spent per round (read from /proc and INFO). A busy machine changes
   these little, where it moves checkouts/s a lot. `--profile FILE` writes a cProfile (process time) of the
   checkouts to FILE and of the cart adds to FILE.cart_add, for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.client import Answer, Client, race, server_errors, statuses
from bench.cpu import call
from bench.env import (
    DEFAULT_PRODUCTS,
    bench_database_url,
    child_env,
    default_cooperatives,
    ensure_database,
    setup_django,
)
from bench.servers import start_gunicorn, stop

DETAILS = {"delivery_address": "Kho Tân Tạo, TP. Hồ Chí Minh", "invoice_email": "ketoan@bench.example"}
CART_LINES = "/api/v1/cart/lines/"
CHECKOUTS = "/api/v1/checkouts/"


def orderable_products(limit: int) -> list[tuple[int, str]]:
    """(product id, MOQ) of published products of verified cooperatives with stock in a lot."""
    from django.db.models import Exists, OuterRef

    from catalog.models import HarvestLot
    from catalog.selectors import public_products

    in_stock = HarvestLot.objects.filter(product=OuterRef("pk"), status="published", quantity_available__gt=0)
    rows = list(public_products().filter(Exists(in_stock)).values_list("pk", "moq").order_by("?")[:limit])
    return [(pk, f"{moq.normalize():f}") for pk, moq in rows]


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def _mean(values: list[int]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def run_checkouts(
    base: str, tokens: list[str], products: list[tuple[int, str]], *, duration: float, connections: int
) -> dict[str, Any]:
    """Checkouts on `connections` connections for `duration` seconds, timed from when every connection has
    placed one untimed checkout: a cold gunicorn worker's first requests import every app's URLs and views
    (seconds on a busy machine), which is start-up, not the rate of checkouts."""
    checkouts: list[Answer] = []
    cart_adds: list[Answer] = []
    others: list[Answer] = []
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def start_clock() -> None:
        clock["started"] = time.monotonic()
        clock["stop_at"] = clock["started"] + duration

    connections = min(connections, len(tokens))  # each connection acts for at least one buyer
    warmed = threading.Barrier(connections, action=start_clock)

    def place(client: Client, rng: random.Random) -> tuple[Answer, Answer | None]:
        product, moq = rng.choice(products)
        added = client.post(CART_LINES, {"product": product, "quantity": moq})
        if added.status != 201:
            return added, None
        return added, client.post(CHECKOUTS, DETAILS, {"Idempotency-Key": uuid.uuid4().hex})

    def worker(index: int) -> None:
        clients = [Client(base, token) for token in tokens[index::connections]]
        rng = random.Random(index)
        place(clients[0], rng)
        warmed.wait()
        turn = 0
        while time.monotonic() < clock["stop_at"]:
            client = clients[turn % len(clients)]
            turn += 1
            added, placed = place(client, rng)
            with lock:
                if placed is None:
                    others.append(added)
                    continue
                cart_adds.append(added)
                (checkouts if placed.status == 201 else others).append(placed)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - clock["started"]
    latencies = [a.ms for a in checkouts]
    return {
        "checkouts": len(checkouts),
        "seconds": round(elapsed, 1),
        "checkouts_per_s": round(len(checkouts) / elapsed, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "queries_per_checkout": _mean([a.queries for a in checkouts if a.queries is not None]),
        "queries_per_cart_line": _mean([a.queries for a in cart_adds if a.queries is not None]),
        "redis_per_checkout": _mean([a.redis for a in checkouts if a.redis is not None]),
        "redis_per_cart_line": _mean([a.redis for a in cart_adds if a.redis is not None]),
        "statuses": statuses(checkouts + others),
        "errors": len(others),
        "server_errors": server_errors(checkouts + others),
    }


def _process_cpu_ms(pid: int) -> float:
    """User + system CPU time of a process on this machine (PostgreSQL's backend), in milliseconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _redis_cpu_ms() -> float:
    import redis
    from django.conf import settings

    info = redis.Redis.from_url(settings.REDIS_URL).info("cpu")
    return (info["used_cpu_user"] + info["used_cpu_sys"]) * 1000


def checkout_cpu(
    tokens: list[str], products: list[tuple[int, str]], *, rounds: int, profile: Path | None
) -> dict[str, Any]:
    """`rounds` of cart add + checkout through the WSGI handler in this process, after 5 untimed ones."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from bench.instrument import QUERIES_HEADER, REDIS_HEADER

    application = get_wsgi_application()
    rng = random.Random(0)
    cpu: dict[str, list[float]] = {"cart_add": [], "checkout": []}
    wall: dict[str, list[float]] = {"cart_add": [], "checkout": []}
    queries: dict[str, list[int]] = {"cart_add": [], "checkout": []}
    redis: list[int] = []
    answered: list[int] = []
    profilers = {kind: cProfile.Profile(time.process_time) for kind in cpu} if profile else {}

    def post(kind: str, token: str, path: str, body: dict[str, Any], headers: dict[str, str], timed: bool) -> int:
        sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        profiler = profilers.get(kind) if timed else None
        if profiler:
            profiler.enable()
        answer = call(application, path, sent, method="POST", body=json.dumps(body).encode())
        if profiler:
            profiler.disable()
        if timed:
            cpu[kind].append((time.process_time() - cpu_before) * 1000)
            wall[kind].append((time.perf_counter() - wall_before) * 1000)
            if answer.status == 201:
                queries[kind].append(int(answer.headers[QUERIES_HEADER]))
            if kind == "checkout":
                answered.append(answer.status)
                if answer.status == 201:
                    redis.append(int(answer.headers[REDIS_HEADER]))
        return answer.status

    def one_round(index: int, timed: bool) -> None:
        token = tokens[index % len(tokens)]
        product, moq = rng.choice(products)
        if post("cart_add", token, CART_LINES, {"product": product, "quantity": moq}, {}, timed) == 201:
            post("checkout", token, CHECKOUTS, DETAILS, {"Idempotency-Key": uuid.uuid4().hex}, timed)

    for index in range(5):
        one_round(index, timed=False)
    with connection.cursor() as cursor:  # the bench settings keep the connection open between requests
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    database_before, redis_before = _process_cpu_ms(backend), _redis_cpu_ms()
    for index in range(rounds):
        one_round(index, timed=True)
    database_ms = (_process_cpu_ms(backend) - database_before) / rounds
    redis_ms = (_redis_cpu_ms() - redis_before) / rounds
    if profile:
        profilers["checkout"].dump_stats(profile)
        profilers["cart_add"].dump_stats(profile.with_name(f"{profile.name}.cart_add"))

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values), 2) if values else None

    return {
        "rounds": rounds,
        "cpu_ms_cart_add": median(cpu["cart_add"]),
        "cpu_ms_checkout": median(cpu["checkout"]),
        "wall_ms_cart_add": median(wall["cart_add"]),
        "wall_ms_checkout": median(wall["checkout"]),
        "postgres_cpu_ms_per_round": round(database_ms, 2),
        "redis_cpu_ms_per_round": round(redis_ms, 2),
        "queries_per_cart_add": _mean(queries["cart_add"]),
        "queries_per_checkout": _mean(queries["checkout"]),
        "redis_per_checkout": _mean(redis),
        "statuses": dict(sorted({str(s): answered.count(s) for s in set(answered)}.items())),
    }


def prepare_race(stock: int, buyer_ids: list[int]) -> int:
    """A one-unit product with a lot of `stock` units, and one unit of it in every buyer's cart."""
    from catalog.models import HarvestLot, LotStatus, Product
    from catalog.services.search_rows import search_rows_sync
    from market.organisations.models import Membership
    from market.organisations.permissions import Actor
    from orders.services import cart_clear, cart_line_set

    product = Product.objects.filter(
        status="published", unit="cai", cooperative__verification_status="verified"
    ).first()
    assert product is not None, "no piece-counted product in the bench catalogue"
    Product.objects.filter(pk=product.pk).update(moq=1, order_multiple=1)
    search_rows_sync(product_ids=[product.pk])  # its minimum order is searched on
    product.price_tiers.all().delete()
    product.price_tiers.create(min_quantity=1, unit_price=125_000)
    HarvestLot.objects.filter(product=product).update(status=LotStatus.WITHDRAWN)
    lot = HarvestLot.objects.create(
        product=product,
        code=f"RACE-{int(time.time())}"[-20:],
        public_id=uuid.uuid4().hex[:16],
        status=LotStatus.PUBLISHED,
        quantity_produced=stock,
        quantity_available=stock,
        harvest_date=datetime.now(UTC).date(),
        origin_province_code=91,
        published_at=datetime.now(UTC),
    )
    for org_id in buyer_ids:
        membership = Membership.objects.select_related("user", "organisation").filter(organisation_id=org_id).first()
        assert membership is not None
        actor = Actor(user=membership.user, organisation=membership.organisation, role=membership.role)
        cart_clear(actor=actor)
        cart_line_set(actor=actor, product_id=product.pk, lot_id=lot.pk, quantity=Decimal(1))
    return lot.pk


def run_race(base: str, tokens: list[str], lot_id: int) -> dict[str, Any]:
    from catalog.models import HarvestLot
    from orders.models import OrderLine

    def checkout(client: Client) -> Answer:
        return client.post(CHECKOUTS, DETAILS, {"Idempotency-Key": uuid.uuid4().hex})

    answers, seconds = race(base, [checkout] * len(tokens), tokens)
    lot = HarvestLot.objects.get(pk=lot_id)
    sold = sum((line.quantity_ordered for line in OrderLine.objects.filter(allocations__lot_id=lot_id)), Decimal(0))
    refused = sum(1 for a in answers if a.status == 409)
    return {
        "concurrent_checkouts": len(tokens),
        "stock": f"{lot.quantity_produced.normalize():f}",
        "sold": f"{sold.normalize():f}",
        "left": f"{lot.quantity_available.normalize():f}",
        "refused_409": refused,
        "statuses": statuses(answers),
        "server_errors": server_errors(answers),
        "seconds": round(seconds, 2),
        "exact": sold == lot.quantity_produced and lot.quantity_available == 0,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench orders")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--race", type=int, default=300)
    parser.add_argument("--race-stock", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--products", type=int, default=DEFAULT_PRODUCTS, help="catalogue size (generated when missing)"
    )
    parser.add_argument("--cpu", type=int, default=0, metavar="ROUNDS", help="measure in-process CPU instead")
    parser.add_argument("--profile", type=Path, help="with --cpu: write a cProfile of the checkouts here")
    args = parser.parse_args(argv)

    database_url = bench_database_url(args.products)
    ensure_database(database_url)
    setup_django(database_url)
    from django.core.management import call_command

    from bench.fixtures import buyers_with_tokens
    from bench.generate import analyse, existing_size, generate

    call_command("migrate", verbosity=0)
    if existing_size() == 0:
        generate(products=args.products, cooperatives=default_cooperatives(args.products))
    run_id = uuid.uuid4().hex[:6]
    buyers = buyers_with_tokens(args.buyers, f"Bench {run_id}")
    products = orderable_products(5000)
    if args.cpu:
        cost = checkout_cpu([t for _o, t in buyers], products, rounds=args.cpu, profile=args.profile)
        analyse("orders")
        print("cpu:", json.dumps(cost))
        return 0
    scratch = Path(tempfile.mkdtemp(prefix="bench-orders-"))
    server = start_gunicorn(
        name="market",
        app="market.wsgi:application",
        env=child_env(database_url),
        workers=args.workers,
        scratch=scratch,
        ready="/bench/ping",
    )
    try:
        load = run_checkouts(
            server.base, [t for _o, t in buyers], products, duration=args.duration, connections=args.connections
        )
        analyse("orders")
        print("checkouts:", json.dumps(load))
        racers = buyers_with_tokens(args.race, f"Race {run_id}")
        lot_id = prepare_race(args.race_stock, [o.pk for o, _t in racers])
        result = run_race(server.base, [t for _o, t in racers], lot_id)
        analyse("orders")
        print("race:", json.dumps(result))
    finally:
        stop(server.process)
    return 0 if result["exact"] and result["server_errors"] == 0 and load["server_errors"] == 0 else 1
