"""The notification outbox: one row per (kind, object, occurrence, recipient, channel), written in the same
transaction as the change that caused it, then delivered by the relay.

A row moves through these states (see `services.TRANSITIONS` and `relay.py`):

    pending ──claim──> sending ──hand-over──> delivering ──accepted──> sent
       ^                  │                        │
       └── transient ─────┘                        ├── refused (definite) ──> pending | failed
       └── lease expired (worker died before the   └── no answer / worker died ──> unconfirmed
           hand-over: the provider never got it)        (never resent automatically; staff may resend)

    held ──daily digest──> digested          (e-mail for people who chose one daily summary)
    in-app rows are written as `sent`: the row is the inbox entry.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.core.models import TimeStampedQuerySet


class Group(models.TextChoices):
    """What a person chooses channels for. There is no marketing group: Market Link sends none."""

    ORDERS = "orders", _("Orders and quotations")
    PAYMENTS = "payments", _("Payments")
    FAIRS = "fairs", _("Trade fairs and meetings")
    CERTIFICATES = "certificates", _("Certificates")
    ACCOUNT = "account", _("Account and organisation")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    ZALO = "zalo", _("Zalo")
    SMS = "sms", _("SMS")


# Channels the relay delivers; in-app rows need no delivery.
EXTERNAL_CHANNELS = (Channel.EMAIL, Channel.ZALO, Channel.SMS)
# Channels that need a phone number and fall back to e-mail.
PHONE_CHANNELS = (Channel.ZALO, Channel.SMS)


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    HELD = "held", _("Held for the daily digest")
    SENDING = "sending", _("Being prepared")
    DELIVERING = "delivering", _("Handed to the provider")
    SENT = "sent", _("Sent")
    UNCONFIRMED = "unconfirmed", _("Delivery unconfirmed")
    FAILED = "failed", _("Failed")
    DIGESTED = "digested", _("Sent in a digest")


class ResendSafety(models.TextChoices):
    """What staff risk by sending a failed or unconfirmed row again (the delivery log shows it)."""

    SAFE = "safe", _("Safe to send again: the provider never accepted it")
    MAY_DUPLICATE = (
        "may_duplicate",
        _("Sending again may deliver it twice: the provider received the whole message but did not answer"),
    )
    UNKNOWN = (
        "unknown",
        _("Unknown: recorded before the message was complete (by an earlier version); it may never have arrived"),
    )


class Notification(models.Model):
    kind = models.CharField(_("kind"), max_length=80)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    # Who receives it: a user, or an address for someone who has no account yet (an invitation).
    recipient_key = models.CharField(max_length=300)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    recipient_address = models.CharField(_("address"), max_length=254, blank=True)
    # The organisation the recipient was told as a member of, when it was addressed to one.
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    language = models.CharField(_("language"), max_length=8, default="vi")
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=64)
    occurrence = models.CharField(max_length=64, blank=True)
    context = models.JSONField(default=dict, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempts_left = models.PositiveSmallIntegerField(default=10)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claim_token = models.CharField(max_length=64, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the provider got the whole message (SMTP: the final "." written), committed right after that write
    # (relay.py): an unconfirmed row with it may have arrived; without it, it was recorded by the earlier
    # relay that committed the hand-over before the final ".", so it may never have arrived.
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    fallback_for = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks")
    digest = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_items")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Indexed: the inbox syncs by (updated_at, id) like every list (docs/api-sync.md).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = TimeStampedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            # The promise "never doubled": one row per event, recipient and channel, whoever writes it.
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id", "occurrence", "recipient_key", "channel"],
                name="notification_dedup",
            ),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="notification_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="notification_channel_valid"),
            models.CheckConstraint(
                condition=Q(recipient_user__isnull=False) | ~Q(recipient_address=""),
                name="notification_has_recipient",
            ),
        ]
        indexes = [
            # What the relay claims, and the leases it recovers: small partial indexes.
            models.Index(fields=["next_attempt_at"], condition=Q(status=Status.PENDING), name="notification_due_idx"),
            models.Index(
                fields=["lease_expires_at"],
                condition=Q(status__in=["sending", "delivering"]),
                name="notification_lease_idx",
            ),
            models.Index(fields=["recipient_user"], condition=Q(status=Status.HELD), name="notification_held_idx"),
            # The inbox and the bell.
            models.Index(
                fields=["recipient_user", "-id"], condition=Q(channel="in_app"), name="notification_inbox_idx"
            ),
            models.Index(
                fields=["recipient_user"],
                condition=Q(channel="in_app", read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The staff delivery log.
            models.Index(fields=["status", "-id"], name="notification_status_idx"),
            models.Index(fields=["object_type", "object_id"], name="notification_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_display} ({self.channel}, {self.status})"

    @property
    def is_sent(self) -> bool:
        return self.status == Status.SENT

    @property
    def is_waiting(self) -> bool:
        """Waiting for its next attempt (the page shows when)."""
        return self.status == Status.PENDING

    @property
    def is_unconfirmed(self) -> bool:
        return self.status == Status.UNCONFIRMED

    @property
    def resend_safety(self) -> ResendSafety | None:
        if self.status == Status.FAILED:
            return ResendSafety.SAFE
        if self.status == Status.UNCONFIRMED:
            return ResendSafety.MAY_DUPLICATE if self.handed_over_at else ResendSafety.UNKNOWN
        return None

    @property
    def recipient_display(self) -> str:
        if self.recipient_user_id and self.recipient_user is not None:
            return self.recipient_user.email
        return self.recipient_address

    @property
    def is_unread(self) -> bool:
        return self.channel == Channel.IN_APP and self.read_at is None


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    SENT = "sent", _("Accepted by the provider")
    RETRY = "retry", _("Temporary failure, will retry")
    FAILED = "failed", _("Permanent failure")
    INTERRUPTED = "interrupted", _("Interrupted before hand-over")
    UNCONFIRMED = "unconfirmed", _("No answer after hand-over")
    SKIPPED = "skipped", _("Taken over by another relay")


class DeliveryAttempt(models.Model):
    """One try at delivering a row: counted in the database when the row is claimed, finished when the
    provider answers. An attempt left `in_progress` belonged to a worker that died."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="delivery_attempts")
    number = models.PositiveSmallIntegerField()
    worker = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["notification_id", "number"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        constraints = [
            models.UniqueConstraint(fields=["notification", "number"], name="delivery_attempt_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.notification_id} attempt {self.number}: {self.outcome}"


class ChannelPreference(models.Model):
    """A person's choice for one group and channel; without a row the default applies."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel preference")
        verbose_name_plural = _("channel preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "group", "channel"], name="channel_preference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.group}/{self.channel}: {'on' if self.enabled else 'off'}"


class NotificationSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    daily_digest = models.BooleanField(
        _("one e-mail a day"),
        default=False,
        help_text=_("Collect the day's e-mails into one summary, sent in the late afternoon."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user}: digest {'on' if self.daily_digest else 'off'}"


class ZaloToken(models.Model):
    """The Zalo Official Account's OAuth tokens. Refresh tokens are single-use, so the newest pair lives
    here (the one in the environment only seeds the first refresh)."""

    app_id = models.CharField(max_length=64, unique=True)
    access_token = models.TextField(blank=True)
    refresh_token = models.TextField()
    # Which ZALO_REFRESH_TOKEN seeded the pair: a new one in the environment replaces the stored pair.
    seed_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Zalo token")
        verbose_name_plural = _("Zalo tokens")

    def __str__(self) -> str:
        return f"Zalo app {self.app_id}"
