"""Input schemas of the notifications commands and list filters (docs/edge.md), shared by the API and pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.inputs import ChoiceInput, DateInput, IdInput, TextInput
from market.notifications.models import Channel, Group, Status


class PreferenceInput(serializers.Serializer):
    group = ChoiceInput(Group)
    channel = ChoiceInput(Channel)
    enabled = serializers.BooleanField()


class PreferencesInput(serializers.Serializer):
    """A person's channels per group of news, and the daily digest; pairs not given keep their value."""

    daily_digest = serializers.BooleanField()
    preferences = PreferenceInput(many=True, required=False)


class DeliveryTab(serializers.ChoiceField):
    """Which part of the delivery log staff look at."""

    ALL, PROBLEMS, WAITING = "all", "problems", "waiting"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[self.ALL, self.PROBLEMS, self.WAITING], **kwargs)


class DeliveryLogQuery(serializers.Serializer):
    """The delivery log's filters (page and API)."""

    status = ChoiceInput(Status, required=False, label=gettext_lazy("Status"))
    channel = ChoiceInput(Channel, required=False, label=gettext_lazy("Channel"))
    group = ChoiceInput(Group, required=False, label=gettext_lazy("Group"))
    kind = TextInput(max_length=80, required=False, label=gettext_lazy("Kind"))
    search = TextInput(
        max_length=100,
        required=False,
        label=gettext_lazy("Recipient or object"),
        help_text=gettext_lazy("E-mail, name, organisation, or the id of the order, invitation…"),
    )
    date_from = DateInput(required=False, label=gettext_lazy("From"))
    date_to = DateInput(required=False, label=gettext_lazy("To"))
    problems = serializers.BooleanField(required=False, help_text="Only failed or unconfirmed deliveries.")
    tab = DeliveryTab(required=False)
    before = IdInput(required=False)


class InboxQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="Only unread entries.")
    before = IdInput(required=False)


class TemplatePreviewQuery(serializers.Serializer):
    language = serializers.ChoiceField(choices=["vi", "en"], required=False)
