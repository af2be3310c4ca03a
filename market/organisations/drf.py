"""The pieces every app's api.py builds on: the acting actor and capability checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from django.http import HttpResponseBase
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions, serializers
from rest_framework.views import APIView

from market.core.conditional import answer_conditionally, weak_etag
from market.core.throttling import throttles_for
from market.organisations.actors import actor_for_request
from market.organisations.models import ApiScope, ApiToken
from market.organisations.permissions import Actor, Capability
from market.organisations.policy import Policy

# The scope of an operation that any token may call: reference data (provinces, banks), the caller's own
# identity, flows that act on a secret in the body rather than on the organisation, and what is public and
# the same for everyone (the catalogue's list): a scope cannot guard what needs no login.
NO_SCOPE = None


class ActorAPIView(APIView):
    """An APIView that knows who acts. `capabilities` maps an HTTP method to what it needs."""

    # (The docstring above is the OpenAPI description of every view without its own: keep it short.)
    capabilities: dict[str, Capability] = {}
    # Each HTTP method -> the one ApiScope an API token needs for it, or NO_SCOPE; a method left out is
    # closed to tokens (HasScope).
    required_scopes: dict[str, ApiScope | None] = {}

    @cached_property
    def actor(self) -> Actor:
        return actor_for_request(self.request)

    @property
    def output_context(self) -> dict[str, Any]:
        """What output serializers need: the actor (for `allowed_actions`) and the request."""
        return {"actor": self.actor, "request": self.request}

    def check_permissions(self, request: Any) -> None:
        # First, and outside get_permissions(): a view that is public for a method drops its permissions
        # (the catalogue's GET), yet a token's scopes hold on every operation.
        HasScope().has_permission(request, self)
        super().check_permissions(request)

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), HasCapability()]

    def get_throttles(self) -> list[Any]:
        # A view that sets its own throttle_classes (a provider's webhook: none) keeps them.
        if self.throttle_classes is not APIView.throttle_classes:
            return super().get_throttles()
        return throttles_for(self.request)


# What an API read varies on besides its URL: the language asked for, and who asks (a token or a session).
API_VARY = ("Accept-Language", "Authorization", "Cookie")
ApiRead = Callable[..., HttpResponseBase]
DataVersion = Callable[..., tuple[object, ...]]


def conditional_read(data_version: DataVersion, *, personal: bool) -> Callable[[ApiRead], ApiRead]:
    """Conditional GET for an API read (see market.core.conditional): the ETag covers the URL and host (the
    `next` links are absolute), the language, the data versions `data_version(view, request, **kwargs)`
    names and, when the resource is `personal` (its `allowed_actions`), the acting organisation's kind and
    id, the role and a token's scopes. A 304 costs the version reads. Responses that are the same for
    everyone are `public`; personal ones `private` when someone is signed in."""

    def decorate(read: ApiRead) -> ApiRead:
        @wraps(read)
        def wrapped(view: ActorAPIView, request: Any, *args: Any, **kwargs: Any) -> HttpResponseBase:
            return read_conditionally(
                request,
                view.actor,
                data_version(view, request, *args, **kwargs),
                lambda: read(view, request, *args, **kwargs),
                personal=personal,
            )

        return wrapped

    return decorate


def read_conditionally(
    request: Any,
    actor: Actor,
    data: tuple[object, ...],
    produce: Callable[[], HttpResponseBase],
    *,
    personal: bool,
) -> HttpResponseBase:
    """`conditional_read`'s answer for `actor`, whose read depends on the data versions `data`."""
    etag = api_etag(request, actor, data, personal=personal)
    return answer_conditionally(request, etag, produce, private=personal and actor.is_authenticated, vary=API_VARY)


def api_etag(request: Any, actor: Actor, data: tuple[object, ...], *, personal: bool) -> str:
    """The ETag of an API read by `actor` made of the data versions `data` (`conditional_read`'s, and the public
    fast path's, catalog.api.public: one ETag for one representation whichever path made it)."""
    who: tuple[object, ...] = ()
    if personal:
        who = ("anonymous",)
        if actor.is_authenticated:
            organisation = actor.organisation
            scopes = sorted(actor.scopes) if actor.scopes is not None else None
            who = (organisation.kind if organisation else "", actor.organisation_id, actor.role, scopes)
    return weak_etag((request.get_full_path(), request.get_host(), get_language(), *who, *data))


class AllowedActionsField(serializers.Field):
    """`allowed_actions` of a detail resource: what the serializer context's actor may do with it now
    (docs/edge.md), sorted; empty without an actor."""

    def __init__(self, policy: Policy[Any, Any], **kwargs: Any) -> None:
        self.policy = policy
        names = ", ".join(sorted(str(action) for action in policy.declared))
        kwargs.setdefault("help_text", f"What you may do with it now: some of {names}.")
        super().__init__(source="*", read_only=True, **kwargs)
        self._spectacular_annotation = {"field": serializers.ListField(child=serializers.CharField())}

    def to_representation(self, value: Any) -> list[str]:
        actor = self.context.get("actor")
        if actor is None:
            return []
        return sorted(str(action) for action in self.policy.actions(actor=actor, obj=value))


def required_scope(view: Any, method: str) -> ApiScope | None:
    """The scope `view` declares for `method` (HEAD is a GET). A method it does not declare is closed to tokens."""
    declared: dict[str, ApiScope | None] = getattr(view, "required_scopes", {})
    method = "GET" if method == "HEAD" else method
    if method not in declared:
        raise UndeclaredScope()
    return declared[method]


class MissingScope(exceptions.PermissionDenied):
    default_code = "missing_scope"

    def __init__(self, scope: ApiScope) -> None:
        self.scope = scope
        super().__init__(
            _("This API token lacks the scope “%(scope)s” (%(label)s) that this operation needs.")
            % {"scope": scope.value, "label": scope.label}
        )


class UndeclaredScope(exceptions.PermissionDenied):
    default_code = "missing_scope"
    default_detail = gettext_lazy("This operation is not open to API tokens; use it on the website.")


class HasScope(permissions.BasePermission):
    """An API token reaches only the operations its scopes name; sessions are limited by role alone."""

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or request.method == "OPTIONS":
            return True
        scope = required_scope(view, request.method)
        if scope is None or token.grants(scope):
            return True
        raise MissingScope(scope)


class HasCapability(permissions.BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        needed = getattr(view, "capabilities", {}).get(request.method)
        if needed is None:
            return True
        actor = view.actor
        if actor.can(needed):
            return True
        if not request.user or not request.user.is_authenticated:
            # Signing in may well grant it: 401 (as every view closed to anonymous callers answers), not 403.
            raise exceptions.NotAuthenticated()
        actor.require(needed)  # raises with the most helpful message
        return False
