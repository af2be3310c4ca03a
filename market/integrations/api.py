"""The webhooks API (scope `webhooks:manage`, owners and managers of the acting organisation)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.inputs import idempotency_key, input_mode, read_input
from market.core.listing import ListEndpoint, PagesOnly, list_response
from market.core.schema import idempotency_key_retried
from market.integrations import selectors, services
from market.integrations.inputs import EndpointInput, RotateSecretInput
from market.integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from market.integrations.permissions import WEBHOOKS_MANAGE
from market.integrations.policy import DELIVERY_POLICY, ENDPOINT_POLICY
from market.integrations.registry import subscribable_event_types
from market.organisations.drf import ActorAPIView, AllowedActionsField
from market.organisations.models import ApiScope

SCOPE = ApiScope.WEBHOOKS_MANAGE

# The header of the steps several endpoint views take alike (enable, disable).
ENDPOINT_STEP_RETRIED = idempotency_key_retried(
    "with the endpoint as the first request did (200)",
    instead_of='409 "already enabled/disabled"',
    reused="for another endpoint",
    body=False,
)


class WebhookEndpointOut(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.CharField())
    has_previous_secret = serializers.SerializerMethodField(
        help_text="Whether the previous secret still signs (a second v1=) after a rotation."
    )
    allowed_actions = AllowedActionsField(ENDPOINT_POLICY)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "failing_since",
            "previous_secret_expires_at",
            "has_previous_secret",
            "created_at",
            "updated_at",
            "allowed_actions",
        ]

    def get_has_previous_secret(self, endpoint: WebhookEndpoint) -> bool:
        return endpoint.previous_secret_in_grace()


class WebhookEndpointWithSecretOut(WebhookEndpointOut):
    secret = serializers.CharField(help_text="The signing secret, shown once. Keep it in your receiver.")

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class WebhookAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "started_at",
            "duration_ms",
            "request_body",
            "signature",
            "response_status",
            "response_excerpt",
            "error",
            "succeeded",
        ]


class WebhookDeliveryOut(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.public_id")
    event_type = serializers.CharField(source="event.type")
    attempt_log = WebhookAttemptOut(many=True, read_only=True)
    kept_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="From when this entry (with its attempts) may be removed from the log: delivered ones are kept "
        "WEBHOOKS_KEEP_DELIVERED_DAYS (30 by default) after delivery, failed ones WEBHOOKS_KEEP_FAILED_DAYS (90) "
        "after their retry window; null while the delivery is still waiting or being sent (never removed).",
    )
    allowed_actions = AllowedActionsField(DELIVERY_POLICY)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "retry_until",
            "delivered_at",
            "last_status_code",
            "last_error",
            "created_at",
            "kept_until",
            "attempt_log",
            "allowed_actions",
        ]


class WebhookEventTypeOut(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    sample = serializers.DictField(help_text="An example of the envelope's `data`.")


def _endpoint(view: ActorAPIView, endpoint: WebhookEndpoint, *, secret: str | None = None, code: int = 200) -> Response:
    data: dict[str, Any] = dict(WebhookEndpointOut(endpoint, context=view.output_context).data)
    if secret is not None:
        data["secret"] = secret
    return Response(data, status=code)


class EventTypeListView(ActorAPIView):
    capabilities = {"GET": WEBHOOKS_MANAGE}
    required_scopes = {"GET": SCOPE}

    @extend_schema(responses=WebhookEventTypeOut(many=True), tags=["webhooks"])
    def get(self, request: Request) -> Response:
        """The event types a webhook endpoint may subscribe to, each with a sample payload, for members who manage
        webhooks. No filters; by name; not paged."""
        types = [{"name": t.name, "title": str(t.label), "sample": dict(t.sample)} for t in subscribable_event_types()]
        return Response(WebhookEventTypeOut(types, many=True).data)


class EndpointListView(ListEndpoint, ActorAPIView):
    capabilities = {"GET": WEBHOOKS_MANAGE, "POST": WEBHOOKS_MANAGE}
    required_scopes = {"GET": SCOPE, "POST": SCOPE}

    @extend_schema(responses=WebhookEndpointOut(many=True), tags=["webhooks"])
    def get(self, request: Request) -> Response:
        """The acting organisation's webhook endpoints (never their secrets), for members who manage webhooks. No
        filters; newest first, in pages (`cursor`, `page_size`); with `updated_since`, the endpoints changed since
        then, oldest change first (docs/api-sync.md): one that starts failing (`failing_since`), is switched off
        (by hand or after its retry window), is edited or has its secret rotated comes again."""
        endpoints = selectors.endpoint_list_for(actor=self.actor)
        return list_response(self, endpoints, WebhookEndpointOut, context=self.output_context)

    @extend_schema(
        request=EndpointInput,
        parameters=[
            idempotency_key_retried(
                "with the endpoint the first request registered and its secret (201)",
                instead_of="a second endpoint that receives every event twice",
                reused="with another body",
            )
        ],
        responses={201: WebhookEndpointWithSecretOut},
        tags=["webhooks"],
    )
    def post(self, request: Request) -> Response:
        """Register a webhook endpoint for the acting organisation; its signing secret is in this answer only. For
        members who manage webhooks."""
        fields = read_input(EndpointInput, request.data, mode=input_mode(request))
        once_key = idempotency_key(request.headers)
        endpoint, secret = services.endpoint_create_once(actor=self.actor, once_key=once_key, **fields)
        return _endpoint(self, endpoint, secret=secret, code=status.HTTP_201_CREATED)


class EndpointDetailView(ActorAPIView):
    capabilities = {"GET": WEBHOOKS_MANAGE, "PUT": WEBHOOKS_MANAGE, "DELETE": WEBHOOKS_MANAGE}
    required_scopes = {"GET": SCOPE, "PUT": SCOPE, "DELETE": SCOPE}

    @extend_schema(responses=WebhookEndpointOut, tags=["webhooks"])
    def get(self, request: Request, endpoint_id: int) -> Response:
        """One of the acting organisation's webhook endpoints (never its secret), for members who manage webhooks. A
        missing one and one the caller may not see are the same 404."""
        return _endpoint(self, selectors.endpoint_get_for(actor=self.actor, endpoint_id=endpoint_id))

    @extend_schema(request=EndpointInput, responses=WebhookEndpointOut, tags=["webhooks"])
    def put(self, request: Request, endpoint_id: int) -> Response:
        """Change an endpoint's URL, description and events. For members who manage webhooks."""
        fields = read_input(EndpointInput, request.data, mode=input_mode(request))
        return _endpoint(self, services.endpoint_update(actor=self.actor, endpoint_id=endpoint_id, **fields))

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "204 as the first request did",
                instead_of="404 for the endpoint it removed",
                reused="for another endpoint",
                body=False,
            )
        ],
        responses={204: None},
        tags=["webhooks"],
    )
    def delete(self, request: Request, endpoint_id: int) -> Response:
        """Remove a webhook endpoint; nothing more is sent to it. For members who manage webhooks."""
        once_key = idempotency_key(request.headers)
        services.endpoint_delete_once(actor=self.actor, endpoint_id=endpoint_id, once_key=once_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateSecretView(ActorAPIView):
    capabilities = {"POST": WEBHOOKS_MANAGE}
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        request=RotateSecretInput,
        parameters=[
            idempotency_key_retried(
                "with the new secret the first request made (200)",
                instead_of="a second rotation that makes that secret, never received, the old one and stops the one "
                "the receiver still checks",
                reused="for another endpoint or with another body",
            )
        ],
        responses=WebhookEndpointWithSecretOut,
        tags=["webhooks"],
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        """Give an endpoint a new signing secret (in this answer only), the old one valid for `grace_hours` more (24
        by default). For members who manage webhooks."""
        fields = read_input(RotateSecretInput, request.data, mode=input_mode(request))
        once_key = idempotency_key(request.headers)
        endpoint, secret = services.endpoint_rotate_secret_once(
            actor=self.actor, endpoint_id=endpoint_id, once_key=once_key, **fields
        )
        return _endpoint(self, endpoint, secret=secret)


class EndpointEnableView(ActorAPIView):
    capabilities = {"POST": WEBHOOKS_MANAGE}
    required_scopes = {"POST": SCOPE}

    @extend_schema(request=None, parameters=[ENDPOINT_STEP_RETRIED], responses=WebhookEndpointOut, tags=["webhooks"])
    def post(self, request: Request, endpoint_id: int) -> Response:
        """Send to a disabled endpoint again. For members who manage webhooks."""
        once_key = idempotency_key(request.headers)
        endpoint = services.endpoint_enable_once(actor=self.actor, endpoint_id=endpoint_id, once_key=once_key).value
        return _endpoint(self, endpoint)


class EndpointDisableView(ActorAPIView):
    capabilities = {"POST": WEBHOOKS_MANAGE}
    required_scopes = {"POST": SCOPE}

    @extend_schema(request=None, parameters=[ENDPOINT_STEP_RETRIED], responses=WebhookEndpointOut, tags=["webhooks"])
    def post(self, request: Request, endpoint_id: int) -> Response:
        """Stop sending to an endpoint until it is enabled again. For members who manage webhooks."""
        once_key = idempotency_key(request.headers)
        endpoint = services.endpoint_disable_once(actor=self.actor, endpoint_id=endpoint_id, once_key=once_key).value
        return _endpoint(self, endpoint)


class EndpointPingView(ActorAPIView):
    capabilities = {"POST": WEBHOOKS_MANAGE}
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "with the first request's delivery as it is now (202)",
                instead_of="a second test event",
                reused="for another endpoint",
                body=False,
            )
        ],
        responses={202: WebhookDeliveryOut},
        tags=["webhooks"],
    )
    def post(self, request: Request, endpoint_id: int) -> Response:
        """Queue a test event to an endpoint (202); it appears in the delivery log. For members who manage webhooks."""
        once_key = idempotency_key(request.headers)
        delivery = services.endpoint_ping_once(actor=self.actor, endpoint_id=endpoint_id, once_key=once_key).value
        return Response(WebhookDeliveryOut(delivery, context=self.output_context).data, status=status.HTTP_202_ACCEPTED)


class DeliveryListView(ListEndpoint, ActorAPIView):
    """The endpoint's delivery log, newest first, each with its attempts (request, response, duration).
    Settled entries are kept for a while (each one's `kept_until`), then removed by a nightly job."""

    # Paged, not synced: a log whose entries are removed after their keeping period without a tombstone. An
    # integration follows its endpoint's health by syncing the endpoints (failing_since, is_active).
    pagination_class = PagesOnly
    capabilities = {"GET": WEBHOOKS_MANAGE}
    required_scopes = {"GET": SCOPE}

    @extend_schema(responses=WebhookDeliveryOut(many=True), tags=["webhooks"])
    def get(self, request: Request, endpoint_id: int) -> Response:
        queryset = selectors.delivery_list_for(actor=self.actor, endpoint_id=endpoint_id).prefetch_related(
            "attempt_log"
        )
        return list_response(self, queryset, WebhookDeliveryOut, context=self.output_context)


class DeliverySendAgainView(ActorAPIView):
    capabilities = {"POST": WEBHOOKS_MANAGE}
    required_scopes = {"POST": SCOPE}

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "with the delivery as it is now (202)",
                instead_of="a third sending or a 409 while it is being sent",
                reused="for another delivery",
                body=False,
            )
        ],
        responses={202: WebhookDeliveryOut},
        tags=["webhooks"],
    )
    def post(self, request: Request, delivery_id: int) -> Response:
        """Send a webhook delivery again with the same event id (202: it is queued). For members who manage webhooks."""
        once_key = idempotency_key(request.headers)
        delivery = services.delivery_send_again_once(actor=self.actor, delivery_id=delivery_id, once_key=once_key).value
        return Response(WebhookDeliveryOut(delivery, context=self.output_context).data, status=status.HTTP_202_ACCEPTED)
