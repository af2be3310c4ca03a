"""What an actor may do now with each supply aggregate (docs/edge.md): one table per aggregate, read by the
services (authorize), the pages (buttons) and the API (`allowed_actions`)."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from catalog.supply.models import Intake, MemberHousehold, Plot, RawMaterialArea, Season
from catalog.supply.permissions import INTAKE_RECORD, SUPPLY_MANAGE
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule


def owns_area(actor: Actor, area: RawMaterialArea) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == area.cooperative_id


def owns_plot(actor: Actor, plot: Plot) -> bool:
    return owns_area(actor, plot.area)


def owns_household(actor: Actor, household: MemberHousehold) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == household.cooperative_id


def owns_season(actor: Actor, season: Season) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == season.cooperative_id


def owns_intake(actor: Actor, intake: Intake) -> bool:
    return actor.organisation_id is not None and actor.organisation_id == intake.cooperative_id


def not_in_a_lot(intake: Intake) -> bool:
    return intake.lot_id is None


IN_A_LOT = _("This intake is already part of a lot; its record no longer changes.")


class AreaAction(StrEnum):
    EDIT = "edit"
    ADD_PLOT = "add_plot"
    PLAN_SEASON = "plan_season"
    IMPORT_OUTLINES = "import_outlines"


class PlotAction(StrEnum):
    EDIT = "edit"
    DRAW_OUTLINE = "draw_outline"
    PLAN_SEASON = "plan_season"


class HouseholdAction(StrEnum):
    EDIT = "edit"
    RECORD_CONSENT = "record_consent"


class SeasonAction(StrEnum):
    EDIT = "edit"
    SET_PRICES = "set_prices"


class IntakeAction(StrEnum):
    EDIT = "edit"
    DELETE = "delete"
    BUILD_LOT = "build_lot"


AREA_POLICY: Policy[AreaAction, RawMaterialArea] = Policy(
    {action: Rule(SUPPLY_MANAGE, party=owns_area) for action in AreaAction},
    scopes=dict.fromkeys(AreaAction, ApiScope.SUPPLY),
)
PLOT_POLICY: Policy[PlotAction, Plot] = Policy(
    {action: Rule(SUPPLY_MANAGE, party=owns_plot) for action in PlotAction},
    scopes=dict.fromkeys(PlotAction, ApiScope.SUPPLY),
)
HOUSEHOLD_POLICY: Policy[HouseholdAction, MemberHousehold] = Policy(
    {action: Rule(SUPPLY_MANAGE, party=owns_household) for action in HouseholdAction},
    scopes=dict.fromkeys(HouseholdAction, ApiScope.SUPPLY),
)
SEASON_POLICY: Policy[SeasonAction, Season] = Policy(
    {action: Rule(SUPPLY_MANAGE, party=owns_season) for action in SeasonAction},
    scopes=dict.fromkeys(SeasonAction, ApiScope.SUPPLY),
)
INTAKE_POLICY: Policy[IntakeAction, Intake] = Policy(
    {
        IntakeAction.EDIT: Rule(INTAKE_RECORD, party=owns_intake, when=not_in_a_lot, conflict=IN_A_LOT),
        IntakeAction.DELETE: Rule(SUPPLY_MANAGE, party=owns_intake, when=not_in_a_lot, conflict=IN_A_LOT),
        IntakeAction.BUILD_LOT: Rule(INTAKE_RECORD, party=owns_intake, when=not_in_a_lot, conflict=IN_A_LOT),
    },
    scopes=dict.fromkeys(IntakeAction, ApiScope.SUPPLY),
)


def area_actions(*, actor: Actor, area: RawMaterialArea) -> frozenset[AreaAction]:
    return AREA_POLICY.actions(actor=actor, obj=area)


def plot_actions(*, actor: Actor, plot: Plot) -> frozenset[PlotAction]:
    return PLOT_POLICY.actions(actor=actor, obj=plot)


def household_actions(*, actor: Actor, household: MemberHousehold) -> frozenset[HouseholdAction]:
    return HOUSEHOLD_POLICY.actions(actor=actor, obj=household)


def season_actions(*, actor: Actor, season: Season) -> frozenset[SeasonAction]:
    return SEASON_POLICY.actions(actor=actor, obj=season)


def intake_actions(*, actor: Actor, intake: Intake) -> frozenset[IntakeAction]:
    return INTAKE_POLICY.actions(actor=actor, obj=intake)
