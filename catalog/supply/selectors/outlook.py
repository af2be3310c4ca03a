"""The supply outlook (what the verified cooperatives' areas are expected to harvest, by category, province
and month, minus what is already contracted) and the match between a cooperative's areas and a buyer's
demand. Neither names a cooperative's members: the outlook is sums, the match is about one's own areas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from catalog.models import Category, CertificateKind
from catalog.selectors import category_descendant_ids
from catalog.supply.models import PlotSeason, RawMaterialArea
from catalog.supply.registry import OutlookKey, contracted_volume_by
from market.core.text import fold
from market.organisations import geo
from market.organisations.models import VerificationStatus
from market.organisations.permissions import Actor

DEFAULT_MONTHS = 12


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class OutlookRow:
    category_id: int
    category_name: str
    province_code: int
    province_name: str
    month: date
    hectares: Decimal
    cooperatives: int
    plots: int
    expected_kg: Decimal
    contracted_kg: Decimal

    @property
    def open_kg(self) -> Decimal:
        """Expected and not yet contracted (never below zero: a contract may exceed the plan)."""
        return max(self.expected_kg - self.contracted_kg, Decimal(0))


@dataclass(frozen=True)
class MonthTotal:
    month: date
    expected_kg: Decimal
    contracted_kg: Decimal

    @property
    def open_kg(self) -> Decimal:
        return max(self.expected_kg - self.contracted_kg, Decimal(0))


@dataclass(frozen=True)
class Outlook:
    rows: list[OutlookRow]
    months: list[date]

    @property
    def month_totals(self) -> list[MonthTotal]:
        return [
            MonthTotal(
                month=month,
                expected_kg=sum((r.expected_kg for r in self.rows if r.month == month), Decimal(0)),
                contracted_kg=sum((r.contracted_kg for r in self.rows if r.month == month), Decimal(0)),
            )
            for month in self.months
        ]

    @property
    def expected_kg(self) -> Decimal:
        return sum((r.expected_kg for r in self.rows), Decimal(0))

    @property
    def open_kg(self) -> Decimal:
        return sum((r.open_kg for r in self.rows), Decimal(0))


KG = DecimalField(max_digits=30, decimal_places=7)


def supply_outlook(
    *, category: int | None = None, province: int | None = None, months: int | None = None, today: date | None = None
) -> Outlook:
    """Expected kilograms by (category, province, harvest month) from this month on, for `months` months,
    from the verified cooperatives' plot calendars (hectares × expected yield per hectare), with what the
    registered sources (linkage contracts) have already contracted. A category includes its sub-categories."""
    first = month_start(today or timezone.localdate())
    count = months or DEFAULT_MONTHS
    month_list = [add_months(first, n) for n in range(count)]
    planned = PlotSeason.objects.filter(
        expected_harvest_date__gte=first,
        expected_harvest_date__lt=add_months(first, count),
        plot__area__cooperative__verification_status=VerificationStatus.VERIFIED,
    )
    category_ids = category_descendant_ids(category) if category is not None else []
    if category_ids:
        planned = planned.filter(category_id__in=category_ids)
    if province is not None:
        planned = planned.filter(plot__province_code=province)
    sums = (
        planned.annotate(month=TruncMonth("expected_harvest_date"))
        .values("category_id", "plot__province_code", "month")
        .annotate(
            expected=Sum(ExpressionWrapper(F("plot__hectares") * F("expected_yield_kg_per_ha"), output_field=KG)),
            hectares=Sum("plot__hectares"),
            cooperatives=Count("plot__area__cooperative_id", distinct=True),
            plots=Count("plot_id", distinct=True),
        )
        .order_by("month", "category_id", "plot__province_code")
    )
    contracted = contracted_volume_by(
        category_ids=category_ids, province_codes=[province] if province is not None else [], months=month_list
    )
    names = {c.pk: c.name for c in Category.objects.all()}
    rows = []
    for row in sums:
        month = row["month"]
        key = OutlookKey(row["category_id"], row["plot__province_code"], month)
        province_unit = geo.province(key.province_code)
        rows.append(
            OutlookRow(
                category_id=key.category_id,
                category_name=names.get(key.category_id, ""),
                province_code=key.province_code,
                province_name=province_unit.name if province_unit else str(key.province_code),
                month=month,
                hectares=row["hectares"],
                cooperatives=row["cooperatives"],
                plots=row["plots"],
                expected_kg=row["expected"].quantize(Decimal("0.001")),
                contracted_kg=contracted.get(key, Decimal(0)),
            )
        )
    return Outlook(rows=rows, months=month_list)


# --- what a cooperative's areas can answer -------------------------------------------------------
# Words buyers write when they ask for a certificate (folded), and the kind they mean.
CERTIFICATE_WORDS: dict[str, str] = {
    "vietgap": CertificateKind.VIETGAP,
    "viet gap": CertificateKind.VIETGAP,
    "globalgap": CertificateKind.GLOBALGAP,
    "global gap": CertificateKind.GLOBALGAP,
    "globalg.a.p": CertificateKind.GLOBALGAP,
    "huu co": CertificateKind.ORGANIC,
    "organic": CertificateKind.ORGANIC,
    "tcvn 11041": CertificateKind.ORGANIC,
    "ocop": CertificateKind.OCOP,
    "haccp": CertificateKind.HACCP,
    "iso 22000": CertificateKind.HACCP,
}


@dataclass(frozen=True)
class SupplyProfile:
    """A cooperative's areas as demand is matched against them."""

    category_ids: frozenset[int]
    province_codes: frozenset[int]
    certificate_kinds: frozenset[str]  # of certificates covering an area and in force today
    area_count: int


def supply_profile_for(*, actor: Actor, today: date | None = None) -> SupplyProfile:
    day = today or timezone.localdate()
    areas = list(
        RawMaterialArea.objects.filter(cooperative_id=actor.organisation_id).prefetch_related("certificates", "plots")
    )
    categories = {a.category_id for a in areas}
    categories |= set(
        PlotSeason.objects.filter(plot__area__in=areas, expected_harvest_date__gte=day).values_list(
            "category_id", flat=True
        )
    )
    provinces = {a.province_code for a in areas} | {p.province_code for a in areas for p in a.plots.all()}
    kinds = {c.kind for a in areas for c in a.certificates.all() if c.is_in_force(day)}
    return SupplyProfile(frozenset(categories), frozenset(provinces), frozenset(kinds), len(areas))


@dataclass(frozen=True)
class DemandMatch:
    same_province: bool
    asked_certificates: tuple[str, ...]  # kinds the buyer wrote they want
    missing_certificates: tuple[str, ...]  # … that none of the areas holds

    @property
    def certificates_ok(self) -> bool:
        return not self.missing_certificates


def asked_certificates(text: str) -> tuple[str, ...]:
    folded = fold(text)
    return tuple(sorted({kind for word, kind in CERTIFICATE_WORDS.items() if word in folded}))


def demand_match(
    profile: SupplyProfile, *, category_id: int | None, province_code: int | None, text: str
) -> DemandMatch | None:
    """How a demand (its category, delivery province and words) meets the areas; None when the areas grow
    nothing of its category (a category matches its sub-categories and its parents)."""
    if category_id is None:
        return None
    related = set(category_descendant_ids(category_id))
    if not (related & profile.category_ids) and not any(
        category_id in category_descendant_ids(own) for own in profile.category_ids
    ):
        return None
    asked = asked_certificates(text)
    return DemandMatch(
        same_province=province_code in profile.province_codes,
        asked_certificates=asked,
        missing_certificates=tuple(kind for kind in asked if kind not in profile.certificate_kinds),
    )
