"""Raw-material areas, plots and their seasons, member households, intakes and the season's price list.

Quantities of raw material are kilograms (what the cooperative's scale reads); areas are hectares with four
decimals (a square metre is 0.0001 ha). Every write goes through `catalog.supply.services`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Certificate, HarvestLot
from catalog.supply import geometry
from market.core.fields import quantity_field, vnd_field
from market.core.models import TimeStampedModel
from market.organisations import geo

__all__ = [
    "HouseholdImport",
    "HouseholdImportStatus",
    "Intake",
    "MemberHousehold",
    "MemberKind",
    "Plot",
    "PlotSeason",
    "RawMaterialArea",
    "Season",
    "SeasonPrice",
]


def hectares_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """Hectares with four decimals: 0.0001 ha is one square metre; 10^6 ha is more than a province."""
    kwargs.setdefault("max_digits", 11)
    kwargs.setdefault("decimal_places", 4)
    return models.DecimalField(verbose_name, **kwargs)


class RawMaterialArea(TimeStampedModel):
    """A cooperative's production area (vùng nguyên liệu) for one crop: its plots, the certificates that
    cover it (VietGAP is granted per area) and, when it has one, the planting-area code (mã số vùng trồng)
    issued by the plant-protection authority. Linkage contracts name the areas they cover."""

    cooperative = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="raw_material_areas",
    )
    code = models.CharField(_("area code"), max_length=20)
    name = models.CharField(_("area name"), max_length=200)
    category = models.ForeignKey(
        Category, verbose_name=_("product category"), on_delete=models.PROTECT, related_name="+"
    )
    crop = models.CharField(_("crop"), max_length=120, help_text=_("What is grown, e.g. Lúa OM 18, Hồ tiêu."))
    province_code = models.PositiveSmallIntegerField(_("province"))
    # Format set by the plant-protection authority and unconfirmed: kept as typed.
    planting_area_code = models.CharField(_("planting-area code"), max_length=60, blank=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    certificates = models.ManyToManyField(
        Certificate, verbose_name=_("certificates covering the area"), blank=True, related_name="areas"
    )

    class Meta:
        ordering = ["cooperative", "code", "id"]
        verbose_name = _("raw-material area")
        verbose_name_plural = _("raw-material areas")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="supply_area_code_unique"),
        ]
        indexes = [models.Index(fields=["province_code", "category"], name="supply_area_outlook_idx")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def province_name(self) -> str:
        unit = geo.province(self.province_code)
        return unit.name if unit else ""


class Plot(TimeStampedModel):
    """A field of an area (thửa ruộng, ao, vườn): its commune, hectares, the household that farms it and an
    optional outline (a GeoJSON Polygon or MultiPolygon in longitude/latitude, WGS 84)."""

    area = models.ForeignKey(RawMaterialArea, verbose_name=_("area"), on_delete=models.PROTECT, related_name="plots")
    code = models.CharField(_("plot code"), max_length=30)
    # Written by the services from the commune: what the outlook groups by.
    province_code = models.PositiveSmallIntegerField(_("province"))
    commune_code = models.PositiveIntegerField(_("commune"))
    hectares = hectares_field(_("area (ha)"))
    household = models.ForeignKey(
        "catalog.MemberHousehold",
        verbose_name=_("farmed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plots",
    )
    polygon = models.JSONField(_("outline (GeoJSON)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["area", "code", "id"]
        verbose_name = _("plot")
        verbose_name_plural = _("plots")
        constraints = [
            models.UniqueConstraint(fields=["area", "code"], name="supply_plot_code_unique"),
            models.CheckConstraint(condition=Q(hectares__gt=0), name="supply_plot_hectares_positive"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def outline_hectares(self) -> Decimal | None:
        """The area its outline encloses (None without one): what the API shows beside the declared hectares."""
        return geometry.outline_hectares(self.polygon)

    @property
    def commune_name(self) -> str:
        unit = geo.commune(self.commune_code)
        return unit.name if unit else ""

    @property
    def province_name(self) -> str:
        unit = geo.province(self.province_code)
        return unit.name if unit else ""


class Season(TimeStampedModel):
    """A cooperative's growing season, e.g. "Đông Xuân 2026–2027": plots are planned in it, intakes are
    paid by its price list, and members' statements are per season."""

    cooperative = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("cooperative"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("season"), max_length=80)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"))

    class Meta:
        ordering = ["cooperative", "-starts_on", "id"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "name"], name="supply_season_name_unique"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="supply_season_dates"),
        ]

    def __str__(self) -> str:
        return self.name


class PlotSeason(TimeStampedModel):
    """A plot's calendar in one season: what is sown, when, when the harvest is expected and the expected
    yield per hectare (the supply outlook adds hectares × yield by harvest month)."""

    plot = models.ForeignKey(Plot, verbose_name=_("plot"), on_delete=models.CASCADE, related_name="seasons")
    season = models.ForeignKey(Season, verbose_name=_("season"), on_delete=models.PROTECT, related_name="plots")
    category = models.ForeignKey(
        Category, verbose_name=_("product category"), on_delete=models.PROTECT, related_name="+"
    )
    crop = models.CharField(_("crop"), max_length=120)
    sowing_date = models.DateField(_("sowing / stocking date"))
    expected_harvest_date = models.DateField(_("expected harvest"))
    expected_yield_kg_per_ha = quantity_field(_("expected yield (kg per ha)"))

    class Meta:
        ordering = ["plot", "expected_harvest_date", "id"]
        verbose_name = _("plot season")
        verbose_name_plural = _("plot seasons")
        constraints = [
            models.UniqueConstraint(fields=["plot", "season"], name="supply_plot_season_unique"),
            models.CheckConstraint(
                condition=Q(expected_harvest_date__gte=models.F("sowing_date")), name="supply_plot_season_dates"
            ),
            models.CheckConstraint(
                condition=Q(expected_yield_kg_per_ha__gte=0), name="supply_plot_season_yield_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["expected_harvest_date", "category"], name="supply_plot_season_month_idx")]

    def __str__(self) -> str:
        return f"{self.plot} · {self.season}"

    @property
    def expected_kg(self) -> Decimal:
        return self.plot.hectares * self.expected_yield_kg_per_ha


class SeasonPrice(models.Model):
    """What the cooperative pays its members per kilogram in a season, for a category and a grade (a blank
    grade is the price for any grade without its own)."""

    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="prices")
    category = models.ForeignKey(
        Category, verbose_name=_("product category"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    price_per_kg = vnd_field(_("price per kg (VND)"))

    class Meta:
        ordering = ["season", "category", "grade"]
        verbose_name = _("season price")
        verbose_name_plural = _("season prices")
        constraints = [
            models.UniqueConstraint(fields=["season", "category", "grade"], name="supply_season_price_unique"),
            models.CheckConstraint(condition=Q(price_per_kg__gt=0), name="supply_season_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.season} · {self.grade or '*'}: {self.price_per_kg} ₫/kg"


class MemberKind(models.TextChoices):
    """Law on Cooperatives 17/2023/QH15: official members and the two kinds of associate member."""

    OFFICIAL = "official", _("Official member")
    CAPITAL_ASSOCIATE = "capital_associate", _("Associate member contributing capital")
    ASSOCIATE = "associate", _("Associate member not contributing capital")


class MemberHousehold(TimeStampedModel):
    """A farm household (hộ thành viên / nông hộ) of the cooperative. Households are not users: the
    cooperative keeps their record. Their name appears on public pages only with their consent, recorded
    with its date; otherwise the public sees the commune and the plot code."""

    cooperative = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="member_households",
    )
    code = models.CharField(_("member code"), max_length=20)
    name = models.CharField(_("household head"), max_length=120)
    kind = models.CharField(_("membership"), max_length=20, choices=MemberKind.choices, default=MemberKind.OFFICIAL)
    phone = models.CharField(_("phone"), max_length=16, blank=True, help_text=_("Stored as +84…"))
    province_code = models.PositiveSmallIntegerField(_("province"))
    commune_code = models.PositiveIntegerField(_("commune"))
    address_line = models.CharField(_("hamlet (ấp/thôn)"), max_length=200, blank=True)
    joined_on = models.DateField(_("member since"), null=True, blank=True)
    name_public = models.BooleanField(_("agrees to be named publicly"), default=False)
    # The day the household gave (or withdrew) its consent: the record the cooperative can show.
    name_consent_on = models.DateField(_("consent recorded on"), null=True, blank=True)

    class Meta:
        ordering = ["cooperative", "code", "id"]
        verbose_name = _("member household")
        verbose_name_plural = _("member households")
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="supply_household_code_unique"),
            models.CheckConstraint(condition=Q(kind__in=MemberKind.values), name="supply_household_kind_valid"),
            models.CheckConstraint(
                condition=Q(name_public=False) | Q(name_consent_on__isnull=False),
                name="supply_household_consent_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def commune_name(self) -> str:
        unit = geo.commune(self.commune_code)
        return unit.name if unit else ""


class Intake(TimeStampedModel):
    """A household's delivery to the cooperative, weighed and measured at the field or the gate. A harvest
    lot is built from intakes (`lot`), which is how the lot's trace goes one step back to plots and
    households. The amount owed is the weight at the intake's own price, or the season's price for its
    category and grade."""

    cooperative = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("cooperative"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        MemberHousehold, verbose_name=_("household"), on_delete=models.PROTECT, related_name="intakes"
    )
    plot = models.ForeignKey(Plot, verbose_name=_("plot"), on_delete=models.PROTECT, related_name="intakes")
    season = models.ForeignKey(Season, verbose_name=_("season"), on_delete=models.PROTECT, related_name="intakes")
    category = models.ForeignKey(
        Category, verbose_name=_("product category"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    weight_kg = quantity_field(_("weight (kg)"))
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    moisture_percent = models.DecimalField(_("moisture (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    impurity_percent = models.DecimalField(_("impurities (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    measurements = models.CharField(
        _("other measurements"), max_length=300, blank=True, help_text=_("e.g. density 550 g/l, size 30 per kg")
    )
    unit_price = vnd_field(_("price per kg for this intake (VND)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    lot = models.ForeignKey(
        HarvestLot, verbose_name=_("lot"), null=True, blank=True, on_delete=models.PROTECT, related_name="intakes"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The key a phone gave the record when it wrote it down offline: a re-sent record finds its intake.
    idempotency_key = models.UUIDField(_("idempotency key"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")
        constraints = [
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="supply_intake_weight_positive"),
            models.CheckConstraint(
                condition=Q(moisture_percent__isnull=True) | Q(moisture_percent__gte=0, moisture_percent__lte=100),
                name="supply_intake_moisture_range",
            ),
            models.CheckConstraint(
                condition=Q(impurity_percent__isnull=True) | Q(impurity_percent__gte=0, impurity_percent__lte=100),
                name="supply_intake_impurity_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gt=0), name="supply_intake_price_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["cooperative", "season", "household"], name="supply_intake_statement_idx"),
            models.Index(fields=["cooperative", "received_on"], name="supply_intake_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.household.code} · {self.received_on:%Y-%m-%d} · {self.weight_kg.normalize():f} kg"


class HouseholdImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Checked, not applied")
    APPLIED = "applied", _("Applied")


class HouseholdImport(TimeStampedModel):
    """An uploaded spreadsheet of member households: checked first (dry run), applied all at once."""

    cooperative = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(max_length=255)
    rows = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=HouseholdImportStatus.choices, default=HouseholdImportStatus.PREVIEWED
    )
    applied_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("household import")
        verbose_name_plural = _("household imports")

    def __str__(self) -> str:
        return self.file_name
