"""One input schema per supply command (docs/edge.md), read from the API's JSON and from page forms.

Weights are kilograms: a person may type "1.250,5" or "1,2 tấn" (the schema context names the unit kg).
Which rows an id may name (the cooperative's own plots, households, certificates) is the services' check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.inputs import LotCodeInput
from catalog.supply import geometry
from catalog.supply.models import MemberKind
from market.core.errors import ValidationFailed
from market.core.inputs import (
    ChoiceInput,
    DateInput,
    DecimalInput,
    IdInput,
    IntegerInput,
    MoneyInput,
    QuantityInput,
    TextInput,
)
from market.core.offline import SyncInput

KG = {"unit": "kg"}  # the schema context of every weight field here
# Bounds past anything real, so that a typo (a weight in grams, a price with three zeros too many) is refused
# where it is typed, and every amount made from these values stays exact: an intake is owed at most
# MAX_INTAKE_KG × MAX_PRICE_PER_KG = 10^15 đồng, below 2^53 (≈ 9 × 10^15), the largest whole number a double
# (a JavaScript number, an Excel cell) holds exactly.
#
# One household's delivery: a boat or a lorry of paddy carries tens of tonnes, a household's whole season a few
# hundred; a thousand tonnes is past any of them.
MAX_INTAKE_KG = Decimal(1_000_000)
# What a cooperative pays its members per kg: paddy about 7.000 ₫, pepper and coffee about 150.000 ₫, bird's
# nest tens of millions, Ngọc Linh ginseng (the dearest produce grown here) a few hundred million. A billion
# đồng per kg is past all of them. (The catalogue's MAX_UNIT_PRICE, ten billion per unit, serves units such as
# a tấn; an intake's price is always per kg.)
MAX_PRICE_PER_KG = 1_000_000_000
# What one season may owe its members in all (the statement's total; each household's amount is a part of it), in
# đồng: 10^15, some 40 billion US dollars, is past any cooperative's turnover (Vietnam's whole rice export earns
# less than a fifth of it in a year), and is what one intake at both bounds above is owed, so every intake the
# form takes fits an empty season. Every whole number up to it has at most 15 significant digits, so a spreadsheet
# cell holds each total exactly, and it is far below 2^53, so a JavaScript client of the API reads it exactly.
# The intakes are not bounded in number: the services refuse the intake or price that would pass this.
MAX_SEASON_OWED = int(MAX_INTAKE_KG) * MAX_PRICE_PER_KG
# One plot (thửa, ao, vườn) in hectares: a household's field is a few, a large estate's block a few thousand;
# ten thousand hectares (100 km²) is a district, not a plot. Every plot's expected harvest then fits the
# quantity columns (10^4 ha × MAX_YIELD_KG_PER_HA = 10^10 kg).
MAX_PLOT_HECTARES = Decimal(10_000)
# Expected yield per hectare and season: rice gives under 20 tonnes, sugarcane up to about 200, an intensive
# pangasius pond 300 to 500 per crop; a thousand tonnes per hectare is past any crop or pond.
MAX_YIELD_KG_PER_HA = Decimal(1_000_000)


def _percent(label: StrOrPromise) -> DecimalInput:
    return DecimalInput(
        places=2, max_digits=5, min_value=0, max_value=100, required=False, allow_null=True, label=label
    )


class AreaInput(serializers.Serializer):
    code = TextInput(max_length=20, label=_("Area code"), help_text=_("Short, e.g. TH-K8."))
    name = TextInput(max_length=200, label=_("Area name"))
    category = IdInput(label=_("Product category"))
    crop = TextInput(max_length=120, label=_("Crop"), help_text=_("What is grown, e.g. Lúa OM 18, Hồ tiêu."))
    province_code = IntegerInput(min_value=1, max_value=99, label=_("Province"))
    planting_area_code = TextInput(
        max_length=60,
        required=False,
        label=_("Planting-area code"),
        help_text=_("Mã số vùng trồng, as the plant-protection authority wrote it (optional)."),
    )
    description = TextInput(max_length=2000, multiline=True, required=False, label=_("Description"))
    certificates = serializers.ListField(
        child=IdInput(), required=False, max_length=50, label=_("Certificates covering the area")
    )


class PlotInput(serializers.Serializer):
    code = TextInput(max_length=30, label=_("Plot code"), help_text=_("Unique in your cooperative, e.g. K8-012."))
    commune_code = IntegerInput(min_value=1, max_value=99999, label=_("Commune"))
    hectares = DecimalInput(
        places=4, max_digits=11, min_value=Decimal("0.0001"), max_value=MAX_PLOT_HECTARES, label=_("Area (ha)")
    )
    household = IdInput(required=False, allow_null=True, label=_("Farmed by"))
    note = TextInput(max_length=300, required=False, label=_("Note"))


@extend_schema_field(OpenApiTypes.OBJECT)
class OutlineField(serializers.Field):
    """A GeoJSON Polygon or MultiPolygon ([longitude, latitude], WGS 84): an object in JSON, its text in a
    form; empty means no outline. Read (rings closed, coordinates checked) by `geometry.read_outline`."""

    def to_internal_value(self, data: Any) -> dict[str, Any] | None:
        if data in ("", {}):
            return None
        try:
            return geometry.read_outline(data)
        except ValidationFailed as error:
            raise serializers.ValidationError([m for ms in error.fields.values() for m in ms]) from None

    def to_representation(self, value: Any) -> Any:
        return value


class OutlineInput(serializers.Serializer):
    """A plot's outline; empty (or null) clears it."""

    polygon = OutlineField(
        required=False,
        allow_null=True,
        label=_("Outline (GeoJSON)"),
        help_text=_("Drawn on the map, walked with your phone's location, or pasted as a GeoJSON Polygon."),
    )


class SeasonInput(serializers.Serializer):
    name = TextInput(max_length=80, label=_("Season"), help_text=_("e.g. Đông Xuân 2026–2027"))
    starts_on = DateInput(label=_("Starts"))
    ends_on = DateInput(label=_("Ends"))


class SeasonPlanInput(serializers.Serializer):
    """A plot's calendar in a season; for an area, the same calendar for each of its plots."""

    season = IdInput(label=_("Season"))
    category = IdInput(label=_("Product category"))
    crop = TextInput(max_length=120, label=_("Crop"))
    sowing_date = DateInput(label=_("Sowing / stocking date"))
    expected_harvest_date = DateInput(label=_("Expected harvest"))
    expected_yield_kg_per_ha = QuantityInput(
        allow_zero=True,
        max_value=MAX_YIELD_KG_PER_HA,
        label=_("Expected yield per hectare (kg)"),
        help_text=_("In kg per ha; you may write tấn, e.g. 7 tấn."),
    )


class SeasonPriceInput(serializers.Serializer):
    category = IdInput(label=_("Product category"))
    grade = TextInput(
        max_length=40, required=False, label=_("Grade"), help_text=_("Leave empty for the price of any other grade.")
    )
    price_per_kg = MoneyInput(min_value=1, max_value=MAX_PRICE_PER_KG, label=_("Price per kg"))


class HouseholdInput(serializers.Serializer):
    code = TextInput(max_length=20, label=_("Member code"))
    name = TextInput(max_length=120, label=_("Household head"), help_text=_("e.g. Nguyễn Văn Bé"))
    kind = ChoiceInput(MemberKind, label=_("Membership"))
    phone = TextInput(max_length=20, required=False, label=_("Phone"), help_text=_("e.g. 0912 345 678"))
    province_code = IntegerInput(min_value=1, max_value=99, label=_("Province"))
    commune_code = IntegerInput(min_value=1, max_value=99999, label=_("Commune"))
    address_line = TextInput(max_length=200, required=False, label=_("Hamlet (ấp/thôn)"))
    joined_on = DateInput(required=False, allow_null=True, label=_("Member since"))
    name_public = serializers.BooleanField(
        required=False,
        default=False,
        label=_("Agrees to be named publicly"),
        help_text=_("Only then does the household's name show on the trace pages of the lots it supplied."),
    )
    name_consent_on = DateInput(
        required=False,
        allow_null=True,
        label=_("Consent given or withdrawn on"),
        help_text=_("Today when left empty and the answer changes."),
    )


class ConsentInput(serializers.Serializer):
    name_public = serializers.BooleanField(required=False, default=False, label=_("Agrees to be named publicly"))
    name_consent_on = DateInput(
        required=False,
        allow_null=True,
        label=_("Consent given or withdrawn on"),
        help_text=_("Today when left empty."),
    )


class IntakeInput(serializers.Serializer):
    # The plot first: choosing it on the page chooses the household that farms it.
    plot = IdInput(label=_("Plot"))
    household = IdInput(label=_("Household"))
    received_on = DateInput(label=_("Received on"))
    weight_kg = QuantityInput(
        max_value=MAX_INTAKE_KG, label=_("Weight (kg)"), help_text=_("Net weight on the scale, e.g. 1.250,5")
    )
    grade = TextInput(max_length=40, required=False, label=_("Grade"))
    moisture_percent = _percent(_("Moisture (%)"))
    impurity_percent = _percent(_("Impurities (%)"))
    measurements = TextInput(
        max_length=300, required=False, label=_("Other measurements"), help_text=_("e.g. density 550 g/l")
    )
    unit_price = MoneyInput(
        min_value=1,
        max_value=MAX_PRICE_PER_KG,
        required=False,
        allow_null=True,
        label=_("Price per kg for this intake"),
        help_text=_("Leave empty to pay the season's price for the grade."),
    )
    season = IdInput(
        required=False,
        allow_null=True,
        label=_("Season"),
        help_text=_("Leave empty: the plot's season on the day received."),
    )
    note = TextInput(max_length=300, required=False, label=_("Note"))


class IntakeSyncInput(SyncInput):
    """Intakes a phone wrote down while offline, each read later by IntakeInput as a form post."""


TICK_INTAKES = _("Tick the intakes that make the lot.")


class LotFromIntakesInput(serializers.Serializer):
    """A new draft lot of `product` from intakes; or, with `lot`, more intakes into a draft lot."""

    intakes = serializers.ListField(
        child=IdInput(),
        min_length=1,
        max_length=2000,
        label=_("Intakes"),
        error_messages={"required": TICK_INTAKES, "min_length": TICK_INTAKES, "not_a_list": TICK_INTAKES},
    )
    product = IdInput(required=False, allow_null=True, label=_("Product"))
    code = LotCodeInput(required=False, label=_("Lot code"))
    harvest_date = DateInput(
        required=False, allow_null=True, label=_("Harvest date"), help_text=_("The last intake's day when empty.")
    )
    lot = IdInput(required=False, allow_null=True, label=_("Add to the draft lot"))


class PlotFilter(serializers.Serializer):
    """The plot list's query: one area's plots."""

    area = IdInput(required=False, allow_null=True, label=_("Area"))


class IntakeFilter(serializers.Serializer):
    """The intake list's query: by season, household, whether already in a lot, and days."""

    season = IdInput(required=False, allow_null=True, label=_("Season"))
    household = IdInput(required=False, allow_null=True, label=_("Household"))
    in_lot = serializers.ChoiceField(
        choices=[("", _("All")), ("no", _("Not yet in a lot")), ("yes", _("In a lot"))],
        required=False,
        allow_blank=True,
        label=_("Lot"),
    )
    received_from = DateInput(required=False, allow_null=True, label=_("From"))
    received_to = DateInput(required=False, allow_null=True, label=_("To"))


class OutlookFilter(serializers.Serializer):
    category = IdInput(required=False, allow_null=True, label=_("Product category"))
    province = IntegerInput(min_value=1, max_value=99, required=False, allow_null=True, label=_("Province"))
    months = IntegerInput(
        min_value=1, max_value=24, required=False, allow_null=True, label=_("Months ahead"), help_text=_("1 to 24.")
    )


__all__ = [
    "KG",
    "AreaInput",
    "ConsentInput",
    "HouseholdInput",
    "IntakeFilter",
    "IntakeInput",
    "LotFromIntakesInput",
    "OutlineInput",
    "OutlookFilter",
    "PlotInput",
    "SeasonInput",
    "SeasonPlanInput",
    "SeasonPriceInput",
]
