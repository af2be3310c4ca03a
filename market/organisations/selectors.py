"""Reads, already scoped to the caller: a foreign id answers exactly as a missing one (NotFound)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Count, Expression, JSONField, Q, QuerySet
from django.db.models.expressions import BaseExpression, RawSQL
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from market.core import rows
from market.core.errors import NotFound
from market.core.kept_statements import KeptStatement
from market.core.models import AuditEvent, Deletion
from market.organisations.authentication import hash_secret
from market.organisations.models import (
    SELLER_KINDS,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    User,
    VerificationStatus,
)
from market.organisations.permissions import MEMBERS_VIEW, ORGANISATIONS_VIEW_ALL, Actor


def organisation_list_for(
    *, actor: Actor, status: str | None = None, kind: str | None = None, search: str | None = None
) -> QuerySet[Organisation]:
    if not actor.is_authenticated:
        return Organisation.objects.none()
    queryset = Organisation.objects.all()
    if not actor.can(ORGANISATIONS_VIEW_ALL):
        queryset = queryset.filter(memberships__user=actor.user)
    if status:
        queryset = queryset.filter(verification_status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if search:
        term = search.strip()
        queryset = queryset.filter(
            Q(name__icontains=term) | Q(legal_name__icontains=term) | Q(tax_code__startswith=term)
        )
    return queryset.distinct() if not actor.can(ORGANISATIONS_VIEW_ALL) else queryset


def organisation_get_for(*, actor: Actor, organisation_id: int) -> Organisation:
    """An organisation the actor may see: their own (any they are a member of), or any for alliance staff."""
    organisation = organisation_list_for(actor=actor).filter(pk=organisation_id).first()
    if organisation is None:
        raise NotFound()
    return organisation


def verification_queue(*, actor: Actor, status: str = VerificationStatus.PENDING) -> QuerySet[Organisation]:
    if not actor.can(ORGANISATIONS_VIEW_ALL):
        return Organisation.objects.none()
    return Organisation.objects.filter(verification_status=status).order_by("created_at", "id")


@dataclass(frozen=True, slots=True)
class MemberCount:
    kind: OrganisationKind
    total: int
    verified: int


def member_counts(*, actor: Actor) -> list[MemberCount]:
    """The alliance's member organisations by kind (itself left out), and how many of each are verified.
    One query; staff only (anyone else reads an empty list)."""
    if not actor.can(ORGANISATIONS_VIEW_ALL):
        return []
    rows = {
        row["kind"]: row
        for row in Organisation.objects.exclude(kind=OrganisationKind.ALLIANCE)
        .values("kind")
        .annotate(total=Count("id"), verified=Count("id", filter=Q(verification_status=VerificationStatus.VERIFIED)))
        .order_by()
    }
    return [
        MemberCount(kind, rows[kind]["total"], rows[kind]["verified"])
        for kind in OrganisationKind
        if kind != OrganisationKind.ALLIANCE and kind in rows
    ]


# What staff read in an organisation's history, for the audit actions recorded on it.
HISTORY_LABELS: dict[str, str | Promise] = {
    "organisation.registered": gettext_lazy("Registered"),
    "organisation.updated": gettext_lazy("Profile changed"),
    "organisation.verification.verified": gettext_lazy("Verified"),
    "organisation.verification.rejected": gettext_lazy("Rejected"),
    "organisation.verification.pending": gettext_lazy("Asked to be checked again"),
}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    label: str | Promise
    by: str
    note: str


def organisation_history(*, actor: Actor, organisation_id: int, limit: int = 20) -> list[HistoryEntry]:
    """The organisation's registration, changes and verification decisions, newest first."""
    organisation_get_for(actor=actor, organisation_id=organisation_id)
    events = AuditEvent.objects.filter(
        target_type="organisations.organisation", target_id=str(organisation_id)
    ).select_related("actor_user")[:limit]
    return [
        HistoryEntry(
            at=event.created_at,
            label=HISTORY_LABELS.get(event.action, gettext_lazy("Other change")),
            by=event.actor_user.email if event.actor_user else "",
            note=str(event.data.get("note") or ""),
        )
        for event in events
    ]


# The output field of every value read with a cooperative's row (`seller_public_get(values=…)`, `json_value`): one
# JSONField for all of them, as it is the same; building one per value cost ~12 µs of CPU, six per storefront.
JSON_VALUE = JSONField()


def json_value(sql: str, params: Sequence[Any]) -> RawSQL:
    """A JSON value of `sql` (a statement over the cooperative's row, written from the models' names: every value is
    one of `params`) to read with the row (`seller_public_get(values=…)`)."""
    return RawSQL(sql, params, output_field=JSON_VALUE)  # noqa: S611 (see above)


def seller_public_get(*, organisation_id: int, values: Mapping[str, BaseExpression] | None = None) -> Organisation:
    """A verified cooperative's public card: what any visitor may see; with `values` (expressions over its
    row) read in the same query, as attributes: its storefront reads its record so (orders.selectors)."""
    if values and all(isinstance(value, RawSQL) for value in values.values()):
        return _seller_public_get_sql(organisation_id, cast(Mapping[str, RawSQL], values))
    try:  # get(): one row by its key, so no ordering to write (first() wrote the model's, ~0.3 ms of CPU)
        return (
            Organisation.objects.filter(kind__in=SELLER_KINDS, verification_status=VerificationStatus.VERIFIED)
            .annotate(**(values or {}))
            .get(pk=organisation_id)
        )
    except Organisation.DoesNotExist:
        raise NotFound() from None


@functools.cache
def _seller_public_statement(values: tuple[str, ...]) -> str:
    """`seller_public_get`'s query with these statements' values, written once per process per statements."""
    table = connection.ops.quote_name(Organisation._meta.db_table)
    selected = ", ".join([rows.select_list(Organisation, table), *(f"({sql})" for sql in values)])
    kinds = ", ".join(["%s"] * len(SELLER_KINDS))
    return (
        f"SELECT {selected} FROM {table}"  # noqa: S608 (names from the model, statements given; values are parameters)
        f" WHERE {table}.id = %s AND {table}.kind IN ({kinds}) AND {table}.verification_status = %s"
    )


def _seller_public_get_sql(organisation_id: int, values: Mapping[str, RawSQL]) -> Organisation:
    """`seller_public_get` when its values are plain statements (the storefront's record on PostgreSQL), in one plain
    statement: the ORM spent ~0.6 ms of CPU compiling the annotated query on every storefront not kept. Each value is
    converted as the ORM's compiler converts it (JSON parsed); tests/frontend/test_storefront.py compares the two."""
    params: list[Any] = [param for value in values.values() for param in value.params]
    params += [organisation_id, *sorted(kind.value for kind in SELLER_KINDS), VerificationStatus.VERIFIED.value]
    with connection.cursor() as cursor:
        cursor.execute(_seller_public_statement(tuple(value.sql for value in values.values())), params)
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    width = rows.width(Organisation)
    organisation = rows.instance(Organisation, row[:width])
    database = connections[DEFAULT_DB_ALIAS]  # looked up once, not through the `connection` proxy for each value
    for (name, expression), found in zip(values.items(), row[width:], strict=True):
        converters = (*database.ops.get_db_converters(expression), *expression.get_db_converters(database))
        for convert in converters:
            found = convert(found, expression, database)
        setattr(organisation, name, found)
    return organisation


def _can_view_members(actor: Actor, organisation_id: int) -> bool:
    own = actor.organisation_id == organisation_id and actor.can(MEMBERS_VIEW)
    return own or actor.can(ORGANISATIONS_VIEW_ALL)


def membership_list_for(*, actor: Actor, organisation_id: int) -> QuerySet[Membership]:
    if not _can_view_members(actor, organisation_id):
        raise NotFound()
    return (
        Membership.objects.filter(organisation_id=organisation_id)
        .select_related("user")
        .order_by("user__full_name", "id")
    )


def membership_get_for(*, actor: Actor, membership_id: int) -> Membership:
    membership = Membership.objects.select_related("user", "organisation").filter(pk=membership_id).first()
    if membership is None or not _can_view_members(actor, membership.organisation_id):
        raise NotFound()
    return membership


def invitation_list_for(*, actor: Actor, organisation_id: int) -> QuerySet[Invitation]:
    if not _can_view_members(actor, organisation_id):
        raise NotFound()
    return Invitation.objects.filter(
        organisation_id=organisation_id, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_get_for(*, actor: Actor, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.select_related("organisation").filter(pk=invitation_id).first()
    if invitation is None or not _can_view_members(actor, invitation.organisation_id):
        raise NotFound()
    return invitation


def api_token_list_for(*, actor: Actor) -> QuerySet[ApiToken]:
    if actor.organisation is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(organisation=actor.organisation).select_related("user")


def deletions_for(*, actor: Actor) -> QuerySet[Deletion]:
    """The tombstones of the actor's organisation's synced lists; through a token, only its scopes' lists."""
    if actor.organisation is None:
        return Deletion.objects.none()
    deletions = Deletion.objects.filter(organisation=actor.organisation)
    if actor.scopes is not None:
        deletions = deletions.filter(scope__in=[scope.value for scope in actor.scopes])
    return deletions


def api_token_get_for(*, actor: Actor, token_id: int) -> ApiToken:
    token = api_token_list_for(actor=actor).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


def user_organisations(*, user: User) -> list[Membership]:
    """The organisations a user can act for, for the switcher, by name: read with the user when a request
    loaded them (`user_with_memberships`), so the actor and the switcher share one read."""
    if user.memberships_read is not None:
        return user.memberships_read
    return list(_memberships_of(user_id=user.pk))


def _memberships_of(*, user_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("organisation__name")


# What the visitor's statement reads of each model, in its order (every column: the instances are the ORM's).
_USER_COLUMNS = tuple(field.attname for field in User._meta.concrete_fields)
_MEMBERSHIP_COLUMNS = tuple(field.attname for field in Membership._meta.concrete_fields)
_ORGANISATION_COLUMNS = tuple(field.attname for field in Organisation._meta.concrete_fields)
# `unread(user_id=…, now=…)`: an expression that counts the user's unread notifications at `now`.
UnreadCount = Callable[..., Expression]
# The values the statement is compiled with, in place of each call's user id and time.
VISITOR_STAND_IN_ID = -424_242_424  # no user's id
VISITOR_STAND_IN_TIME = datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC)  # no request's time


def _visitor_rows(*, user_id: int, now: datetime, unread: UnreadCount) -> QuerySet[Any]:
    """The user's row joined to each of their memberships with its organisation, by name (one row with no
    membership for a user of no organisation), and their unread count at `now`."""
    return (
        User.objects.filter(pk=user_id)
        .annotate(unread=unread(user_id=user_id, now=now))
        .order_by("memberships__organisation__name")
        .values_list(
            *_USER_COLUMNS,
            *(f"memberships__{column}" for column in _MEMBERSHIP_COLUMNS),
            *(f"memberships__organisation__{column}" for column in _ORGANISATION_COLUMNS),
            "unread",
        )
    )


@functools.lru_cache(maxsize=4)
def _visitor_statement(unread: UnreadCount) -> KeptStatement:
    """The visitor's statement, compiled once per process (market.core.kept_statements): built and compiled by the
    ORM on every signed-in request it cost ~3 ms of CPU."""
    return KeptStatement(
        functools.partial(_visitor_rows, unread=unread), user_id=VISITOR_STAND_IN_ID, now=VISITOR_STAND_IN_TIME
    )


def user_with_memberships(*, user_id: int, unread: UnreadCount) -> User | None:
    """A signed-in user with their memberships (`memberships_read`, by organisation name, each with its
    organisation) and their unread count (`unread_read`, counted by `unread`) in one statement."""
    rows = _visitor_statement(unread).rows(user_id=user_id, now=timezone.now())
    if not rows:
        return None
    users, memberships = len(_USER_COLUMNS), len(_MEMBERSHIP_COLUMNS)
    user = User.from_db("default", _USER_COLUMNS, rows[0][:users])
    read: list[Membership] = []
    for row in rows:
        if row[users] is None:  # no membership: the user's own row
            continue
        membership = Membership.from_db("default", _MEMBERSHIP_COLUMNS, row[users : users + memberships])
        membership.organisation = Organisation.from_db("default", _ORGANISATION_COLUMNS, row[users + memberships : -1])
        membership.user = user
        read.append(membership)
    user.memberships_read, user.unread_read = read, rows[0][-1]
    return user


def invitation_accepted_by(*, user: User, token: str) -> Invitation | None:
    """The invitation of this link if this person already accepted it (their Join pressed twice), else None."""
    return (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=hash_secret(token), accepted_by_id=user.pk)
        .first()
    )


def invitation_open_by_token(*, token: str) -> Invitation:
    """Anyone holding the link may see whom it invites and where; nothing else."""
    invitation = Invitation.objects.select_related("organisation").filter(token_hash=hash_secret(token)).first()
    if invitation is None or not invitation.is_open:
        raise NotFound(_("This invitation link is invalid, expired or already used."))
    return invitation
