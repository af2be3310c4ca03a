"""What linkage contracts tell the supply outlook (catalog.supply.registry): the kilograms still to come under
contracts in force, by (category, the cooperative's province, month of the call-off's date)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.db.models.functions import TruncMonth

from catalog.supply.registry import OutlookKey
from catalog.supply.selectors.outlook import add_months
from linkage.models import CallOff, CallOffStatus, ContractStatus
from market.core.quantity import KG_PER_UNIT

# Call-offs still to be delivered: planned, ordered, or suspended for a while by force majeure.
TO_COME = [CallOffStatus.PLANNED, CallOffStatus.PLACED, CallOffStatus.SUSPENDED]


def contracted_kg(
    *, category_ids: Collection[int], province_codes: Collection[int], months: Collection[date]
) -> Mapping[OutlookKey, Decimal]:
    """Kilograms called off (or planned) and not yet delivered; goods not counted by mass are left out."""
    call_offs = CallOff.objects.filter(
        status__in=TO_COME, contract__status=ContractStatus.ACTIVE, contract__unit__in=list(KG_PER_UNIT)
    )
    if category_ids:
        call_offs = call_offs.filter(contract__category_id__in=category_ids)
    if province_codes:
        call_offs = call_offs.filter(contract__cooperative__province_code__in=province_codes)
    if months:
        call_offs = call_offs.filter(due_on__gte=min(months), due_on__lt=add_months(max(months), 1))
    kilograms = Case(
        *(When(contract__unit=unit, then=Value(kg)) for unit, kg in KG_PER_UNIT.items()),
        output_field=DecimalField(max_digits=10, decimal_places=3),
    )
    rows = (
        call_offs.annotate(month=TruncMonth("due_on"))
        .values("contract__category_id", "contract__cooperative__province_code", "month")
        .annotate(kg=Sum(F("quantity") * kilograms, output_field=DecimalField(max_digits=24, decimal_places=6)))
    )
    return {
        OutlookKey(row["contract__category_id"], row["contract__cooperative__province_code"], row["month"]): row["kg"]
        for row in rows
    }
