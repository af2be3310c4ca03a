"""Writes to raw-material areas, their plots and outlines, seasons, plot calendars and season prices."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Certificate, CertificateStatus
from catalog.supply import geometry
from catalog.supply.models import MemberHousehold, Plot, PlotSeason, RawMaterialArea, Season, SeasonPrice
from catalog.supply.permissions import SUPPLY_MANAGE
from catalog.supply.policy import (
    AREA_POLICY,
    PLOT_POLICY,
    SEASON_POLICY,
    AreaAction,
    PlotAction,
    SeasonAction,
)
from catalog.supply.selectors import price_book
from catalog.supply.services.common import (
    acting_cooperative,
    addressable,
    category_get,
    save_unique,
    season_locked,
    season_owed_at_prices,
    season_owed_checked,
)
from market.core.errors import ValidationFailed
from market.core.services import audit_record
from market.core.text import fold
from market.organisations import geo, validators
from market.organisations.permissions import Actor
from market.organisations.storefront import storefront_changed

MAX_OUTLINE_FILE_BYTES = 5 * 1024 * 1024


# --- areas ---------------------------------------------------------------------------------------
def _area_for_update(actor: Actor, area_id: int) -> RawMaterialArea:
    area = RawMaterialArea.objects.select_for_update(of=("self",)).filter(pk=area_id).first()
    return addressable(actor, area, lambda a: a.cooperative_id)


def _certificates(cooperative_id: int, ids: Sequence[int]) -> list[Certificate]:
    wanted = sorted(set(ids))
    found = list(
        Certificate.objects.filter(pk__in=wanted, cooperative_id=cooperative_id).exclude(
            status=CertificateStatus.REJECTED
        )
    )
    if len(found) != len(wanted):
        raise ValidationFailed(
            fields={"certificates": [_("Choose certificates of your own cooperative that were not rejected.")]}
        )
    return found


def _check_province(province_code: int) -> None:
    try:
        validators.validate_province_code(province_code)
    except ValidationError as error:
        raise ValidationFailed(fields={"province_code": error.messages}) from None


def _area_code_taken(cooperative_id: int, code: str, exclude: int | None) -> bool:
    same = RawMaterialArea.objects.filter(cooperative_id=cooperative_id, code=code)
    return (same.exclude(pk=exclude) if exclude is not None else same).exists()


AREA_CODE_TAKEN = "supply_area_code_unique"


@transaction.atomic
def area_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    category: int,
    crop: str,
    province_code: int,
    planting_area_code: str = "",
    description: str = "",
    certificates: Sequence[int] = (),
) -> RawMaterialArea:
    """A raw-material area of the actor's cooperative, with the certificates that cover it."""
    actor.require(SUPPLY_MANAGE)
    cooperative = acting_cooperative(actor)
    code = code.upper()
    _check_province(province_code)
    if _area_code_taken(cooperative.pk, code, None):
        raise ValidationFailed(fields={"code": [_("Your cooperative already has an area with this code.")]})
    area = RawMaterialArea(
        cooperative=cooperative,
        code=code,
        name=name,
        category=category_get(category),
        crop=crop,
        province_code=province_code,
        planting_area_code=planting_area_code,
        description=description,
    )
    covering = _certificates(cooperative.pk, certificates)
    save_unique(
        area,
        constraint=AREA_CODE_TAKEN,
        field="code",
        message=_("Your cooperative already has an area with this code."),
    )
    area.certificates.set(covering)
    audit_record(actor=actor, action="supply.area_created", target=area, data={"code": code})
    storefront_changed([area.cooperative_id])  # its areas on the map
    return area


@transaction.atomic
def area_update(
    *,
    actor: Actor,
    area_id: int,
    code: str,
    name: str,
    category: int,
    crop: str,
    province_code: int,
    planting_area_code: str = "",
    description: str = "",
    certificates: Sequence[int] = (),
) -> RawMaterialArea:
    area = _area_for_update(actor, area_id)
    AREA_POLICY.authorize(actor=actor, obj=area, action=AreaAction.EDIT)
    code = code.upper()
    _check_province(province_code)
    if _area_code_taken(area.cooperative_id, code, area.pk):
        raise ValidationFailed(fields={"code": [_("Your cooperative already has an area with this code.")]})
    area.code, area.name, area.crop = code, name, crop
    area.category = category_get(category)
    area.province_code = province_code
    area.planting_area_code, area.description = planting_area_code, description
    covering = _certificates(area.cooperative_id, certificates)
    save_unique(
        area,
        constraint=AREA_CODE_TAKEN,
        field="code",
        message=_("Your cooperative already has an area with this code."),
    )
    area.certificates.set(covering)
    audit_record(actor=actor, action="supply.area_updated", target=area, data={"code": code})
    storefront_changed([area.cooperative_id])
    return area


# --- plots ---------------------------------------------------------------------------------------
def _plot_for_update(actor: Actor, plot_id: int) -> Plot:
    plot = Plot.objects.select_for_update(of=("self",)).select_related("area").filter(pk=plot_id).first()
    return addressable(actor, plot, lambda p: p.area.cooperative_id)


def _plot_fields(area: RawMaterialArea, plot: Plot, *, code: str, commune_code: int, household: int | None) -> None:
    """Code unique in the cooperative, a real commune (its province written alongside), an own household."""
    errors: dict[str, list[str]] = {}
    code = code.upper()
    taken = Plot.objects.filter(area__cooperative_id=area.cooperative_id, code=code).exclude(pk=plot.pk)
    if taken.exists():
        errors["code"] = [_("Your cooperative already has a plot with this code.")]
    province_code = geo.commune_province_code(commune_code)
    if province_code is None:
        errors["commune_code"] = [_("Unknown commune.")]
    farmer = None
    if household is not None:
        farmer = MemberHousehold.objects.filter(pk=household, cooperative_id=area.cooperative_id).first()
        if farmer is None:
            errors["household"] = [_("Choose a household of your cooperative.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert province_code is not None
    plot.code, plot.commune_code, plot.province_code, plot.household = code, commune_code, province_code, farmer


PLOT_CODE_TAKEN = "supply_plot_code_unique"


@transaction.atomic
def plot_create(
    *,
    actor: Actor,
    area_id: int,
    code: str,
    commune_code: int,
    hectares: Decimal,
    household: int | None = None,
    note: str = "",
) -> Plot:
    area = _area_for_update(actor, area_id)
    AREA_POLICY.authorize(actor=actor, obj=area, action=AreaAction.ADD_PLOT)
    plot = Plot(area=area, hectares=hectares, note=note)
    _plot_fields(area, plot, code=code, commune_code=commune_code, household=household)
    save_unique(
        plot, constraint=PLOT_CODE_TAKEN, field="code", message=_("Your cooperative already has a plot with this code.")
    )
    audit_record(actor=actor, action="supply.plot_created", target=plot, data={"area": area.pk, "code": plot.code})
    storefront_changed([area.cooperative_id])
    return plot


@transaction.atomic
def plot_update(
    *,
    actor: Actor,
    plot_id: int,
    code: str,
    commune_code: int,
    hectares: Decimal,
    household: int | None = None,
    note: str = "",
) -> Plot:
    plot = _plot_for_update(actor, plot_id)
    PLOT_POLICY.authorize(actor=actor, obj=plot, action=PlotAction.EDIT)
    _plot_fields(plot.area, plot, code=code, commune_code=commune_code, household=household)
    plot.hectares, plot.note = hectares, note
    save_unique(
        plot, constraint=PLOT_CODE_TAKEN, field="code", message=_("Your cooperative already has a plot with this code.")
    )
    audit_record(actor=actor, action="supply.plot_updated", target=plot, data={"code": plot.code})
    storefront_changed([plot.area.cooperative_id])
    return plot


@transaction.atomic
def plot_outline_set(*, actor: Actor, plot_id: int, polygon: Any) -> Plot:
    """Draw, replace or (with None or an empty value) clear a plot's outline."""
    plot = _plot_for_update(actor, plot_id)
    PLOT_POLICY.authorize(actor=actor, obj=plot, action=PlotAction.DRAW_OUTLINE)
    plot.polygon = geometry.read_outline(polygon) if polygon not in (None, "", {}) else None
    plot.save(update_fields=["polygon", "updated_at"])
    audit_record(actor=actor, action="supply.plot_outline_set", target=plot, data={"cleared": plot.polygon is None})
    storefront_changed([plot.area.cooperative_id])
    return plot


@transaction.atomic
def area_outlines_import(*, actor: Actor, area_id: int, upload: IO[bytes]) -> list[Plot]:
    """Outlines for the area's plots from a GeoJSON FeatureCollection, matched by plot code: every feature
    must name a plot of the area and carry a valid outline, or nothing changes."""
    area = _area_for_update(actor, area_id)
    AREA_POLICY.authorize(actor=actor, obj=area, action=AreaAction.IMPORT_OUTLINES)
    upload.seek(0)
    data = upload.read(MAX_OUTLINE_FILE_BYTES + 1)
    if len(data) > MAX_OUTLINE_FILE_BYTES:
        raise ValidationFailed(fields={"file": [_("The file is larger than 5 MB.")]})
    pairs = geometry.read_feature_collection(data)
    plots = {p.code: p for p in Plot.objects.select_for_update().filter(area=area)}
    errors: list[str] = []
    changed: list[Plot] = []
    seen: set[str] = set()
    for code, raw in pairs:
        key = code.upper()
        plot = plots.get(key)
        if plot is None:
            errors.append(_("%(code)s: no plot of this area has this code.") % {"code": code})
            continue
        if key in seen:
            errors.append(_("%(code)s: this plot is in the file twice.") % {"code": code})
            continue
        seen.add(key)
        try:
            plot.polygon = geometry.read_outline(raw)
        except ValidationFailed as error:
            errors += [f"{code}: {message}" for messages in error.fields.values() for message in messages]
            continue
        changed.append(plot)
    if errors:
        raise ValidationFailed(_("Nothing was imported: fix the file and upload it again."), fields={"file": errors})
    Plot.objects.bulk_update(changed, ["polygon"])
    audit_record(
        actor=actor, action="supply.outlines_imported", target=area, data={"plots": sorted(p.code for p in changed)}
    )
    storefront_changed([area.cooperative_id])
    return changed


# --- seasons -------------------------------------------------------------------------------------
def _season_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationFailed(fields={"ends_on": [_("The season cannot end before it starts.")]})
    if (ends_on - starts_on).days > 550:
        raise ValidationFailed(fields={"ends_on": [_("A season lasts at most 18 months.")]})


SEASON_NAME_TAKEN = "supply_season_name_unique"


@transaction.atomic
def season_create(*, actor: Actor, name: str, starts_on: date, ends_on: date) -> Season:
    actor.require(SUPPLY_MANAGE)
    cooperative = acting_cooperative(actor)
    _season_dates(starts_on, ends_on)
    season = Season(cooperative=cooperative, name=name, starts_on=starts_on, ends_on=ends_on)
    save_unique(
        season,
        constraint=SEASON_NAME_TAKEN,
        field="name",
        message=_("Your cooperative already has a season with this name."),
    )
    audit_record(actor=actor, action="supply.season_created", target=season, data={"name": name})
    return season


def _season_for_update(actor: Actor, season_id: int) -> Season:
    season = Season.objects.select_for_update().filter(pk=season_id).first()
    return addressable(actor, season, lambda s: s.cooperative_id)


@transaction.atomic
def season_update(*, actor: Actor, season_id: int, name: str, starts_on: date, ends_on: date) -> Season:
    season = _season_for_update(actor, season_id)
    SEASON_POLICY.authorize(actor=actor, obj=season, action=SeasonAction.EDIT)
    _season_dates(starts_on, ends_on)
    season.name, season.starts_on, season.ends_on = name, starts_on, ends_on
    save_unique(
        season,
        constraint=SEASON_NAME_TAKEN,
        field="name",
        message=_("Your cooperative already has a season with this name."),
    )
    audit_record(actor=actor, action="supply.season_updated", target=season, data={"name": name})
    return season


def _own_season(cooperative_id: int, season_id: int) -> Season:
    season = Season.objects.filter(pk=season_id, cooperative_id=cooperative_id).first()
    if season is None:
        raise ValidationFailed(fields={"season": [_("Choose a season of your cooperative.")]})
    return season


def _calendar_checked(season: Season, sowing_date: date, expected_harvest_date: date) -> None:
    if expected_harvest_date < sowing_date:
        raise ValidationFailed(fields={"expected_harvest_date": [_("The harvest cannot come before the sowing.")]})
    if not season.starts_on <= expected_harvest_date <= season.ends_on:
        raise ValidationFailed(
            fields={
                "expected_harvest_date": [
                    _("The harvest must fall within the season (%(start)s to %(end)s).")
                    % {"start": season.starts_on.strftime("%d/%m/%Y"), "end": season.ends_on.strftime("%d/%m/%Y")}
                ]
            }
        )


def _plan(
    plot: Plot,
    season: Season,
    *,
    category: int,
    crop: str,
    sowing_date: date,
    expected_harvest_date: date,
    expected_yield_kg_per_ha: Decimal,
) -> PlotSeason:
    planned, _created = PlotSeason.objects.update_or_create(
        plot=plot,
        season=season,
        defaults={
            "category": category_get(category),
            "crop": crop,
            "sowing_date": sowing_date,
            "expected_harvest_date": expected_harvest_date,
            "expected_yield_kg_per_ha": expected_yield_kg_per_ha,
        },
    )
    plot.save(update_fields=["updated_at"])  # its season plans are shown with it: a plan is a change of the plot (sync)
    return planned


@transaction.atomic
def plot_season_set(
    *,
    actor: Actor,
    plot_id: int,
    season: int,
    category: int,
    crop: str,
    sowing_date: date,
    expected_harvest_date: date,
    expected_yield_kg_per_ha: Decimal,
) -> PlotSeason:
    """Plan (or re-plan) one plot in a season."""
    plot = _plot_for_update(actor, plot_id)
    PLOT_POLICY.authorize(actor=actor, obj=plot, action=PlotAction.PLAN_SEASON)
    chosen = _own_season(plot.area.cooperative_id, season)
    _calendar_checked(chosen, sowing_date, expected_harvest_date)
    planned = _plan(
        plot,
        chosen,
        category=category,
        crop=crop,
        sowing_date=sowing_date,
        expected_harvest_date=expected_harvest_date,
        expected_yield_kg_per_ha=expected_yield_kg_per_ha,
    )
    audit_record(actor=actor, action="supply.plot_season_set", target=plot, data={"season": chosen.pk})
    return planned


@transaction.atomic
def area_season_plan(
    *,
    actor: Actor,
    area_id: int,
    season: int,
    category: int,
    crop: str,
    sowing_date: date,
    expected_harvest_date: date,
    expected_yield_kg_per_ha: Decimal,
) -> int:
    """The same calendar for every plot of the area (the large-field model sows together); returns how many
    plots were planned. Plots already planned in the season are re-planned."""
    area = _area_for_update(actor, area_id)
    AREA_POLICY.authorize(actor=actor, obj=area, action=AreaAction.PLAN_SEASON)
    chosen = _own_season(area.cooperative_id, season)
    _calendar_checked(chosen, sowing_date, expected_harvest_date)
    plots = list(area.plots.order_by("pk"))
    if not plots:
        raise ValidationFailed(_("Add the area's plots first."))
    for plot in plots:
        _plan(
            plot,
            chosen,
            category=category,
            crop=crop,
            sowing_date=sowing_date,
            expected_harvest_date=expected_harvest_date,
            expected_yield_kg_per_ha=expected_yield_kg_per_ha,
        )
    audit_record(
        actor=actor, action="supply.area_season_planned", target=area, data={"season": chosen.pk, "plots": len(plots)}
    )
    return len(plots)


@transaction.atomic
def plot_season_remove(*, actor: Actor, plot_season_id: int) -> None:
    """Take a plot out of a season's plan (intakes already recorded keep their season)."""
    planned = PlotSeason.objects.select_related("plot__area").filter(pk=plot_season_id).first()
    planned = addressable(actor, planned, lambda p: p.plot.area.cooperative_id)
    PLOT_POLICY.authorize(actor=actor, obj=planned.plot, action=PlotAction.PLAN_SEASON)
    audit_record(
        actor=actor, action="supply.plot_season_removed", target=planned.plot, data={"season": planned.season_id}
    )
    planned.delete()
    planned.plot.save(update_fields=["updated_at"])  # the plot's list of plans changed: sync sends the plot again


@transaction.atomic
def season_price_set(*, actor: Actor, season_id: int, category: int, grade: str = "", price_per_kg: int) -> SeasonPrice:
    """What the cooperative pays per kg in the season for a category and grade (replaces the earlier price)."""
    season = _season_for_update(actor, season_id)
    SEASON_POLICY.authorize(actor=actor, obj=season, action=SeasonAction.SET_PRICES)
    chosen = category_get(category)
    # Intakes find their price by the folded grade ("loại 1" is "Loại 1", statements.price_book): the same grade
    # written otherwise replaces its price, or the statement would pay one of two prices.
    same = [p for p in season.prices.filter(category=chosen) if fold(p.grade) == fold(grade)]
    price = same[0] if same else SeasonPrice(season=season, category=chosen)
    before = price_book(season)
    price.grade, price.price_per_kg = grade, price_per_kg
    price.save()
    # `_season_for_update` holds the season's lock
    season_owed_checked(season, field="price_per_kg", owed_before=season_owed_at_prices(season, before))
    season.save(update_fields=["updated_at"])  # prices are shown with their season: a price is a change of the season
    audit_record(
        actor=actor,
        action="supply.season_price_set",
        target=season,
        data={"category": category, "grade": grade, "price_per_kg": price_per_kg},
    )
    return price


@transaction.atomic
def season_price_remove(*, actor: Actor, price_id: int) -> None:
    price = SeasonPrice.objects.select_related("season").filter(pk=price_id).first()
    price = addressable(actor, price, lambda p: p.season.cooperative_id)
    SEASON_POLICY.authorize(actor=actor, obj=price.season, action=SeasonAction.SET_PRICES)
    season = season_locked(price.season_id)
    audit_record(
        actor=actor,
        action="supply.season_price_removed",
        target=season,
        data={"category": price.category_id, "grade": price.grade},
    )
    before = price_book(season)
    price.delete()
    # A grade's price removed, its intakes are paid the category's price for any grade, which may be dearer.
    season_owed_checked(season, field=None, owed_before=season_owed_at_prices(season, before))
    season.save(update_fields=["updated_at"])  # the season's prices changed: sync sends the season again
