"""Reads: a person's own inbox and preferences; the delivery log and templates for alliance staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django_stubs_ext import StrOrPromise

from market.core.errors import NotFound
from market.notifications.config import channel_configured
from market.notifications.models import (
    Channel,
    ChannelPreference,
    DeliveryAttempt,
    Group,
    Notification,
    NotificationSettings,
    Status,
)
from market.notifications.permissions import NOTIFICATIONS_MANAGE
from market.notifications.registry import NotificationKind, find_kind, registered_kinds
from market.notifications.rendering import kind_link, render_inbox_line
from market.notifications.services import DEFAULT_ENABLED
from market.organisations.permissions import Actor


# --- the inbox -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class InboxEntry:
    id: int
    kind: str
    group: str
    group_label: str
    title: str
    link: str
    created_at: datetime
    read_at: datetime | None
    organisation_name: str

    @property
    def unread(self) -> bool:
        return self.read_at is None


def _inbox_queryset(user: Any, now: datetime | None = None) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient_user=user, channel=Channel.IN_APP, status=Status.SENT, next_attempt_at__lte=now or timezone.now()
    )


def unread_count(*, user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return _inbox_queryset(user).filter(read_at__isnull=True).count()


def unread_count_expression(*, user_id: int, now: datetime | None = None) -> Coalesce:
    """The same count as `unread_count` (at `now`: the time the reading query is made), as an expression to read
    along with another query (the user's own row: frontend.visitor). It names no outer column, so the database
    counts once however many rows."""
    counted = (
        _inbox_queryset(user_id, now)
        .filter(read_at__isnull=True)
        .values("recipient_user_id")
        .annotate(unread=Count("id"))
        .values("unread")
    )
    return Coalesce(Subquery(counted), 0)


def inbox_queryset_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = _inbox_queryset(user).select_related("organisation")
    return queryset.filter(read_at__isnull=True) if unread_only else queryset


def inbox_for(
    *, user: Any, before_id: int | None = None, limit: int = 30, unread_only: bool = False
) -> list[InboxEntry]:
    """The newest entries first, each rendered in the language active now."""
    queryset = _inbox_queryset(user).select_related("organisation").order_by("-id")
    if before_id:
        queryset = queryset.filter(pk__lt=before_id)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return [inbox_entry(row) for row in queryset[:limit]]


def inbox_entry(row: Notification) -> InboxEntry:
    kind = find_kind(row.kind)
    language = translation.get_language() or "vi"
    return InboxEntry(
        id=row.pk,
        kind=row.kind,
        group=row.group,
        group_label=row.get_group_display(),
        title=render_inbox_line(kind, row.context, language=language) if kind else row.kind,
        link=kind_link(kind, row.context) if kind else "",
        created_at=row.created_at,
        read_at=row.read_at,
        organisation_name=row.organisation.name if row.organisation_id and row.organisation else "",
    )


# --- preferences ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PreferenceCell:
    group: str
    channel: str
    enabled: bool
    available: bool  # the channel is configured here and (Zalo/SMS) the person has a phone


@dataclass(frozen=True)
class PreferenceMatrix:
    groups: list[tuple[str, StrOrPromise]]
    channels: list[tuple[str, StrOrPromise]]
    cells: dict[tuple[str, str], PreferenceCell]
    daily_digest: bool
    has_phone: bool

    def row(self, group: str) -> list[PreferenceCell]:
        return [self.cells[(group, channel)] for channel, _label in self.channels]


def preferences_for(*, user: Any) -> PreferenceMatrix:
    saved = {(p.group, p.channel): p.enabled for p in ChannelPreference.objects.filter(user=user)}
    settings_row = NotificationSettings.objects.filter(user=user).first()
    has_phone = bool(user.phone)
    cells = {}
    for group in Group.values:
        for channel in Channel.values:
            available = channel_configured(channel) and (channel in (Channel.IN_APP, Channel.EMAIL) or has_phone)
            cells[(group, channel)] = PreferenceCell(
                group=group,
                channel=channel,
                enabled=saved.get((group, channel), DEFAULT_ENABLED[channel]),
                available=available,
            )
    return PreferenceMatrix(
        groups=list(Group.choices),
        channels=list(Channel.choices),
        cells=cells,
        daily_digest=bool(settings_row and settings_row.daily_digest),
        has_phone=has_phone,
    )


# --- staff ---------------------------------------------------------------------------------------
def _require_staff(actor: Actor) -> None:
    actor.require(NOTIFICATIONS_MANAGE)


def delivery_log_for(
    *,
    actor: Actor,
    status: str | None = None,
    channel: str | None = None,
    kind: str | None = None,
    group: str | None = None,
    search: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    problems: bool = False,
) -> QuerySet[Notification]:
    """Every outbox row, newest first, filtered; `problems` = failed or unconfirmed."""
    _require_staff(actor)
    queryset = Notification.objects.select_related("recipient_user", "organisation").order_by("-id")
    if problems:
        queryset = queryset.filter(status__in=[Status.FAILED, Status.UNCONFIRMED])
    if status in Status.values:
        queryset = queryset.filter(status=status)
    if channel in Channel.values:
        queryset = queryset.filter(channel=channel)
    if group in Group.values:
        queryset = queryset.filter(group=group)
    if kind:
        queryset = queryset.filter(kind=kind)
    if search:
        term = search.strip()
        queryset = queryset.filter(
            Q(recipient_user__email__icontains=term)
            | Q(recipient_address__icontains=term)
            | Q(recipient_user__full_name__icontains=term)
            | Q(organisation__name__icontains=term)
            | Q(object_id=term)
        )
    zone = timezone.get_current_timezone()
    if date_from:
        queryset = queryset.filter(created_at__gte=datetime.combine(date_from, time.min, tzinfo=zone))
    if date_to:
        queryset = queryset.filter(created_at__lte=datetime.combine(date_to, time.max, tzinfo=zone))
    return queryset


def delivery_get_for(*, actor: Actor, notification_id: int) -> Notification:
    _require_staff(actor)
    row = (
        Notification.objects.select_related("recipient_user", "organisation", "fallback_for", "digest")
        .filter(pk=notification_id)
        .first()
    )
    if row is None:
        raise NotFound()
    return row


def delivery_attempts(*, actor: Actor, notification: Notification) -> QuerySet[DeliveryAttempt]:
    _require_staff(actor)
    return DeliveryAttempt.objects.filter(notification=notification).order_by("number")


def delivery_counts(*, actor: Actor) -> dict[str, int]:
    """Rows per status that need attention (cheap: partial indexes cover pending and failed)."""
    _require_staff(actor)
    wanted = [Status.PENDING, Status.FAILED, Status.UNCONFIRMED, Status.HELD]
    counts: dict[str, int] = dict.fromkeys(wanted, 0)
    for row in Notification.objects.filter(status__in=wanted).values("status").order_by().annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def kinds_for_staff(*, actor: Actor) -> list[NotificationKind]:
    _require_staff(actor)
    return registered_kinds()


def kind_for_staff(*, actor: Actor, name: str) -> NotificationKind:
    _require_staff(actor)
    kind = find_kind(name)
    if kind is None:
        raise NotFound()
    return kind
