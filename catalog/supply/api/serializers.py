"""What the supply API answers (the requests are the schemas in catalog/supply/inputs.py)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from catalog.supply.models import MemberKind


def _decimal(places: int, digits: int = 14, **kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=digits, decimal_places=places, normalize_output=True, read_only=True, **kwargs
    )


class CertificateRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField()
    in_force = serializers.BooleanField()


class AreaOut(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    category_id = serializers.IntegerField()
    crop = serializers.CharField()
    province_code = serializers.IntegerField()
    planting_area_code = serializers.CharField()
    description = serializers.CharField()
    plot_count = serializers.IntegerField()
    hectares = _decimal(4, 20)
    household_count = serializers.IntegerField()


class AreaDetailOut(AreaOut):
    certificates = CertificateRefOut(many=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


class PlotOut(serializers.Serializer):
    id = serializers.IntegerField()
    area_id = serializers.IntegerField()
    code = serializers.CharField()
    province_code = serializers.IntegerField()
    commune_code = serializers.IntegerField()
    hectares = _decimal(4, 11)
    household_id = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    polygon = serializers.JSONField(allow_null=True, help_text="GeoJSON Polygon or MultiPolygon, [lon, lat] WGS 84.")
    outline_hectares = _decimal(4, 20, allow_null=True)


class PlotSeasonOut(serializers.Serializer):
    id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    season_name = serializers.CharField()
    category_id = serializers.IntegerField()
    crop = serializers.CharField()
    sowing_date = serializers.DateField()
    expected_harvest_date = serializers.DateField()
    expected_yield_kg_per_ha = _decimal(3)
    expected_kg = _decimal(3, 24)


class PlotSeasonRowOut(PlotSeasonOut):
    season_name = serializers.CharField(source="season.name")


class PlotListOut(PlotOut):
    """A plot with its season plans: planning or removing one moves the plot's `updated_at` (sync)."""

    seasons = PlotSeasonRowOut(source="seasons.all", many=True)
    updated_at = serializers.DateTimeField()


class PlotDetailOut(PlotOut):
    seasons = PlotSeasonOut(many=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


class SeasonPlanResultOut(serializers.Serializer):
    plots = serializers.IntegerField(help_text="How many plots of the area were planned.")


class OutlineImportOut(serializers.Serializer):
    plots = serializers.ListField(child=serializers.CharField(), help_text="Codes of the plots given an outline.")


class SupplySeasonPriceOut(serializers.Serializer):
    id = serializers.IntegerField()
    category_id = serializers.IntegerField()
    grade = serializers.CharField()
    price_per_kg = serializers.IntegerField()


class SupplySeasonOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class SupplySeasonDetailOut(SupplySeasonOut):
    prices = SupplySeasonPriceOut(many=True)
    allowed_actions = serializers.ListField(child=serializers.CharField())


class HouseholdOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=MemberKind.choices)
    phone = serializers.CharField(help_text="E.164, e.g. +84912345678")
    province_code = serializers.IntegerField()
    commune_code = serializers.IntegerField()
    address_line = serializers.CharField()
    joined_on = serializers.DateField(allow_null=True)
    name_public = serializers.BooleanField()
    name_consent_on = serializers.DateField(allow_null=True)


class HouseholdDetailOut(HouseholdOut):
    plots = serializers.ListField(child=serializers.CharField(), help_text="Codes of the plots it farms.")
    allowed_actions = serializers.ListField(child=serializers.CharField())


# Built with inline_serializer: a declared field named `errors` would shadow Serializer.errors.
ImportRowOut = inline_serializer(
    name="HouseholdImportRowOut",
    fields={
        "row": serializers.IntegerField(),
        "code": serializers.CharField(),
        "name": serializers.CharField(),
        "action": serializers.CharField(help_text='"create" or "update": what applying the file does to it.'),
        "errors": serializers.ListField(child=serializers.CharField()),
    },
    many=True,
    required=False,
    help_text="Each row's check (on the dry run only).",
)


class HouseholdImportOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    row_count = serializers.IntegerField()
    error_count = serializers.IntegerField()
    created_count = serializers.IntegerField()
    updated_count = serializers.IntegerField()
    rows = ImportRowOut


class FileIn(serializers.Serializer):
    file = serializers.FileField()


class IntakeOut(serializers.Serializer):
    id = serializers.IntegerField()
    household_id = serializers.IntegerField()
    plot_id = serializers.IntegerField()
    season_id = serializers.IntegerField()
    category_id = serializers.IntegerField()
    received_on = serializers.DateField()
    weight_kg = _decimal(3)
    grade = serializers.CharField()
    moisture_percent = _decimal(2, 5, allow_null=True)
    impurity_percent = _decimal(2, 5, allow_null=True)
    measurements = serializers.CharField()
    unit_price = serializers.IntegerField(allow_null=True, help_text="Its own price per kg, whole đồng.")
    note = serializers.CharField()
    lot_id = serializers.IntegerField(allow_null=True)


class IntakeDetailOut(IntakeOut):
    allowed_actions = serializers.ListField(child=serializers.CharField())


class LotBuiltOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    product_id = serializers.IntegerField()
    status = serializers.CharField()
    quantity_produced = _decimal(3)
    harvest_date = serializers.DateField()
    intake_count = serializers.IntegerField()


class MemberStatementRowOut(serializers.Serializer):
    household_id = serializers.IntegerField()
    household_code = serializers.CharField()
    household_name = serializers.CharField()
    intake_count = serializers.IntegerField()
    kg = _decimal(3, 24)
    amount = serializers.IntegerField(help_text="Owed, whole đồng, for the intakes with a price.")
    unpriced_kg = _decimal(3, 24)


class MemberStatementOut(serializers.Serializer):
    season = SupplySeasonOut()
    rows = MemberStatementRowOut(many=True)
    total_kg = _decimal(3, 24)
    total_amount = serializers.IntegerField()
    unpriced_kg = _decimal(3, 24)


class OutlookRowOut(serializers.Serializer):
    category_id = serializers.IntegerField()
    province_code = serializers.IntegerField()
    month = serializers.DateField(help_text="The first day of the harvest month.")
    hectares = _decimal(4, 20)
    cooperatives = serializers.IntegerField()
    plots = serializers.IntegerField()
    expected_kg = _decimal(3, 30)
    contracted_kg = _decimal(3, 30)
    open_kg = _decimal(3, 30)


class OutlookOut(serializers.Serializer):
    months = serializers.ListField(child=serializers.DateField())
    rows = OutlookRowOut(many=True)


class OriginOut(serializers.Serializer):
    plot_code = serializers.CharField()
    area_code = serializers.CharField()
    area_name = serializers.CharField()
    crop = serializers.CharField()
    commune_name = serializers.CharField()
    province_name = serializers.CharField()
    planting_area_code = serializers.CharField()
    household_name = serializers.CharField(allow_null=True, help_text="Only when the household agreed.")
    kg = _decimal(3, 24)
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    intake_count = serializers.IntegerField()
    certificates = serializers.ListField(child=serializers.CharField())
