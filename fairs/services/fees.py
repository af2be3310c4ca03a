"""Booth fees and subsidies: price − subsidy = amount due, exact in whole đồng.

The subsidy is committed against the programme when a booth is assigned (that is when the price is known)
and given back when the booth is released. Both counters move with conditional UPDATEs while the programme
row is locked, and CHECK constraints (spent ≤ budget, used ≤ cap) make an overspend unrepresentable.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from fairs.models import Application, ApplicationEventKind, Booth, FeeStatus, SubsidyLedger, SubsidyProgramme
from fairs.services.common import record
from fairs.subsidies import subsidy_eligibility, subsidy_share
from market.core.errors import Conflict
from market.organisations.models import Organisation

BOOTH_FEE_KIND = "fairs.booth_fee"


def _reserve(*, programme_id: int, cooperative: Organisation, wanted: int) -> int:
    """Commit up to `wanted` đồng of the programme to the cooperative; returns what was granted.

    Lock order: the programme row, then the cooperative's ledger row. The UPDATEs are conditional, so even
    without the lock they could never take the counters past their limits.
    """
    if wanted <= 0:
        return 0
    programme = SubsidyProgramme.objects.select_for_update().get(pk=programme_id)
    ledger, _created = SubsidyLedger.objects.get_or_create(
        programme=programme, cooperative=cooperative, defaults={"cap": programme.yearly_cap}
    )
    ledger = SubsidyLedger.objects.select_for_update().get(pk=ledger.pk)
    granted = max(0, min(wanted, programme.budget - programme.spent, ledger.cap - ledger.used))
    if granted == 0:
        return 0
    moved = SubsidyProgramme.objects.filter(pk=programme.pk, spent__lte=F("budget") - granted).update(
        spent=F("spent") + granted
    )
    if moved != 1:
        return 0
    moved = SubsidyLedger.objects.filter(pk=ledger.pk, used__lte=F("cap") - granted).update(used=F("used") + granted)
    if moved != 1:
        raise Conflict(_("The subsidy could not be committed; try again."))
    return granted


def _give_back(*, programme_id: int, cooperative_id: int, amount: int) -> None:
    if amount <= 0:
        return
    SubsidyProgramme.objects.select_for_update().get(pk=programme_id)
    SubsidyProgramme.objects.filter(pk=programme_id).update(spent=F("spent") - amount)
    SubsidyLedger.objects.filter(programme_id=programme_id, cooperative_id=cooperative_id).update(
        used=F("used") - amount
    )


def fee_apply(*, application: Application, booth: Booth, now: datetime | None = None) -> Application:
    """Price the assigned booth for a locked application: commit the subsidy, set what is due and by when.

    Runs inside booth assignment's transaction with the booth and the application already locked.
    """
    fee_clear(application=application, cancel_payable=False)
    fair = application.fair
    price = int(booth.price)
    subsidy = 0
    programme = fair.subsidy_programme
    if programme is not None and subsidy_eligibility(programme=programme, cooperative=application.cooperative).eligible:
        wanted = subsidy_share(programme=programme, booth_type=booth.booth_type, price=price)
        subsidy = _reserve(programme_id=programme.pk, cooperative=application.cooperative, wanted=wanted)
    application.price = price
    application.subsidy = subsidy
    application.amount_due = price - subsidy
    application.subsidy_programme = programme if subsidy else None
    today = timezone.localdate(now or timezone.now())
    if application.amount_due == 0:
        application.fee_status = FeeStatus.COVERED
        application.payment_due_on = None
    else:
        application.fee_status = FeeStatus.UNPAID
        application.payment_due_on = min(today + timedelta(days=fair.payment_days), max(today, fair.starts_on))
    application.reminder_sent_at = None
    application.paid_at = None
    application.save(
        update_fields=[
            "price",
            "subsidy",
            "amount_due",
            "subsidy_programme",
            "fee_status",
            "payment_due_on",
            "reminder_sent_at",
            "paid_at",
            "updated_at",
        ]
    )
    if application.amount_due > 0:
        from market.payments.services import payable_open

        payable_open(kind=BOOTH_FEE_KIND, object_id=application.pk)
    return application


def fee_clear(*, application: Application, cancel_payable: bool = True) -> None:
    """Give back the subsidy of a released booth and cancel what was still to pay."""
    if application.subsidy and application.subsidy_programme_id:
        _give_back(
            programme_id=application.subsidy_programme_id,
            cooperative_id=application.cooperative_id,
            amount=application.subsidy,
        )
    if cancel_payable and application.fee_status == FeeStatus.UNPAID:
        from market.payments.services import payable_cancel

        payable_cancel(kind=BOOTH_FEE_KIND, object_id=application.pk)
    application.price = application.subsidy = application.amount_due = 0
    application.subsidy_programme = None
    application.fee_status = FeeStatus.NONE if application.fee_status != FeeStatus.PAID else FeeStatus.PAID
    application.payment_due_on = None


@transaction.atomic
def fee_mark_paid(*, application_id: int, fully_paid: bool) -> Application | None:
    """Payments' callback: the cooperative's share arrived (bank transfer or card)."""
    application = Application.objects.select_for_update().filter(pk=application_id).first()
    if application is None or application.fee_status != FeeStatus.UNPAID or not fully_paid:
        return application
    application.fee_status = FeeStatus.PAID
    application.paid_at = timezone.now()
    application.save(update_fields=["fee_status", "paid_at", "updated_at"])
    record(application, actor=None, kind=ApplicationEventKind.FEE_PAID, from_status=application.status)
    return application
