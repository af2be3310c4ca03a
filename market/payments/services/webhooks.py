"""Provider events: stored once under their provider id (the webhook view and the sweep both call
`webhook_event_store`), then processed by a Celery task that re-reads the object from the provider and
moves state forward only.

Bank notifications come from services such as Casso or SePay (one JSON per incoming transfer). Both shapes
are accepted; the body must be signed with BANK_WEBHOOK_SECRET (see `market.payments.bank_webhook`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound
from market.core.services import audit_record
from market.organisations.permissions import Actor
from market.payments import stripe_gateway as gateway
from market.payments.models import EventSource, Provider, TransactionSource, WebhookEvent, WebhookEventStatus
from market.payments.permissions import PAYMENTS_MANAGE
from market.payments.services.bank import bank_transaction_record
from market.payments.services.cards import dispute_sync, payment_sync_from_intent, provider_record_upsert, refund_sync
from market.payments.statements import VIETNAM, parse_datetime

logger = logging.getLogger(__name__)


def webhook_event_store(
    *, provider: str, event_id: str, type: str, payload: dict[str, Any], source: EventSource = EventSource.WEBHOOK
) -> tuple[WebhookEvent, bool]:
    """Store an event once. Returns (event, created); a duplicate returns the first row and False, counted as
    the provider's re-delivery only when it was one (the sweep re-reads events it has seen on every run)."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                provider=provider, event_id=event_id[:255], type=type[:100], payload=payload, source=source
            )
    except IntegrityError:
        if source != EventSource.WEBHOOK:
            return WebhookEvent.objects.get(provider=provider, event_id=event_id[:255]), False
        return _duplicate_counted(provider=provider, event_id=event_id[:255]), False
    from market.payments.tasks import process_webhook_event

    def enqueue() -> None:
        try:
            process_webhook_event.delay(event.pk)
        except Exception:  # broker down: the relay (beat) picks the stored event up later
            logger.warning("could not enqueue provider event %s; the relay will", event.pk, exc_info=True)

    transaction.on_commit(enqueue)
    return event, True


# What a rejected body keeps for staff to read (the start of what arrived is enough to see what was wrong).
REJECTED_BODY_KEPT = 20_000


def webhook_event_reject(*, provider: str, body: bytes, error: str) -> WebhookEvent:
    """Keep a signed body we cannot read, for staff to see, as a rejected event that nothing retries. The
    same body sent again is the same row."""
    text = body[:REJECTED_BODY_KEPT].decode("utf-8", "replace").replace("\x00", "\ufffd")  # jsonb refuses NUL
    event_id = "rejected:" + hashlib.sha256(body).hexdigest()
    event, created = WebhookEvent.objects.get_or_create(
        provider=provider,
        event_id=event_id,
        defaults={
            "type": "rejected",
            "payload": {"body": text},
            "status": WebhookEventStatus.REJECTED,
            "error": error[:2000],
            "processed_at": timezone.now(),
        },
    )
    return event if created else _duplicate_counted(provider=provider, event_id=event_id)


def _duplicate_counted(*, provider: str, event_id: str) -> WebhookEvent:
    """The stored event a delivery repeats, counted as a duplicate (an UPDATE: no lock kept past it)."""
    WebhookEvent.objects.filter(provider=provider, event_id=event_id).update(duplicates=F("duplicates") + 1)
    return WebhookEvent.objects.get(provider=provider, event_id=event_id)


STRIPE_PAYMENT_INTENT_EVENTS = frozenset(
    {
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "payment_intent.canceled",
        "payment_intent.processing",
        "payment_intent.requires_action",
        "payment_intent.amount_capturable_updated",
        "payment_intent.partially_funded",
        "payment_intent.created",
    }
)
STRIPE_CHARGE_EVENTS = frozenset(
    {"charge.succeeded", "charge.failed", "charge.captured", "charge.updated", "charge.refunded", "charge.expired"}
)
STRIPE_REFUND_EVENTS = frozenset({"charge.refund.updated", "refund.created", "refund.updated", "refund.failed"})
STRIPE_HANDLED = STRIPE_PAYMENT_INTENT_EVENTS | STRIPE_CHARGE_EVENTS | STRIPE_REFUND_EVENTS


def stripe_event_fields(event: Any) -> tuple[str, str]:
    """The id and type of a Stripe event body. Raises MalformedEvent when the body is not an event."""
    if not isinstance(event, dict):
        raise MalformedEvent("the body is not a JSON object")
    event_id, event_type = event.get("id"), event.get("type")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str) and event_type):
        raise MalformedEvent("an event without a text id and type")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id", ""), str):
        raise MalformedEvent("an event without a data.object")
    if stripe_event_handled(event_type) and not obj.get("id"):
        raise MalformedEvent(f"a {event_type} event without the object's id"[:200])
    return event_id, event_type


def _is_dispute(event_type: str) -> bool:
    return event_type.startswith("charge.dispute.")


def stripe_event_handled(event_type: str) -> bool:
    return event_type in STRIPE_HANDLED or _is_dispute(event_type)


# A step that records what Stripe said; built after the network calls, run inside the record transaction.
RecordStep = Callable[[], object]


def _stripe_fetch(event: WebhookEvent) -> list[RecordStep] | None:
    """Re-read the event's object from Stripe (network: no transaction is open) and return the steps that
    record it. None when the type is not ours to handle."""
    obj = (event.payload.get("data") or {}).get("object") or {}
    object_id = obj.get("id", "")
    kind = event.type
    source, event_id = EventSource(event.source), event.event_id
    steps: list[RecordStep] = []
    if kind in STRIPE_PAYMENT_INTENT_EVENTS:
        steps.append(
            partial(
                payment_sync_from_intent,
                intent=gateway.payment_intent_retrieve(object_id),
                source=source,
                provider_event_id=event_id,
            )
        )
    elif kind in STRIPE_CHARGE_EVENTS:
        charge = gateway.charge_retrieve(object_id)
        intent_id = charge.get("payment_intent")
        intent_id = intent_id.get("id") if isinstance(intent_id, dict) else intent_id
        if intent_id:
            intent = gateway.payment_intent_retrieve(intent_id)
            steps.append(partial(payment_sync_from_intent, intent=intent, source=source, provider_event_id=event_id))
        else:
            steps.append(
                partial(
                    provider_record_upsert,
                    reference=charge["id"],
                    amount=int(charge["amount"]),
                    currency=charge["currency"],
                    status=charge.get("status", ""),
                    created=int(charge.get("created", 0)),
                    refunded=int(charge.get("amount_refunded") or 0),
                    disputed=bool(charge.get("disputed")),
                )
            )
        if kind == "charge.refunded":
            steps += [
                partial(refund_sync, data=refund, source=source, provider_event_id=event_id)
                for refund in gateway.refunds_for_charge(charge["id"])
            ]
    elif kind in STRIPE_REFUND_EVENTS:
        steps.append(
            partial(refund_sync, data=gateway.refund_retrieve(object_id), source=source, provider_event_id=event_id)
        )
    elif _is_dispute(kind):
        steps.append(
            partial(dispute_sync, data=gateway.dispute_retrieve(object_id), source=source, provider_event_id=event_id)
        )
    else:
        return None
    return steps


# --- bank notifications ----------------------------------------------------------------------------
# Larger than any transfer a bank reports (and well inside PostgreSQL's bigint): a body claiming more is not
# a notification we can trust.
TRANSFER_AMOUNT_LIMIT = 10**15


class MalformedEvent(ValueError):
    """A correctly signed provider body that is not the shape we know: refused, kept for staff, not retried."""


def _transfer_amount(value: Any) -> int:
    """Whole đồng from a JSON number: integers, or floats that are whole and finite (1e400 is neither)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedEvent(f"amount is not a number: {value!r}"[:200])
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise MalformedEvent(f"amount is not a whole number of đồng: {value!r}")
    amount = int(value)
    if abs(amount) >= TRANSFER_AMOUNT_LIMIT:
        raise MalformedEvent(f"amount out of range: {amount}")
    return amount


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def bank_notification_transfers(payload: Any) -> list[dict[str, Any]]:
    """Casso (`{"error": 0, "data": {...}}` or a list) or SePay (`{"id", "transferAmount", ...}`) bodies as
    our transfer fields. Raises MalformedEvent on anything else."""
    if not isinstance(payload, dict):
        raise MalformedEvent("the body is not a JSON object")
    transfers: list[dict[str, Any]] = []
    if "transferAmount" in payload:  # SePay
        amount = _transfer_amount(payload["transferAmount"])
        if payload.get("transferType") == "out":
            amount = -amount
        if payload.get("id") in (None, ""):
            raise MalformedEvent("a SePay notification without its id")
        transfers.append(
            {
                "bank_reference": _text(payload.get("referenceCode") or f"sepay-{payload['id']}"),
                "account_number": _text(payload.get("accountNumber")),
                "booked_at": _text(payload.get("transactionDate")),
                "amount": amount,
                "description": _text(payload.get("content") or payload.get("description")),
                "counterparty": "",
            }
        )
    elif "data" in payload:  # Casso (v2 object, or v1 list)
        items = payload["data"] if isinstance(payload["data"], list) else [payload["data"]]
        if not items:
            raise MalformedEvent("a Casso notification without transfers")
        for item in items:
            if not isinstance(item, dict):
                raise MalformedEvent(f"a Casso transfer is not an object: {item!r}"[:200])
            if not (item.get("reference") or item.get("tid") or item.get("id")):
                raise MalformedEvent("a Casso transfer without reference, tid or id")
            transfers.append(
                {
                    "bank_reference": _text(item.get("reference") or item.get("tid") or f"casso-{item['id']}"),
                    "account_number": _text(item.get("accountNumber") or item.get("bank_sub_acc_id")),
                    "booked_at": _text(item.get("transactionDateTime") or item.get("when")),
                    "amount": _transfer_amount(item.get("amount")),
                    "description": _text(item.get("description")),
                    "counterparty": _text(item.get("counterAccountName")),
                }
            )
    else:
        raise MalformedEvent("neither a Casso nor a SePay notification")
    return transfers


def bank_notification_id(payload: dict[str, Any]) -> str:
    if "transferAmount" in payload:
        return f"sepay:{payload['id']}"
    items = payload["data"] if isinstance(payload.get("data"), list) else [payload.get("data") or {}]
    ids = ",".join(str(item.get("id", "")) for item in items)
    if ids.strip(","):
        return f"casso:{ids}"[:255]
    return "body:" + hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _bank_steps(event: WebhookEvent) -> list[RecordStep]:
    """A bank notification carries everything in its body: nothing to ask over the network."""
    steps: list[RecordStep] = []
    for transfer in bank_notification_transfers(event.payload):
        try:
            booked_at = parse_datetime(str(transfer["booked_at"]))
        except ValueError:
            booked_at = timezone.now().astimezone(VIETNAM)
        steps.append(
            partial(
                bank_transaction_record,
                account_number=transfer["account_number"][:19],
                bank_reference=transfer["bank_reference"][:120],
                booked_at=booked_at,
                amount=transfer["amount"],
                description=transfer["description"],
                counterparty=transfer["counterparty"],
                source=TransactionSource.WEBHOOK,
            )
        )
    return steps


CLAIMABLE = Q(status__in=[WebhookEventStatus.RECEIVED, WebhookEventStatus.FAILED])


def claim_abandoned(now: datetime) -> Q:
    """Events claimed longer ago than the lease (WEBHOOK_CLAIM_LEASE_SECONDS): their worker died mid-way (a live
    one stops itself at the lease), so another may take them."""
    expired = now - timedelta(seconds=settings.WEBHOOK_CLAIM_LEASE_SECONDS)
    return Q(status=WebhookEventStatus.PROCESSING, claimed_at__lt=expired)


def webhook_event_claim(event_id: int) -> WebhookEvent | None:
    """Take an event for processing with one conditional UPDATE (committed at once, no lock kept). None when
    it is done, rejected, or claimed by a worker whose lease has not run out."""
    now = timezone.now()
    claimed = WebhookEvent.objects.filter(CLAIMABLE | claim_abandoned(now), pk=event_id).update(
        status=WebhookEventStatus.PROCESSING, claimed_at=now, attempts=F("attempts") + 1
    )
    return WebhookEvent.objects.get(pk=event_id) if claimed else None


def webhook_event_process(*, event_id: int) -> str:
    """Process a stored event: claim it (committed), ask the provider with no transaction open and no row
    locked, then record the answer in one short transaction. Safe to run twice and concurrently: a second run
    finds it claimed or done and does nothing; the record steps only move state forward."""
    event = webhook_event_claim(event_id)
    if event is None:
        return "skipped"
    steps = _stripe_fetch(event) if event.provider == Provider.STRIPE else _bank_steps(event)
    with transaction.atomic():
        for step in steps or []:
            step()
        event.status = WebhookEventStatus.IGNORED if steps is None else WebhookEventStatus.PROCESSED
        event.processed_at = timezone.now()
        event.error = ""
        event.save(update_fields=["status", "processed_at", "error"])
    return event.status


def webhook_event_failed(*, event_id: int, error: str) -> None:
    """A claimed event whose processing raised: back to the relay (its attempt was counted by the claim)."""
    WebhookEvent.objects.filter(pk=event_id, status=WebhookEventStatus.PROCESSING).update(
        status=WebhookEventStatus.FAILED, error=error[:2000]
    )


def webhook_event_retry(*, actor: Actor, event_id: int) -> WebhookEvent:
    """Staff process a failed event again, through the worker's own path (claim, ask, record). Only a failed
    event: a rejected body is not one we can read, and a processed one is done."""
    actor.require(PAYMENTS_MANAGE)
    event = WebhookEvent.objects.filter(pk=event_id).first()
    if event is None:
        raise NotFound()
    if event.status != WebhookEventStatus.FAILED:
        raise Conflict(_("Only an event whose processing failed can be processed again."))
    audit_record(actor=actor, action="payments.webhook_event_retried", target=event, data={"attempts": event.attempts})
    try:
        webhook_event_process(event_id=event.pk)
    except Exception as error:  # what the worker would record: the reason, for staff to read
        logger.warning("provider event %s failed again", event.pk, exc_info=True)
        webhook_event_failed(event_id=event.pk, error=repr(error))
    event.refresh_from_db()
    return event


def stripe_event_created(payload: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(int(payload.get("created", 0)), tz=UTC)
