"""Settlements: what the platform owes each cooperative for card money it collected, and its payout."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from market.core.fields import vnd_field
from market.core.models import TimeStampedModel


class CommissionRate(models.Model):
    """The alliance's commission on card money, as data: a rate from a date, optionally for one payee."""

    rate_percent = models.DecimalField(_("commission rate (%)"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    payee = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: the rate for every cooperative."),
    )
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("commission rate")
        verbose_name_plural = _("commission rates")
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_percent__gte=Decimal(0), rate_percent__lte=Decimal(100)),
                name="commission_rate_range",
            ),
            models.UniqueConstraint(
                fields=["valid_from"], condition=Q(payee__isnull=True), name="commission_default_unique"
            ),
            models.UniqueConstraint(
                fields=["payee", "valid_from"], condition=Q(payee__isnull=False), name="commission_payee_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_percent}% from {self.valid_from}"


class SettlementRun(TimeStampedModel):
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to (inclusive)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    gross = vnd_field(default=0)
    commission = vnd_field(default=0)
    net = vnd_field(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("settlement run")
        verbose_name_plural = _("settlement runs")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="settlement_period")
        ]

    def __str__(self) -> str:
        return f"{self.period_start} – {self.period_end}"


class SettlementState(models.TextChoices):
    PENDING = "pending", _("To pay")
    PAID = "paid", _("Paid")


class Settlement(TimeStampedModel):
    """What one run owes one cooperative; paid once, by bank transfer."""

    run = models.ForeignKey(SettlementRun, on_delete=models.CASCADE, related_name="settlements")
    payee = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    gross = vnd_field(_("collected"))
    commission = vnd_field(_("commission"))
    net = vnd_field(_("to pay"))
    state = models.CharField(max_length=10, choices=SettlementState.choices, default=SettlementState.PENDING)
    bank_bin = models.CharField(max_length=6, blank=True)
    account_number = models.CharField(max_length=19, blank=True)
    account_holder = models.CharField(max_length=120, blank=True)
    transfer_note = models.CharField(max_length=40)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_reference = models.CharField(_("bank reference"), max_length=120, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["payee__name", "id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.UniqueConstraint(fields=["run", "payee"], name="settlement_run_payee_unique"),
            models.CheckConstraint(condition=Q(net__gt=0), name="settlement_net_positive"),
            models.CheckConstraint(
                condition=Q(net=models.F("gross") - models.F("commission")), name="settlement_net_is_gross_less_fee"
            ),
            models.CheckConstraint(
                condition=Q(state=SettlementState.PENDING, paid_at__isnull=True)
                | Q(state=SettlementState.PAID, paid_at__isnull=False),
                name="settlement_paid_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.net} ({self.state})"


class SettlementItem(models.Model):
    """One payment (or a later refund / lost dispute, negative) counted in exactly one settlement."""

    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="items")
    payment = models.OneToOneField(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="settlement_item"
    )
    refund = models.OneToOneField(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="settlement_item"
    )
    dispute = models.OneToOneField(
        "payments.Dispute", null=True, blank=True, on_delete=models.PROTECT, related_name="settlement_item"
    )
    amount = vnd_field()
    rate_percent = models.DecimalField(max_digits=5, decimal_places=2)
    commission = vnd_field()

    class Meta:
        verbose_name = _("settlement item")
        verbose_name_plural = _("settlement items")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(payment__isnull=False, refund__isnull=True, dispute__isnull=True)
                    | Q(payment__isnull=True, refund__isnull=False, dispute__isnull=True)
                    | Q(payment__isnull=True, refund__isnull=True, dispute__isnull=False)
                ),
                name="settlement_item_one_source",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} − {self.commission}"
