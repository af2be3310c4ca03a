"""The alliance's linkage report: per cooperative and per province, by season and product category —
contracts, hectares and households under contract (from the linked raw-material areas), committed and
delivered volume and value.

It reads the contracts' running figures (kept by the services in the same transactions as the deliveries),
so it costs four aggregate queries whatever the number of contracts and deliveries. Volumes in mass units
are added in tấn; goods counted in other units (bottles, cartons) keep their unit in their own rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, F, IntegerField, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce

from linkage.models import ContractStatus, LinkageContract, season_label
from market.core.parsing import plain
from market.core.quantity import KG_PER_UNIT, UNIT_SYMBOLS
from market.organisations import geo

# Contracts that were signed by both parties (a draft or an abandoned one commits nothing).
SIGNED = [ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED]
TONNE = Decimal(1000)


@dataclass(frozen=True)
class ReportRow:
    label: str
    season: str
    category: str
    unit: str  # "tấn" for mass units, else the unit's symbol
    contracts: int
    hectares: Decimal
    households: int
    committed: Decimal
    delivered: Decimal
    committed_value: int
    delivered_value: int

    @property
    def delivered_percent(self) -> Decimal:
        return (self.delivered * 100 / self.committed).quantize(Decimal("0.1")) if self.committed else Decimal(0)


@dataclass(frozen=True)
class LinkageReport:
    by_cooperative: tuple[ReportRow, ...]
    by_province: tuple[ReportRow, ...]
    by_season: tuple[ReportRow, ...]
    total: ReportRow


def _tonnes_factor() -> Case:
    """Per contract unit: the factor to tấn (mass units), or 1 (the unit is kept)."""
    whens = [When(unit=unit, then=Value(kg / TONNE)) for unit, kg in KG_PER_UNIT.items()]
    return Case(*whens, default=Value(Decimal(1)), output_field=DecimalField(max_digits=20, decimal_places=6))


def _shown_unit() -> Case:
    whens = [When(unit=unit, then=Value("tan")) for unit in KG_PER_UNIT]
    return Case(*whens, default=F("unit"))


def _aggregates() -> dict[str, Any]:
    factor = _tonnes_factor()
    decimal = DecimalField(max_digits=24, decimal_places=6)
    return {
        "contracts": Count("pk"),
        "hectares": Coalesce(Sum("hectares"), Value(Decimal(0)), output_field=decimal),
        "households": Coalesce(Sum("households"), Value(0), output_field=IntegerField()),
        "committed": Coalesce(Sum(F("committed_quantity") * factor, output_field=decimal), Value(Decimal(0))),
        "delivered": Coalesce(Sum(F("delivered_quantity") * factor, output_field=decimal), Value(Decimal(0))),
        "committed_value": Coalesce(
            Sum(F("committed_quantity") * F("planned_unit_price"), output_field=decimal), Value(Decimal(0))
        ),
        "delivered_value": Coalesce(Sum("delivered_value"), Value(0)),
    }


def report_contracts(
    *, season_year: int | None = None, season_kind: str = "", category_id: int | None = None
) -> QuerySet[LinkageContract]:
    contracts = LinkageContract.objects.filter(status__in=SIGNED)
    if season_year:
        contracts = contracts.filter(season_year=season_year)
    if season_kind:
        contracts = contracts.filter(season_kind=season_kind)
    if category_id:
        contracts = contracts.filter(category_id=category_id)
    return contracts


def _row(values: Mapping[str, Any], label: str) -> ReportRow:
    season = season_label(values["season_kind"], values["season_year"]) if "season_kind" in values else ""
    return ReportRow(
        label=label,
        season=season,
        category=values.get("category__name_vi", ""),
        unit=UNIT_SYMBOLS.get(values["shown_unit"], values["shown_unit"]),
        contracts=values["contracts"],
        hectares=Decimal(values["hectares"]).quantize(Decimal("0.01")),
        households=values["households"],
        committed=plain(Decimal(values["committed"]).quantize(Decimal("0.001"))),
        delivered=plain(Decimal(values["delivered"]).quantize(Decimal("0.001"))),
        committed_value=int(values["committed_value"]),
        delivered_value=int(values["delivered_value"]),
    )


def linkage_report(
    *, season_year: int | None = None, season_kind: str = "", category_id: int | None = None
) -> LinkageReport:
    contracts = report_contracts(season_year=season_year, season_kind=season_kind, category_id=category_id).annotate(
        shown_unit=_shown_unit()
    )
    groups = ("season_year", "season_kind", "category__name_vi", "shown_unit")
    by_coop = (
        contracts.values("cooperative_id", "cooperative__name", *groups)
        .annotate(**_aggregates())
        .order_by("cooperative__name", "-season_year", "season_kind", "category__name_vi")
    )
    by_province = (
        contracts.values("cooperative__province_code", *groups)
        .annotate(**_aggregates())
        .order_by("cooperative__province_code", "-season_year", "season_kind", "category__name_vi")
    )
    by_season = (
        contracts.values("season_year", "season_kind", "shown_unit")
        .annotate(**_aggregates())
        .order_by("season_year", "season_kind")
    )
    totals = contracts.values("shown_unit").annotate(**_aggregates()).order_by("shown_unit")
    summary = _sum_rows([_row(values, "") for values in totals])
    return LinkageReport(
        by_cooperative=tuple(_row(values, values["cooperative__name"]) for values in by_coop),
        by_province=tuple(_row(values, _province(values["cooperative__province_code"])) for values in by_province),
        by_season=tuple(_row(values, "") for values in by_season),
        total=summary,
    )


def _province(code: int | None) -> str:
    unit = geo.province(code)
    return unit.name if unit else str(code or "")


def _sum_rows(rows: list[ReportRow]) -> ReportRow:
    """All contracts together; volumes add up only in tấn (the first row's unit when nothing is in tấn)."""
    tonnes = [row for row in rows if row.unit == UNIT_SYMBOLS["tan"]] or rows[:1]
    return ReportRow(
        label="",
        season="",
        category="",
        unit=tonnes[0].unit if tonnes else UNIT_SYMBOLS["tan"],
        contracts=sum(row.contracts for row in rows),
        hectares=sum((row.hectares for row in rows), Decimal(0)),
        households=sum(row.households for row in rows),
        committed=sum((row.committed for row in tonnes), Decimal(0)),
        delivered=sum((row.delivered for row in tonnes), Decimal(0)),
        committed_value=sum(row.committed_value for row in rows),
        delivered_value=sum(row.delivered_value for row in rows),
    )
