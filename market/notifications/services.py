"""Writes of the notifications app. `notify()` is the one every other app calls.

notify(): the transactional outbox
==================================

Call it inside your own business transaction, right after the change it announces::

    from django.db import transaction
    from market.notifications.services import Address, notify

    @transaction.atomic
    def order_confirm(*, actor: Actor, order: Order) -> Order:
        ...                                             # lock, validate, save the order
        audit_record(actor=actor, action="order.confirmed", target=order)
        notify(
            kind="orders.confirmed",                    # registered in OrdersConfig.ready(), see registry.py
            recipients=[order.buyer],                   # Organisation -> its members; or Users, e-mail
                                                        # addresses, Address(email=..., language="en")
            context={"order_id": order.pk, "order_reference": order.reference, "total_vnd": 1500000},
            object_ref=order,                           # a model instance, or ("orders.order", 42)
        )
        return order

What it does: for every recipient and every channel their preferences allow (in-app, e-mail, Zalo, SMS),
it writes one outbox row in the caller's transaction and returns. Nothing is sent from the request: if the
transaction rolls back the rows vanish with it; once it commits, the relay (a Celery beat job) delivers
them, retrying with backoff, even if Redis was down when the change happened.

Rules worth knowing:
- One row per (kind, object_ref, occurrence, recipient, channel), enforced by a unique constraint: calling
  notify() twice for the same event writes nothing the second time. When one object legitimately causes the
  same kind again (a second shipment, a verification decided anew), pass `occurrence=` something that names
  this time (the shipment id, the audit event id).
- `context` must be JSON (ints for VND amounts, ISO strings for dates); templates format it. It is rendered
  when the message is sent, in the recipient's language at that time.
- Zalo and SMS need a phone number, the provider's configuration and (Zalo) an approved template; when any
  is missing, or the provider refuses for good, the message goes by e-mail instead.
- `channels=` narrows the kind's channels for this call (e.g. ["in_app"]); it never adds channels the
  person switched off, except for kinds registered as `essential`.
- `send_after=` delays delivery (a reminder the day before a meeting).
- It returns nothing. It refuses loudly: RuntimeError outside a transaction, ImproperlyConfigured for a kind
  nobody registered, ValueError for a context that is not JSON or an invalid address.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core import rows
from market.core.errors import Conflict, NotFound
from market.core.row_inserts import insert_rows
from market.core.services import audit_record
from market.notifications.config import channel_available_for, max_attempts_for
from market.notifications.models import (
    PHONE_CHANNELS,
    Channel,
    ChannelPreference,
    Group,
    Notification,
    NotificationSettings,
    Status,
)
from market.notifications.policy import DELIVERY_POLICY, DeliveryAction, delivery_actions
from market.notifications.registry import NotificationKind, get_kind
from market.organisations.models import Membership, Organisation, User
from market.organisations.permissions import Actor

# What a person gets when they have not chosen: in the app and by e-mail; Zalo and SMS are opt-in.
DEFAULT_ENABLED: dict[str, bool] = {Channel.IN_APP: True, Channel.EMAIL: True, Channel.ZALO: False, Channel.SMS: False}
CHANNEL_ORDER = (Channel.IN_APP, Channel.EMAIL, Channel.ZALO, Channel.SMS)


@dataclass(frozen=True)
class Address:
    """Someone without an account (yet): an e-mail address and/or a phone number, and their language."""

    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass(frozen=True)
class _Recipient:
    key: str
    user: User | None
    email: str
    phone: str
    language: str
    organisation: Organisation | None


RecipientLike = User | Organisation | Address | str


# --- notify --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One notify() call, for `notify_all`: the same arguments."""

    kind: str
    recipients: Collection[RecipientLike]
    context: Mapping[str, Any]
    object_ref: models.Model | tuple[str, str | int]
    channels: Collection[str] | None = None
    occurrence: str = ""
    send_after: datetime | None = None


def notify(
    *,
    kind: str,
    recipients: Iterable[RecipientLike],
    context: Mapping[str, Any],
    object_ref: models.Model | tuple[str, str | int],
    channels: Collection[str] | None = None,
    occurrence: str = "",
    send_after: datetime | None = None,
) -> None:
    """Write the outbox rows announcing `kind` about `object_ref` to `recipients` (see the module docstring)."""
    notify_all(
        [
            Message(
                kind=kind,
                recipients=list(recipients),
                context=context,
                object_ref=object_ref,
                channels=channels,
                occurrence=occurrence,
                send_after=send_after,
            )
        ]
    )


def notify_all(messages: Collection[Message]) -> None:
    """notify() for several messages at once (a checkout telling both sides of each order): the recipients,
    their preferences and the rows are read and written in a constant number of queries."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "notify() must run inside the business transaction that makes the change (transaction.atomic), "
            "so that the change and its notifications commit together."
        )
    for message in messages:
        if message.channels is not None and set(message.channels) - set(Channel.values):
            raise ValueError(f"Unknown channels: {sorted(set(message.channels) - set(Channel.values))}")
    directory = _Directory.load(recipient for message in messages for recipient in message.recipients)
    planned = [(message, directory.resolve(message.recipients)) for message in messages]
    user_ids = sorted({p.user.pk for _m, people in planned for p in people if p.user is not None})
    prefs, digest_users = directory.preferences(user_ids)
    now = timezone.now()
    rows: list[Notification] = []
    for message, people in planned:
        rows += _rows(message, people, prefs, digest_users, now)
    # The unique constraint drops what was already written for this event: never a second row.
    insert_rows(rows, ignore_conflicts=True)


def _rows(
    message: Message,
    people: list[_Recipient],
    prefs: dict[tuple[int, str, str], bool],
    digest_users: set[int],
    now: datetime,
) -> list[Notification]:
    spec = get_kind(message.kind)
    object_type, object_id = _object_ref(message.object_ref)
    payload = _json_context(message.context)
    allowed = set(spec.channels) if message.channels is None else set(spec.channels) & set(message.channels)
    due = message.send_after or now
    rows: list[Notification] = []
    for person in people if allowed else []:
        for channel in _channels_for(spec, allowed, person, prefs):
            held = (
                channel == Channel.EMAIL
                and spec.digestible
                and not spec.essential
                and person.user is not None
                and person.user.pk in digest_users
            )
            status = Status.SENT if channel == Channel.IN_APP else (Status.HELD if held else Status.PENDING)
            rows.append(
                Notification(
                    kind=spec.name,
                    group=spec.group,
                    channel=channel,
                    recipient_key=person.key,
                    recipient_user=person.user,
                    recipient_address=_address_for(person, channel),
                    organisation=person.organisation,
                    language=person.language,
                    object_type=object_type,
                    object_id=object_id,
                    occurrence=message.occurrence[:64],
                    context=payload,
                    status=status,
                    attempts_left=max_attempts_for(channel),
                    next_attempt_at=due,
                    sent_at=due if channel == Channel.IN_APP else None,
                )
            )
    return rows


def _object_ref(ref: models.Model | tuple[str, str | int]) -> tuple[str, str]:
    if isinstance(ref, models.Model):
        if ref.pk is None:
            raise ValueError("notify(object_ref=...) needs a saved object")
        return ref._meta.label_lower, str(ref.pk)
    object_type, object_id = ref
    if not object_type or object_id in (None, ""):
        raise ValueError("notify(object_ref=...) needs a type and an id")
    return str(object_type)[:80], str(object_id)[:64]


def _json_context(context: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(json.dumps(dict(context), cls=DjangoJSONEncoder))
    except TypeError as exc:
        raise ValueError(f"notify(context=...) must be JSON (ints for money, ISO dates): {exc}") from None


def _directory_queryset(organisation_ids: set[int], emails: set[str]) -> QuerySet[User, Any]:
    """The definition of a batch's recipients: one row per user, membership and preference (LEFT JOINs: one
    row with NULLs without any) of the organisations' members and the accounts behind the addresses, with each
    user's digest choice; a membership of another organisation, of an account found by its address, comes too
    (the caller keeps only the members)."""
    return (
        User.objects.filter(Q(memberships__organisation_id__in=organisation_ids) | Q(email__in=emails))
        .annotate(
            membership_id=F("memberships__id"),
            member_of=F("memberships__organisation_id"),
            daily_digest=Exists(NotificationSettings.objects.filter(user_id=OuterRef("pk"), daily_digest=True)),
            pref_group=F("channel_preferences__group"),
            pref_channel=F("channel_preferences__channel"),
            pref_enabled=F("channel_preferences__enabled"),
        )
        .order_by("memberships__organisation_id", "memberships__id")
    )


_DIRECTORY_EXTRA = ("membership_id", "member_of", "daily_digest", "pref_group", "pref_channel", "pref_enabled")


@functools.cache
def _directory_sql() -> str:
    # `_directory_queryset` written once per process: the ORM built it anew for every checkout (a tenth of
    # the checkout's CPU); tests/notifications/test_directory_rows.py compares both. Its condition spans two
    # tables (a membership OR an address), which no index answers: PostgreSQL joined every user with every
    # membership on each checkout. The users it can name are found first through the indexes (members of the
    # organisations, accounts of the addresses); the condition itself still decides, so the rows are the same.
    members = Membership._meta.db_table
    users = User._meta.db_table
    return f"""
        SELECT {rows.select_list(User, "u")}, m.id, m.organisation_id,
               EXISTS(SELECT 1 FROM {NotificationSettings._meta.db_table} ns
                       WHERE ns.daily_digest AND ns.user_id = u.id),
               cp."group", cp.channel, cp.enabled
          FROM {users} u
          LEFT JOIN {members} m ON m.user_id = u.id
          LEFT JOIN {ChannelPreference._meta.db_table} cp ON cp.user_id = u.id
         WHERE u.id IN (SELECT mo.user_id FROM {members} mo WHERE mo.organisation_id = ANY(%s::bigint[])
                        UNION ALL
                        SELECT ua.id FROM {users} ua WHERE ua.email = ANY(%s::varchar[]))
           AND (m.organisation_id = ANY(%s::bigint[]) OR u.email = ANY(%s::varchar[]))
         ORDER BY m.organisation_id, m.id
    """  # noqa: S608 (table and column names from the models; the values are parameters)


def _directory_rows(organisation_ids: set[int], emails: set[str]) -> list[Any]:
    """What `_directory_queryset` answers: users with its annotations as attributes."""
    if connection.vendor != "postgresql":
        return list(_directory_queryset(organisation_ids, emails))
    width = rows.width(User)
    ids, addresses = sorted(organisation_ids), sorted(emails)
    with connection.cursor() as cursor:
        cursor.execute(_directory_sql(), [ids, addresses, ids, addresses])
        fetched = cursor.fetchall()
    users: list[Any] = []
    for row in fetched:
        user = rows.instance(User, row[:width])
        user.__dict__.update(zip(_DIRECTORY_EXTRA, row[width:], strict=True))
        users.append(user)
    return users


@dataclass(frozen=True)
class _Directory:
    """The members of every organisation and the accounts behind every e-mail address a batch of messages
    names, with their channel preferences and digest choices, read in one query (a checkout telling both
    sides and the invoice address reads its recipients in one)."""

    members: dict[int, list[User]]
    accounts: dict[str, User]
    prefs: dict[tuple[int, str, str], bool]
    digest_users: set[int]

    @classmethod
    def load(cls, recipients: Iterable[RecipientLike]) -> _Directory:
        organisation_ids: set[int] = set()
        emails: set[str] = set()
        for item in recipients:
            if isinstance(item, Organisation):
                organisation_ids.add(item.pk)
            elif isinstance(item, Address | str):
                email = (item if isinstance(item, str) else item.email).strip().lower()
                if email:
                    emails.add(email)
            elif not isinstance(item, User):
                raise TypeError(f"notify() cannot send to {type(item).__name__}")
        members: dict[int, list[User]] = {}
        accounts: dict[str, User] = {}
        prefs: dict[tuple[int, str, str], bool] = {}
        digest_users: set[int] = set()
        if organisation_ids or emails:
            # The organisations' members and the accounts behind the addresses in one query (an invoice
            # address is often nobody's: a second query found nothing): one row per user, membership and
            # preference (LEFT JOINs: one row with NULLs without any); a membership of another organisation,
            # of an account found by its address, is not one of the members.
            seen: set[int | None] = set()
            for row in _directory_rows(organisation_ids, emails):
                if row.pref_group is not None:
                    prefs[(row.pk, row.pref_group, row.pref_channel)] = row.pref_enabled
                if row.daily_digest:
                    digest_users.add(row.pk)
                if row.email:
                    accounts.setdefault(row.email.lower(), row)
                if row.member_of in organisation_ids and row.membership_id not in seen:
                    seen.add(row.membership_id)
                    members.setdefault(row.member_of, []).append(row)
        return cls(members=members, accounts=accounts, prefs=prefs, digest_users=digest_users)

    def preferences(self, user_ids: list[int]) -> tuple[dict[tuple[int, str, str], bool], set[int]]:
        """The channel preferences and digest choices of `user_ids`: the members' and the accounts' were read
        with them, the others' (users named directly) are read now."""
        known = {user.pk for users in self.members.values() for user in users} | {
            user.pk for user in self.accounts.values()
        }
        prefs, digest_users = _preferences([pk for pk in user_ids if pk not in known])
        return self.prefs | prefs, self.digest_users | digest_users

    def resolve(self, recipients: Iterable[RecipientLike]) -> list[_Recipient]:
        default_language = settings.LANGUAGE_CODE
        people: dict[str, _Recipient] = {}
        addresses: list[Address] = []

        def add_user(user: User, organisation: Organisation | None = None) -> None:
            if not user.is_active:
                return
            key = f"user:{user.pk}"
            if key not in people:
                people[key] = _Recipient(key, user, user.email, user.phone, user.language, organisation)

        for item in recipients:
            if isinstance(item, User):
                add_user(item)
            elif isinstance(item, Organisation):
                for user in self.members.get(item.pk, []):
                    add_user(user, item)
            else:
                addresses.append(Address(email=item) if isinstance(item, str) else item)

        for address in addresses:
            email = address.email.strip().lower()
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    raise ValueError(f"notify() got an invalid e-mail address: {address.email!r}") from None
                if email in self.accounts:
                    # Someone who already has an account gets it in their language, and in the app too.
                    add_user(self.accounts[email])
                    continue
            phone = address.phone.strip()
            if not email and not phone:
                raise ValueError("notify() got an Address without e-mail or phone")
            key = f"email:{email}" if email else f"phone:{phone}"
            people.setdefault(key, _Recipient(key, None, email, phone, address.language or default_language, None))
        return list(people.values())


def _preferences(user_ids: list[int]) -> tuple[dict[tuple[int, str, str], bool], set[int]]:
    if not user_ids:
        return {}, set()
    prefs = {(p.user_id, p.group, p.channel): p.enabled for p in ChannelPreference.objects.filter(user_id__in=user_ids)}
    digest = set(
        NotificationSettings.objects.filter(user_id__in=user_ids, daily_digest=True).values_list("user_id", flat=True)
    )
    return prefs, digest


def _channels_for(
    kind: NotificationKind, allowed: set[str], person: _Recipient, prefs: dict[tuple[int, str, str], bool]
) -> list[str]:
    if person.user is None:
        wanted = [Channel.EMAIL] if person.email and Channel.EMAIL in allowed else []
        if person.phone:
            # Someone known only by a phone number gets one message: by Zalo if it can carry it, else SMS.
            usable = [c for c in PHONE_CHANNELS if c in allowed and channel_available_for(c, kind.name)]
            wanted += usable[:1]
    else:
        wanted = []
        for channel in CHANNEL_ORDER:
            if channel not in allowed:
                continue
            enabled = prefs.get((person.user.pk, kind.group, channel), DEFAULT_ENABLED[channel])
            if kind.essential and channel in (Channel.IN_APP, Channel.EMAIL):
                enabled = True
            if enabled:
                wanted.append(channel)
    chosen: list[str] = []
    for channel in wanted:
        if channel in PHONE_CHANNELS and not (person.phone and channel_available_for(channel, kind.name)):
            # No phone, no provider or no approved template: e-mail carries it instead.
            channel = Channel.EMAIL
            if channel not in allowed or not person.email:
                continue
        if channel not in chosen:
            chosen.append(channel)
    return chosen


def _address_for(person: _Recipient, channel: str) -> str:
    if person.user is not None:
        return ""  # read from the user when sending: a corrected address still reaches them
    return person.email if channel == Channel.EMAIL else person.phone


def fallback_to_email(*, row: Notification, reason: str) -> bool:
    """After Zalo/SMS failed for good: the same event by e-mail (a no-op when an e-mail row exists)."""
    if row.channel not in PHONE_CHANNELS:
        return False
    email = row.recipient_user.email if row.recipient_user_id and row.recipient_user else ""
    if not email and "@" in row.recipient_address:
        email = row.recipient_address
    if not email:
        return False
    created = Notification.objects.bulk_create(
        [
            Notification(
                kind=row.kind,
                group=row.group,
                channel=Channel.EMAIL,
                recipient_key=row.recipient_key,
                recipient_user_id=row.recipient_user_id,
                recipient_address="" if row.recipient_user_id else email,
                organisation_id=row.organisation_id,
                language=row.language,
                object_type=row.object_type,
                object_id=row.object_id,
                occurrence=row.occurrence,
                context=row.context,
                status=Status.PENDING,
                attempts_left=max_attempts_for(Channel.EMAIL),
                fallback_for=row,
                last_error="",
            )
        ],
        ignore_conflicts=True,
    )
    return bool(created)


# --- the inbox -----------------------------------------------------------------------------------
def _inbox(user: User) -> models.QuerySet[Notification]:
    return Notification.objects.filter(
        recipient_user=user, channel=Channel.IN_APP, status=Status.SENT, next_attempt_at__lte=timezone.now()
    )


def inbox_mark_read(*, user: User, notification_ids: Collection[int]) -> int:
    if not notification_ids:
        return 0
    return _inbox(user).filter(pk__in=list(notification_ids), read_at__isnull=True).update(read_at=timezone.now())


def inbox_mark_all_read(*, user: User) -> int:
    return _inbox(user).filter(read_at__isnull=True).update(read_at=timezone.now())


def inbox_open(*, user: User, notification_id: int) -> Notification:
    """Marks one inbox entry read and returns it (its link is where the person goes next)."""
    notification = _inbox(user).filter(pk=notification_id).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


# --- preferences ---------------------------------------------------------------------------------
@transaction.atomic
def preferences_update(*, actor: Actor, enabled: Mapping[tuple[Group, Channel], bool], daily_digest: bool) -> None:
    """Set the person's channel choices per group; pairs not given keep their current value."""
    user = actor.user
    if user is None or not user.is_authenticated:
        raise NotFound()
    for (group, channel), on in enabled.items():
        ChannelPreference.objects.update_or_create(
            user=user, group=group, channel=channel, defaults={"enabled": bool(on)}
        )
    NotificationSettings.objects.update_or_create(user=user, defaults={"daily_digest": bool(daily_digest)})
    audit_record(
        actor=actor,
        action="notifications.preferences_updated",
        target=user,
        data={"enabled": {f"{g}:{c}": bool(v) for (g, c), v in enabled.items()}, "daily_digest": daily_digest},
    )


# --- staff ---------------------------------------------------------------------------------------
@transaction.atomic
def notification_resend(*, actor: Actor, notification_id: int) -> Notification:
    """Staff send a failed or unconfirmed message again (a fresh set of attempts)."""
    DELIVERY_POLICY.require_capability(actor=actor, action=DeliveryAction.RESEND)
    row = Notification.objects.select_for_update().filter(pk=notification_id).first()
    if row is None:
        raise NotFound()
    if DeliveryAction.RESEND not in delivery_actions(actor=actor, notification=row):
        raise Conflict(
            _("Only failed or unconfirmed messages can be sent again; this one is %(status)s.")
            % {"status": Status(row.status).label}
        )
    previous = row.status
    row.status = Status.PENDING
    row.next_attempt_at = timezone.now()
    row.attempts_left = max_attempts_for(row.channel)
    row.claim_token = ""
    row.lease_expires_at = None
    row.save(
        update_fields=["status", "next_attempt_at", "attempts_left", "claim_token", "lease_expires_at", "updated_at"]
    )
    audit_record(actor=actor, action="notification.resent", target=row, data={"from": previous})
    return row


# --- the daily digest ----------------------------------------------------------------------------
DIGEST_KIND = "notifications.daily_digest"


def digest_compose(*, now: datetime | None = None) -> int:
    """One digest e-mail per person with held messages; each held row ends in exactly one digest."""
    now = now or timezone.now()
    composed = 0
    last = 0
    while True:
        user_ids = list(
            Notification.objects.filter(status=Status.HELD, recipient_user_id__gt=last)
            .order_by("recipient_user_id")
            .values_list("recipient_user_id", flat=True)
            .distinct()[:500]
        )
        if not user_ids:
            return composed
        for user_id in user_ids:
            if _digest_for_user(user_id=user_id, now=now):
                composed += 1
        last = user_ids[-1]


@transaction.atomic
def _digest_for_user(*, user_id: int, now: datetime) -> bool:
    held = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(recipient_user_id=user_id, status=Status.HELD)
        .order_by("id")
        .values_list("id", flat=True)[:200]
    )
    user = User.objects.filter(pk=user_id).first()
    if not held or user is None:
        return False
    day = timezone.localdate(now).isoformat()
    occurrence = f"{day}#{held[0]}"
    notify(
        kind=DIGEST_KIND,
        recipients=[user],
        context={"items": held, "count": len(held), "day": day},
        object_ref=("notifications.digest", user_id),
        channels=[Channel.EMAIL],
        occurrence=occurrence,
    )
    digest = Notification.objects.get(
        kind=DIGEST_KIND, object_type="notifications.digest", object_id=str(user_id), occurrence=occurrence,
        recipient_key=f"user:{user_id}", channel=Channel.EMAIL,
    )  # fmt: skip
    Notification.objects.filter(pk__in=held).update(status=Status.DIGESTED, digest=digest, sent_at=now)
    return True


def outbox_prune(*, now: datetime | None = None, days: int | None = None, batch: int = 5000) -> int:
    """Forget what was settled long ago: delivered, digested or failed rows and read inbox entries older than
    NOTIFICATIONS_RETENTION_DAYS (unread inbox entries stay). Their dedup keys go with them."""
    days = days if days is not None else int(getattr(settings, "NOTIFICATIONS_RETENTION_DAYS", 365))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    settled = models.Q(status__in=[Status.SENT, Status.DIGESTED, Status.FAILED]) & (
        ~models.Q(channel=Channel.IN_APP) | models.Q(read_at__isnull=False)
    )
    deleted = 0
    while True:
        ids = list(Notification.objects.filter(settled, created_at__lt=cutoff).values_list("id", flat=True)[:batch])
        if not ids:
            return deleted
        # Digests point at their items (SET_NULL); deleting in id order keeps each batch small.
        deleted += Notification.objects.filter(pk__in=ids).delete()[1].get("notifications.Notification", 0)


def next_retry_delay(*, attempt: int, base: float, cap: float, rng: Any) -> timedelta:
    """Exponential backoff with "equal jitter": half the step fixed, half random (never two retries in step)."""
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    return timedelta(seconds=step / 2 + rng.uniform(0, step / 2))
