"""Page forms rendered from a command's input schema (`market.core.inputs`) and validated by it.

A `SchemaForm` is a Django form only for rendering: its fields (type, inputmode, maxlength, required, help
text with the bounds) are derived from the schema, and `is_valid()` runs the schema in form mode — the same
parse, limits and messages as the API. The validated, typed values are `form.cleaned_data`.

    form = SchemaForm(request.POST or None, schema=QuoteInput, initial={...})
    if request.method == "POST" and form.is_valid():
        services.quote_submit(actor=request.actor, rfq_id=rfq.pk, **form.cleaned_data)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from rest_framework import serializers

from frontend.errors import page_message
from market.core import inputs, parsing
from market.core.errors import ApplicationError, ValidationFailed

Choices = Sequence[tuple[Any, Any]]


def _help(field: serializers.Field) -> str:
    parts = [str(field.help_text or "")]
    if isinstance(field, inputs._BoundsMixin):
        parts.append(field.describe_bounds())
    return " ".join(part for part in parts if part)


def _text_attrs(field: serializers.Field) -> dict[str, str]:
    mode = getattr(field, "inputmode", "")
    return {"inputmode": mode, "autocomplete": "off"} if mode else {}


def html_attributes(attrs: Mapping[str, object]) -> SafeString:
    """The attributes as Django's widgets/attrs.html writes them, in their order: ` name="value"` (escaped),
    ` name` alone for True, nothing for False. None is left out as well (no widget of ours sets one)."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(format_html(" {}", name))
        elif value is not False and value is not None:
            parts.append(format_html(' {}="{}"', name, value))
    return mark_safe("".join(parts))  # noqa: S308 (each part escaped by format_html)


class Select(forms.Select):
    """Django's <select>, its options written in one pass. Django renders each option through two template
    includes: the catalogue's filter form (77 options) spent 13 of its 57 ms there."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        if any(isinstance(label, list | tuple) for _value, label in self.choices):
            return super().render(name, value, attrs, renderer)  # option groups: Django's own templates
        wanted = set(self.format_value(value))
        rows = []
        for option_value, label in self.choices:
            text = "" if option_value is None else str(option_value)
            selected = text in wanted
            if selected:
                wanted = set()  # like Django's, a single select marks the first match only
            rows.append((text, " selected" if selected else "", label))
        options = format_html_join("", '\n  <option value="{}"{}>{}</option>\n', rows)
        attributes = html_attributes(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}\n</select>', name, attributes, options)


class _OnePassInput(forms.widgets.Input):
    """An <input> written without its template (Django includes input.html and attrs.html for each one); the
    value, its format and `checked` come from the widget's own get_context, as for Django's template."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], name, shown, html_attributes(widget["attrs"])
        )


class TextInput(_OnePassInput, forms.TextInput):
    pass


class EmailInput(_OnePassInput, forms.EmailInput):
    pass


class PasswordInput(_OnePassInput, forms.PasswordInput):
    pass


class DateInput(_OnePassInput, forms.DateInput):
    pass


class DateTimeInput(_OnePassInput, forms.DateTimeInput):
    pass


class TimeInput(_OnePassInput, forms.TimeInput):
    pass


class CheckboxInput(_OnePassInput, forms.CheckboxInput):
    pass


def form_field(field: serializers.Field, choices: Choices | None = None) -> forms.Field:
    """The Django form field that renders `field` (validation is the schema's, so these accept anything)."""
    common: dict[str, Any] = {"label": field.label, "required": field.required, "help_text": _help(field)}
    if isinstance(field, serializers.ChoiceField) and not isinstance(field, serializers.MultipleChoiceField):
        choices = list(field.choices.items()) if choices is None else choices
    if isinstance(field, serializers.ListField) and choices is not None:
        # A list of ids chosen from the given options: checkboxes (the page may lay them out itself).
        return forms.MultipleChoiceField(choices=list(choices), widget=forms.CheckboxSelectMultiple, **common)
    if choices is not None:
        options = list(choices)
        if not field.required or field.allow_null:
            options = [("", "—"), *options]
        return forms.ChoiceField(choices=options, widget=Select, **common)
    if isinstance(field, serializers.MultipleChoiceField):
        return forms.MultipleChoiceField(
            choices=list(field.choices.items()), widget=forms.CheckboxSelectMultiple, **common
        )
    if isinstance(field, serializers.BooleanField):
        return forms.BooleanField(widget=CheckboxInput, **{**common, "required": False})
    if isinstance(field, serializers.FileField):
        return forms.FileField(**common)
    if isinstance(field, serializers.DateTimeField):
        widget: forms.Widget = DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        return forms.CharField(widget=widget, **common)
    if isinstance(field, serializers.DateField):
        return forms.CharField(widget=DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if isinstance(field, serializers.TimeField):
        return forms.CharField(widget=TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)
    if isinstance(field, serializers.EmailField):
        return forms.CharField(widget=EmailInput(attrs={"autocomplete": "email"}), **common)
    if isinstance(field, serializers.CharField) and field.style.get("input_type") == "password":
        autocomplete = field.style.get("autocomplete", "current-password")
        return forms.CharField(widget=PasswordInput(attrs={"autocomplete": autocomplete}), **common)
    if isinstance(field, inputs.TextInput) and field.multiline:
        attrs = {"rows": "4", "maxlength": str(field.max_length)}
        return forms.CharField(widget=forms.Textarea(attrs=attrs), **common)
    attrs = _text_attrs(field)
    if isinstance(field, serializers.CharField) and field.max_length:
        attrs["maxlength"] = str(field.max_length)
    return forms.CharField(widget=TextInput(attrs=attrs), **common)


def display_value(field: serializers.Field, value: Any) -> Any:
    """A typed value as the person reads and types it back (1000.5 -> '1.000,5' in vi)."""
    if value is None:
        return None
    if isinstance(field, inputs.MoneyInput):
        return parsing.format_decimal(Decimal(value))
    if isinstance(field, serializers.DecimalField | inputs.IntegerInput) and isinstance(value, Decimal | int):
        return parsing.format_input_decimal(Decimal(value), grouping=getattr(field, "grouping", True))
    if isinstance(value, datetime) and isinstance(field, serializers.DateTimeField):
        return parsing.format_input_datetime(value)
    if isinstance(value, date | datetime):
        return value
    return getattr(value, "value", value)


class SchemaForm(forms.Form):
    schema: type[serializers.Serializer]

    def __init__(
        self,
        data: QueryDict | Mapping[str, Any] | None = None,
        files: Any = None,
        *,
        schema: type[serializers.Serializer] | None = None,
        initial: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        choices: Mapping[str, Choices] | None = None,
        exclude: Iterable[str] = (),
        prefix: str | None = None,
        auto_id: str = "id_%s",
    ) -> None:
        self.schema = schema or self.schema
        self.schema_context = dict(context or {})
        declared = self.schema(context={**self.schema_context, "input_mode": inputs.InputMode.FORM}).fields
        self.schema_fields = {
            name: field for name, field in declared.items() if not field.read_only and name not in set(exclude)
        }
        # A field left blank is stored as its default, so a new form shows that default (opens at 08:00, 30
        # minutes each) instead of an empty field; the page's own initial values come first.
        starting = {**_defaults(self.schema_fields), **(initial or {})}
        # A value picked from choices is shown as its option's value (commune 30850, never "30.850" typed-style).
        shown = {name: getattr(v, "value", v) if name in (choices or {}) else display_value(self.schema_fields[name], v)
                 for name, v in starting.items() if name in self.schema_fields}  # fmt: skip
        # `auto_id`: the ids of a form that shares a page with another having the same field names.
        super().__init__(data=data, files=files, initial=shown, prefix=prefix, auto_id=auto_id)
        for name, field in self.schema_fields.items():
            if isinstance(field, serializers.BaseSerializer | serializers.ListField) and name not in (choices or {}):
                continue  # nested rows (price tiers…) are laid out by their page
            self.fields[name] = form_field(field, (choices or {}).get(name))

    def _posted(self) -> Any:
        """The posted data under the schema's field names (without the form's prefix)."""
        if not self.prefix:
            return self.data if not self.files else _merge(self.data, self.files)
        posted = _merge(self.data, self.files or {})
        plain = QueryDict(mutable=True)
        start = f"{self.prefix}-"
        for key in posted:
            if key.startswith(start):
                plain.setlist(key[len(start) :], posted.getlist(key))
        return plain

    def full_clean(self) -> None:
        self._errors = forms.utils.ErrorDict()
        self.cleaned_data = {}
        if not self.is_bound:
            return
        try:
            self.cleaned_data = inputs.read_input(
                self.schema, self._posted(), mode=inputs.InputMode.FORM, context=self.schema_context
            )
        except ValidationFailed as error:
            self.add_service_errors(error)

    def add_service_errors(self, error: ApplicationError) -> None:
        """A service's (or the schema's) field errors next to their fields; the rest at the top."""
        if not error.fields:
            self.add_error(None, page_message(error))
            return
        for name, messages in error.fields.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


def _defaults(fields: Mapping[str, serializers.Field]) -> dict[str, Any]:
    """The values the schema stores for fields left blank. Not a field that may be null (blank is None there),
    nor a default made by a callable (a fresh list or set: nothing to show)."""
    return {
        name: field.default
        for name, field in fields.items()
        if field.default is not serializers.empty
        and field.default is not None
        and not callable(field.default)
        and not field.allow_null
    }


def _merge(data: Any, files: Any) -> Any:
    """Form data and uploaded files in one QueryDict (DRF reads files among the data)."""
    merged = data.copy() if isinstance(data, QueryDict) else QueryDict(mutable=True)
    if not isinstance(data, QueryDict):
        for key, value in data.items():
            merged[key] = value
    for key in files:
        merged.setlist(key, files.getlist(key))
    return merged
