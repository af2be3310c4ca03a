"""One input schema per command, for the API's JSON and the pages' forms."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.inputs import ChoiceInput, IntegerInput, TextInput
from market.integrations.policy import EndpointAction
from market.integrations.registry import subscribable_event_types


class EventsInput(serializers.MultipleChoiceField):
    """At least one event type; the choices are the registered types (read when the schema is built, since
    apps register theirs in ready())."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Events"))
        super().__init__(choices=[], allow_empty=False, **kwargs)
        self.error_messages["empty"] = gettext_lazy("Choose at least one event.")
        self.error_messages["invalid_choice"] = gettext_lazy("Choose events from the list.")
        self.error_messages["not_a_list"] = gettext_lazy("Send the events as a list.")

    def bind(self, field_name: str, parent: Any) -> None:
        super().bind(field_name, parent)
        self.choices = [(t.name, str(t.label)) for t in subscribable_event_types()]

    def to_internal_value(self, data: Any) -> frozenset[str]:  # type: ignore[override]
        return frozenset(super().to_internal_value(data))


class EndpointInput(serializers.Serializer):
    url = TextInput(
        max_length=500,
        label=gettext_lazy("URL"),
        help_text=gettext_lazy("Where your system receives the events; it must start with https://."),
    )
    description = TextInput(max_length=200, required=False, default="", label=gettext_lazy("Description"))
    events = EventsInput()


class RotateSecretInput(serializers.Serializer):
    grace_hours = IntegerInput(
        min_value=0,
        max_value=168,
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Keep the old secret valid for (hours)"),
        help_text=gettext_lazy("24 hours if left empty; 0 stops the old secret at once (after a leak)."),
    )


class EndpointSwitch(StrEnum):
    """The two ways an endpoint's switch goes (the policy's actions of the same names)."""

    ENABLE = EndpointAction.ENABLE.value
    DISABLE = EndpointAction.DISABLE.value


class EndpointSwitchInput(serializers.Serializer):
    # Missing, blank or anything else: the one message the page's two buttons can make sense of.
    action = ChoiceInput(
        EndpointSwitch,
        label=gettext_lazy("Enable or disable"),
        error_messages={
            code: gettext_lazy("Choose enable or disable.") for code in ("required", "null", "invalid_choice")
        },
    )
