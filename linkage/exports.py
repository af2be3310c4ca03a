"""What linkage exports (registered in LinkageConfig.ready()): contracts and their deliveries, read through
the selector the API lists contracts with (the parties their own, staff all)."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linkage.models import ContractStatus, Delivery, LinkageContract, season_label
from linkage.selectors.contracts import contracts_for
from market.core.quantity import UNIT_SYMBOLS
from market.exports.registry import ExportKind, Labels, field, lookup, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


class DeliveryOutcome(models.TextChoices):
    """A delivery's status for the filter: short of the call-off, or in full."""

    SHORT = "short", _("Short")
    FULL = "full", _("In full")


def _contracts(actor: Actor, status: str | None) -> QuerySet[LinkageContract]:
    return contracts_for(actor=actor, status=status or "")


def _deliveries(actor: Actor, status: str | None) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(contract__in=contracts_for(actor=actor))
    return deliveries.filter(short=status == DeliveryOutcome.SHORT) if status else deliveries


def _outcome(short: bool) -> str:
    return str(DeliveryOutcome.SHORT.label if short else DeliveryOutcome.FULL.label)


CONTRACT_COLUMNS = [
    field(_("Contract number"), "number"),
    field(_("Title"), "title"),
    field(_("Created at"), "created_at"),
    field(_("Status"), "status", show=Labels(ContractStatus)),
    field(_("Processor (buyer)"), "buyer__name"),
    field(_("Cooperative"), "cooperative__name"),
    field(_("Season"), "season_kind", "season_year", show=season_label),
    field(_("Unit"), "unit", show=lookup(UNIT_SYMBOLS)),
    field(_("Committed volume"), "committed_quantity"),
    field(_("Most that may be called"), "max_quantity"),
    field(_("Called"), "called_quantity"),
    field(_("Delivered (accepted weight)"), "delivered_quantity"),
    field(_("Value delivered before VAT (VND)"), "delivered_value"),
    field(_("Planned unit price (VND)"), "planned_unit_price"),
    field(_("Hectares under contract"), "hectares"),
    field(_("Households under contract"), "households"),
    field(_("Terminated on"), "terminated_on"),
]

DELIVERY_COLUMNS = [
    field(_("Contract number"), "contract__number"),
    field(_("Processor (buyer)"), "contract__buyer__name"),
    field(_("Cooperative"), "contract__cooperative__name"),
    field(_("Call-off"), "call_off__number"),
    field(_("Delivery date"), "call_off__due_on"),
    field(_("Received on"), "received_on"),
    field(_("Unit"), "contract__unit", show=lookup(UNIT_SYMBOLS)),
    field(_("Called volume"), "call_off__quantity"),
    field(_("Weighed"), "gross_quantity"),
    field(_("Weight deducted"), "deduction"),
    field(_("Accepted"), "net_quantity"),
    field(_("Contract price (VND)"), "base_price"),
    field(_("Price deduction per unit (VND)"), "price_adjustment"),
    field(_("Graded unit price (VND)"), "unit_price"),
    field(_("Amount before VAT (VND)"), "amount"),
    field(_("Short delivery"), "short", show=_outcome),
    field(_("Weigh ticket"), "weigh_ticket"),
    field(_("Vehicle / boat"), "vehicle"),
    field(_("Note"), "note"),
]


def register_exports() -> None:
    register_export(
        ExportKind(
            name="contracts", label=_("Linkage contracts"), scope=ApiScope.CONTRACTS, source=_contracts,
            date_field="created_at", statuses=ContractStatus, columns=CONTRACT_COLUMNS,
        )
    )  # fmt: skip
    register_export(
        ExportKind(
            name="deliveries", label=_("Contract deliveries"), scope=ApiScope.CONTRACTS, source=_deliveries,
            date_field="received_on", date_is_datetime=False, statuses=DeliveryOutcome, columns=DELIVERY_COLUMNS,
        )
    )  # fmt: skip
