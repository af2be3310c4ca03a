"""The one place that talks to Stripe, with the official SDK, the pinned API version and idempotency keys.

Every write call carries a deterministic idempotency key derived from our own row (`ml-pi-<payment id>`,
`ml-refund-<refund id>`…), so a retried request can never create a second charge or refund.

Without STRIPE_SECRET_KEY outside production the SDK talks to localstripe (a local Stripe test server, see
`market.payments.localstripe`). localstripe cannot turn a Stripe.js token into a PaymentMethod; that one
difference is in `_card_params` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from stripe._base_address import BaseAddresses
from stripe.params import PaymentIntentCreateParams, RefundCreateParams

from market.core.money import Money, to_minor_units


class CardsUnavailable(Exception):
    pass


def enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def is_local() -> bool:
    return bool(settings.STRIPE_API_BASE)


def client() -> stripe.StripeClient:
    if not enabled():
        raise CardsUnavailable("Card payments are not configured (STRIPE_SECRET_KEY).")
    base: BaseAddresses | None = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        base_addresses=base,
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
    )


def js_url() -> str:
    """Stripe.js. In production it must be loaded from js.stripe.com (PCI: never self-hosted) — the one asset
    the site loads from another host. Locally and in tests it is localstripe's replacement on loopback."""
    if is_local():
        return f"{settings.STRIPE_API_BASE.rstrip('/')}/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def page_sources() -> dict[str, tuple[str, ...]]:
    """What the card form's page must be allowed to load beyond our own origin (Content-Security-Policy,
    market.core.security.csp_allow): Stripe.js, its card and 3-D Secure frames and its API calls — only
    with a real Stripe publishable key; with localstripe, its replacement script and API on loopback."""
    if is_local():
        parts = urlsplit(settings.STRIPE_API_BASE)
        origin = f"{parts.scheme}://{parts.netloc}"
        return {"script_src": (origin,), "connect_src": (origin,)}
    if not settings.STRIPE_PUBLISHABLE_KEY.startswith(("pk_live_", "pk_test_")):
        return {}
    return {
        "script_src": ("https://js.stripe.com",),
        "frame_src": ("https://js.stripe.com", "https://hooks.stripe.com"),
        "connect_src": ("https://api.stripe.com",),
    }


def as_dict(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _card_params(token_id: str) -> dict[str, Any]:
    if is_local():
        # localstripe: a token's card is usable as a payment method; it has no payment_method_data.
        token = as_dict(client().v1.tokens.retrieve(token_id))
        return {"payment_method": token["card"]["id"]}
    return {"payment_method_data": {"type": "card", "card": {"token": token_id}}}


def payment_intent_create(
    *, payment_id: int, money: Money, token_id: str, reference: str, payable_kind: str
) -> dict[str, Any]:
    """Create and confirm a PaymentIntent for our payment `payment_id` (one attempt = one intent)."""
    params: dict[str, Any] = {
        "amount": to_minor_units(money),
        "currency": money.currency.lower(),
        "confirm": True,
        "payment_method_types": ["card"],
        "metadata": {"payment_id": str(payment_id), "reference": reference, "payable_kind": payable_kind},
        **_card_params(token_id),
    }
    # The SDK's TypedDict has no `payment_method_data.card.token`, which the API accepts for a Stripe.js token.
    typed = cast("PaymentIntentCreateParams", params)
    intent = client().v1.payment_intents.create(typed, {"idempotency_key": f"ml-pi-{payment_id}-create"})
    return as_dict(intent)


def payment_intent_retrieve(intent_id: str) -> dict[str, Any]:
    return as_dict(client().v1.payment_intents.retrieve(intent_id))


def payment_intent_cancel(*, payment_id: int, intent_id: str) -> dict[str, Any]:
    return as_dict(client().v1.payment_intents.cancel(intent_id, {}, {"idempotency_key": f"ml-pi-{payment_id}-cancel"}))


def refund_create(*, refund_id: int, intent_id: str, amount: Money) -> dict[str, Any]:
    params: RefundCreateParams = {
        "payment_intent": intent_id,
        "amount": to_minor_units(amount),
        "metadata": {"refund_id": str(refund_id)},
    }
    return as_dict(client().v1.refunds.create(params, {"idempotency_key": f"ml-refund-{refund_id}"}))


def refund_retrieve(refund_id: str) -> dict[str, Any]:
    return as_dict(client().v1.refunds.retrieve(refund_id))


def refunds_for_charge(charge_id: str) -> list[dict[str, Any]]:
    return [as_dict(r) for r in client().v1.refunds.list({"charge": charge_id, "limit": 100}).auto_paging_iter()]


def refund_find(*, refund_id: int, intent_id: str) -> dict[str, Any] | None:
    """The refund Stripe made for our refund `refund_id` (its metadata names it) among the refunds of the
    PaymentIntent, whatever its status. Stripe's idempotency keys cannot be looked up."""
    listing = client().v1.refunds.list({"payment_intent": intent_id, "limit": 100})
    for refund in listing.auto_paging_iter():
        found = as_dict(refund)
        if (found.get("metadata") or {}).get("refund_id") == str(refund_id):
            return found
    return None


def charge_retrieve(charge_id: str) -> dict[str, Any]:
    return as_dict(client().v1.charges.retrieve(charge_id))


def dispute_retrieve(dispute_id: str) -> dict[str, Any]:
    return as_dict(client().v1.disputes.retrieve(dispute_id))


def event_retrieve(event_id: str) -> dict[str, Any]:
    return as_dict(client().v1.events.retrieve(event_id))


def events_since(created_gte: int) -> Iterator[dict[str, Any]]:
    """Every event created at or after the watermark, oldest pages first as Stripe pages them."""
    listing = client().v1.events.list({"created": {"gte": created_gte}, "limit": 100})
    for event in listing.auto_paging_iter():
        yield as_dict(event)


def charges_since(created_gt: int) -> Iterator[dict[str, Any]]:
    listing = client().v1.charges.list({"created": {"gt": created_gt}, "limit": 100})
    for charge in listing.auto_paging_iter():
        yield as_dict(charge)


def payment_intents_since(created_gt: int) -> Iterator[dict[str, Any]]:
    listing = client().v1.payment_intents.list({"created": {"gt": created_gt}, "limit": 100})
    for intent in listing.auto_paging_iter():
        yield as_dict(intent)


def payment_intent_find(*, payment_id: int, created_gt: int) -> dict[str, Any] | None:
    """The PaymentIntent made for our payment `payment_id` (its metadata names it), among those created since
    the attempt began: charged or not, so one waiting for 3-D Secure is found too. Stripe's idempotency keys
    cannot be looked up, and its search lags by up to a minute."""
    for intent in payment_intents_since(created_gt):
        if (intent.get("metadata") or {}).get("payment_id") == str(payment_id):
            return intent
    return None


def verify_webhook(payload: bytes, signature: str | None) -> None:
    """Raises stripe.SignatureVerificationError unless the raw body carries our endpoint's signature."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise stripe.SignatureVerificationError("No webhook secret configured", signature)
    stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature or "", secret, tolerance=300)
