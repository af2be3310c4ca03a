"""What a person or a program asks to export (one schema for the API's JSON and the page's form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.inputs import ChoiceInput, DateInput, TextInput
from market.core.parsing import format_decimal
from market.exports.models import Delimiter, FileFormat, Language
from market.exports.registry import all_exports, get_export

STREAM = "stream"


class StreamChoice(serializers.Serializer):
    """How the API answers an export (a query parameter: it is not part of what is exported)."""

    stream = serializers.BooleanField(
        required=False,
        default=False,
        label=gettext_lazy("Answer a small export with its file"),
        error_messages={"invalid": gettext_lazy("Use stream=1 or stream=0.")},
    )


def _kind_field() -> serializers.ChoiceField:
    # Keyword arguments, not attributes set afterwards: each serializer deep-copies its fields from them.
    return serializers.ChoiceField(
        choices=[], label=gettext_lazy("What to export"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the options.")},
    )  # fmt: skip


class ExportInput(serializers.Serializer):
    kind = _kind_field()
    date_from = DateInput(label=gettext_lazy("From"))
    date_to = DateInput(label=gettext_lazy("To (inclusive)"))
    status = TextInput(max_length=30, required=False, label=gettext_lazy("Status"))
    file_format = ChoiceInput(FileFormat, required=False, default=FileFormat.XLSX, label=gettext_lazy("Format"))
    language = ChoiceInput(
        Language, required=False, allow_blank=True, label=gettext_lazy("Column headings"),
        help_text=gettext_lazy("Your own language when left blank."),
    )  # fmt: skip
    delimiter = ChoiceInput(
        Delimiter, required=False, allow_blank=True, label=gettext_lazy("CSV delimiter"),
        help_text=gettext_lazy(
            "For CSV. When left blank: semicolon with Vietnamese headings (Excel in Vietnamese opens it in "
            "columns, with decimal commas), comma with English ones (decimal points)."
        ),
    )  # fmt: skip

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The registered kinds, read when the schema is used: the apps register them when they are ready.
        kind = fields["kind"]
        assert isinstance(kind, serializers.ChoiceField)
        kind.choices = [(registered.name, registered.label) for registered in all_exports()]
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        start, end = attrs.get("date_from"), attrs.get("date_to")
        if start and end and end < start:
            errors["date_to"] = _("The end date is before the start date.")
        elif start and end and end - start > timedelta(days=settings.EXPORTS_MAX_RANGE_DAYS - 1):
            errors["date_to"] = _("Export at most %(days)s days at a time.") % {
                "days": format_decimal(settings.EXPORTS_MAX_RANGE_DAYS)
            }
        kind = get_export(attrs.get("kind", ""))
        status = attrs.get("status") or ""
        if kind is not None and status:
            allowed = [value for value, _label in kind.status_choices()]
            if status not in allowed:
                errors["status"] = (
                    _("Choose one of: %(statuses)s.") % {"statuses": ", ".join(allowed)}
                    if allowed
                    else _("This export has no status to filter by.")
                )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
