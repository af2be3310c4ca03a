"""One way for every /api/v1 list to answer: cursor pages, a 400 for a query parameter the list does not know,
and incremental sync (`updated_since`, docs/api-sync.md).

Sync pages run in (updated_at, id) order and stop at a *horizon*: a time before which no transaction still
open can have written. A row's `updated_at` is taken when its statement runs, but it becomes visible only
when its transaction commits, possibly after rows with later timestamps did; a reader that had already moved
past its timestamp would skip it. The horizon is the earlier of "now − SYNC_SAFETY_LAG_SECONDS" and "the
start of the oldest transaction still open in this database − the lag" (PostgreSQL's pg_stat_activity), so a
position handed to a client never passes a row that can still appear. The lag covers clock skew between the
web hosts and the database and the instant between Python taking the time and the transaction starting.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from market.core.errors import ValidationFailed
from market.core.pagination import CursorPagination

UPDATED_SINCE = "updated_since"
CURSOR = "cursor"
PAGE_SIZE = "page_size"
# Parameters every list accepts on top of its own filters (DRF's and the sync protocol's names).
STANDARD_PARAMETERS = frozenset({"page", PAGE_SIZE, CURSOR, "ordering", "search", "format", UPDATED_SINCE})
# A sync cursor says what it is, so that it is never mistaken for a page cursor of the ordinary lists.
SYNC_CURSOR_PREFIX = "s1."


def accepted_parameters(filters: Iterable[type[serializers.Serializer]]) -> frozenset[str]:
    names: set[str] = set(STANDARD_PARAMETERS)
    for schema in filters:
        names.update(schema().fields)
    return frozenset(names)


def check_parameters(params: Iterable[str], accepted: frozenset[str]) -> None:
    """A typo (`?stauts=paid`) would otherwise answer the whole unfiltered list as if it were the filtered one."""
    unknown = sorted(set(params) - accepted)
    if unknown:
        raise ValidationFailed(
            _("Unknown query parameter: %(names)s. This list accepts: %(accepted)s.")
            % {"names": ", ".join(unknown), "accepted": ", ".join(sorted(accepted))},
            fields={name: [_("This list has no parameter of this name.")] for name in unknown},
            code="unknown_parameter",
        )


@dataclass(frozen=True, slots=True)
class SyncPosition:
    """Where a client stands in the (updated_at, id) order: everything at or before it was handed out."""

    updated_at: datetime
    pk: int

    def encode(self) -> str:
        raw = json.dumps({"u": self.updated_at.isoformat(), "i": self.pk}, separators=(",", ":")).encode()
        return SYNC_CURSOR_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> SyncPosition:
        try:
            if not token.startswith(SYNC_CURSOR_PREFIX):
                raise ValueError(token)
            body = token[len(SYNC_CURSOR_PREFIX) :]
            data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            moment = _in_utc(parse_datetime(data["u"]))
            pk = data["i"]
            if moment is None or not isinstance(pk, int) or isinstance(pk, bool):
                raise ValueError(token)
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(
                _("This sync cursor is not valid: use the sync_cursor or next link a previous page gave."),
                fields={CURSOR: [_("Not a sync cursor of this API.")]},
            ) from None
        return cls(updated_at=moment, pk=pk)


def _in_utc(moment: datetime | None) -> datetime | None:
    """The instant in UTC, or None when it names none: naive, or beyond the calendar once in UTC. PostgreSQL
    takes offsets up to ±15:59 only; Python reads up to ±23:59 (`…+20:56` was a 500, found by schemathesis)."""
    if moment is None or timezone.is_naive(moment):
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
        return None


def parse_updated_since(value: str) -> datetime:
    """ISO 8601 with a time zone (`2026-12-04T08:00:00+07:00`, `…Z`): a time without one names no instant."""
    try:
        moment = _in_utc(parse_datetime(value.strip()))
    except ValueError:  # well formed but no such date (month 13)
        moment = None
    if moment is None:
        raise ValidationFailed(
            _("updated_since must be an ISO 8601 date and time with a time zone, e.g. 2026-12-04T08:00:00+07:00."),
            fields={UPDATED_SINCE: [_("Give a date and time with a time zone (Z or +07:00).")]},
        )
    return moment


def sync_horizon() -> datetime:
    """The instant before which every write that will ever be visible already is (see the module's doc)."""
    lag = timedelta(seconds=settings.SYNC_SAFETY_LAG_SECONDS)
    horizon = timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Sessions of the same role only show their xact_start: web and workers share one role.
            cursor.execute(
                "SELECT clock_timestamp(), min(xact_start) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            )
            database_now, oldest_open = cursor.fetchone()
        horizon = min(horizon, database_now)
        if oldest_open is not None:
            horizon = min(horizon, oldest_open)
    return horizon - lag


def _page_size(request: Request) -> int:
    raw = request.query_params.get(PAGE_SIZE, "").strip()
    if not raw:
        return CursorPagination.page_size
    if not raw.isdigit() or int(raw) < 1:
        raise ValidationFailed(
            _("page_size must be a whole number from 1."), fields={PAGE_SIZE: [_("A whole number from 1.")]}
        )
    return min(int(raw), CursorPagination.max_page_size)


def wants_sync(request: Request | HttpRequest) -> bool:
    """(`GET` is DRF's `query_params`: the catalogue's public fast path asks with Django's request.)"""
    return bool(request.GET.get(UPDATED_SINCE, "").strip()) or request.GET.get(CURSOR, "").startswith(
        SYNC_CURSOR_PREFIX
    )


def sync_response(
    request: Request, queryset: QuerySet[Any], serializer_class: Any, context: dict[str, Any]
) -> Response:
    """One page of rows changed since the client's position, oldest change first, up to the horizon."""
    token = request.query_params.get(CURSOR, "")
    if token.startswith(SYNC_CURSOR_PREFIX):
        position: SyncPosition | None = SyncPosition.decode(token)
    else:
        position = None
    horizon = sync_horizon()
    rows = queryset.filter(updated_at__lt=horizon)
    if position is not None:
        rows = rows.filter(
            Q(updated_at__gt=position.updated_at) | Q(updated_at=position.updated_at, pk__gt=position.pk)
        )
    else:
        rows = rows.filter(updated_at__gte=parse_updated_since(request.query_params[UPDATED_SINCE]))
    size = _page_size(request)
    page = list(rows.order_by("updated_at", "pk")[: size + 1])
    more = len(page) > size
    page = page[:size]
    if page:
        position = SyncPosition(updated_at=page[-1].updated_at, pk=page[-1].pk)
    elif position is None:
        # Nothing changed since updated_since: the next poll starts there (ids start at 1, so a row changed at
        # exactly that instant still comes after this position).
        position = SyncPosition(updated_at=parse_updated_since(request.query_params[UPDATED_SINCE]), pk=0)
    cursor = position.encode()
    url = request.build_absolute_uri()
    next_url = replace_query_param(remove_query_param(url, UPDATED_SINCE), CURSOR, cursor) if more else None
    return Response(
        {
            "next": next_url,
            "previous": None,
            "sync_cursor": cursor,
            "horizon": horizon.isoformat(),
            "results": serializer_class(page, many=True, context=context).data,
        }
    )


def list_response(
    view: APIView, queryset: QuerySet[Any], serializer_class: Any, *, context: dict[str, Any], ordering: str = "-pk"
) -> Response:
    """The list's page: a sync page when the client syncs, else an ordinary cursor page in `ordering`."""
    if not isinstance(view, ListEndpoint):
        # Its pagination_class is what tells the OpenAPI schema that the GET answers pages, not a bare array.
        raise ImproperlyConfigured(f"{type(view).__name__} answers a list page: make it a ListEndpoint")
    request: Request = view.request
    if wants_sync(request):
        if not view.pagination_class.syncs:
            # Its rows do not move `updated_at` on every change: say so rather than hand out an incomplete sync.
            raise ValidationFailed(
                _("This list does not sync: page through it with cursor and page_size."),
                fields={UPDATED_SINCE: [_("Not available on this list.")]},
                code="sync_not_available",
            )
        return sync_response(request, queryset, serializer_class, context)
    paginator = view.pagination_class()
    paginator.ordering = ordering
    page: list[Any] = paginator.paginate_queryset(queryset, request, view=view) or []
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


class ListPagination(CursorPagination):
    """The pages `list_response` answers, as the OpenAPI schema (market.core.schema) reads them from the view's
    `pagination_class`: the query parameters of paging and sync, and the envelope of both kinds of page."""

    # Whether the list syncs (`updated_since`): its rows move `updated_at` on every change (ChangeTrackedModel).
    syncs = True

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = [
            {
                "name": CURSOR,
                "in": "query",
                "required": False,
                "description": "The opaque position from a previous page (`next`)"
                + (", or a `sync_cursor` to resume sync" if self.syncs else "")
                + ". One that cannot be read is a 400.",
                "schema": {"type": "string"},
            },
            {
                "name": PAGE_SIZE,
                "in": "query",
                "required": False,
                "description": f"Rows per page, from 1; at most {self.max_page_size} ({self.page_size} by default).",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": UPDATED_SINCE,
                "in": "query",
                "required": False,
                "description": "Incremental sync (docs/api-sync.md): rows created or changed at or after this "
                "ISO 8601 time with a time zone, oldest change first, ordered by (updated_at, id). Follow `next`; "
                "keep `sync_cursor` and poll again with `cursor=<sync_cursor>`. A bad value is a 400.",
                "schema": {"type": "string", "format": "date-time"},
            },
        ]
        return parameters if self.syncs else [p for p in parameters if p["name"] != UPDATED_SINCE]

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "format": "uri", "nullable": True}
        envelope: dict[str, Any] = {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {
                "next": {**link, "description": "The next page, or null on the last one."},
                "previous": {**link, "description": "The previous page (always null on a sync page)."},
                "sync_cursor": {
                    "type": "string",
                    "description": "Sync pages only: the position after this page; poll again with "
                    "`cursor=<sync_cursor>`.",
                },
                "horizon": {
                    "type": "string",
                    "format": "date-time",
                    "description": "Sync pages only: every change before this instant has been handed out.",
                },
                "results": schema,
            },
        }
        if not self.syncs:
            del envelope["properties"]["sync_cursor"], envelope["properties"]["horizon"]
        return envelope


class PagesOnly(ListPagination):
    """The pages of a list whose rows are not change-tracked: paged, never synced (`updated_since` is a 400)."""

    syncs = False


class ListEndpoint(APIView):
    # Mixin of every list view: `list_filters` names the schemas that read its own query parameters, and a
    # GET with any other parameter is a 400 naming it; its GET answers with `list_response`, paged by
    # `pagination_class`, which also tells the OpenAPI schema its parameters and envelope. (A comment, not a
    # docstring: OpenAPI describes a view by the first docstring of its classes.)

    list_filters: tuple[type[serializers.Serializer], ...] = ()
    pagination_class: type[ListPagination] = ListPagination

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: a list's parameter names are public (OpenAPI), and a typo is a typo for anyone.
        if request.method in ("GET", "HEAD"):
            check_parameters(request.query_params.keys(), accepted_parameters(self.list_filters))
        super().initial(request, *args, **kwargs)
