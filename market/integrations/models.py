"""Outgoing webhooks: the endpoints an organisation registers, the events (an outbox written in the same
transaction as the change that caused them) and one delivery per event and endpoint, with its attempts.

A delivery moves through these states (see relay.py):

    pending ──claim──> sending ──2xx──> delivered
       ^                  │
       └── refused / no answer, still inside the retry window (backoff + jitter)
                          └── window spent ──> failed          ("send again" puts it back to pending)
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.core.models import TimeStampedModel
from market.integrations.config import webhook_settings
from market.integrations.secret_box import unseal


class WebhookEndpoint(TimeStampedModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The event type names it receives (registry.py); "ping" needs no subscription.
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    # The signing secret, encrypted (secret_box.py): HMAC needs the secret itself, so it cannot be a hash, and a
    # copy of the database must not sign for anyone. Shown in clear once, when it is made.
    secret_sealed = models.TextField()
    # After a rotation the old secret still signs (a second v1=) until this time, so receivers can switch.
    previous_secret_sealed = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Since when every attempt failed (none delivered since); cleared by the next success.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url

    def signing_secrets(self, now: datetime | None = None) -> list[str]:
        """The secrets each delivery is signed with now: the current one, and the previous one in its grace."""
        secrets = [unseal(self.secret_sealed)]
        if self.previous_secret_in_grace(now):
            secrets.append(unseal(self.previous_secret_sealed))
        return secrets

    def previous_secret_in_grace(self, now: datetime | None = None) -> bool:
        moment = now or timezone.now()
        expires = self.previous_secret_expires_at
        return bool(self.previous_secret_sealed) and expires is not None and expires > moment


class WebhookEvent(models.Model):
    """One event for one organisation: the envelope's content, fixed when the change commits. Its id is what
    receivers de-duplicate on: every attempt and every "send again" carries the same one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    type = models.CharField(_("type"), max_length=80)
    api_version = models.CharField(max_length=20)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    occurrence = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="webhook_event_created_idx")]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            # Emitting the same change twice (a retried service) announces it once.
            models.UniqueConstraint(
                fields=["organisation", "type", "object_type", "object_id", "occurrence"], name="webhook_event_dedup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}:{self.object_id}"

    @property
    def public_id(self) -> str:
        return f"evt_{self.id.hex}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Retries stop after this (about three days after the event, or after "send again").
    retry_until = models.DateTimeField()
    claim_token = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last response"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_unique"),
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status=DeliveryStatus.PENDING), name="webhook_delivery_due_idx"
            ),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status=DeliveryStatus.SENDING),
                name="webhook_delivery_lease_idx",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
            # The nightly prune's two questions (retention.py).
            models.Index(
                fields=["delivered_at"], condition=Q(status=DeliveryStatus.DELIVERED), name="webhook_delivery_done_idx"
            ),
            models.Index(
                fields=["retry_until"], condition=Q(status=DeliveryStatus.FAILED), name="webhook_delivery_failed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"

    @property
    def is_delivered(self) -> bool:
        return self.status == DeliveryStatus.DELIVERED

    @property
    def is_failed(self) -> bool:
        return self.status == DeliveryStatus.FAILED

    @property
    def is_waiting(self) -> bool:
        """Waiting for its next attempt (the page shows when)."""
        return self.status == DeliveryStatus.PENDING

    @property
    def kept_until(self) -> datetime | None:
        """From when the nightly prune may remove it (retention.py); None while it is waiting or being sent."""
        config = webhook_settings()
        if self.status == DeliveryStatus.DELIVERED and self.delivered_at:
            return self.delivered_at + config.keep_delivered
        if self.status == DeliveryStatus.FAILED:
            return self.retry_until + config.keep_failed
        return None


class WebhookAttempt(models.Model):
    """One request to the endpoint, as it was sent and answered: the delivery log."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    request_body = models.TextField()
    signature = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["delivery_id", "-number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique")]

    def __str__(self) -> str:
        return f"#{self.delivery_id} attempt {self.number}: {self.response_status or self.error[:40]}"
