"""The webhook storm: 1,000 signed bank notifications (SePay-shaped), duplicates among them, sent shuffled
over 16 connections to gunicorn while a real Celery worker applies them.

The notifications pay open order payables (those the checkout scenario placed) by reference and exact
amount. Measured: how fast the receiver answers (req/s, p50/p95/p99), how long until the worker has
processed every event, and exactness — each distinct notification stored once, one bank transaction and
one payment per payable, every duplicate answered 200 as a duplicate, nothing paid twice, no 5xx."""

from __future__ import annotations

import json
import queue
import random
import threading
import time
import uuid
from typing import Any

from bench.client import Answer, Client, server_errors, statuses
from bench.orders import percentile


def notifications(total: int, run: str) -> tuple[list[dict[str, Any]], list[int]]:
    """(bodies in sending order, the payables they pay): up to 80 % distinct, the rest duplicates."""
    from django.utils import timezone

    from market.payments.models import Payable, PayableStatus

    distinct_wanted = max(1, total * 4 // 5)
    payables = list(
        Payable.objects.filter(status=PayableStatus.UNPAID, amount__gt=0, amount_paid=0, currency="VND")
        .order_by("pk")[:distinct_wanted]
    )  # fmt: skip
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    bodies = [
        {
            "id": f"{run}-{n}",
            "gateway": "Vietcombank",
            "transactionDate": when,
            "accountNumber": payable.account_number,
            "content": f"CT DEN {payable.reference} thanh toan don hang",
            "transferType": "in",
            "transferAmount": payable.amount,
            "referenceCode": f"FT{run}{n:05d}".upper(),
        }
        for n, payable in enumerate(payables)
    ]
    rng = random.Random(run)
    sent = bodies + [rng.choice(bodies) for _ in range(total - len(bodies))] if bodies else []
    rng.shuffle(sent)
    return sent, [p.pk for p in payables]


def storm(base: str, *, total: int, connections: int, drain_timeout: float) -> dict[str, Any]:
    from django.conf import settings
    from django.urls import reverse

    from market.payments import bank_webhook
    from market.payments.models import BankTransaction, Payable, Payment, WebhookEvent, WebhookEventStatus

    run = uuid.uuid4().hex[:8]
    bodies, payable_ids = notifications(total, run)
    if not bodies:
        return {"skipped": "no open order payables to pay: the checkout scenario places them"}
    path = reverse("payments:webhook-bank")
    work: queue.Queue[bytes] = queue.Queue()
    for body in bodies:
        work.put(json.dumps(body).encode())
    answers: list[Answer] = []
    lock = threading.Lock()

    def sender() -> None:
        client = Client(base)
        while True:
            try:
                raw = work.get_nowait()
            except queue.Empty:
                return
            signature = bank_webhook.sign(raw, settings.BANK_WEBHOOK_SECRET)
            answer = client.post(path, raw, {"X-Market-Signature": signature, "Content-Type": "application/json"})
            with lock:
                answers.append(answer)

    started = time.monotonic()
    threads = [threading.Thread(target=sender) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent_in = time.monotonic() - started

    event_ids = [f"sepay:{body['id']}" for body in {b["id"]: b for b in bodies}.values()]
    events = WebhookEvent.objects.filter(provider="bank_transfer", event_id__in=event_ids)
    deadline = time.monotonic() + drain_timeout
    # Until every event is settled: one a worker holds (processing) or will retry (failed) is not done yet.
    unsettled = [WebhookEventStatus.RECEIVED, WebhookEventStatus.PROCESSING, WebhookEventStatus.FAILED]
    while events.filter(status__in=unsettled).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    drained_in = time.monotonic() - started

    distinct = len(event_ids)
    duplicates_answered = sum(1 for a in answers if a.status == 200 and json.loads(a.body or b"{}").get("duplicate"))
    references = [f"FT{run}{n:05d}".upper() for n in range(distinct)]
    transactions = BankTransaction.objects.filter(bank_reference__in=references).count()
    payments = Payment.objects.filter(payable_id__in=payable_ids, provider="bank_transfer").count()
    paid = Payable.objects.filter(pk__in=payable_ids, status="paid").count()
    overpaid = sum(1 for p in Payable.objects.filter(pk__in=payable_ids) if p.amount_paid > p.amount)
    by_status = {s: events.filter(status=s).count() for s in WebhookEventStatus.values}
    latencies = [a.ms for a in answers]
    return {
        "events_sent": len(answers),
        "distinct": distinct,
        "duplicates_sent": len(answers) - distinct,
        "duplicates_answered": duplicates_answered,
        "receive_per_s": round(len(answers) / sent_in, 1),
        "p50_ms": percentile(latencies, 0.50),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "statuses": statuses(answers),
        "server_errors": server_errors(answers),
        "seconds_to_receive": round(sent_in, 2),
        "seconds_to_process": round(drained_in, 2),
        "events_by_status": by_status,
        "bank_transactions": transactions,
        "payments": payments,
        "payables_paid": paid,
        "payables_overpaid": overpaid,
        "exact": (
            events.count() == distinct == transactions == payments == paid == by_status["processed"]
            and duplicates_answered == len(answers) - distinct
            and overpaid == 0
        ),
    }
