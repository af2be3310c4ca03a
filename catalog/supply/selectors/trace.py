"""One step back from a lot built from intakes: the plots and households its raw material came from.

This is read by the public trace page and the public trace API. A household is named only when it agreed
(its consent as it stands today, so withdrawing consent hides the name at once); otherwise the public sees
the plot's code and commune."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from catalog.models import HarvestLot
from catalog.supply.models import Intake


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


def lot_origins(*, lot: HarvestLot) -> list[Origin]:
    """Per plot (in plot-code order), what went into the lot and from whom, as the public may see it."""
    intakes = (
        Intake.objects.filter(lot=lot)
        .select_related("plot__area", "household")
        .prefetch_related("plot__area__certificates")
        .order_by("plot__code", "received_on", "pk")
    )
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
                certificates=sorted(
                    {c.badge_label for c in area.certificates.all() if c.is_in_force(lot.harvest_date)}
                ),
            )
        origin.kg += intake.weight_kg
        origin.intake_count += 1
        origin.first_day = min(filter(None, (origin.first_day, intake.received_on)))
        origin.last_day = max(filter(None, (origin.last_day, intake.received_on)))
    return list(origins.values())
