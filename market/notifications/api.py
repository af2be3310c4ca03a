"""API: a person's inbox and preferences; the delivery log and resend for alliance staff."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.pagination import CursorPagination
from market.notifications import selectors, services
from market.notifications.models import Channel, DeliveryAttempt, Group, Notification, Status
from market.notifications.permissions import NOTIFICATIONS_MANAGE
from market.notifications.registry import find_kind
from market.notifications.rendering import kind_link, masked_context, render_inbox_line
from market.organisations.drf import ActorAPIView


# --- output --------------------------------------------------------------------------------------
class InboxEntryOut(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="One line in the request's language.")
    link = serializers.SerializerMethodField(help_text="Where the notification leads (site-relative or absolute).")
    organisation_name = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "group", "title", "link", "organisation_name", "created_at", "read_at"]

    def get_title(self, obj: Notification) -> str:
        kind = find_kind(obj.kind)
        return render_inbox_line(kind, obj.context, language=translation.get_language() or "vi") if kind else obj.kind

    def get_link(self, obj: Notification) -> str:
        kind = find_kind(obj.kind)
        return kind_link(kind, obj.context) if kind else ""

    def get_organisation_name(self, obj: Notification) -> str:
        return obj.organisation.name if obj.organisation_id and obj.organisation else ""


class UnreadCountOut(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedOut(serializers.Serializer):
    marked = serializers.IntegerField()


class PreferenceOut(serializers.Serializer):
    group = serializers.ChoiceField(choices=Group.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()
    available = serializers.BooleanField(help_text="Configured here, and (Zalo/SMS) you have a phone number.")


class PreferencesOut(serializers.Serializer):
    daily_digest = serializers.BooleanField()
    preferences = PreferenceOut(many=True)


def _preferences_body(user: Any) -> dict[str, Any]:
    matrix = selectors.preferences_for(user=user)
    return {
        "daily_digest": matrix.daily_digest,
        "preferences": [
            {"group": c.group, "channel": c.channel, "enabled": c.enabled, "available": c.available}
            for c in matrix.cells.values()
        ],
    }


class DeliveryOut(serializers.ModelSerializer):
    recipient = serializers.CharField(source="recipient_display")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "group",
            "channel",
            "status",
            "recipient",
            "organisation_id",
            "object_type",
            "object_id",
            "occurrence",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "provider_message_id",
            "last_error",
            "fallback_for_id",
            "created_at",
        ]


class DeliveryAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "worker", "started_at", "finished_at", "outcome", "error"]


class DeliveryDetailOut(DeliveryOut):
    context = serializers.SerializerMethodField(help_text="Secrets (an invitation link) are hidden.")
    delivery_attempts = serializers.SerializerMethodField()

    class Meta(DeliveryOut.Meta):
        fields = [*DeliveryOut.Meta.fields, "context", "delivery_attempts"]

    @extend_schema_field(serializers.DictField())
    def get_context(self, obj: Notification) -> dict[str, Any]:
        return masked_context(find_kind(obj.kind), obj.context)

    @extend_schema_field(DeliveryAttemptOut(many=True))
    def get_delivery_attempts(self, obj: Notification) -> list[dict[str, Any]]:
        return DeliveryAttemptOut(obj.delivery_attempts.order_by("number"), many=True).data


# --- input ---------------------------------------------------------------------------------------
class PreferenceIn(serializers.Serializer):
    group = serializers.ChoiceField(choices=Group.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    enabled = serializers.BooleanField()


class PreferencesIn(serializers.Serializer):
    daily_digest = serializers.BooleanField()
    preferences = PreferenceIn(many=True, required=False)


def _paginated(view: ActorAPIView, queryset, serializer_class) -> Response:
    paginator = CursorPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- the inbox -----------------------------------------------------------------------------------
class InboxView(ActorAPIView):
    @extend_schema(
        responses=InboxEntryOut(many=True),
        parameters=[OpenApiParameter("unread", bool, description="Only unread entries.")],
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        unread = request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
        return _paginated(self, selectors.inbox_queryset_for(user=request.user, unread_only=unread), InboxEntryOut)


class UnreadCountView(ActorAPIView):
    @extend_schema(responses=UnreadCountOut, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response({"unread": selectors.unread_count(user=request.user)})


class MarkReadView(ActorAPIView):
    @extend_schema(request=None, responses=InboxEntryOut, tags=["notifications"])
    def post(self, request: Request, notification_id: int) -> Response:
        return Response(InboxEntryOut(services.inbox_open(user=request.user, notification_id=notification_id)).data)


class MarkAllReadView(ActorAPIView):
    @extend_schema(request=None, responses=MarkedOut, tags=["notifications"])
    def post(self, request: Request) -> Response:
        return Response({"marked": services.inbox_mark_all_read(user=request.user)})


class PreferencesView(ActorAPIView):
    @extend_schema(responses=PreferencesOut, tags=["notifications"])
    def get(self, request: Request) -> Response:
        return Response(_preferences_body(request.user))

    @extend_schema(request=PreferencesIn, responses=PreferencesOut, tags=["notifications"])
    def put(self, request: Request) -> Response:
        serializer = PreferencesIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enabled = {(item["group"], item["channel"]): item["enabled"] for item in data.get("preferences", [])}
        services.preferences_update(actor=self.actor, enabled=enabled, daily_digest=data["daily_digest"])
        return Response(_preferences_body(request.user))


# --- staff ---------------------------------------------------------------------------------------
class DeliveryListView(ActorAPIView):
    capabilities = {"GET": NOTIFICATIONS_MANAGE}

    @extend_schema(
        responses=DeliveryOut(many=True),
        parameters=[
            OpenApiParameter("status", str, enum=Status.values),
            OpenApiParameter("channel", str, enum=Channel.values),
            OpenApiParameter("group", str, enum=Group.values),
            OpenApiParameter("kind", str),
            OpenApiParameter("search", str, description="Recipient e-mail, name, organisation or object id."),
            OpenApiParameter("problems", bool, description="Only failed or unconfirmed deliveries."),
        ],
        tags=["notifications"],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        queryset = selectors.delivery_log_for(
            actor=self.actor,
            status=params.get("status"),
            channel=params.get("channel"),
            group=params.get("group"),
            kind=params.get("kind"),
            search=params.get("search"),
            problems=params.get("problems", "").lower() in {"1", "true", "yes"},
        )
        return _paginated(self, queryset, DeliveryOut)


class DeliveryDetailView(ActorAPIView):
    capabilities = {"GET": NOTIFICATIONS_MANAGE}

    @extend_schema(responses=DeliveryDetailOut, tags=["notifications"])
    def get(self, request: Request, notification_id: int) -> Response:
        row = selectors.delivery_get_for(actor=self.actor, notification_id=notification_id)
        return Response(DeliveryDetailOut(row).data)


class DeliveryResendView(ActorAPIView):
    capabilities = {"POST": NOTIFICATIONS_MANAGE}

    @extend_schema(request=None, responses=DeliveryOut, tags=["notifications"])
    def post(self, request: Request, notification_id: int) -> Response:
        row = selectors.delivery_get_for(actor=self.actor, notification_id=notification_id)
        return Response(DeliveryOut(services.notification_resend(actor=self.actor, notification=row)).data)
