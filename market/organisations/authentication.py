"""API tokens for integrations: `Authorization: Bearer ml_<prefix>_<secret>`."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from market.core import rows
from market.organisations.models import ApiScope, ApiToken, Membership, Organisation, User

TOKEN_PREFIX = "ml"  # noqa: S105 (a label, not a secret)
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def login_username(request: Any, credentials: Mapping[str, Any] | None = None) -> str:
    """The e-mail a login attempt is for, as stored (lower case): django-axes counts failures per address,
    so "Muahang@…" and "muahang@…" are one address."""
    source: Any = credentials if credentials else getattr(request, "POST", {})
    return str(source.get("username") or "").strip().lower()


def _address_key(request: HttpRequest) -> str:
    return f"login-failures:{get_client_ip_address(request)}"


def login_address_locked(request: HttpRequest) -> bool:
    """Too many failed logins from this address, over all e-mails, within the cool-off time. django-axes
    counts per e-mail and address; this catches one address trying one password on many accounts."""
    return int(cache.get(_address_key(request)) or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def login_address_failed(request: HttpRequest) -> None:
    """Count a failed login against the address; the count lapses a cool-off time after the first."""
    key = _address_key(request)
    if not cache.add(key, 1, timeout=int(settings.AXES_COOLOFF_TIME * 3600)):
        try:
            cache.incr(key)
        except ValueError:  # lapsed between the two calls
            cache.add(key, 1, timeout=int(settings.AXES_COOLOFF_TIME * 3600))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token_parts() -> tuple[str, str]:
    """(prefix, secret): the prefix finds the row, the secret proves possession."""
    return secrets.token_hex(5), secrets.token_urlsafe(32)


def format_token(prefix: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be 'Bearer <token>'."))
        token = self._token(header[1])
        now = timezone.now()
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(
                _("This API token expired on %(date)s; an owner or manager can renew it on the API tokens page.")
                % {"date": formats.date_format(timezone.localtime(token.expires_at), "SHORT_DATETIME_FORMAT")}
            )
        _record_use(token, now=now, address=request.META.get("REMOTE_ADDR"))
        return token.user, token

    def _token(self, raw: str) -> ApiToken:
        invalid = exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        parts = raw.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            raise invalid
        # Read on every request, so a revocation takes effect on the very next one.
        token = token_by_prefix(parts[1])
        if token is None or not hmac.compare_digest(token.key_hash, hash_secret(parts[2])):
            raise invalid
        if not token.user.is_active:
            raise invalid
        # A token dies with its user's membership in the organisation.
        if token.member_role is None:
            raise invalid
        return token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


_TOKEN_MODELS = (ApiToken, User, Organisation)


@functools.cache
def _token_sql() -> str:
    names = ", ".join(rows.select_list(model, alias) for alias, model in zip("tuo", _TOKEN_MODELS, strict=True))
    return (
        f"SELECT {names}, (SELECT m.role FROM {Membership._meta.db_table} m"  # noqa: S608 (names from the models)
        " WHERE m.user_id = t.user_id AND m.organisation_id = t.organisation_id LIMIT 1)"
        f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
        f" JOIN {Organisation._meta.db_table} o ON o.id = t.organisation_id"
        " WHERE t.prefix = %s AND t.revoked_at IS NULL"
    )


def token_by_prefix(prefix: str) -> ApiToken | None:
    """The unrevoked token with `prefix`, with its user, its organisation and the user's role there
    (`member_role`, None without a membership), in one plain statement: the ORM's select_related and
    subquery cost ~1.5–2 ms of CPU to build on every request made with a token, for a statement PostgreSQL
    answers in a tenth of a millisecond. What it reads is the ORM's `ApiToken.objects.select_related("user",
    "organisation").annotate(member_role=<the membership's role>).filter(prefix=…, revoked_at=None)`
    (tests/organisations/test_api_tokens.py pins revocation, expiry and membership)."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token_end = rows.width(ApiToken)
    user_end = token_end + rows.width(User)
    token = rows.instance(ApiToken, row[:token_end])
    token.user = rows.instance(User, row[token_end:user_end])
    token.organisation = rows.instance(Organisation, row[user_end:-1])
    token.member_role = row[-1]
    return token


def _record_use(token: ApiToken, *, now: datetime, address: str | None) -> None:
    """When and from where it was last used, for the token page: one UPDATE a minute at most, not one a request."""
    if token.last_used_at is not None and now - token.last_used_at <= _LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=address or None)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Documents the token scheme in the OpenAPI schema, and on each operation the one scope a token needs
    (the view's `required_scopes`): `security: [{apiToken: ["orders:read"]}]`."""

    target_class = "market.organisations.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_requirement(self, auto_schema: Any) -> dict[str, list[Any]] | list[dict[str, list[Any]]]:
        # Imported here: drf.py builds on the actors, which build on this module's neighbours.
        from market.organisations.drf import UndeclaredScope, required_scope

        try:
            scope = required_scope(auto_schema.view, auto_schema.method)
        except UndeclaredScope:
            return []  # closed to tokens: only a session reaches it
        return {self.name: [] if scope is None else [scope.value]}

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        scopes = "; ".join(f"`{scope.value}`: {scope.label}" for scope in ApiScope)
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ml_<prefix>_<secret>",
            "description": (
                "An organisation's API token. Each operation lists the one scope it needs; a token without it "
                f"gets 403 with the code `missing_scope` and the scope named. Scopes: {scopes}."
            ),
        }
