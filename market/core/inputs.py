"""One input schema per command, read the same way from the API's JSON and from a page's form post.

A schema is a DRF serializer whose fields come from here. Each field reads its value in the request's input
mode: JSON carries canonical values (1000.5, "2026-03-09"); a form post carries what a person typed in the
active language ("1.000,5", "09/03/2026"), read by `market.core.parsing`. Limits and messages live on the
field, once: the API documents them (OpenAPI) and the pages render them (`frontend.schema_forms`).

    fields = read_input(QuoteInput, request.data, mode=input_mode(request))
    quote = services.quote_submit(actor=actor, rfq_id=rfq_id, **fields)

`read_input` raises `ValidationFailed` with a message per field; nothing is ever truncated or guessed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Any

from django.core.validators import BaseValidator
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.formatting import lazy_format

from market.core import parsing
from market.core.errors import ValidationFailed
from market.core.quantity import MAX_QUANTITY as MAX_QUANTITY  # the quantity columns' bound, read from here too
from market.core.text import nfc

# The largest id a column holds; a longer one is an error, not an overflow.
MAX_ID = 2**63 - 1
# Whole đồng: no price, total or budget is a thousand billion đồng or more.
MAX_VND = 999_999_999_999


class InputMode(StrEnum):
    JSON = "json"  # canonical values: the API's JSON
    FORM = "form"  # what a person typed, in the active language: pages and form-encoded API calls


FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def input_mode(request: Request) -> InputMode:
    """Form-encoded bodies were typed by a person; JSON is canonical."""
    content_type = (request.content_type or "").split(";")[0].strip()
    return InputMode.FORM if content_type in FORM_MEDIA_TYPES else InputMode.JSON


def _mode(field: serializers.Field) -> InputMode:
    return InputMode(field.context.get("input_mode", InputMode.JSON))


def _fail(error: parsing.ParseError) -> serializers.ValidationError:
    return serializers.ValidationError(error.message, code="invalid")


class _BoundsMixin:
    """Bounds checked with messages that show the bound the way the person writes numbers."""

    lower: Decimal | None
    upper: Decimal | None
    # The bounds the schema states, told in the help text; not what a column merely can hold.
    stated_lower: Decimal | None = None
    stated_upper: Decimal | None = None
    money: bool = False
    grouping: bool = True  # shown with a thousands separator ("1.000"); a year is not ("2026")

    def _show(self, value: Decimal) -> str:
        return parsing.format_money(value) if self.money else parsing.format_decimal(value, grouping=self.grouping)

    def check_bounds(self, value: Decimal) -> None:
        if self.lower is not None and value < self.lower:
            raise serializers.ValidationError(
                _("Enter at least %(bound)s.") % {"bound": self._show(self.lower)}, code="min_value"
            )
        if self.upper is not None and value > self.upper:
            raise serializers.ValidationError(
                _("Enter at most %(bound)s.") % {"bound": self._show(self.upper)}, code="max_value"
            )

    def describe_bounds(self) -> str:
        """For help text: 'From 1 to 100.'"""
        low, high = self.stated_lower, self.stated_upper
        if low is not None and high is not None:
            return _("From %(low)s to %(high)s.") % {"low": self._show(low), "high": self._show(high)}
        if high is not None:
            return _("At most %(high)s.") % {"high": self._show(high)}
        if low is not None:
            return _("At least %(low)s.") % {"low": self._show(low)}
        return ""


def _stated(bound: Decimal | int | None) -> Decimal | None:
    """A bound worth telling: zero (the usual floor) goes without saying."""
    return None if bound is None or bound == 0 else Decimal(bound)


class DecimalInput(_BoundsMixin, serializers.DecimalField):
    """A decimal (quantities, hectares, percentages). `places` decimals at most; bounds inclusive."""

    inputmode = "decimal"

    def __init__(
        self,
        *,
        places: int = 3,
        max_digits: int = 14,
        min_value: Decimal | int | None = 0,
        max_value: Decimal | int | None = None,
        **kwargs: Any,
    ) -> None:
        self.lower = None if min_value is None else Decimal(min_value)
        limit = Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)
        self.upper = limit if max_value is None else min(Decimal(max_value), limit)
        self.stated_lower, self.stated_upper = _stated(min_value), _stated(max_value)
        super().__init__(max_digits=max_digits, decimal_places=places, coerce_to_string=True, **kwargs)
        # Bounds are checked here with localised messages; DRF's own validators would repeat them in English.
        self.validators = [v for v in self.validators if not hasattr(v, "limit_value")]
        self.min_value, self.max_value = self.lower, self.upper

    @property
    def places(self) -> int:
        return self.decimal_places or 0

    def parse_typed(self, text: str) -> Decimal:
        return parsing.parse_decimal(text, places=self.places, allow_negative=self._negative_allowed)

    @property
    def _negative_allowed(self) -> bool:
        return self.lower is None or self.lower < 0

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            if _mode(self) == InputMode.FORM and isinstance(data, str):
                value = self.parse_typed(data)
            else:
                value = parsing.parse_canonical_decimal(data, places=self.places, allow_negative=self._negative_allowed)
        except parsing.ParseError as error:
            raise _fail(error) from None
        self.check_bounds(value)
        return value


class QuantityInput(DecimalInput):
    """A quantity in the unit the context names (`context["unit"]`); a person may write another mass unit
    ("1,5 tấn" for a kg field). Zero is refused unless `allow_zero`."""

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        stated = "min_value" in kwargs
        kwargs.setdefault("min_value", 0 if allow_zero else Decimal("0.001"))
        super().__init__(places=3, max_digits=14, **kwargs)
        if not stated:
            self.stated_lower = None  # "more than zero" needs no help text

    def parse_typed(self, text: str) -> Decimal:
        return parsing.parse_quantity(text, unit=self.context.get("unit"), places=3)

    def check_bounds(self, value: Decimal) -> None:
        # Zero is below the unstated floor of 0,001: "at least 0,001" would name a quantity nobody orders.
        if self.stated_lower is None and self.lower is not None and self.lower > 0 and value <= 0:
            raise serializers.ValidationError(_("Enter a quantity above zero."), code="min_value")
        super().check_bounds(value)


class _WholeNumberInput(_BoundsMixin, serializers.IntegerField, ABC):
    """A whole number read from what a person typed (`parse_typed`) or from canonical JSON."""

    inputmode = "numeric"
    default_max: int = MAX_ID

    def __init__(self, *, min_value: int | None = 0, max_value: int | None = None, **kwargs: Any) -> None:
        self.lower = None if min_value is None else Decimal(min_value)
        self.upper = Decimal(self.default_max if max_value is None else max_value)
        self.stated_lower, self.stated_upper = _stated(min_value), _stated(max_value)
        super().__init__(min_value=min_value, max_value=int(self.upper), **kwargs)
        self.validators = [v for v in self.validators if not hasattr(v, "limit_value")]

    @abstractmethod
    def parse_typed(self, text: str, *, allow_negative: bool) -> int:
        """What a person typed, read as this kind of whole number (money, a count, an id)."""

    def to_internal_value(self, data: Any) -> int:
        negative = self.lower is None or self.lower < 0
        try:
            if _mode(self) == InputMode.FORM and isinstance(data, str):
                value = Decimal(self.parse_typed(data, allow_negative=negative))
            else:
                value = Decimal(parsing.parse_canonical_integer(data, allow_negative=negative))
        except parsing.ParseError as error:
            raise _fail(error) from None
        self.check_bounds(value)
        return int(value)


class MoneyInput(_WholeNumberInput):
    """Whole đồng: "1.500.000 ₫", "25k", "1,5 triệu" on pages; an integer (or its string) in JSON."""

    money = True
    default_max = MAX_VND

    def parse_typed(self, text: str, *, allow_negative: bool) -> int:
        return parsing.parse_money(text, allow_negative=allow_negative)


class IntegerInput(_WholeNumberInput):
    """A count typed by a person ("1.000" in vi is a thousand)."""

    def parse_typed(self, text: str, *, allow_negative: bool) -> int:
        return parsing.parse_integer(text, allow_negative=allow_negative)


class YearInput(IntegerInput):
    """A year, read like a count and written as people write years: "2026", never "2.026"."""

    grouping = False


class IdInput(serializers.IntegerField):
    """The id of a row: a positive integer a column can hold. Anything else is a clear 400, never a 500."""

    default_error_messages = {"invalid": gettext_lazy("Choose an item from the list.")}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        text = str(data).strip() if isinstance(data, int | str) and not isinstance(data, bool) else ""
        if not text.isascii() or not text.isdigit() or len(text) > 19 or not 1 <= int(text) <= MAX_ID:
            self.fail("invalid")
        return int(text)


class ImportApplyInput(serializers.Serializer):
    """The second step of a spreadsheet import on a page: apply the file checked before (its id on the button)."""

    apply = IdInput()


def _say_at_most_characters(limit: int) -> str:
    return _("Write at most %(n)s characters.") % {"n": parsing.format_decimal(limit)}


# Said in the language active when the message is shown, with the limit written as people write numbers
# ("2.000"): DRF would put the bare integer into its "{max_length}" placeholder.
at_most_characters = lazy(_say_at_most_characters, str)


class TextInput(serializers.CharField):
    """Text stored NFC and trimmed; longer than `max_length` is an error, never cut."""

    def __init__(self, *, max_length: int, multiline: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("allow_blank", not kwargs.get("required", True))
        self.multiline = multiline
        messages: dict[str, StrOrPromise] = {"max_length": at_most_characters(max_length)}
        super().__init__(max_length=max_length, error_messages=messages, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return nfc(super().to_internal_value(data))


class DateInput(serializers.DateField):
    """dd/mm/yyyy typed on pages (or yyyy-mm-dd from a date picker); ISO 8601 in JSON."""

    def to_internal_value(self, value: Any) -> date:
        if isinstance(value, datetime):
            self.fail("datetime")
        if isinstance(value, date):
            return value
        try:
            if _mode(self) == InputMode.FORM:
                return parsing.parse_date(value)
            if isinstance(value, str) and parsing.ISO_DATE.match(value.strip()):
                return parsing.parse_date(value)
        except parsing.ParseError as error:
            raise _fail(error) from None
        raise serializers.ValidationError(_("Send the date as yyyy-mm-dd."), code="invalid")


class DateTimeInput(serializers.DateTimeField):
    """A moment, always time-zone aware: "dd/mm/yyyy hh:mm" on pages, ISO 8601 in JSON."""

    def to_internal_value(self, value: Any) -> datetime:
        if _mode(self) == InputMode.FORM and isinstance(value, str):
            try:
                return parsing.parse_datetime(value)
            except parsing.ParseError as error:
                raise _fail(error) from None
        return super().to_internal_value(value)


class TimeInput(serializers.TimeField):
    """14:30, 14h30 on pages; hh:mm[:ss] in JSON."""

    def to_internal_value(self, value: Any) -> time:
        if isinstance(value, str):
            try:
                return parsing.parse_time(value)
            except parsing.ParseError as error:
                raise _fail(error) from None
        return super().to_internal_value(value)


class ChoiceInput(serializers.ChoiceField):
    """One of an enum's values; the validated value is the enum member."""

    def __init__(self, enum: type[Enum], **kwargs: Any) -> None:
        self.enum = enum
        choices = getattr(enum, "choices", None) or [(member.value, member.name) for member in enum]
        kwargs["error_messages"] = {
            "invalid_choice": gettext_lazy("Choose one of the options."),
            **kwargs.get("error_messages", {}),
        }
        super().__init__(choices=choices, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if data == "" and self.allow_blank:
            return data
        return self.enum(super().to_internal_value(data))


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as {"tiers.0.unit_price": ["message", ...]}."""
    if isinstance(detail, Mapping):
        fields: dict[str, list[str]] = {}
        for key, value in detail.items():
            fields.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return fields
    if isinstance(detail, list) and any(isinstance(item, Mapping | list) for item in detail):
        fields = {}
        for index, item in enumerate(detail):
            fields.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
        return fields
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items if item]}


def _say_limit(template: StrOrPromise, limits: Mapping[str, Any]) -> str:
    shown = {name: parsing.format_decimal(v) if isinstance(v, int) else v for name, v in limits.items()}
    return str(template).format(**shown)


# Said in the language active when the message is shown, like `at_most_characters`.
_limit_message = lazy(_say_limit, str)


def _show_limits(field: serializers.Field) -> None:
    """DRF's own limit messages ("Ensure this field has no more than {max_length} elements.") with the limit as
    people write it ("2.000" in vi): DRF formats the bare integer into them. Each bound schema has its own copies of
    its fields, so rewriting their validators' messages touches no other request."""
    for validator in field.validators:
        if not isinstance(validator, BaseValidator):  # the limits are Django's Max/Min Length/Value validators
            continue
        message: Any = validator.message
        if isinstance(message, lazy_format) and message.format_string is not None:
            validator.message = _limit_message(message.format_string, message.kwargs)
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        _show_limits(child)
    if isinstance(field, serializers.Serializer):
        for nested in field.fields.values():
            _show_limits(nested)


def bind_input(
    schema: type[serializers.Serializer],
    data: Any,
    *,
    mode: InputMode,
    context: Mapping[str, Any] | None = None,
    partial: bool = False,
) -> serializers.Serializer:
    """The schema bound to `data`, read in `mode`, its messages ready for people; `read_input` for most callers."""
    bound = schema(data=data, context={**(context or {}), "input_mode": mode}, partial=partial)
    _show_limits(bound)
    return bound


def read_input(
    schema: type[serializers.Serializer],
    data: Any,
    *,
    mode: InputMode,
    context: Mapping[str, Any] | None = None,
    partial: bool = False,
) -> dict[str, Any]:
    """The command's typed values, or `ValidationFailed` with every field's message."""
    bound = bind_input(schema, data, mode=mode, context=context, partial=partial)
    if not bound.is_valid():
        raise ValidationFailed(fields=flatten_errors(bound.errors))
    return dict(bound.validated_data)


def read_query(
    schema: type[serializers.Serializer], params: QueryDict, *, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A list's query parameters (API and page filters): a blank parameter means "not given"; any other value
    is read as a person types it, and a bad one is `ValidationFailed` (a 400 naming it), never ignored."""
    given = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [value for value in values if value.strip()]
        if kept:
            given.setlist(key, kept)
    return read_input(schema, given, mode=InputMode.FORM, context=context)


class IdempotencyKeyInput(serializers.Serializer):
    """An API write's `Idempotency-Key` header: the same key answers with what the first request made."""

    key = TextInput(max_length=100, required=False)


def idempotency_key(headers: Mapping[str, str]) -> str:
    """The request's Idempotency-Key ("" when none was sent), or a 400 naming it when it is too long."""
    fields = read_input(IdempotencyKeyInput, {"key": headers.get("Idempotency-Key", "")}, mode=InputMode.JSON)
    return str(fields.get("key", ""))
