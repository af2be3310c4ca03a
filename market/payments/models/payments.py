"""Payables (what is to be paid), payments (each attempt or transfer), their event log, refunds, disputes,
and the store of provider events (webhooks and sweeps)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from market.core.fields import vnd_field
from market.core.models import TimeStampedModel
from market.core.money import Money


class Provider(models.TextChoices):
    STRIPE = "stripe", _("Card (Stripe)")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer (VietQR)")


class EventSource(models.TextChoices):
    """What recorded a payment event or a provider event."""

    API = "api", _("The payer's page")
    WEBHOOK = "webhook", _("Provider notification")
    SWEEP = "sweep", _("Reconciliation sweep")
    STATEMENT = "statement", _("Bank statement")
    STAFF = "staff", _("Alliance staff")
    # The cooperative paid, recording a transfer its own account received or sent back.
    PAYEE = "payee", _("The payee")
    SYSTEM = "system", _("Market Link")


class ProviderStatus(models.TextChoices):
    """A payment's status at its provider: a Stripe PaymentIntent's, or a bank transfer credited."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method", _("Waiting for a card")
    REQUIRES_CONFIRMATION = "requires_confirmation", _("Waiting for confirmation")
    REQUIRES_ACTION = "requires_action", _("Waiting for 3-D Secure")
    PROCESSING = "processing", _("Processing")
    REQUIRES_CAPTURE = "requires_capture", _("Authorised, not captured")
    CANCELED = "canceled", _("Cancelled at the provider")
    SUCCEEDED = "succeeded", _("Paid at the provider")
    CREDITED = "credited", _("Credited to the account")


class PayableStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PARTIALLY_PAID = "partially_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")
    CANCELLED = "cancelled", _("Cancelled")


# The names under which payable lists carry `Payable.card_outcome_being_checked` and
# `Payable.card_attempt_in_flight`, read in the same query.
CARD_CHECK_ANNOTATION = "card_check_annotated"
CARD_IN_FLIGHT_ANNOTATION = "card_in_flight_annotated"


class Payable(TimeStampedModel):
    """Payments' own record of one registered payable object (an order checkout, a booth fee…).

    Holds the short reference buyers write in the transfer note, a snapshot of what is due and to which
    account, and running totals kept by the payments service.
    """

    kind = models.CharField(_("kind"), max_length=64)
    object_id = models.CharField(max_length=64)
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    description = models.CharField(_("description"), max_length=255)
    amount = vnd_field(_("amount due"))
    currency = models.CharField(max_length=3, default="VND")
    payer = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("payer")
    )
    payee = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("payee")
    )
    account_bin = models.CharField(max_length=6, blank=True)
    account_number = models.CharField(max_length=19, blank=True)
    account_holder = models.CharField(max_length=120, blank=True)
    return_url = models.CharField(max_length=300, blank=True)
    amount_paid = vnd_field(_("paid"), default=0)
    amount_refunded = vnd_field(_("refunded"), default=0)
    # Paid beyond what was owed and kept by the payee as credit for the payer (not given back).
    amount_credited = vnd_field(_("kept as credit"), default=0)
    status = models.CharField(
        _("payment status"), max_length=20, choices=PayableStatus.choices, default=PayableStatus.UNPAID
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payable")
        verbose_name_plural = _("payables")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="payable_kind_object_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payable_amount_not_negative"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="payable_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0, amount_refunded__lte=F("amount_paid")),
                name="payable_refunded_within_paid",
            ),
            models.CheckConstraint(condition=Q(status__in=PayableStatus.values), name="payable_status_valid"),
            models.CheckConstraint(condition=Q(amount_credited__gte=0), name="payable_credited_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.description}"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def net_paid(self) -> int:
        """What the payer has paid towards this payable: received, less refunded and less kept as credit."""
        return self.amount_paid - self.amount_refunded - self.amount_credited

    @property
    def outstanding(self) -> int:
        return max(0, self.amount - self.net_paid)

    @property
    def overpaid(self) -> int:
        """Paid beyond what is owed (all of it once cancelled), not yet refunded or kept as credit."""
        owed = 0 if self.status == PayableStatus.CANCELLED else self.amount
        return max(0, self.net_paid - owed)

    @property
    def pay_url(self) -> str:
        return reverse("frontend:pay", args=[self.reference])

    @property
    def has_bank_account(self) -> bool:
        return bool(self.account_bin and self.account_number)

    @property
    def awaits_payment(self) -> bool:
        """Something is still owed and the payable was not called off."""
        return self.status != PayableStatus.CANCELLED and self.outstanding > 0

    @cached_property
    def card_outcome_being_checked(self) -> bool:
        """A card attempt of this payable got no answer from Stripe and is being checked: the card may have been
        charged, so no other payment is offered meanwhile. Read once per instance, or from the list's own query
        (`selectors.payable_list_for` annotates CARD_CHECK_ANNOTATION)."""
        annotated: bool | None = getattr(self, CARD_CHECK_ANNOTATION, None)
        if annotated is not None:
            return annotated
        return self.payments.filter(provider=Provider.STRIPE, outcome_unknown=True).exists()

    @cached_property
    def card_attempt_in_flight(self) -> bool:
        """Another card attempt of this payable may still be charged and a new one would not replace it
        (`card_attempts_in_flight`): no new card attempt starts meanwhile. Read once per instance, or from the
        list's own query (`selectors.payable_list_for` annotates CARD_IN_FLIGHT_ANNOTATION)."""
        annotated: bool | None = getattr(self, CARD_IN_FLIGHT_ANNOTATION, None)
        if annotated is not None:
            return annotated
        return self.payments.filter(card_attempts_in_flight()).exists()

    @property
    def awaits_more_money(self) -> bool:
        """Worth watching for a transfer (the pay page refreshes its status while this holds)."""
        return self.status in (PayableStatus.UNPAID, PayableStatus.PARTIALLY_PAID)


class PaymentState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    DISPUTED = "disputed", _("Disputed")


# States in which the money was received (and may be settled, refunded or disputed).
COLLECTED_STATES = frozenset(
    {PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED, PaymentState.DISPUTED}
)


# A card attempt whose PaymentIntent Stripe holds in one of these statuses can be cancelled at Stripe: a new attempt
# replaces it, cancelling it first (services.cards). In any other status it may still be charged.
REPLACEABLE_INTENT_STATUSES = (
    ProviderStatus.REQUIRES_PAYMENT_METHOD,
    ProviderStatus.REQUIRES_CONFIRMATION,
    ProviderStatus.REQUIRES_ACTION,
    ProviderStatus.REQUIRES_CAPTURE,
)
# An attempt still pending this long after it was opened without reaching Stripe belongs to a process that died
# before the call (a live one fails or answers well within the Stripe timeout); it no longer blocks.
ATTEMPT_IN_FLIGHT = timedelta(minutes=5)


def card_attempts_in_flight() -> Q:
    """Pending card attempts that may still be charged and that a new attempt would not replace: one opened by
    another tab whose answer from Stripe has not come yet, or one Stripe holds in a status that cannot be cancelled
    (processing). One waiting for 3-D Secure is not among them: a new attempt cancels it at Stripe first."""
    opened_recently = Q(provider_reference="", created_at__gte=timezone.now() - ATTEMPT_IN_FLIGHT)
    held_at_stripe = ~Q(provider_reference="") & ~Q(provider_status__in=REPLACEABLE_INTENT_STATUSES)
    return Q(provider=Provider.STRIPE, state=PaymentState.PENDING) & (opened_recently | held_at_stripe)


class Payment(TimeStampedModel):
    """One card attempt (a Stripe PaymentIntent) or one recognised bank transfer."""

    payable = models.ForeignKey(Payable, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(_("method"), max_length=16, choices=Provider.choices)
    state = models.CharField(_("state"), max_length=20, choices=PaymentState.choices, default=PaymentState.PENDING)
    amount = vnd_field(_("amount"))
    currency = models.CharField(max_length=3, default="VND")
    amount_refunded = vnd_field(_("refunded"), default=0)
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    provider_charge = models.CharField(max_length=255, blank=True)
    provider_status = models.CharField(
        _("status at the provider"), max_length=40, blank=True, choices=ProviderStatus.choices
    )
    failure_code = models.CharField(max_length=80, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    bank_transaction = models.OneToOneField(
        "payments.BankTransaction", null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    client_key = models.CharField(max_length=100, blank=True, help_text="The Idempotency-Key the payer sent.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    succeeded_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A pending card attempt whose create/confirm call to Stripe was lost on the network: the card may have been
    # charged. It blocks new attempts until Stripe is asked again (services.cards.card_attempt_resolve).
    outcome_unknown = models.BooleanField(
        _("outcome being checked"),
        default=False,
        help_text="Stripe's answer to this card attempt was lost: it may have been charged and is being checked "
        "with Stripe; no new card attempt starts meanwhile.",
    )
    # When a page last asked Stripe about this attempt while its outcome was unknown: pages polling it ask at
    # most once per STRIPE_CHECK_INTERVAL_SECONDS between them (services.cards.card_attempts_check).
    outcome_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~Q(provider_reference=""),
                name="payment_provider_reference_unique",
            ),
            models.UniqueConstraint(
                fields=["payable", "client_key"], condition=~Q(client_key=""), name="payment_client_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0, amount_refunded__lte=F("amount")),
                name="payment_refunded_within_amount",
            ),
            models.CheckConstraint(condition=Q(state__in=PaymentState.values), name="payment_state_valid"),
            models.CheckConstraint(condition=Q(provider__in=Provider.values), name="payment_provider_valid"),
            models.CheckConstraint(
                condition=Q(succeeded_at__isnull=True)
                | ~Q(state__in=[PaymentState.PENDING, PaymentState.FAILED, PaymentState.CANCELLED]),
                name="payment_succeeded_at_only_when_collected",
            ),
        ]
        indexes = [
            models.Index(fields=["provider", "state"], name="payment_provider_state_idx"),
            models.Index(fields=["created_at"], condition=Q(outcome_unknown=True), name="payment_outcome_unknown_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_provider_display()} {self.amount} {self.currency} ({self.state})"

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def refundable(self) -> int:
        return self.amount - self.amount_refunded


class PaymentEvent(models.Model):
    """Every change of a payment's state, with what caused it."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_state = models.CharField(max_length=20, blank=True, choices=PaymentState.choices)
    to_state = models.CharField(max_length=20, choices=PaymentState.choices)
    source = models.CharField(max_length=20, choices=EventSource.choices)
    provider_event_id = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")

    def __str__(self) -> str:
        return f"{self.payment_id}: {self.from_state or '∅'} → {self.to_state}"


class RefundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Refund(TimeStampedModel):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = vnd_field(_("amount"))
    state = models.CharField(max_length=12, choices=RefundState.choices, default=RefundState.PENDING)
    provider_reference = models.CharField(max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    failure_message = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    client_key = models.CharField(max_length=100, blank=True, help_text="The Idempotency-Key staff's client sent.")
    # A pending refund whose create call to Stripe was lost on the network (or answered with a 5xx): the money may
    # have gone back. It stays pending, its amount reserved, until Stripe is asked (services.cards.refund_resolve).
    outcome_unknown = models.BooleanField(
        _("outcome being checked"),
        default=False,
        help_text="Stripe's answer to this refund was lost: the money may have gone back and it is being checked "
        "with Stripe; its amount stays reserved meanwhile.",
    )
    # When our last create call for it began: the settle time for an unknown outcome counts from it.
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [
            models.UniqueConstraint(
                fields=["provider_reference"], condition=~Q(provider_reference=""), name="refund_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["payment", "client_key"], condition=~Q(client_key=""), name="refund_client_key_unique"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=Q(state__in=RefundState.values), name="refund_state_valid"),
            models.CheckConstraint(
                condition=Q(outcome_unknown=False) | Q(state=RefundState.PENDING), name="refund_unknown_only_pending"
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(outcome_unknown=True), name="refund_outcome_unknown_idx"),
        ]

    def __str__(self) -> str:
        return f"refund #{self.pk} {self.amount} ({self.state})"


class DisputeStatus(models.TextChoices):
    """Stripe's dispute statuses."""

    WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: answer needed")
    WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry under review")
    WARNING_CLOSED = "warning_closed", _("Inquiry closed")
    NEEDS_RESPONSE = "needs_response", _("Answer needed")
    UNDER_REVIEW = "under_review", _("Under review")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


CLOSED_DISPUTE_STATUSES = frozenset({DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.WARNING_CLOSED})


class Dispute(TimeStampedModel):
    """A card dispute (chargeback) as Stripe reports it."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    provider_reference = models.CharField(max_length=255, unique=True)
    amount = vnd_field(_("amount"))
    reason = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=40, choices=DisputeStatus.choices)
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.provider_reference} ({self.status})"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_DISPUTE_STATUSES


class WebhookEventStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    PROCESSING = "processing", _("Being processed")  # claimed by a worker (see `claimed_at`)
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")
    REJECTED = "rejected", _("Rejected")  # signed, but not a body we can read: kept for staff, never processed


# How much of a provider event's body the staff list shows.
BODY_EXCERPT = 600


class WebhookEventOutcome(models.TextChoices):
    """What staff look for among provider events (the statuses, grouped; a duplicate is any event sent again)."""

    WAITING = "waiting", _("Waiting")
    APPLIED = "applied", _("Applied")
    IGNORED = "ignored", _("Ignored")
    DUPLICATE = "duplicate", _("Sent again")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")


class WebhookEvent(models.Model):
    """A provider event (Stripe event, bank notification), stored once under its provider id.

    The row is written by the webhook view (or the sweep) before anything else happens, so it is also the
    outbox: a Celery task processes it, and a periodic relay picks up any that a lost task left behind.
    """

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    source = models.CharField(max_length=12, choices=EventSource.choices, default=EventSource.WEBHOOK)
    status = models.CharField(max_length=12, choices=WebhookEventStatus.choices, default=WebhookEventStatus.RECEIVED)
    attempts = models.PositiveIntegerField(default=0)
    # How many times the provider sent it again after the first (answered as duplicates, never applied twice).
    duplicates = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("provider event")
        verbose_name_plural = _("provider events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_unique"),
            models.CheckConstraint(
                condition=Q(status__in=WebhookEventStatus.values), name="webhook_event_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="webhook_event_pending_idx")]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type}"

    @property
    def badge(self) -> str:
        """The status badge's style on the staff pages: applied, refused or failed, ignored, or waiting."""
        return {
            WebhookEventStatus.PROCESSED: "verified",
            WebhookEventStatus.FAILED: "rejected",
            WebhookEventStatus.REJECTED: "rejected",
            WebhookEventStatus.IGNORED: "neutral",
        }.get(WebhookEventStatus(self.status), "pending")

    @property
    def is_failed(self) -> bool:
        return self.status == WebhookEventStatus.FAILED

    @property
    def is_rejected(self) -> bool:
        return self.status == WebhookEventStatus.REJECTED

    @property
    def is_ignored(self) -> bool:
        return self.status == WebhookEventStatus.IGNORED

    @property
    def is_processed(self) -> bool:
        return self.status == WebhookEventStatus.PROCESSED

    def body_excerpt(self) -> str:
        """The start of what the provider sent (a rejected body as it arrived), short enough for a list."""
        payload = self.payload
        if self.status == WebhookEventStatus.REJECTED and isinstance(payload, dict) and "body" in payload:
            body = str(payload["body"])
        else:
            body = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        return body if len(body) <= BODY_EXCERPT else body[:BODY_EXCERPT] + "…"


COLLECTED_STATES_LIST = sorted(COLLECTED_STATES)
