"""One step back from a lot built from intakes: the plots and households its raw material came from.

This is read by the public trace page and the public trace API. A household is named only when it agreed
(its consent as it stands today, so withdrawing consent hides the name at once); otherwise the public sees
the plot's code and commune.

The intakes, with their plots, areas and households, are read by one plain statement written once per process, and
their areas' certificates by a second only when there are intakes: the ORM spent ~1 ms of CPU building the
select_related query on every trace page not kept (tests/supply/test_origin_reads.py compares the reads)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model

from catalog.models import Certificate, HarvestLot
from catalog.supply.models import Intake, MemberHousehold, Plot, RawMaterialArea
from market.core import rows

# What an origin is made of: of each intake, its plot, the plot's area and the household, and of the areas'
# certificates what `is_in_force` and `badge_label` read.
INTAKE_FIELDS = ("id", "household_id", "plot_id", "received_on", "weight_kg")
PLOT_FIELDS = ("id", "area_id", "code", "province_code", "commune_code")
AREA_FIELDS = ("id", "code", "name", "crop", "planting_area_code")
HOUSEHOLD_FIELDS = ("id", "name", "name_public")
CERTIFICATE_FIELDS = ("id", "kind", "ocop_stars", "status", "valid_from", "valid_to")


@dataclass
class Origin:
    plot_code: str
    area_code: str
    area_name: str
    crop: str
    commune_name: str
    province_name: str
    planting_area_code: str
    # The household head's name, only with the household's consent.
    household_name: str | None
    kg: Decimal = Decimal(0)
    first_day: date | None = None
    last_day: date | None = None
    intake_count: int = 0
    certificates: list[str] = field(default_factory=list)


@functools.cache
def _intakes_statement() -> str:
    """A lot's intakes by plot code, day and id, each with its plot, the plot's area and the household."""
    return f"""
        SELECT {rows.select_list(Intake, "i", INTAKE_FIELDS)}, {rows.select_list(Plot, "p", PLOT_FIELDS)},
               {rows.select_list(RawMaterialArea, "a", AREA_FIELDS)},
               {rows.select_list(MemberHousehold, "h", HOUSEHOLD_FIELDS)}
          FROM {Intake._meta.db_table} i JOIN {Plot._meta.db_table} p ON p.id = i.plot_id
          JOIN {RawMaterialArea._meta.db_table} a ON a.id = p.area_id
          JOIN {MemberHousehold._meta.db_table} h ON h.id = i.household_id
         WHERE i.lot_id = %s
         ORDER BY p.code ASC, i.received_on ASC, i.id ASC
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


@functools.cache
def _certificates_statement(areas: int) -> str:
    """The certificates linked to `areas` areas, each with the area's id, in the link's order."""
    link = RawMaterialArea.certificates.through
    area_column = link._meta.get_field("rawmaterialarea").column
    certificate_column = link._meta.get_field("certificate").column
    return f"""
        SELECT l.{area_column}, {rows.select_list(Certificate, "c", CERTIFICATE_FIELDS)}
          FROM {link._meta.db_table} l JOIN {Certificate._meta.db_table} c ON c.id = l.{certificate_column}
         WHERE l.{area_column} IN ({", ".join(["%s"] * areas)})
         ORDER BY l.id
    """  # noqa: S608 (table and column names from the models; every value is a parameter)


def lot_intakes(*, lot_id: int) -> list[Intake]:
    """The lot's intakes as `lot_origins` reads them (`plot`, `plot.area` with its certificates, `household`):
    `Intake.objects.filter(lot=…).select_related("plot__area", "household").prefetch_related(
    "plot__area__certificates").order_by("plot__code", "received_on", "pk")` with only the fields an origin shows."""
    with connection.cursor() as cursor:
        cursor.execute(_intakes_statement(), [lot_id])
        found = cursor.fetchall()
        intake_end, plot_end, area_end = accumulate(
            rows.width(model, names)
            for model, names in ((Intake, INTAKE_FIELDS), (Plot, PLOT_FIELDS), (RawMaterialArea, AREA_FIELDS))
        )
        intakes = rows.instances(Intake, [row[:intake_end] for row in found], INTAKE_FIELDS)
        plots = rows.instances(Plot, [row[intake_end:plot_end] for row in found], PLOT_FIELDS)
        areas = rows.instances(RawMaterialArea, [row[plot_end:area_end] for row in found], AREA_FIELDS)
        households = rows.instances(MemberHousehold, [row[area_end:] for row in found], HOUSEHOLD_FIELDS)
        certificates = _area_certificates(cursor, {area.pk for area in areas})
    for intake, plot, area, household in zip(intakes, plots, areas, households, strict=True):
        rows.prefetched(area, "certificates", certificates.get(area.pk, []))
        plot.area, intake.plot, intake.household = area, plot, household
    return intakes


def intakes_json(lot: str) -> str:
    """SQL: the intakes of lot `lot` (a column of an enclosing statement) as `lot_intakes` reads them, one JSON
    array each (the fields of INTAKE_FIELDS, PLOT_FIELDS, AREA_FIELDS and HOUSEHOLD_FIELDS, then the area's
    certificates, each of CERTIFICATE_FIELDS), for a statement that reads a lot's trace in one go
    (catalog.selectors.detail_sql); `intakes_from_json` makes them the intakes `lot_intakes` gives."""
    link = RawMaterialArea.certificates.through
    area_column = link._meta.get_field("rawmaterialarea").column
    certificate_column = link._meta.get_field("certificate").column
    return f"""COALESCE((
        SELECT json_agg(json_build_array(
                 {_json_list(Intake, "si", INTAKE_FIELDS)}, {_json_list(Plot, "sp", PLOT_FIELDS)},
                 {_json_list(RawMaterialArea, "sa", AREA_FIELDS)},
                 {_json_list(MemberHousehold, "sh", HOUSEHOLD_FIELDS)},
                 COALESCE((SELECT json_agg(json_build_array({_json_list(Certificate, "sc", CERTIFICATE_FIELDS)})
                                           ORDER BY sl.id)
                             FROM {link._meta.db_table} sl JOIN {Certificate._meta.db_table} sc
                                  ON sc.id = sl.{certificate_column}
                            WHERE sl.{area_column} = sa.id), '[]'))
               ORDER BY sp.code ASC, si.received_on ASC, si.id ASC)
          FROM {Intake._meta.db_table} si JOIN {Plot._meta.db_table} sp ON sp.id = si.plot_id
          JOIN {RawMaterialArea._meta.db_table} sa ON sa.id = sp.area_id
          JOIN {MemberHousehold._meta.db_table} sh ON sh.id = si.household_id
         WHERE si.lot_id = {lot}), '[]')"""  # noqa: S608 (table and column names from the models)


def _json_list(model: type[Model], alias: str, names: tuple[str, ...]) -> str:
    """`rows.select_list` for a JSON array: decimals as their text (a JSON number would be read as a float)."""
    return ", ".join(
        f"{alias}.{column.column}::text" if column.get_internal_type() == "DecimalField" else f"{alias}.{column.column}"
        for column in _fields(model, names)
    )


def _fields(model: type[Model], names: tuple[str, ...]) -> list[Field]:
    return [field for field in model._meta.concrete_fields if field.attname in names]


def _from_json(model: type[Model], names: tuple[str, ...], values: list[Any]) -> list[Any]:
    """The values `_json_list` wrote as the fields hold them (dates and decimals from their text)."""
    return [
        value if value is None else date.fromisoformat(value) if column.get_internal_type() == "DateField"
        else Decimal(value) if column.get_internal_type() == "DecimalField" else value
        for column, value in zip(_fields(model, names), values, strict=True)
    ]  # fmt: skip


def intakes_from_json(items: list[list[Any]]) -> list[Intake]:
    """The intakes `intakes_json` wrote, as `lot_intakes` gives them."""
    parts = ((Intake, INTAKE_FIELDS), (Plot, PLOT_FIELDS), (RawMaterialArea, AREA_FIELDS))
    intake_end, plot_end, area_end, household_end = accumulate(
        len(names) for _, names in (*parts, (MemberHousehold, HOUSEHOLD_FIELDS))
    )
    intakes = []
    for item in items:
        intake = rows.instance(Intake, _from_json(Intake, INTAKE_FIELDS, item[:intake_end]), INTAKE_FIELDS)
        plot = rows.instance(Plot, _from_json(Plot, PLOT_FIELDS, item[intake_end:plot_end]), PLOT_FIELDS)
        area = rows.instance(
            RawMaterialArea, _from_json(RawMaterialArea, AREA_FIELDS, item[plot_end:area_end]), AREA_FIELDS
        )
        household = rows.instance(MemberHousehold, item[area_end:household_end], HOUSEHOLD_FIELDS)
        certificates = [
            rows.instance(Certificate, _from_json(Certificate, CERTIFICATE_FIELDS, c), CERTIFICATE_FIELDS)
            for c in item[household_end]
        ]
        rows.prefetched(area, "certificates", certificates)
        plot.area, intake.plot, intake.household = area, plot, household
        intakes.append(intake)
    return intakes


def _area_certificates(cursor: CursorWrapper, area_ids: Iterable[int]) -> dict[int, list[Certificate]]:
    ids = sorted(area_ids)
    if not ids:
        return {}
    cursor.execute(_certificates_statement(len(ids)), ids)
    found = cursor.fetchall()
    certificates = rows.instances(Certificate, [row[1:] for row in found], CERTIFICATE_FIELDS)
    by_area: dict[int, list[Certificate]] = {}
    for row, certificate in zip(found, certificates, strict=True):
        by_area.setdefault(row[0], []).append(certificate)
    return by_area


def lot_origins(*, lot: HarvestLot) -> list[Origin]:
    """Per plot (in plot-code order), what went into the lot and from whom, as the public may see it."""
    return origins_of(lot_intakes(lot_id=lot.pk), harvest_date=lot.harvest_date)


def origins_of(intakes: Iterable[Intake], *, harvest_date: date) -> list[Origin]:
    """Per plot and household, in the intakes' order: what they delivered, as the public may see it (the areas'
    certificates in force on the lot's harvest date)."""
    origins: dict[tuple[int, int], Origin] = {}
    for intake in intakes:
        plot, household = intake.plot, intake.household
        key = (plot.pk, household.pk)
        origin = origins.get(key)
        if origin is None:
            area = plot.area
            origin = origins[key] = Origin(
                plot_code=plot.code,
                area_code=area.code,
                area_name=area.name,
                crop=area.crop,
                commune_name=plot.commune_name,
                province_name=plot.province_name,
                planting_area_code=area.planting_area_code,
                household_name=household.name if household.name_public else None,
                certificates=sorted({c.badge_label for c in area.certificates.all() if c.is_in_force(harvest_date)}),
            )
        origin.kg += intake.weight_kg
        origin.intake_count += 1
        origin.first_day = min(filter(None, (origin.first_day, intake.received_on)))
        origin.last_day = max(filter(None, (origin.last_day, intake.received_on)))
    return list(origins.values())
