"""The OpenAPI schema says what the API does: pages as pages, public operations as open to anyone, and the
error answers (market.core.api's one shape) where they can occur. drf-spectacular's AutoSchema reads these
from attributes it does not look at on a plain APIView (`pagination_class`, permissions that let anyone in
without being AllowAny), so the schema class asks the view itself."""

from __future__ import annotations

import inspect
from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers
from rest_framework.request import Request

from market.core.errors import ApplicationError

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def idempotency_key_header(retried: str) -> OpenApiParameter:
    """The `Idempotency-Key` header of a write a client may send again; `retried` says what a retry answers."""
    return OpenApiParameter(
        "Idempotency-Key",
        str,
        location=OpenApiParameter.HEADER,
        required=False,
        description=f"{retried} At most 100 characters.",
    )


def idempotency_key_retried(answer: str, *, instead_of: str, reused: str, body: bool = True) -> OpenApiParameter:
    """The `Idempotency-Key` header of a write that `market.core.once` keeps to one effect, told in the one sentence
    they all share: a retry with the same key (and body, for a write that has one) answers `answer`, not
    `instead_of`; the key sent `reused` is a 409; sent again after what it made was deleted, a 404 of its own code
    (market.core.once.KEY_TARGET_GONE), which a client answers with a new key."""
    same = "the same key and body" if body else "the same key"
    return idempotency_key_header(
        f"A retry with {same} answers {answer}, not {instead_of}; the key sent {reused} is a 409 "
        "`idempotency_key_reused`, and sent again after what it made was deleted, a 404 "
        "`idempotency_key_target_gone`."
    )


# Built with type(): the body's key `fields` would shadow Serializer.fields in a class statement.
ErrorDetailOut = type(
    "ErrorDetailOut",
    (serializers.Serializer,),
    {
        "code": serializers.CharField(help_text="A stable machine-readable code: `validation_failed`, `not_found`…"),
        "message": serializers.CharField(help_text="What went wrong, in the request's language (vi or en)."),
        "fields": serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()),
            required=False,
            help_text="Per field (dotted for nested input), what is wrong with it. Only when fields are at fault.",
        ),
    },
)


class ErrorOut(serializers.Serializer):
    error = ErrorDetailOut()
    request_id = serializers.CharField(allow_null=True, help_text="Quote it when reporting a problem.")


_ERROR_DESCRIPTIONS = {
    400: "The input is not valid (a field, a query parameter or the body): `error.fields` says which and why.",
    401: "Not signed in, or the API token is unknown, expired or revoked.",
    403: "Signed in, but this role, organisation or token scope may not do this (`missing_scope` names the scope).",
    404: "Not found, or not visible to the caller: the two are never told apart.",
    409: "Valid, but the current state does not allow it (an illegal transition, a taken slot, a stale version).",
    429: "Too many requests: `Retry-After` says when to try again.",
    503: "The rows this needs are busy or the database took too long: nothing was saved, try again shortly.",
}


class AutoSchema(SpectacularAutoSchema):
    def _get_paginator(self) -> Any:
        # Only a GET answers a page; a POST on the same view answering a list (a dry run) answers the list.
        if self.method != "GET":
            return None
        return super()._get_paginator()

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        if isinstance(field, serializers.TimeField):
            # A wall-clock time of day in Vietnam ("08:00:00"), with no offset: JSON Schema's `format: time`
            # (RFC 3339) demands one, so say what is sent instead.
            return {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "08:00:00"}
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _resolve_path_parameters(self, variables: list[str]) -> list[dict[str, Any]]:
        """Path parameters as Django's converters match them: `<int:…>` only digits (a negative id is no address
        at all: the router answers 404 before any view), `<str:…>` anything but a slash."""
        parameters: list[dict[str, Any]] = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            schema = parameter["schema"]
            if schema.get("type") == "integer":
                schema.setdefault("minimum", 0)
            elif schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
                schema["pattern"] = "^[^/]+$"
        return parameters

    def get_description(self) -> str:  # type: ignore[override]
        """The handler's own docstring, else the view class's own, else none. drf-spectacular falls back to the
        docstrings of base classes (ActorAPIView, ListEndpoint…), which would describe every operation alike."""
        if spectacular_settings.DISABLE_DOCSTRING_DESCRIPTIONS:
            return ""
        view_class = type(self.view)
        handler = view_class.__dict__.get(getattr(self.view, "action", None) or self.method.lower())
        own = getattr(handler, "__doc__", None) or view_class.__dict__.get("__doc__")
        return inspect.cleandoc(own) if own else ""

    def get_auth(self) -> list[dict[str, list[Any]]]:
        """Each scheme the view authenticates with, and `{}` (no credentials) exactly when an anonymous request
        passes the view's permissions for this method: what the view would do, not which classes it lists."""
        requirements = [requirement for requirement in super().get_auth() if requirement]
        if self._open_to_anonymous():
            requirements.append({})
        return requirements

    def _open_to_anonymous(self) -> bool:
        request: Request = self.view.request
        request.user = AnonymousUser()
        request.auth = None
        try:
            self.view.check_permissions(request)
        except (exceptions.APIException, ApplicationError):  # refused, as DRF or as our own domain error
            return False
        return True

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(takes_input="requestBody" in operation or bool(operation.get("parameters"))):
            if str(code) not in responses:
                body = self._get_response_for_code(ErrorOut, str(code), media_types=["application/json"])
                body["description"] = _ERROR_DESCRIPTIONS[code]
                responses[str(code)] = body
        return operation

    def _error_codes(self, *, takes_input: bool) -> list[int]:
        """The error answers this operation can give, from what it takes and who may call it."""
        codes = []
        if takes_input or self.method in UNSAFE_METHODS:
            codes.append(400)
        if self.view.get_authenticators():
            # A bad or revoked token is refused even where no credentials are needed; a wrong role or scope too.
            codes += [401, 403]
        if "{" in self.path:
            codes.append(404)
        if self.method in UNSAFE_METHODS:
            codes += [409, 503]
        if self.view.get_throttles():
            codes.append(429)
        return sorted(codes)
