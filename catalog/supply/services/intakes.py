"""Intakes from member households, and harvest lots built from them through the catalogue's lot services."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.commands import LotDetails
from catalog.models import Certificate, CertificateScope, HarvestLot, Product
from catalog.services import lot_create, lot_update
from catalog.supply.models import Intake, MemberHousehold, Plot, PlotSeason
from catalog.supply.notifications import announce_intakes_of_day, announce_lot_built
from catalog.supply.permissions import INTAKE_RECORD
from catalog.supply.policy import INTAKE_POLICY, IntakeAction
from catalog.supply.selectors import intake_day_totals, price_book
from catalog.supply.services.common import acting_cooperative, addressable, season_locked, season_owed_checked
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.inputs import MAX_QUANTITY
from market.core.parsing import format_decimal
from market.core.quantity import Unit, convert
from market.core.services import audit_record, deletion_record
from market.organisations.models import ApiScope, Organisation
from market.organisations.permissions import Actor

# Lots built from intakes are weighed goods; a product counted in sacks, bottles or pieces is made elsewhere.
WEIGHED_UNITS = frozenset({Unit.KG, Unit.TA, Unit.TAN})
LOT_PLOT_TEXT_LIMIT = 200
# What a deleted intake's tombstone names (GET /api/v1/deletions/, docs/api-sync.md).
INTAKE_RESOURCE = "supply.intake"


def _plot_season(plot: Plot, season_id: int | None, received_on: date) -> PlotSeason:
    """The plot's calendar the intake belongs to: the chosen season, or the one whose dates hold the day
    (when seasons overlap, the latest already sown on that day)."""
    planned = PlotSeason.objects.select_related("season", "category").filter(plot=plot)
    if season_id is not None:
        found = planned.filter(season_id=season_id).first()
        if found is None:
            raise ValidationFailed(
                fields={"season": [_("Plot %(plot)s is not planned in this season.") % {"plot": plot.code}]}
            )
        return found
    covering = list(planned.filter(season__starts_on__lte=received_on, season__ends_on__gte=received_on))
    # Seasons overlap (one is harvested as the next is sown): the delivery belongs to one already sown.
    sown = [p for p in covering if p.sowing_date <= received_on] or covering
    found = max(sown, key=lambda p: (p.sowing_date, p.pk), default=None)
    if found is None:
        raise ValidationFailed(
            fields={
                "plot": [
                    _("No season of plot %(plot)s covers %(day)s: plan the plot's season first, or choose the season.")
                    % {"plot": plot.code, "day": received_on.strftime("%d/%m/%Y")}
                ]
            }
        )
    return found


def _intake_fields(
    intake: Intake,
    *,
    household: int,
    plot: int,
    received_on: date,
    season: int | None,
) -> None:
    errors: dict[str, list[str]] = {}
    farmer = MemberHousehold.objects.filter(pk=household, cooperative_id=intake.cooperative_id).first()
    if farmer is None:
        errors["household"] = [_("Choose a household of your cooperative.")]
    field = (
        Plot.objects.select_related("area", "household")
        .filter(pk=plot, area__cooperative_id=intake.cooperative_id)
        .first()
    )
    if field is None:
        errors["plot"] = [_("Choose a plot of your cooperative.")]
    elif farmer is not None and field.household_id not in (None, farmer.pk):
        assert field.household is not None
        errors["plot"] = [
            _("Plot %(plot)s is farmed by %(household)s; choose that household or another plot.")
            % {"plot": field.code, "household": field.household.name}
        ]
    if received_on > timezone.localdate() + timedelta(days=1):
        errors["received_on"] = [_("An intake cannot be recorded for a day that has not come.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert farmer is not None
    assert field is not None
    planned = _plot_season(field, season, received_on)
    intake.household, intake.plot = farmer, field
    intake.season, intake.category = planned.season, planned.category
    intake.received_on = received_on


def _saved_within_season_bound(intake: Intake, previous: Intake | None = None) -> None:
    """Save the intake (`previous`: as it was before a correction), refused (on its weight: weight × price is what
    it adds) if that raised what its season owes and left it above the bound. Only the season it goes to is
    summed: a season it leaves owes less."""
    season = season_locked(intake.season_id)
    intake.save()

    def owed_before(owed_now: int) -> int:
        book = price_book(season)
        replaced = (book.amount_for(previous) or 0) if previous and previous.season_id == season.pk else 0
        return owed_now - (book.amount_for(intake) or 0) + replaced

    season_owed_checked(season, field="weight_kg", owed_before=owed_before)


@transaction.atomic
def intake_record(
    *,
    actor: Actor,
    household: int,
    plot: int,
    received_on: date,
    weight_kg: Decimal,
    grade: str = "",
    moisture_percent: Decimal | None = None,
    impurity_percent: Decimal | None = None,
    measurements: str = "",
    unit_price: int | None = None,
    season: int | None = None,
    note: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Intake:
    """A household's delivery, weighed and measured; its season and category come from the plot's plan."""
    actor.require(INTAKE_RECORD)
    cooperative = acting_cooperative(actor)
    intake = Intake(
        idempotency_key=idempotency_key,
        cooperative=cooperative,
        weight_kg=weight_kg,
        grade=grade,
        moisture_percent=moisture_percent,
        impurity_percent=impurity_percent,
        measurements=measurements,
        unit_price=unit_price,
        note=note,
        recorded_by=actor.user if actor.is_authenticated else None,
    )
    _intake_fields(intake, household=household, plot=plot, received_on=received_on, season=season)
    _saved_within_season_bound(intake)
    audit_record(
        actor=actor,
        action="supply.intake_recorded",
        target=intake,
        data={"household": intake.household_id, "plot": intake.plot_id, "kg": str(weight_kg)},
    )
    return intake


@dataclass(frozen=True)
class IntakeOnce:
    intake: Intake
    replayed: bool  # recorded by an earlier send of the same record


def intake_record_once(*, actor: Actor, key: uuid.UUID, **fields: Any) -> IntakeOnce:
    """Record a delivery written down on a phone (perhaps offline) under the phone's key for it: sent again,
    the same record finds the intake it made and makes no second one. `fields` are intake_record's."""
    actor.require(INTAKE_RECORD)
    existing = _intake_by_key(actor, key)
    if existing is not None:
        return IntakeOnce(intake=existing, replayed=True)
    try:
        with transaction.atomic():
            return IntakeOnce(intake=intake_record(actor=actor, idempotency_key=key, **fields), replayed=False)
    except IntegrityError:
        # Two sends of one record at once: the other one made the intake.
        existing = _intake_by_key(actor, key)
        if existing is None:
            raise
        return IntakeOnce(intake=existing, replayed=True)


def _intake_by_key(actor: Actor, key: uuid.UUID) -> Intake | None:
    intake = Intake.objects.filter(idempotency_key=key).select_related("household").first()
    if intake is not None and intake.cooperative_id != actor.organisation_id:
        raise Conflict(_("This record's key was already used elsewhere."), code="idempotency_key_reused")
    return intake


def _intake_for_update(actor: Actor, intake_id: int) -> Intake:
    intake = Intake.objects.select_for_update().filter(pk=intake_id).first()
    return addressable(actor, intake, lambda i: i.cooperative_id)


@transaction.atomic
def intake_update(
    *,
    actor: Actor,
    intake_id: int,
    household: int,
    plot: int,
    received_on: date,
    weight_kg: Decimal,
    grade: str = "",
    moisture_percent: Decimal | None = None,
    impurity_percent: Decimal | None = None,
    measurements: str = "",
    unit_price: int | None = None,
    season: int | None = None,
    note: str = "",
) -> Intake:
    """Correct an intake typed wrong, until it goes into a lot."""
    intake = _intake_for_update(actor, intake_id)
    INTAKE_POLICY.authorize(actor=actor, obj=intake, action=IntakeAction.EDIT)
    previous = copy(intake)
    before = {"kg": str(intake.weight_kg), "household": intake.household_id, "plot": intake.plot_id}
    _intake_fields(intake, household=household, plot=plot, received_on=received_on, season=season)
    intake.weight_kg, intake.grade = weight_kg, grade
    intake.moisture_percent, intake.impurity_percent = moisture_percent, impurity_percent
    intake.measurements, intake.unit_price, intake.note = measurements, unit_price, note
    _saved_within_season_bound(intake, previous)
    audit_record(
        actor=actor, action="supply.intake_updated", target=intake, data={"before": before, "kg": str(weight_kg)}
    )
    return intake


@transaction.atomic
def intake_delete(*, actor: Actor, intake_id: int) -> None:
    """Remove an intake recorded by mistake (not once it is in a lot); the audit log keeps what it was."""
    intake = _intake_for_update(actor, intake_id)
    INTAKE_POLICY.authorize(actor=actor, obj=intake, action=IntakeAction.DELETE)
    audit_record(
        actor=actor,
        action="supply.intake_deleted",
        target=intake,
        data={
            "household": intake.household_id,
            "plot": intake.plot_id,
            "kg": str(intake.weight_kg),
            "received_on": intake.received_on.isoformat(),
        },
    )
    deletion_record(resource=INTAKE_RESOURCE, obj=intake, organisation_id=intake.cooperative_id, scope=ApiScope.SUPPLY)
    intake.delete()


# --- lots from intakes ---------------------------------------------------------------------------
def _locked_intakes(actor: Actor, intake_ids: Sequence[int]) -> list[Intake]:
    """The intakes, locked in id order (two builders never deadlock) and each free to go into a lot."""
    wanted = sorted(set(intake_ids))
    intakes = list(
        Intake.objects.select_for_update(of=("self",))
        .select_related("plot__area", "household")
        .filter(pk__in=wanted, cooperative_id=actor.organisation_id)
        .order_by("pk")
    )
    if len(intakes) != len(wanted):
        raise ValidationFailed(fields={"intakes": [_("Choose intakes of your own cooperative.")]})
    for intake in intakes:
        INTAKE_POLICY.authorize(actor=actor, obj=intake, action=IntakeAction.BUILD_LOT)
    if len({intake.category_id for intake in intakes}) > 1:
        raise ValidationFailed(fields={"intakes": [_("A lot is one kind of produce: choose intakes of one category.")]})
    return intakes


def _in_product_unit(kg: Decimal, product: Product) -> Decimal:
    return convert(kg, Unit.KG, product.unit).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def _lot_quantity(quantity: Decimal) -> Decimal:
    """A lot's quantity as its column holds it: each intake fits one, their sum may not (a 500 otherwise)."""
    if quantity > MAX_QUANTITY:
        raise ValidationFailed(
            fields={
                "intakes": [
                    _("Together these intakes are more than one lot holds (%(limit)s): build several lots.")
                    % {"limit": format_decimal(MAX_QUANTITY)}
                ]
            }
        )
    return quantity


def _weighed_product(actor: Actor, product_id: int | None) -> Product:
    if product_id is None:
        raise ValidationFailed(fields={"product": [_("Choose the product the lot is of.")]})
    product = Product.objects.filter(pk=product_id, cooperative_id=actor.organisation_id).first()
    if product is None:
        raise ValidationFailed(fields={"product": [_("Choose a product of your cooperative.")]})
    if product.unit not in WEIGHED_UNITS:
        raise ValidationFailed(
            fields={"product": [_("Lots built from intakes are weighed: choose a product sold by kg, tạ or tấn.")]}
        )
    return product


def _covering_certificates(product: Product, intakes: Sequence[Intake], harvest_date: date) -> set[int]:
    """Certificates that cover every area the raw material came from (VietGAP is per area), cover the
    product, and were in force on the harvest date: only those may be claimed for the lot."""
    area_ids = {intake.plot.area_id for intake in intakes}
    common: set[int] | None = None
    for area_id in area_ids:
        ids = set(Certificate.objects.filter(areas__id=area_id).values_list("pk", flat=True))
        common = ids if common is None else common & ids
    candidates = Certificate.objects.filter(pk__in=common or set()).prefetch_related("products")
    return {
        c.pk
        for c in candidates
        if c.is_in_force(harvest_date)
        and (c.scope == CertificateScope.COOPERATIVE or any(p.pk == product.pk for p in c.products.all()))
    }


def _origin(intakes: Sequence[Intake]) -> tuple[int, int, str]:
    """Province and commune that gave most of the weight, and the plots as the lot's origin text."""
    by_commune: Counter[tuple[int, int]] = Counter()
    by_area: dict[str, list[str]] = {}
    for intake in intakes:
        by_commune[(intake.plot.province_code, intake.plot.commune_code)] += intake.weight_kg
        codes = by_area.setdefault(intake.plot.area.code, [])
        if intake.plot.code not in codes:
            codes.append(intake.plot.code)
    (province, commune), _kg = by_commune.most_common(1)[0]
    text = "; ".join(f"{area}: {', '.join(sorted(codes))}" for area, codes in sorted(by_area.items()))
    if len(text) > LOT_PLOT_TEXT_LIMIT:
        text = "; ".join(
            _("%(area)s: %(n)s plots") % {"area": area, "n": format_decimal(len(codes))}
            for area, codes in sorted(by_area.items())
        )[:LOT_PLOT_TEXT_LIMIT]
    return province, commune, text


@transaction.atomic
def lot_build_from_intakes(
    *,
    actor: Actor,
    intakes: Sequence[int],
    product: int | None = None,
    code: str = "",
    harvest_date: date | None = None,
    lot: int | None = None,
) -> HarvestLot:
    """A draft harvest lot made of the intakes (or, with `lot`, the intakes added to a draft lot), through
    the catalogue's lot services. The lot's trace then goes one step back to the plots and households."""
    actor.require(INTAKE_RECORD)
    acting_cooperative(actor)
    chosen = _locked_intakes(actor, intakes)
    kg = sum((intake.weight_kg for intake in chosen), Decimal(0))
    if lot is not None:
        built = _extend(actor, lot, chosen, kg)
    else:
        built = _new_lot(actor, chosen, kg, product=product, code=code, harvest_date=harvest_date)
    Intake.objects.filter(pk__in=[intake.pk for intake in chosen]).update(lot=built, updated_at=timezone.now())
    audit_record(
        actor=actor,
        action="supply.lot_built",
        target=built,
        data={"intakes": [intake.pk for intake in chosen], "kg": str(kg), "extended": lot is not None},
    )
    announce_lot_built(lot=built, intake_count=len(chosen), kg=kg)
    return built


def _new_lot(
    actor: Actor, chosen: Sequence[Intake], kg: Decimal, *, product: int | None, code: str, harvest_date: date | None
) -> HarvestLot:
    item = _weighed_product(actor, product)
    if not code:
        raise ValidationFailed(fields={"code": [_("Enter the lot code printed on the packages.")]})
    day = harvest_date or max(intake.received_on for intake in chosen)
    province, commune, plots = _origin(chosen)
    details = LotDetails(
        code=code,
        quantity_produced=_lot_quantity(_in_product_unit(kg, item)),
        harvest_date=day,
        origin_province_code=province,
        origin_commune_code=commune,
        plot=plots,
        note=_("Built from %(n)s intakes of member households.") % {"n": format_decimal(len(chosen))},
    )
    return lot_create(
        actor=actor, product_id=item.pk, details=details, certificate_ids=_covering_certificates(item, chosen, day)
    )


def _extend(actor: Actor, lot_id: int, chosen: Sequence[Intake], kg: Decimal) -> HarvestLot:
    current = (
        HarvestLot.objects.select_related("product")
        .filter(pk=lot_id, product__cooperative_id=actor.organisation_id)
        .first()
    )
    if current is None:
        raise NotFound()
    if current.product.unit not in WEIGHED_UNITS:
        raise ValidationFailed(
            fields={"lot": [_("Lots built from intakes are weighed: choose a product sold by kg, tạ or tấn.")]}
        )
    earlier = list(Intake.objects.select_related("plot__area").filter(lot=current))
    if earlier and earlier[0].category_id != chosen[0].category_id:
        raise ValidationFailed(fields={"intakes": [_("A lot is one kind of produce: choose intakes of one category.")]})
    everything = [*earlier, *chosen]
    province, commune, plots = _origin(everything)
    kept = set(current.certificates.values_list("pk", flat=True)) & _covering_certificates(
        current.product, everything, current.harvest_date
    )
    details = replace(
        LotDetails.of(current),
        quantity_produced=_lot_quantity(current.quantity_produced + _in_product_unit(kg, current.product)),
        origin_province_code=province,
        origin_commune_code=commune,
        plot=plots,
    )
    return lot_update(actor=actor, lot_id=current.pk, details=details, certificate_ids=kept)


def intakes_daily_summary(*, day: date) -> int:
    """For each cooperative that recorded intakes on `day`, one summary to its managers; returns how many.
    Safe to run twice: the outbox writes one summary per cooperative and day."""
    totals = intake_day_totals(day=day)
    cooperatives = Organisation.objects.in_bulk([t.cooperative_id for t in totals])
    for total in totals:
        with transaction.atomic():
            announce_intakes_of_day(
                cooperative=cooperatives[total.cooperative_id],
                day=day,
                intake_count=total.intake_count,
                household_count=total.household_count,
                kg=total.kg,
                unpriced=total.unpriced_count,
            )
    return len(totals)
