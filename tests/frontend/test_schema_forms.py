"""Page forms render from the command's schema and validate with it: one limit, one message, one parse."""

import copy
from datetime import date, time
from decimal import Decimal

from django import forms
from django.http import QueryDict
from django.utils import translation
from rest_framework import serializers

from frontend.schema_forms import SchemaForm
from market.core import inputs
from market.core.quantity import Unit


class LotLike(serializers.Serializer):
    code = inputs.TextInput(max_length=20, label="Lot code", help_text="As printed.")
    quantity = inputs.QuantityInput(label="Quantity")
    price = inputs.MoneyInput(min_value=1, max_value=1_000_000, label="Price")
    harvested = inputs.DateInput(label="Harvest date")
    unit = inputs.ChoiceInput(Unit, required=False)
    note = inputs.TextInput(max_length=500, multiline=True, required=False)


def test_fields_render_with_input_modes_limits_and_bounds_in_the_help_text():
    with translation.override("vi"):
        form = SchemaForm(schema=LotLike, initial={"quantity": Decimal(1000), "price": 29000})
        html = form.as_div()
        assert 'maxlength="20"' in html
        assert 'inputmode="decimal"' in html
        assert 'inputmode="numeric"' in html
        assert 'type="date"' in html
        assert "<textarea" in html
        assert 'value="1.000"' in html
        assert 'value="29.000"' in html
        assert "Từ 1\u00a0₫ đến 1.000.000\u00a0₫." in str(form["price"].help_text)


def test_a_post_is_read_by_the_schema_and_errors_sit_next_to_their_fields():
    data = QueryDict(mutable=True)
    data.update({"code": "ST25-01", "quantity": "1.000", "price": "29.000 ₫", "harvested": "09/03/2026"})
    with translation.override("vi"):
        form = SchemaForm(data, schema=LotLike)
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {
            "code": "ST25-01",
            "quantity": Decimal(1000),
            "price": 29000,
            "harvested": date(2026, 3, 9),
        }
        data["quantity"] = "1,500"
        data["price"] = "2.000.000"
        form = SchemaForm(data, schema=LotLike)
        assert not form.is_valid()
        assert set(form.errors) == {"quantity", "price"}
        # What the person typed stays in the field.
        assert 'value="1,500"' in str(form["quantity"])


class Showcase(serializers.Serializer):
    products = serializers.ListField(child=inputs.IdInput(), required=False, default=list, label="Products")


def test_a_list_of_ids_with_choices_renders_as_checkboxes_and_keeps_what_was_ticked():
    data = QueryDict(mutable=True)
    data.setlist("products", ["2", "3"])
    form = SchemaForm(data, schema=Showcase, choices={"products": [(1, "Gạo"), (2, "Nước mắm"), (3, "Khô cá")]})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"products": [2, 3]}
    html = str(form["products"])
    assert html.count('type="checkbox"') == 3
    assert html.count("checked") == 2


def test_a_password_field_renders_as_a_password_input():
    class Account(serializers.Serializer):
        password = serializers.CharField(style={"input_type": "password", "autocomplete": "new-password"})

    html = SchemaForm(schema=Account).as_div()
    assert 'type="password"' in html
    assert 'autocomplete="new-password"' in html


class Filters(serializers.Serializer):
    province = inputs.IdInput(required=False, label="Province", help_text="Where it grows.")
    grade = inputs.ChoiceInput(Unit, label="Unit")
    note = inputs.TextInput(max_length=20, required=False)
    amount = inputs.MoneyInput(required=False)
    day = inputs.DateInput(required=False)
    at = serializers.DateTimeField(required=False)
    time = serializers.TimeField(required=False)
    email = serializers.EmailField(required=False)
    password = serializers.CharField(required=False, style={"input_type": "password"})
    in_stock = serializers.BooleanField(required=False)


PROVINCES = [(91, "Kiên Giang"), (89, "An Giang <& “Châu Đốc”>"), (92, "Cần Thơ")]
DJANGO_WIDGETS = {
    "province": forms.Select,
    "grade": forms.Select,
    "note": forms.TextInput,
    "amount": forms.TextInput,
    "day": forms.DateInput,
    "at": forms.DateTimeInput,
    "time": forms.TimeInput,
    "email": forms.EmailInput,
    "password": forms.PasswordInput,
    "in_stock": forms.CheckboxInput,
}


def test_widgets_are_written_as_djangos_own_widgets_write_them():
    """The one-pass widgets (no template include per option or input) write what Django's templates write:
    the attributes, the value as typed, the empty choice, the first matching option selected, labels
    escaped, `checked`, errors described."""
    choices = {"province": [(str(code), name) for code, name in PROVINCES]}
    posts = [
        None,
        {
            "province": "89",
            "grade": "kg",
            "note": "Gạo <b>",
            "amount": "1.500.000",
            "day": "09/03/2026",
            "in_stock": "on",
        },
        {"province": "x", "grade": "bogus", "email": "a@", "at": "yesterday", "time": "25:00", "password": "s3cret"},
    ]
    for data in posts:
        with translation.override("vi"):
            form = SchemaForm(data, schema=Filters, choices=choices, initial={"amount": 29000, "day": date(2026, 3, 9)})
            form.is_valid()
            for name, django_class in DJANGO_WIDGETS.items():
                bound = form[name]
                ours = bound.field.widget
                assert isinstance(ours, django_class), name
                assert type(ours) is not django_class, name  # ours, not Django's own
                twin = copy.copy(ours)
                twin.__class__ = django_class
                assert str(bound) == bound.as_widget(widget=twin), (data, name)
    selected = str(SchemaForm({"province": "89"}, schema=Filters, choices=choices)["province"])
    assert '<option value="89" selected>An Giang &lt;&amp; “Châu Đốc”&gt;</option>' in selected
    assert selected.count(" selected") == 1


class SlotsLike(serializers.Serializer):
    opens = inputs.TimeInput(default=time(8, 0), label="Opens at")
    minutes = inputs.IntegerInput(min_value=10, max_value=240, default=30, label="Minutes each")
    fee = inputs.MoneyInput(default=1_500_000, label="Fee")
    count = inputs.IntegerInput(min_value=1, max_value=40, default=6, label="How many")
    zone = inputs.IdInput(required=False, allow_null=True, default=None, label="Zone")
    tags = serializers.ListField(child=inputs.IdInput(), required=False, default=list, label="Tags")


def test_a_new_form_shows_what_a_field_left_blank_is_stored_as():
    """A blank field is stored as the schema's default, so the form shows it (in the person's format); the
    page's own starting values come first, and a field that may be null (blank: None) shows nothing."""
    with translation.override("vi"):
        form = SchemaForm(schema=SlotsLike, initial={"count": 4})
        assert 'value="08:00"' in str(form["opens"])
        assert 'value="30"' in str(form["minutes"])
        assert 'value="1.500.000"' in str(form["fee"])
        assert 'value="4"' in str(form["count"])
        assert "value=" not in str(form["zone"])
        blank = SchemaForm(QueryDict("opens=&minutes=&fee=&count="), schema=SlotsLike)
        assert blank.is_valid(), blank.errors
        assert blank.cleaned_data == {
            "opens": time(8, 0),
            "minutes": 30,
            "fee": 1_500_000,
            "count": 6,
            "zone": None,
            "tags": [],
        }
