"""The cooperative's own supply records (alliance staff: every cooperative's)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from catalog.supply.models import Intake, MemberHousehold, Plot, RawMaterialArea, Season
from catalog.supply.permissions import SUPPLY_VIEW, SUPPLY_VIEW_ALL
from market.core.errors import NotFound
from market.core.text import fold
from market.organisations.permissions import Actor

HECTARES_TOTAL = DecimalField(max_digits=20, decimal_places=4)


def _cooperative_filter(actor: Actor, path: str) -> Q | None:
    """Rows the actor reads: all for staff, their own cooperative's for its members, none otherwise."""
    if actor.can(SUPPLY_VIEW_ALL):
        return Q()
    if actor.can(SUPPLY_VIEW):
        return Q(**{path: actor.organisation_id})
    return None


def area_list_for(*, actor: Actor) -> QuerySet[RawMaterialArea]:
    scope = _cooperative_filter(actor, "cooperative_id")
    if scope is None:
        return RawMaterialArea.objects.none()
    return (
        RawMaterialArea.objects.filter(scope)
        .select_related("cooperative", "category")
        .annotate(
            plot_count=Count("plots", distinct=True),
            # An area with no plots yet has 0 ha, not none.
            hectares=Coalesce(
                Sum("plots__hectares"), Decimal(0), output_field=DecimalField(max_digits=20, decimal_places=4)
            ),
            household_count=Count("plots__household", distinct=True),
        )
        .order_by("cooperative__name", "code")
    )


def area_get_for(*, actor: Actor, area_id: int) -> RawMaterialArea:
    area = area_list_for(actor=actor).prefetch_related("certificates").filter(pk=area_id).first()
    if area is None:
        raise NotFound()
    return area


def plot_list_for(*, actor: Actor, area_id: int | None = None) -> QuerySet[Plot]:
    scope = _cooperative_filter(actor, "area__cooperative_id")
    if scope is None:
        return Plot.objects.none()
    plots = Plot.objects.filter(scope).select_related("area", "household")
    if area_id is not None:
        plots = plots.filter(area_id=area_id)
    return plots.order_by("area__code", "code")


def plot_get_for(*, actor: Actor, plot_id: int) -> Plot:
    plot = plot_list_for(actor=actor).filter(pk=plot_id).first()
    if plot is None:
        raise NotFound()
    return plot


def season_list_for(*, actor: Actor) -> QuerySet[Season]:
    scope = _cooperative_filter(actor, "cooperative_id")
    if scope is None:
        return Season.objects.none()
    return Season.objects.filter(scope).order_by("-starts_on", "-pk")


def season_get_for(*, actor: Actor, season_id: int) -> Season:
    season = season_list_for(actor=actor).filter(pk=season_id).first()
    if season is None:
        raise NotFound()
    return season


def household_list_for(*, actor: Actor, search: str = "") -> QuerySet[MemberHousehold]:
    scope = _cooperative_filter(actor, "cooperative_id")
    if scope is None:
        return MemberHousehold.objects.none()
    households = MemberHousehold.objects.filter(scope).annotate(plot_count=Count("plots"))
    words = fold(search)
    if words:
        matching = [
            h.pk
            for h in MemberHousehold.objects.filter(scope).only("pk", "name", "code", "phone")
            if words in fold(f"{h.code} {h.name} {h.phone}")
        ]
        households = households.filter(pk__in=matching)
    return households.order_by("code")


def household_get_for(*, actor: Actor, household_id: int) -> MemberHousehold:
    household = household_list_for(actor=actor).filter(pk=household_id).first()
    if household is None:
        raise NotFound()
    return household


def intake_list_for(
    *,
    actor: Actor,
    season: int | None = None,
    household: int | None = None,
    in_lot: str = "",
    received_from: date | None = None,
    received_to: date | None = None,
) -> QuerySet[Intake]:
    scope = _cooperative_filter(actor, "cooperative_id")
    if scope is None:
        return Intake.objects.none()
    intakes = Intake.objects.filter(scope)
    if season is not None:
        intakes = intakes.filter(season_id=season)
    if household is not None:
        intakes = intakes.filter(household_id=household)
    if in_lot == "no":
        intakes = intakes.filter(lot__isnull=True)
    elif in_lot == "yes":
        intakes = intakes.filter(lot__isnull=False)
    if received_from is not None:
        intakes = intakes.filter(received_on__gte=received_from)
    if received_to is not None:
        intakes = intakes.filter(received_on__lte=received_to)
    return intakes.select_related("household", "plot", "plot__area", "season", "category", "lot").order_by(
        "-received_on", "-pk"
    )


def intake_get_for(*, actor: Actor, intake_id: int) -> Intake:
    intake = intake_list_for(actor=actor).filter(pk=intake_id).first()
    if intake is None:
        raise NotFound()
    return intake
