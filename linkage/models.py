"""Linkage contracts (hợp đồng liên kết) between a processor (a buying organisation) and a cooperative for a
season, their signed versions, call-offs that become orders, the intake of each delivery at the processor
graded by the contract's rules, input advances, force majeure, disputes, and the reference prices a
market-linked price follows.

A contract's terms live in its versions. A version is drafted by either side, frozen by the first signature
and in force once both signed; an amendment is a new version signed the same way, and the versions before
it stay as they were (history). A call-off keeps the version it was placed under, so its price and grading
never change when the contract is amended later.

Volume is protected twice (see `services.calloffs`): the contract row is locked while a call-off is placed,
and `called_quantity <= max_quantity` is a CHECK constraint, so two call-offs placed at once can never take
the contract past its committed volume plus tolerance.

Quantities are in the unit of the contract's product (kept for the contract's life); amounts are whole đồng.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from catalog.models import private_storage
from market.core.fields import quantity_field, vnd_field
from market.core.models import TimeStampedModel
from market.core.quantity import UNIT_SYMBOLS, Unit


def percent_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


def measure_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """A measured quality value (14,5 % moisture, 550 g/l density)."""
    return models.DecimalField(verbose_name, max_digits=8, decimal_places=3, **kwargs)


# --- reference data ------------------------------------------------------------------------------
class ClauseTemplate(models.Model):
    """A clause every new contract starts with, in the order Decree 98/2018/NĐ-CP lists a linkage contract's
    content. Kept as data: staff change the list and its wording in the back office."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_vi = models.CharField(_("title (Vietnamese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    body_vi = models.TextField(_("default text (Vietnamese)"), max_length=4000, blank=True)
    active = models.BooleanField(_("offered to new contracts"), default=True)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("contract clause template")
        verbose_name_plural = _("contract clause templates")

    def __str__(self) -> str:
        return self.title_vi


class ReferenceSeries(TimeStampedModel):
    """A market price someone publishes weekly for a product at a place ("Lúa tươi Đài Thơm 8 tại ruộng,
    An Giang"): a processor for its own contracts, or the alliance for everyone's."""

    publisher = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("product and place"), max_length=200)
    category = models.ForeignKey(
        "catalog.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    province_code = models.PositiveSmallIntegerField(_("province"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, default=Unit.KG)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("reference price series")
        verbose_name_plural = _("reference price series")
        constraints = [
            models.UniqueConstraint(fields=["publisher", "name", "province_code"], name="linkage_series_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ReferencePrice(models.Model):
    """The series' price from a day on, until the next one: the price in force on a date is the latest
    published on or before it."""

    series = models.ForeignKey(ReferenceSeries, on_delete=models.CASCADE, related_name="prices")
    effective_on = models.DateField(_("in force from"))
    price = vnd_field(_("price per unit"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["series", "-effective_on"]
        verbose_name = _("reference price")
        verbose_name_plural = _("reference prices")
        constraints = [
            models.UniqueConstraint(fields=["series", "effective_on"], name="linkage_reference_price_day_unique"),
            models.CheckConstraint(condition=Q(price__gt=0), name="linkage_reference_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.effective_on:%d/%m/%Y}: {self.price}"


# --- the contract --------------------------------------------------------------------------------
class SeasonKind(models.TextChoices):
    WINTER_SPRING = "winter_spring", _("Winter–spring (Đông Xuân)")
    SUMMER_AUTUMN = "summer_autumn", _("Summer–autumn (Hè Thu)")
    AUTUMN_WINTER = "autumn_winter", _("Autumn–winter (Thu Đông)")
    YEAR = "year", _("Whole year")


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Being drafted")
    ACTIVE = "active", _("In force")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    CANCELLED = "cancelled", _("Abandoned before signing")


class LinkageContract(TimeStampedModel):
    """The lasting identity of a contract: its parties, season and the running figures that the locks and
    the report read. The terms are in `versions`; `version_in_force` is the one both parties signed last."""

    number = models.CharField(_("contract number"), max_length=20, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    buyer = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("processor (buyer)"),
        on_delete=models.PROTECT,
        related_name="linkage_contracts_bought",
    )
    cooperative = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="linkage_contracts_supplied",
    )
    drafted_by = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    season_kind = models.CharField(_("season"), max_length=16, choices=SeasonKind.choices)
    season_year = models.PositiveSmallIntegerField(_("harvest year"))
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    version_in_force = models.ForeignKey(
        "linkage.ContractVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The contract's product unit and category, from its first version (amendments keep the unit).
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    category = models.ForeignKey("catalog.Category", on_delete=models.PROTECT, related_name="+")
    # From the version in force: what the parties committed, and the most that may be called (± tolerance).
    committed_quantity = quantity_field(_("committed volume"), default=Decimal(0))
    max_quantity = quantity_field(_("most that may be called"), default=Decimal(0))
    # Placed call-offs count at their ordered quantity, delivered ones at what was accepted.
    called_quantity = quantity_field(_("called"), default=Decimal(0))
    delivered_quantity = quantity_field(_("delivered (accepted weight)"), default=Decimal(0))
    delivered_value = vnd_field(_("value delivered (before VAT)"), default=0)
    # The unit price the plan counts with, set when a version comes into force: the fixed price, or the
    # market-linked price on the day it came into force.
    planned_unit_price = vnd_field(_("planned unit price"), default=0)
    # From the raw-material areas of the version in force when it was signed.
    hectares = models.DecimalField(_("hectares under contract"), max_digits=11, decimal_places=4, default=0)
    households = models.PositiveIntegerField(_("households under contract"), default=0)
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.CharField(_("reason for termination"), max_length=1000, blank=True)
    terminated_by = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("linkage contract")
        verbose_name_plural = _("linkage contracts")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="linkage_contract_status"),
            models.CheckConstraint(
                condition=Q(called_quantity__gte=0, called_quantity__lte=F("max_quantity")),
                name="linkage_contract_called_within_max",
            ),
            models.CheckConstraint(condition=~Q(buyer=F("cooperative")), name="linkage_contract_two_parties"),
            models.CheckConstraint(
                condition=Q(delivered_quantity__gte=0, delivered_value__gte=0), name="linkage_contract_delivered"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="linkage_contract_buyer_idx"),
            models.Index(fields=["cooperative", "-created_at"], name="linkage_contract_coop_idx"),
            models.Index(fields=["season_year", "season_kind", "category"], name="linkage_contract_report_idx"),
        ]

    def __str__(self) -> str:
        return self.number or self.title

    @property
    def unit_symbol(self) -> str:
        return UNIT_SYMBOLS.get(self.unit, self.unit)

    @property
    def season_label(self) -> str:
        return season_label(self.season_kind, self.season_year)

    @property
    def remaining_quantity(self) -> Decimal:
        """What may still be called before the committed volume plus tolerance is reached."""
        return max(self.max_quantity - self.called_quantity, Decimal(0))

    # Read from the prefetched relations when a selector prefetched them (one query each otherwise).
    @cached_property
    def open_draft(self) -> ContractVersion | None:
        return next((v for v in self.versions.all() if v.status == VersionStatus.DRAFT), None)

    @cached_property
    def force_majeure_in_effect(self) -> list[ForceMajeure]:
        return [event for event in self.force_majeure.all() if event.ended_at is None]

    def suspended_on(self, day: date) -> ForceMajeure | None:
        """The force majeure event in effect that covers `day`, if any."""
        return next((event for event in self.force_majeure_in_effect if event.covers(day)), None)


def season_label(kind: str, year: int) -> str:
    """'Đông Xuân 2026–2027' names the season by its harvest year, as cooperatives write it."""
    if kind == SeasonKind.WINTER_SPRING:
        return f"Đông Xuân {year - 1}–{year}"
    if kind == SeasonKind.SUMMER_AUTUMN:
        return f"Hè Thu {year}"
    if kind == SeasonKind.AUTUMN_WINTER:
        return f"Thu Đông {year}"
    return f"Niên vụ {year}"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    DISCARDED = "discarded", _("Discarded")


class PriceRule(models.TextChoices):
    FIXED = "fixed", _("Fixed price")
    MARKET = "market", _("Reference price plus premium")
    HIGHER_OF = "higher_of", _("Higher of the floor and the reference price")


class ReferenceSide(models.TextChoices):
    BUYER = "buyer", _("the processor")
    ALLIANCE = "alliance", _("the alliance")


class ContractVersion(TimeStampedModel):
    """The terms as one side drafted them. Editable while nobody has signed; the first signature freezes
    them (its digest is kept), the second puts them in force."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    drafted_by = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    change_note = models.CharField(_("what this version changes"), max_length=1000, blank=True)
    # Product and quantity.
    product = models.ForeignKey(
        "catalog.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    grade_spec = models.CharField(_("grade and quality standard"), max_length=1000)
    committed_quantity = quantity_field(_("committed volume"))
    tolerance_percent = percent_field(_("tolerance (± %)"), default=Decimal(0))
    areas = models.ManyToManyField(
        "catalog.RawMaterialArea", verbose_name=_("raw-material areas"), blank=True, related_name="+"
    )
    # Delivery.
    delivery_place = models.CharField(_("delivery place"), max_length=300)
    delivery_province_code = models.PositiveSmallIntegerField(_("delivery province"))
    # Price and payment.
    price_rule = models.CharField(_("price rule"), max_length=12, choices=PriceRule.choices)
    base_price = vnd_field(_("fixed or floor price per unit"), null=True, blank=True)
    premium = vnd_field(_("premium over the reference price per unit"), default=0)
    reference_series = models.ForeignKey(
        ReferenceSeries,
        verbose_name=_("reference price"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    payment_days = models.PositiveSmallIntegerField(_("days to pay after delivery"), default=7)
    deposit = vnd_field(_("deposit"), default=0)
    advance_limit = vnd_field(_("input advances up to"), default=0)
    # Term.
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # Signatures: the first freezes the terms (digest), the second puts them in force.
    terms_digest = models.CharField(max_length=64, blank=True)
    buyer_signed_at = models.DateTimeField(null=True, blank=True)
    buyer_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cooperative_signed_at = models.DateTimeField(null=True, blank=True)
    cooperative_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_force_at = models.DateTimeField(null=True, blank=True)
    # From the areas when it came into force.
    hectares = models.DecimalField(_("hectares"), max_digits=11, decimal_places=4, default=0)
    households = models.PositiveIntegerField(_("households"), default=0)

    class Meta:
        ordering = ["contract", "number"]
        verbose_name = _("contract version")
        verbose_name_plural = _("contract versions")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="linkage_version_number_unique"),
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status="in_force"), name="linkage_version_one_in_force"
            ),
            models.UniqueConstraint(fields=["contract"], condition=Q(status="draft"), name="linkage_version_one_draft"),
            models.CheckConstraint(condition=Q(committed_quantity__gt=0), name="linkage_version_committed_positive"),
            models.CheckConstraint(
                condition=Q(tolerance_percent__gte=0, tolerance_percent__lte=50), name="linkage_version_tolerance"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="linkage_version_term_ordered"),
            models.CheckConstraint(condition=Q(deposit__gte=0, advance_limit__gte=0), name="linkage_version_amounts"),
            models.CheckConstraint(
                condition=Q(price_rule="market") | Q(base_price__gt=0), name="linkage_version_base_price"
            ),
            models.CheckConstraint(
                condition=Q(price_rule="fixed") | Q(reference_series__isnull=False),
                name="linkage_version_reference_series",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "discarded"])
                | Q(buyer_signed_at__isnull=False, cooperative_signed_at__isnull=False),
                name="linkage_version_signed_by_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract} v{self.number}"

    @property
    def signature_count(self) -> int:
        return (self.buyer_signed_at is not None) + (self.cooperative_signed_at is not None)

    @property
    def max_quantity(self) -> Decimal:
        return max_quantity(self.committed_quantity, self.tolerance_percent)


def max_quantity(committed: Decimal, tolerance_percent: Decimal) -> Decimal:
    """Committed volume plus its tolerance, to the gram of a kilogram unit (three decimals, rounded down)."""
    return (committed * (100 + tolerance_percent) / 100).quantize(Decimal("0.001"), rounding=ROUND_DOWN)


class VersionClause(models.Model):
    """One clause of a version, started from a template and written by the parties."""

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="clauses")
    code = models.SlugField(max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=4000, blank=True)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="linkage_clause_code_unique")]

    def __str__(self) -> str:
        return self.title


class Measure(models.TextChoices):
    """What is measured at intake. Each has a direction: more moisture is worse, more density is better."""

    MOISTURE = "moisture", _("Moisture (%)")
    IMPURITIES = "impurities", _("Impurities (%)")
    BROKEN = "broken", _("Broken grains (%)")
    UNFILLED = "unfilled", _("Unfilled or green grains (%)")
    DENSITY = "density", _("Density (g/l)")


# Measures where a lower value is the worse quality; for the others a higher value is.
LOWER_IS_WORSE = frozenset({Measure.DENSITY})


class Effect(models.TextChoices):
    WEIGHT = "weight", _("Deduct kg per 100 kg")
    PRICE = "price", _("Deduct đồng per unit")


class GradingRule(models.Model):
    """One band of a grading table: for each point the measure is worse than `threshold` (up to `limit`),
    deduct `rate` kg per 100 kg of weight, or `rate` đồng from the unit price. Bands of one measure add up,
    so a table whose rate grows with the band is progressive."""

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="grading_rules")
    position = models.PositiveSmallIntegerField(default=0)
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices)
    threshold = measure_field(_("threshold"))
    limit = measure_field(_("band ends at"), null=True, blank=True)
    effect = models.CharField(_("effect"), max_length=8, choices=Effect.choices)
    rate = models.DecimalField(_("rate per point"), max_digits=12, decimal_places=3)

    class Meta:
        ordering = ["version", "position", "id"]
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="linkage_grading_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | ~Q(limit=F("threshold")), name="linkage_grading_band_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} {self.threshold}–{self.limit}: {self.rate} ({self.effect})"


class ScheduleLine(models.Model):
    """A delivery the version plans: a date and a volume. In force, it becomes a planned call-off."""

    version = models.ForeignKey(ContractVersion, on_delete=models.CASCADE, related_name="schedule")
    due_on = models.DateField(_("date"))
    quantity = quantity_field(_("volume"))

    class Meta:
        ordering = ["version", "due_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="linkage_schedule_positive")]

    def __str__(self) -> str:
        return f"{self.due_on}: {self.quantity}"


# --- call-offs and their intake ------------------------------------------------------------------
class CallOffStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PLACED = "placed", _("Ordered")
    DELIVERED = "delivered", _("Delivered")
    SUSPENDED = "suspended", _("Suspended (force majeure)")
    CANCELLED = "cancelled", _("Cancelled")


class CallOff(TimeStampedModel):
    """One delivery asked under the contract: a date and a volume. Placing it makes an order at the price
    its version's rule gives on that date; the intake at the processor closes it."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="call_offs")
    version = models.ForeignKey(ContractVersion, on_delete=models.PROTECT, related_name="call_offs")
    number = models.PositiveIntegerField(_("call-off"))
    due_on = models.DateField(_("delivery date"))
    quantity = quantity_field(_("volume"))
    status = models.CharField(_("status"), max_length=10, choices=CallOffStatus.choices, default=CallOffStatus.PLANNED)
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="call_off"
    )
    unit_price = vnd_field(_("unit price"), null=True, blank=True)
    # How the price was found: the rule, the reference price and its date, the floor and premium.
    price_basis = models.JSONField(default=dict, blank=True)
    placed_at = models.DateTimeField(null=True, blank=True)
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suspended_by = models.ForeignKey(
        "linkage.ForceMajeure", null=True, blank=True, on_delete=models.SET_NULL, related_name="suspended"
    )
    # Set once by the beat job (short or late), so that each is flagged and announced once.
    flagged_late_on = models.DateField(null=True, blank=True)
    flagged_short_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "due_on", "number"]
        verbose_name = _("call-off")
        verbose_name_plural = _("call-offs")
        constraints = [
            models.UniqueConstraint(fields=["contract", "number"], name="linkage_call_off_number_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="linkage_call_off_quantity_positive"),
            models.CheckConstraint(condition=Q(status__in=CallOffStatus.values), name="linkage_call_off_status"),
            models.CheckConstraint(
                condition=~Q(status__in=["placed", "delivered"]) | Q(order__isnull=False, unit_price__isnull=False),
                name="linkage_call_off_placed_has_order",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="linkage_call_off_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contract} #{self.number}"


class Delivery(TimeStampedModel):
    """The intake of a call-off at the processor's gate: the weighed (gross) quantity and measured quality,
    and what the version's grading made of them: the deduction, the accepted (net) quantity, the unit price
    and the amount. The order line and its invoice follow the net quantity and the graded price."""

    call_off = models.OneToOneField(CallOff, on_delete=models.PROTECT, related_name="delivery")
    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="deliveries")
    received_on = models.DateField(_("received on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weigh_ticket = models.CharField(_("weigh ticket"), max_length=40, blank=True)
    vehicle = models.CharField(_("vehicle / boat"), max_length=40, blank=True)
    gross_quantity = quantity_field(_("weighed"))
    measurements = models.JSONField(_("measured"), default=dict)
    deduction = quantity_field(_("weight deducted"))
    net_quantity = quantity_field(_("accepted"))
    base_price = vnd_field(_("contract price"))
    price_adjustment = vnd_field(_("price deduction per unit"))
    unit_price = vnd_field(_("graded unit price"))
    amount = vnd_field(_("amount before VAT"))
    # The grading lines as computed (for the weigh slip and disputes).
    grading = models.JSONField(default=list)
    short = models.BooleanField(_("short delivery"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["contract", "received_on", "id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_quantity__gt=0, deduction__gte=0, net_quantity=F("gross_quantity") - F("deduction")),
                name="linkage_delivery_weights_add_up",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0, price_adjustment__gte=0, unit_price__lte=F("base_price"), amount__gte=0),
                name="linkage_delivery_prices",
            ),
        ]
        indexes = [models.Index(fields=["contract", "received_on"], name="linkage_delivery_contract_idx")]

    def __str__(self) -> str:
        return f"{self.call_off} · {self.received_on:%d/%m/%Y}"


# --- advances, force majeure, disputes, history --------------------------------------------------
class AdvanceKind(models.TextChoices):
    SEED = "seed", _("Seed")
    FERTILISER = "fertiliser", _("Fertiliser")
    CROP_PROTECTION = "crop_protection", _("Crop protection")
    SERVICE = "service", _("Services (ploughing, harvesting, drying)")
    CASH = "cash", _("Cash")


class InputAdvance(TimeStampedModel):
    """Inputs or services the processor supplied on credit, deducted from what it pays at settlement."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="advances")
    kind = models.CharField(_("kind"), max_length=16, choices=AdvanceKind.choices)
    description = models.CharField(_("what was supplied"), max_length=300)
    supplied_on = models.DateField(_("supplied on"))
    value = vnd_field(_("value"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("receipt confirmed"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["contract", "supplied_on", "id"]
        verbose_name = _("input advance")
        verbose_name_plural = _("input advances")
        constraints = [models.CheckConstraint(condition=Q(value__gt=0), name="linkage_advance_value_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.value}"


class HazardKind(models.TextChoices):
    FLOOD = "flood", _("Flood")
    DROUGHT = "drought", _("Drought")
    SALINITY = "salinity", _("Salinity intrusion")
    STORM = "storm", _("Storm")
    EPIDEMIC = "epidemic", _("Pest or disease outbreak")
    OTHER = "other", _("Other event beyond control")


class ForceMajeure(TimeStampedModel):
    """An event beyond the parties' control, declared with evidence. Planned call-offs dated within it are
    suspended, and no call-off dated within it can be placed, until it ends."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="force_majeure")
    kind = models.CharField(_("event"), max_length=10, choices=HazardKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    description = models.TextField(_("what happened"), max_length=2000)
    # Private: read only through the contract's pages, which check who asks.
    evidence = models.FileField(_("evidence"), upload_to="linkage/evidence/", storage=private_storage, max_length=255)
    evidence_content_type = models.CharField(max_length=40, blank=True)
    declared_by = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("declared by"), on_delete=models.PROTECT, related_name="+"
    )
    declared_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["contract", "-starts_on", "id"]
        verbose_name = _("force majeure event")
        verbose_name_plural = _("force majeure events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="linkage_fm_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%d/%m/%Y}"

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Dispute(TimeStampedModel):
    """A disagreement about the contract (a grading, a short delivery, a payment) and its written trail;
    alliance staff may join it as mediators."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="disputes")
    call_off = models.ForeignKey(CallOff, null=True, blank=True, on_delete=models.SET_NULL, related_name="disputes")
    subject = models.CharField(_("subject"), max_length=200)
    opened_by = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    resolution = models.CharField(_("resolution"), max_length=2000, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["contract", "-created_at", "id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return self.subject


class DisputeMessage(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("message"), max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dispute", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class EventKind(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    EDITED = "edited", _("Draft changed")
    SIGNED = "signed", _("Signed")
    REOPENED = "reopened", _("Returned to drafting")
    IN_FORCE = "in_force", _("In force")
    DISCARDED = "discarded", _("Draft discarded")
    AMENDMENT_STARTED = "amendment_started", _("Amendment started")
    CALL_OFF_ADDED = "call_off_added", _("Call-off added")
    CALL_OFF_PLACED = "call_off_placed", _("Call-off ordered")
    CALL_OFF_CANCELLED = "call_off_cancelled", _("Call-off cancelled")
    DELIVERY_RECORDED = "delivery_recorded", _("Delivery recorded")
    DELIVERY_SHORT = "delivery_short", _("Short delivery")
    DELIVERY_LATE = "delivery_late", _("Late delivery")
    ADVANCE_RECORDED = "advance_recorded", _("Input advance recorded")
    ADVANCE_ACKNOWLEDGED = "advance_acknowledged", _("Input advance confirmed")
    FORCE_MAJEURE_DECLARED = "force_majeure_declared", _("Force majeure declared")
    FORCE_MAJEURE_ACKNOWLEDGED = "force_majeure_acknowledged", _("Force majeure acknowledged")
    FORCE_MAJEURE_ENDED = "force_majeure_ended", _("Force majeure ended")
    DISPUTE_OPENED = "dispute_opened", _("Dispute opened")
    DISPUTE_MESSAGE = "dispute_message", _("Dispute message")
    DISPUTE_RESOLVED = "dispute_resolved", _("Dispute resolved")
    TERMINATED = "terminated", _("Terminated")
    COMPLETED = "completed", _("Completed")


class ContractEvent(models.Model):
    """The contract's history: every draft, signature, amendment, call-off, intake, advance, event and
    dispute step, with who did it."""

    contract = models.ForeignKey(LinkageContract, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=40, choices=EventKind.choices)
    version_number = models.PositiveSmallIntegerField(null=True, blank=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["contract", "created_at", "id"]

    def __str__(self) -> str:
        return self.action
