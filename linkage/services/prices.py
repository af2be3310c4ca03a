"""Reference prices: processors publish their own, alliance staff the alliance's; the cooperatives (and
processors) whose contracts in force follow a series hear of each new price."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from linkage.models import ContractStatus, LinkageContract, ReferencePrice, ReferenceSeries
from linkage.notifications import REFERENCE_PRICE
from linkage.permissions import REFERENCE_PRICE_PUBLISH
from market.core.errors import NotFound, ValidationFailed
from market.core.quantity import UNIT_SYMBOLS, Unit
from market.core.services import audit_record
from market.notifications.services import notify
from market.organisations import geo
from market.organisations.models import Organisation
from market.organisations.permissions import Actor


@transaction.atomic
def series_create(*, actor: Actor, name: str, category_id: int, province_code: int, unit: Unit) -> ReferenceSeries:
    """A new price series published by the acting organisation."""
    actor.require(REFERENCE_PRICE_PUBLISH)
    assert actor.organisation is not None
    errors: dict[str, list[str]] = {}
    if not Category.objects.filter(pk=category_id).exists():
        errors["category"] = [_("Choose a category.")]
    if geo.province(province_code) is None:
        errors["province_code"] = [_("Choose a province.")]
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            series = ReferenceSeries.objects.create(
                publisher=actor.organisation,
                name=name,
                category_id=category_id,
                province_code=province_code,
                unit=unit,
            )
    except IntegrityError:
        raise ValidationFailed(fields={"name": [_("You already publish a price under this name here.")]}) from None
    audit_record(actor=actor, action="linkage.series_created", target=series)
    return series


@transaction.atomic
def price_publish(*, actor: Actor, series_id: int, effective_on: date, price: int, note: str = "") -> ReferencePrice:
    """The series' price from `effective_on` (publishing the same day again corrects it)."""
    actor.require(REFERENCE_PRICE_PUBLISH)
    series = ReferenceSeries.objects.select_for_update().filter(pk=series_id).first()
    if series is None or series.publisher_id != actor.organisation_id:
        raise NotFound()
    row = ReferencePrice.objects.filter(series=series, effective_on=effective_on).first()
    if row is not None and row.price == price and row.note == note:
        return row  # published already: nothing changes, nobody is told again
    row, _created = ReferencePrice.objects.update_or_create(
        series=series, effective_on=effective_on, defaults={"price": price, "note": note, "published_by": actor.user}
    )
    audit_record(actor=actor, action="linkage.reference_price_published", target=row, data={"price": price})
    contracts = LinkageContract.objects.filter(
        status=ContractStatus.ACTIVE, version_in_force__reference_series=series
    ).values_list("buyer_id", "cooperative_id")
    party_ids = {org_id for pair in contracts for org_id in pair} - {actor.organisation_id}
    if party_ids:
        notify(
            kind=REFERENCE_PRICE,
            recipients=list(Organisation.objects.filter(pk__in=party_ids)),
            context={
                "series": series.name,
                "publisher": series.publisher.name,
                "effective_on": effective_on.isoformat(),
                "price": price,
                "unit": UNIT_SYMBOLS.get(series.unit, series.unit),
            },
            object_ref=row,
            occurrence=str(price),
        )
    return row
