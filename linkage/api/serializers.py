"""Shapes the linkage API answers with. Inputs are the schemas in linkage/inputs.py; amounts are whole đồng,
quantities strings in the contract's unit ("12425.5")."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from linkage.models import CallOff, CallOffStatus, ContractVersion, Delivery, LinkageContract
from linkage.policy import call_off_actions, contract_actions


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class GradingRuleOut(serializers.Serializer):
    measure = serializers.CharField()
    threshold = serializers.SerializerMethodField()
    limit = serializers.SerializerMethodField()
    effect = serializers.CharField()
    rate = serializers.SerializerMethodField()

    def get_threshold(self, rule: Any) -> str | None:
        return dec(rule.threshold)

    def get_limit(self, rule: Any) -> str | None:
        return dec(rule.limit)

    def get_rate(self, rule: Any) -> str | None:
        return dec(rule.rate)


class ScheduleLineOut(serializers.Serializer):
    due_on = serializers.DateField()
    quantity = serializers.SerializerMethodField()

    def get_quantity(self, line: Any) -> str | None:
        return dec(line.quantity)


class ClauseOut(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    status = serializers.CharField()
    drafted_by = serializers.IntegerField(source="drafted_by_id")
    change_note = serializers.CharField()
    product = serializers.IntegerField(source="product_id")
    product_name = serializers.CharField(source="product.name_vi")
    grade_spec = serializers.CharField()
    committed_quantity = serializers.SerializerMethodField()
    tolerance_percent = serializers.SerializerMethodField()
    areas = serializers.SerializerMethodField()
    delivery_place = serializers.CharField()
    delivery_province_code = serializers.IntegerField()
    price_rule = serializers.CharField()
    base_price = serializers.IntegerField(allow_null=True)
    premium = serializers.IntegerField()
    reference_series = serializers.IntegerField(source="reference_series_id", allow_null=True)
    payment_days = serializers.IntegerField()
    deposit = serializers.IntegerField()
    advance_limit = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    grading = GradingRuleOut(source="grading_rules.all", many=True)
    schedule = ScheduleLineOut(source="schedule.all", many=True)
    clauses = ClauseOut(source="clauses.all", many=True)
    terms_digest = serializers.CharField()
    buyer_signed_at = serializers.DateTimeField(allow_null=True)
    cooperative_signed_at = serializers.DateTimeField(allow_null=True)
    in_force_at = serializers.DateTimeField(allow_null=True)

    def get_committed_quantity(self, version: ContractVersion) -> str | None:
        return dec(version.committed_quantity)

    def get_tolerance_percent(self, version: ContractVersion) -> str | None:
        return dec(version.tolerance_percent)

    def get_areas(self, version: ContractVersion) -> list[int]:
        return [area.pk for area in version.areas.all()]


class DeliveryOut(serializers.Serializer):
    id = serializers.IntegerField()
    received_on = serializers.DateField()
    weigh_ticket = serializers.CharField()
    vehicle = serializers.CharField()
    gross_quantity = serializers.SerializerMethodField()
    measurements = serializers.DictField(child=serializers.CharField())
    deduction = serializers.SerializerMethodField()
    net_quantity = serializers.SerializerMethodField()
    base_price = serializers.IntegerField()
    price_adjustment = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    amount = serializers.IntegerField()
    grading = serializers.ListField(child=serializers.DictField())
    short = serializers.BooleanField()

    def get_gross_quantity(self, delivery: Delivery) -> str | None:
        return dec(delivery.gross_quantity)

    def get_deduction(self, delivery: Delivery) -> str | None:
        return dec(delivery.deduction)

    def get_net_quantity(self, delivery: Delivery) -> str | None:
        return dec(delivery.net_quantity)


class DeliveryListOut(DeliveryOut):
    """A delivery with what an ERP needs to file it: the contract, the call-off and the order it closed."""

    contract = serializers.IntegerField(source="contract_id")
    contract_number = serializers.CharField(source="contract.number", allow_null=True)
    call_off = serializers.IntegerField(source="call_off_id")
    call_off_number = serializers.IntegerField(source="call_off.number")
    order = serializers.IntegerField(source="call_off.order_id", allow_null=True)
    unit = serializers.CharField(source="contract.unit")
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()


class CallOffOut(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    number = serializers.IntegerField()
    version = serializers.IntegerField(source="version.number")
    due_on = serializers.DateField()
    quantity = serializers.SerializerMethodField()
    status = serializers.CharField()
    order = serializers.IntegerField(source="order_id", allow_null=True)
    order_number = serializers.SerializerMethodField()
    unit_price = serializers.IntegerField(allow_null=True)
    price_basis = serializers.DictField()
    late = serializers.SerializerMethodField()
    delivery = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    def get_quantity(self, call_off: CallOff) -> str | None:
        return dec(call_off.quantity)

    def get_order_number(self, call_off: CallOff) -> str | None:
        return call_off.order.number if call_off.order is not None else None

    def get_late(self, call_off: CallOff) -> bool:
        return call_off.flagged_late_on is not None

    def get_delivery(self, call_off: CallOff) -> dict[str, Any] | None:
        delivery = getattr(call_off, "delivery", None) if call_off.status == CallOffStatus.DELIVERED else None
        return DeliveryOut(delivery).data if delivery is not None else None

    def get_allowed_actions(self, call_off: CallOff) -> list[str]:
        return sorted(call_off_actions(actor=self.context["actor"], call_off=call_off))


class ContractOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    buyer = serializers.IntegerField(source="buyer_id")
    buyer_name = serializers.CharField(source="buyer.name")
    cooperative = serializers.IntegerField(source="cooperative_id")
    cooperative_name = serializers.CharField(source="cooperative.name")
    season_kind = serializers.CharField()
    season_year = serializers.IntegerField()
    season = serializers.CharField(source="season_label")
    status = serializers.CharField()
    unit = serializers.CharField()
    version_in_force = serializers.IntegerField(source="version_in_force.number", allow_null=True, default=None)
    committed_quantity = serializers.SerializerMethodField()
    max_quantity = serializers.SerializerMethodField()
    called_quantity = serializers.SerializerMethodField()
    delivered_quantity = serializers.SerializerMethodField()
    delivered_value = serializers.IntegerField()
    hectares = serializers.SerializerMethodField()
    households = serializers.IntegerField()

    def get_committed_quantity(self, contract: LinkageContract) -> str | None:
        return dec(contract.committed_quantity)

    def get_max_quantity(self, contract: LinkageContract) -> str | None:
        return dec(contract.max_quantity)

    def get_called_quantity(self, contract: LinkageContract) -> str | None:
        return dec(contract.called_quantity)

    def get_delivered_quantity(self, contract: LinkageContract) -> str | None:
        return dec(contract.delivered_quantity)

    def get_hectares(self, contract: LinkageContract) -> str | None:
        return dec(contract.hectares)


class ContractDetailOut(ContractOut):
    terms = serializers.SerializerMethodField()
    draft = serializers.SerializerMethodField()
    call_offs = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    def get_terms(self, contract: LinkageContract) -> dict[str, Any] | None:
        version = contract.version_in_force
        return VersionOut(version).data if version is not None else None

    def get_draft(self, contract: LinkageContract) -> dict[str, Any] | None:
        draft = contract.open_draft
        return VersionOut(draft).data if draft is not None else None

    def get_call_offs(self, contract: LinkageContract) -> list[dict[str, Any]]:
        return list(CallOffOut(contract.call_offs.all(), many=True, context=self.context).data)

    def get_allowed_actions(self, contract: LinkageContract) -> list[str]:
        return sorted(contract_actions(actor=self.context["actor"], contract=contract))


class ContractStatementLineOut(serializers.Serializer):
    day = serializers.DateField()
    text = serializers.CharField()
    charged = serializers.IntegerField()
    settled = serializers.IntegerField()


class ContractStatementOut(serializers.Serializer):
    invoiced = serializers.IntegerField()
    paid = serializers.IntegerField()
    deposit_due = serializers.IntegerField()
    deposit_paid = serializers.IntegerField()
    advances = serializers.IntegerField()
    advances_unconfirmed = serializers.IntegerField()
    unpaid_invoices = serializers.IntegerField()
    balance = serializers.IntegerField()
    owed_by_buyer = serializers.IntegerField()
    owed_by_cooperative = serializers.IntegerField()
    lines = ContractStatementLineOut(many=True)


class AdvanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    kind = serializers.CharField()
    description = serializers.CharField()
    supplied_on = serializers.DateField()
    value = serializers.IntegerField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ForceMajeureOut(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    kind = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    description = serializers.CharField()
    declared_by = serializers.IntegerField(source="declared_by_id")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class DisputeMessageOut(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation_id")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class DisputeOut(serializers.Serializer):
    id = serializers.IntegerField()
    contract = serializers.IntegerField(source="contract_id")
    subject = serializers.CharField()
    call_off = serializers.IntegerField(source="call_off_id", allow_null=True)
    opened_by = serializers.IntegerField(source="opened_by_id")
    status = serializers.CharField()
    resolution = serializers.CharField()
    messages = DisputeMessageOut(source="messages.all", many=True)
    updated_at = serializers.DateTimeField(help_text="Moves with every reply: the sync sends the dispute again.")


class SeriesOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    publisher = serializers.IntegerField(source="publisher_id")
    publisher_name = serializers.CharField(source="publisher.name")
    category = serializers.IntegerField(source="category_id")
    province_code = serializers.IntegerField()
    unit = serializers.CharField()
    prices = serializers.SerializerMethodField()

    def get_prices(self, series: Any) -> list[dict[str, Any]]:
        rows = self.context.get("prices", {}).get(series.pk, [])
        return [{"effective_on": row.effective_on.isoformat(), "price": row.price} for row in rows]


class LinkageReportRowOut(serializers.Serializer):
    name = serializers.CharField(source="label", help_text="The cooperative or province (blank in totals).")
    season = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    contracts = serializers.IntegerField()
    hectares = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    households = serializers.IntegerField()
    committed = serializers.DecimalField(max_digits=20, decimal_places=3, coerce_to_string=True)
    delivered = serializers.DecimalField(max_digits=20, decimal_places=3, coerce_to_string=True)
    committed_value = serializers.IntegerField()
    delivered_value = serializers.IntegerField()


class LinkageReportOut(serializers.Serializer):
    by_cooperative = LinkageReportRowOut(many=True)
    by_province = LinkageReportRowOut(many=True)
    by_season = LinkageReportRowOut(many=True)
    total = LinkageReportRowOut()
