"""What linkage exports (registered in LinkageConfig.ready()): contracts and their deliveries, read through
the selector the API lists contracts with (the parties their own, staff all)."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from linkage.models import ContractStatus, Delivery, LinkageContract
from linkage.selectors.contracts import contracts_for
from market.exports.registry import Column, ExportKind, choice, register_export
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


class DeliveryOutcome(models.TextChoices):
    """A delivery's status for the filter: short of the call-off, or in full."""

    SHORT = "short", _("Short")
    FULL = "full", _("In full")


def _contracts(actor: Actor, status: str | None) -> QuerySet[LinkageContract]:
    return contracts_for(actor=actor, status=status or "")


def _deliveries(actor: Actor, status: str | None) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(contract__in=contracts_for(actor=actor)).select_related(
        "contract", "contract__buyer", "contract__cooperative", "call_off"
    )
    return deliveries.filter(short=status == DeliveryOutcome.SHORT) if status else deliveries


CONTRACT_COLUMNS = [
    Column(_("Contract number"), lambda c: c.number or ""),
    Column(_("Title"), lambda c: c.title),
    Column(_("Created at"), lambda c: c.created_at),
    Column(_("Status"), choice(ContractStatus, "status")),
    Column(_("Processor (buyer)"), lambda c: c.buyer.name),
    Column(_("Cooperative"), lambda c: c.cooperative.name),
    Column(_("Season"), lambda c: c.season_label),
    Column(_("Unit"), lambda c: c.unit_symbol),
    Column(_("Committed volume"), lambda c: c.committed_quantity),
    Column(_("Most that may be called"), lambda c: c.max_quantity),
    Column(_("Called"), lambda c: c.called_quantity),
    Column(_("Delivered (accepted weight)"), lambda c: c.delivered_quantity),
    Column(_("Value delivered before VAT (VND)"), lambda c: c.delivered_value),
    Column(_("Planned unit price (VND)"), lambda c: c.planned_unit_price),
    Column(_("Hectares under contract"), lambda c: c.hectares),
    Column(_("Households under contract"), lambda c: c.households),
    Column(_("Terminated on"), lambda c: c.terminated_on),
]

DELIVERY_COLUMNS = [
    Column(_("Contract number"), lambda d: d.contract.number or ""),
    Column(_("Processor (buyer)"), lambda d: d.contract.buyer.name),
    Column(_("Cooperative"), lambda d: d.contract.cooperative.name),
    Column(_("Call-off"), lambda d: d.call_off.number),
    Column(_("Delivery date"), lambda d: d.call_off.due_on),
    Column(_("Received on"), lambda d: d.received_on),
    Column(_("Unit"), lambda d: d.contract.unit_symbol),
    Column(_("Called volume"), lambda d: d.call_off.quantity),
    Column(_("Weighed"), lambda d: d.gross_quantity),
    Column(_("Weight deducted"), lambda d: d.deduction),
    Column(_("Accepted"), lambda d: d.net_quantity),
    Column(_("Contract price (VND)"), lambda d: d.base_price),
    Column(_("Price deduction per unit (VND)"), lambda d: d.price_adjustment),
    Column(_("Graded unit price (VND)"), lambda d: d.unit_price),
    Column(_("Amount before VAT (VND)"), lambda d: d.amount),
    Column(_("Short delivery"), lambda d: DeliveryOutcome.SHORT.label if d.short else DeliveryOutcome.FULL.label),
    Column(_("Weigh ticket"), lambda d: d.weigh_ticket),
    Column(_("Vehicle / boat"), lambda d: d.vehicle),
    Column(_("Note"), lambda d: d.note),
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
