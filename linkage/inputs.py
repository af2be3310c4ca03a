"""One input schema per linkage command (docs/edge.md): the API reads JSON with them, the pages read form
posts with them (numbers and dates as people in Vietnam type them). Quantities are in the contract's unit
(`context["unit"]`); amounts are whole đồng."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from catalog.pricing import MAX_UNIT_PRICE
from linkage.grading import Band, DeliveryDetails
from linkage.models import (
    LOWER_IS_WORSE,
    AdvanceKind,
    ContractStatus,
    Effect,
    HazardKind,
    Measure,
    PriceRule,
    SeasonKind,
)
from linkage.terms import Clause, ScheduledDelivery, Terms
from market.core import inputs
from market.core.offline import SyncInput
from market.core.quantity import Unit

MAX_MEASURE = Decimal(10_000)
MAX_TOLERANCE = Decimal(50)
MAX_PREMIUM = 1_000_000  # đồng per unit over (or under) the reference price
# The most a contract commits (in its unit). What the processor owes is bounded by the volume that may be called
# (this plus the tolerance) at the highest unit price a rule can give (a floor, or a reference price plus the
# premium): 750 million units at 10.001 billion đồng is 7.5 × 10^18 đồng, inside the 64-bit columns that add the
# deliveries up (LinkageContract.delivered_value, Delivery.amount) and so the statement's sums. 500 million kg is
# half a million tonnes: ten times the largest large-field contract of the delta.
MAX_COMMITTED_QUANTITY = Decimal(500_000_000)
# A deposit, the advances' ceiling and one advance are a share of what a contract is worth: the largest
# large-field contracts (tens of thousands of tonnes of paddy) are worth a few hundred billion đồng, so 500
# billion is past any of them, while a typo of three zeros too many (999 billion was accepted) is refused.
MAX_CONTRACT_SUM = 500_000_000_000


class GradingRuleInput(serializers.Serializer):
    measure = inputs.ChoiceInput(Measure, label=gettext_lazy("Measure"))
    threshold = inputs.DecimalInput(places=3, max_value=MAX_MEASURE, label=gettext_lazy("Threshold"))
    limit = inputs.DecimalInput(
        places=3, max_value=MAX_MEASURE, required=False, allow_null=True, label=gettext_lazy("Band ends at")
    )
    effect = inputs.ChoiceInput(Effect, label=gettext_lazy("Effect"))
    rate = inputs.DecimalInput(places=3, max_value=Decimal(1_000_000), label=gettext_lazy("Rate per point"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        limit = attrs.get("limit")
        if limit is not None:
            lower = attrs["measure"] in LOWER_IS_WORSE
            if (lower and limit >= attrs["threshold"]) or (not lower and limit <= attrs["threshold"]):
                message = (
                    _("For this measure a band goes down from its threshold: the limit must be lower.")
                    if lower
                    else _("A band goes up from its threshold: the limit must be higher.")
                )
                raise serializers.ValidationError({"limit": [message]})
        if attrs["effect"] == Effect.WEIGHT and attrs["rate"] > 100:
            raise serializers.ValidationError({"rate": [_("At most 100 kg can be deducted per 100 kg.")]})
        return attrs


class ScheduleLineInput(serializers.Serializer):
    due_on = inputs.DateInput(label=gettext_lazy("Date"))
    quantity = inputs.QuantityInput(label=gettext_lazy("Volume"))


class ClauseInput(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    title = inputs.TextInput(max_length=200, label=gettext_lazy("Title"))
    body = inputs.TextInput(max_length=4000, multiline=True, required=False, label=gettext_lazy("Text"))


class TermsInput(serializers.Serializer):
    """The terms of a version: what a draft, an edit and an amendment carry."""

    product = inputs.IdInput(label=gettext_lazy("Product"))
    grade_spec = inputs.TextInput(
        max_length=1000,
        multiline=True,
        label=gettext_lazy("Grade and quality standard"),
        help_text=gettext_lazy("Variety, grade and the standard the goods meet, as the contract states them."),
    )
    committed_quantity = inputs.QuantityInput(
        max_value=MAX_COMMITTED_QUANTITY,
        label=gettext_lazy("Committed volume"),
        help_text=gettext_lazy("In the product's unit."),
    )
    tolerance_percent = inputs.DecimalInput(
        places=2, max_value=MAX_TOLERANCE, label=gettext_lazy("Tolerance (± %)"), required=False, default=Decimal(0)
    )
    areas = serializers.ListField(
        child=inputs.IdInput(), required=False, default=list, label=gettext_lazy("Raw-material areas")
    )
    delivery_place = inputs.TextInput(max_length=300, label=gettext_lazy("Delivery place"))
    delivery_province_code = inputs.IntegerInput(min_value=1, max_value=999, label=gettext_lazy("Delivery province"))
    price_rule = inputs.ChoiceInput(PriceRule, label=gettext_lazy("Price rule"))
    base_price = inputs.MoneyInput(
        min_value=1,
        max_value=MAX_UNIT_PRICE,
        required=False,
        allow_null=True,
        label=gettext_lazy("Fixed or floor price per unit"),
        help_text=gettext_lazy("The fixed price, or the floor the price never goes below."),
    )
    premium = inputs.MoneyInput(
        min_value=-MAX_PREMIUM,
        max_value=MAX_PREMIUM,
        required=False,
        default=0,
        label=gettext_lazy("Premium over the reference price"),
        help_text=gettext_lazy("Added to the reference price per unit; a negative number is a discount."),
    )
    reference_series = inputs.IdInput(required=False, allow_null=True, label=gettext_lazy("Reference price"))
    payment_days = inputs.IntegerInput(
        max_value=180, required=False, default=7, label=gettext_lazy("Days to pay after delivery")
    )
    deposit = inputs.MoneyInput(max_value=MAX_CONTRACT_SUM, required=False, default=0, label=gettext_lazy("Deposit"))
    advance_limit = inputs.MoneyInput(
        max_value=MAX_CONTRACT_SUM,
        required=False,
        default=0,
        label=gettext_lazy("Input advances up to"),
        help_text=gettext_lazy("Seed, fertiliser and services the processor supplies on credit, at most."),
    )
    starts_on = inputs.DateInput(label=gettext_lazy("Starts on"))
    ends_on = inputs.DateInput(label=gettext_lazy("Ends on"))
    grading = GradingRuleInput(many=True, required=False, default=list)
    schedule = ScheduleLineInput(many=True, required=False, default=list)
    clauses = ClauseInput(many=True, required=False, default=list)
    change_note = inputs.TextInput(
        max_length=1000, multiline=True, required=False, label=gettext_lazy("What this version changes")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if attrs["ends_on"] < attrs["starts_on"]:
            errors["ends_on"] = [_("The term must end on or after its first day.")]
        elif attrs["ends_on"] < timezone.localdate():
            errors["ends_on"] = [_("The term is wholly in the past: it must end today or later.")]
        errors.update(_overlapping_bands(attrs.get("grading") or []))
        rule = attrs["price_rule"]
        if rule in (PriceRule.FIXED, PriceRule.HIGHER_OF) and not attrs.get("base_price"):
            errors["base_price"] = [_("Enter the fixed or floor price.")]
        if rule in (PriceRule.MARKET, PriceRule.HIGHER_OF) and not attrs.get("reference_series"):
            errors["reference_series"] = [_("Choose the reference price the contract follows.")]
        for index, line in enumerate(attrs.get("schedule") or []):
            if not attrs["starts_on"] <= line["due_on"] <= attrs["ends_on"]:
                errors[f"schedule.{index}.due_on"] = [_("A scheduled delivery falls within the term.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


def _band_range(row: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The values a band counts points over, low to high: from its threshold towards worse, to its limit."""
    unbounded = Decimal("Infinity")
    if row["measure"] in LOWER_IS_WORSE:
        return (row["limit"] if row.get("limit") is not None else -unbounded, row["threshold"])
    return (row["threshold"], row["limit"] if row.get("limit") is not None else unbounded)


def _overlapping_bands(rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Bands of one measure and one effect add up: two that share values would count a point twice (a duplicate
    band is the plainest case). Bands that meet at a value (14–17 % and 17–20 %) do not overlap. A weight band
    and a price band on the same measure are two different deductions and may cover the same values."""
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        low, high = _band_range(row)
        for earlier, other in enumerate(rows[:index]):
            if (other["measure"], other["effect"]) != (row["measure"], row["effect"]):
                continue
            other_low, other_high = _band_range(other)
            if max(low, other_low) < min(high, other_high):
                errors[f"grading.{index}.threshold"] = [
                    _("This band overlaps band %(row)s of the same measure: each value is counted by one band.")
                    % {"row": earlier + 1}
                ]
                break
    return errors


class ContractDraftInput(TermsInput):
    counterparty = inputs.IdInput(
        label=gettext_lazy("The other party"),
        help_text=gettext_lazy("The cooperative (when you buy) or the processor (when you supply)."),
    )
    title = inputs.TextInput(max_length=200, label=gettext_lazy("Title"))
    season_kind = inputs.ChoiceInput(SeasonKind, label=gettext_lazy("Season"))
    season_year = inputs.YearInput(min_value=2020, max_value=2100, label=gettext_lazy("Harvest year"))


def terms_from(fields: dict[str, Any]) -> Terms:
    """The typed terms from a validated TermsInput (or ContractDraftInput)."""
    return Terms(
        product_id=fields["product"],
        grade_spec=fields["grade_spec"],
        committed_quantity=fields["committed_quantity"],
        tolerance_percent=fields.get("tolerance_percent") or Decimal(0),
        delivery_place=fields["delivery_place"],
        delivery_province_code=fields["delivery_province_code"],
        price_rule=PriceRule(fields["price_rule"]),
        base_price=fields.get("base_price"),
        premium=fields.get("premium") or 0,
        reference_series_id=fields.get("reference_series"),
        payment_days=fields.get("payment_days", 7),
        deposit=fields.get("deposit") or 0,
        advance_limit=fields.get("advance_limit") or 0,
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        area_ids=tuple(dict.fromkeys(fields.get("areas") or [])),
        grading=tuple(
            Band(
                measure=Measure(row["measure"]),
                threshold=row["threshold"],
                limit=row.get("limit"),
                effect=Effect(row["effect"]),
                rate=row["rate"],
            )
            for row in fields.get("grading") or []
        ),
        schedule=tuple(ScheduledDelivery(row["due_on"], row["quantity"]) for row in fields.get("schedule") or []),
        clauses=tuple(Clause(row["code"], row["title"], row.get("body", "")) for row in fields.get("clauses") or []),
        change_note=fields.get("change_note", ""),
    )


class CallOffInput(serializers.Serializer):
    due_on = inputs.DateInput(label=gettext_lazy("Delivery date"))
    quantity = inputs.QuantityInput(label=gettext_lazy("Volume"))
    place = serializers.BooleanField(
        required=False, default=True, label=gettext_lazy("Order it now (otherwise it stays planned)")
    )


class DeliveryInput(serializers.Serializer):
    """The intake at the gate: what the scale and the meters read."""

    received_on = inputs.DateInput(label=gettext_lazy("Received on"))
    gross_quantity = inputs.QuantityInput(label=gettext_lazy("Weighed"))
    moisture = inputs.DecimalInput(
        places=2, max_value=100, required=False, allow_null=True, label=Measure.MOISTURE.label
    )
    impurities = inputs.DecimalInput(
        places=2, max_value=100, required=False, allow_null=True, label=Measure.IMPURITIES.label
    )
    broken = inputs.DecimalInput(places=2, max_value=100, required=False, allow_null=True, label=Measure.BROKEN.label)
    unfilled = inputs.DecimalInput(
        places=2, max_value=100, required=False, allow_null=True, label=Measure.UNFILLED.label
    )
    density = inputs.DecimalInput(
        places=1, max_value=2000, required=False, allow_null=True, label=Measure.DENSITY.label
    )
    weigh_ticket = inputs.TextInput(max_length=40, required=False, label=gettext_lazy("Weigh ticket"))
    vehicle = inputs.TextInput(max_length=40, required=False, label=gettext_lazy("Vehicle / boat"))
    note = inputs.TextInput(max_length=500, required=False, label=gettext_lazy("Note"))


class GateRecordInput(serializers.Serializer):
    """Which call-off a delivery written down at the gate (perhaps offline) is for: the page's hidden field."""

    call_off = inputs.IdInput(label=gettext_lazy("Call-off"))


class DeliverySyncInput(SyncInput):
    """Deliveries written down at the gate, each read later by GateRecordInput and DeliveryInput as a form post."""


def measurements_from(fields: dict[str, Any]) -> dict[str, Decimal]:
    return {m.value: fields[m.value] for m in Measure if fields.get(m.value) is not None}


def delivery_details(fields: dict[str, Any]) -> DeliveryDetails:
    """A DeliveryInput's values as delivery_record (and delivery_record_once) take them."""
    return DeliveryDetails(
        received_on=fields["received_on"],
        gross_quantity=fields["gross_quantity"],
        measurements=measurements_from(fields),
        weigh_ticket=fields.get("weigh_ticket", ""),
        vehicle=fields.get("vehicle", ""),
        note=fields.get("note", ""),
    )


class AdvanceInput(serializers.Serializer):
    kind = inputs.ChoiceInput(AdvanceKind, label=gettext_lazy("Kind"))
    description = inputs.TextInput(max_length=300, label=gettext_lazy("What was supplied"))
    supplied_on = inputs.DateInput(label=gettext_lazy("Supplied on"))
    value = inputs.MoneyInput(min_value=1, max_value=MAX_CONTRACT_SUM, label=gettext_lazy("Value"))


class ForceMajeureInput(serializers.Serializer):
    kind = inputs.ChoiceInput(HazardKind, label=gettext_lazy("Event"))
    starts_on = inputs.DateInput(label=gettext_lazy("From"))
    ends_on = inputs.DateInput(required=False, allow_null=True, label=gettext_lazy("Until (if known)"))
    description = inputs.TextInput(max_length=2000, multiline=True, label=gettext_lazy("What happened"))
    evidence = serializers.FileField(
        label=gettext_lazy("Evidence"),
        help_text=gettext_lazy("An official notice, a photo or a report: PDF, JPEG or PNG."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("ends_on") and attrs["ends_on"] < attrs["starts_on"]:
            raise serializers.ValidationError({"ends_on": [_("The event must end on or after its first day.")]})
        return attrs


class DisputeInput(serializers.Serializer):
    subject = inputs.TextInput(max_length=200, label=gettext_lazy("Subject"))
    call_off = inputs.IdInput(required=False, allow_null=True, label=gettext_lazy("About the call-off"))
    text = inputs.TextInput(max_length=4000, multiline=True, label=gettext_lazy("What is wrong"))


class DisputeReplyInput(serializers.Serializer):
    text = inputs.TextInput(max_length=4000, multiline=True, label=gettext_lazy("Message"))


class DisputeResolveInput(serializers.Serializer):
    resolution = inputs.TextInput(max_length=2000, multiline=True, label=gettext_lazy("How it was settled"))


class SignInput(serializers.Serializer):
    terms_digest = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The digest of the terms you read; signing fails if they changed since."),
    )


class TerminationInput(serializers.Serializer):
    reason = inputs.TextInput(max_length=1000, multiline=True, label=gettext_lazy("Reason"))


class ContractNoteInput(serializers.Serializer):
    note = inputs.TextInput(max_length=1000, multiline=True, required=False, label=gettext_lazy("Note"))


class ReferenceSeriesInput(serializers.Serializer):
    name = inputs.TextInput(
        max_length=200,
        label=gettext_lazy("Product and place"),
        help_text=gettext_lazy("e.g. Lúa tươi Đài Thơm 8 tại ruộng"),
    )
    category = inputs.IdInput(label=gettext_lazy("Category"))
    province_code = inputs.IntegerInput(min_value=1, max_value=999, label=gettext_lazy("Province"))
    unit = inputs.ChoiceInput(Unit, required=False, default=Unit.KG, label=gettext_lazy("Unit"))


class ReferencePriceInput(serializers.Serializer):
    effective_on = inputs.DateInput(label=gettext_lazy("In force from"))
    price = inputs.MoneyInput(min_value=1, max_value=MAX_UNIT_PRICE, label=gettext_lazy("Price per unit"))
    note = inputs.TextInput(max_length=300, required=False, label=gettext_lazy("Note"))


class ReferencePricePageInput(ReferencePriceInput):
    """The reference price page posts every series' price to one address: the series comes with the form (the
    API has it in the URL)."""

    series = inputs.IdInput()


class ContractFilterInput(serializers.Serializer):
    status = inputs.ChoiceInput(ContractStatus, required=False, allow_blank=True, label=gettext_lazy("Status"))
    season_year = inputs.YearInput(
        min_value=2020, max_value=2100, required=False, allow_null=True, label=gettext_lazy("Harvest year")
    )


class ContractRowsFilterInput(serializers.Serializer):
    """The filter of the lists of a contract's rows (call-offs, advances, force majeure, disputes)."""

    contract = inputs.IdInput(required=False, allow_null=True, label=gettext_lazy("Contract"))


class DeliveryFilterInput(serializers.Serializer):
    contract = inputs.IdInput(required=False, allow_null=True, label=gettext_lazy("Contract"))
    received_from = inputs.DateInput(required=False, allow_null=True, label=gettext_lazy("Received from"))
    received_to = inputs.DateInput(required=False, allow_null=True, label=gettext_lazy("Received until"))


class ReportFilterInput(serializers.Serializer):
    season_year = inputs.YearInput(
        min_value=2020, max_value=2100, required=False, allow_null=True, label=gettext_lazy("Harvest year")
    )
    season_kind = inputs.ChoiceInput(SeasonKind, required=False, allow_blank=True, label=gettext_lazy("Season"))
    category = inputs.IdInput(required=False, allow_null=True, label=gettext_lazy("Category"))
