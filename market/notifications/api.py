"""API: a person's inbox and preferences; the delivery log and resend for alliance staff."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.inputs import input_mode, read_input, read_query
from market.core.listing import ListEndpoint, list_response
from market.notifications import selectors, services
from market.notifications.inputs import DeliveryLogQuery, InboxQuery, PreferencesInput
from market.notifications.models import Channel, DeliveryAttempt, Group, Notification, ResendSafety
from market.notifications.permissions import NOTIFICATIONS_MANAGE
from market.notifications.policy import DELIVERY_POLICY
from market.notifications.registry import find_kind
from market.notifications.rendering import kind_link, masked_context, render_inbox_line
from market.organisations.drf import ActorAPIView, AllowedActionsField
from market.organisations.models import ApiScope, User


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
    resend_safety = serializers.ChoiceField(
        choices=ResendSafety.choices,
        allow_null=True,
        read_only=True,
        help_text="For failed and unconfirmed rows: whether sending again risks a duplicate (null otherwise).",
    )
    allowed_actions = AllowedActionsField(DELIVERY_POLICY)

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
            "handed_over_at",
            "resend_safety",
            "fallback_for_id",
            "created_at",
            "allowed_actions",
        ]


class DeliveryAttemptOut(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "worker", "started_at", "finished_at", "outcome", "error"]


class DeliveryDetailOut(DeliveryOut):
    delivery_attempts = serializers.SerializerMethodField()

    class Meta(DeliveryOut.Meta):
        fields = [*DeliveryOut.Meta.fields, "delivery_attempts"]

    def get_fields(self) -> dict[str, serializers.Field]:
        # "context" names the serializer's own context as an attribute, so this field is added here.
        fields = super().get_fields()
        fields["context"] = serializers.SerializerMethodField(help_text="Secrets (an invitation link) are hidden.")
        return fields

    @extend_schema_field(serializers.DictField())
    def get_context(self, obj: Notification) -> dict[str, Any]:
        return masked_context(find_kind(obj.kind), obj.context)

    @extend_schema_field(DeliveryAttemptOut(many=True))
    def get_delivery_attempts(self, obj: Notification) -> list[dict[str, Any]]:
        return list(DeliveryAttemptOut(obj.delivery_attempts.order_by("number"), many=True).data)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # these views require a login
    return request.user


# --- the inbox -----------------------------------------------------------------------------------
class InboxView(ListEndpoint, ActorAPIView):
    list_filters = (InboxQuery,)
    required_scopes = {"GET": ApiScope.NOTIFICATIONS}

    @extend_schema(responses=InboxEntryOut(many=True), parameters=[InboxQuery], tags=["notifications"])
    def get(self, request: Request) -> Response:
        """The caller's in-app notifications (the bell), in the request's language. Filter: `unread` (only unread ones).
        Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest
        change first (docs/api-sync.md)."""
        unread = bool(read_query(InboxQuery, request.query_params).get("unread"))
        return list_response(
            self,
            selectors.inbox_queryset_for(user=_user(request), unread_only=unread),
            InboxEntryOut,
            context=self.output_context,
        )


class UnreadCountView(ActorAPIView):
    required_scopes = {"GET": ApiScope.NOTIFICATIONS}

    @extend_schema(responses=UnreadCountOut, tags=["notifications"])
    def get(self, request: Request) -> Response:
        """How many of the caller's in-app notifications are unread (the bell's number)."""
        return Response({"unread": selectors.unread_count(user=_user(request))})


class MarkReadView(ActorAPIView):
    required_scopes = {"POST": ApiScope.NOTIFICATIONS}

    @extend_schema(request=None, responses=InboxEntryOut, tags=["notifications"])
    def post(self, request: Request, notification_id: int) -> Response:
        """Mark one of the caller's in-app notifications read; answers it."""
        return Response(InboxEntryOut(services.inbox_open(user=_user(request), notification_id=notification_id)).data)


class MarkAllReadView(ActorAPIView):
    required_scopes = {"POST": ApiScope.NOTIFICATIONS}

    @extend_schema(request=None, responses=MarkedOut, tags=["notifications"])
    def post(self, request: Request) -> Response:
        """Mark every in-app notification of the caller read; answers how many were marked."""
        return Response({"marked": services.inbox_mark_all_read(user=_user(request))})


class PreferencesView(ActorAPIView):
    required_scopes = {"GET": ApiScope.NOTIFICATIONS, "PUT": ApiScope.NOTIFICATIONS}

    @extend_schema(responses=PreferencesOut, tags=["notifications"])
    def get(self, request: Request) -> Response:
        """Which notifications the caller receives on which channel (e-mail, Zalo, in-app), group by group."""
        return Response(_preferences_body(_user(request)))

    @extend_schema(request=PreferencesInput, responses=PreferencesOut, tags=["notifications"])
    def put(self, request: Request) -> Response:
        """Set which notifications the caller receives on which channel, group by group (those sent are replaced)."""
        fields = read_input(PreferencesInput, request.data, mode=input_mode(request))
        enabled = {(item["group"], item["channel"]): item["enabled"] for item in fields.get("preferences", [])}
        services.preferences_update(actor=self.actor, enabled=enabled, daily_digest=fields["daily_digest"])
        return Response(_preferences_body(_user(request)))


# --- staff ---------------------------------------------------------------------------------------
class DeliveryListView(ListEndpoint, ActorAPIView):
    list_filters = (DeliveryLogQuery,)
    required_scopes = {"GET": ApiScope.NOTIFICATIONS}
    capabilities = {"GET": NOTIFICATIONS_MANAGE}

    @extend_schema(responses=DeliveryOut(many=True), parameters=[DeliveryLogQuery], tags=["notifications"])
    def get(self, request: Request) -> Response:
        """Alliance staff's log of every notification on every channel with its delivery state. Filters: `status`,
        `channel`, `group`, `kind`, `search`, `date_from`, `date_to`, `problems` (failed or unconfirmed only). Newest
        first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest change
        first (docs/api-sync.md)."""
        query = read_query(DeliveryLogQuery, request.query_params)
        query.pop("before", None)
        query.pop("tab", None)
        queryset = selectors.delivery_log_for(actor=self.actor, **query)
        return list_response(self, queryset, DeliveryOut, context=self.output_context)


class DeliveryDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.NOTIFICATIONS}
    capabilities = {"GET": NOTIFICATIONS_MANAGE}

    @extend_schema(responses=DeliveryDetailOut, tags=["notifications"])
    def get(self, request: Request, notification_id: int) -> Response:
        """One notification in the delivery log with every attempt to send it, for alliance staff who manage
        notifications. A missing one and one the caller may not see are the same 404."""
        row = selectors.delivery_get_for(actor=self.actor, notification_id=notification_id)
        return Response(DeliveryDetailOut(row, context=self.output_context).data)


class DeliveryResendView(ActorAPIView):
    required_scopes = {"POST": ApiScope.NOTIFICATIONS}
    capabilities = {"POST": NOTIFICATIONS_MANAGE}

    @extend_schema(request=None, responses=DeliveryOut, tags=["notifications"])
    def post(self, request: Request, notification_id: int) -> Response:
        """Alliance staff send a failed notification again."""
        row = services.notification_resend(actor=self.actor, notification_id=notification_id)
        return Response(DeliveryOut(row, context=self.output_context).data)
