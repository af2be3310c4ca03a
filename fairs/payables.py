"""The booth fee as a payable kind: payments collects the cooperative's share (VietQR or card) for the
alliance that organises the fair, and calls back here when it is paid."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fairs.models import Application
from fairs.services.fees import BOOTH_FEE_KIND, fee_mark_paid
from market.core.money import Money
from market.payments.registry import PayableInfo, PayableKind, PaymentUpdate, ReceivingAccount


class BoothFeePayable(PayableKind):
    name = BOOTH_FEE_KIND  # stored with every payment; never rename
    label = _("Fair booth fee")
    owner_model = Application

    def load(self, object_id: str) -> Application | None:
        if not object_id.isdigit():
            return None
        return Application.objects.select_related("fair__organiser", "cooperative").filter(pk=object_id).first()

    def describe(self, application: Application) -> PayableInfo:
        booth = application.assignments.filter(released_at__isnull=True).select_related("booth").first()
        code = booth.booth.code if booth else ""
        return PayableInfo(
            amount=Money.vnd(application.amount_due),
            payer=application.cooperative,
            payee=application.fair.organiser,
            description=f"Gian hàng {code} – {application.fair.name_vi}"[:255],
            account=ReceivingAccount.of(application.fair.organiser),
            return_url=reverse("frontend:fair-application", args=[application.pk]),
        )

    def on_succeeded(self, application: Application, update: PaymentUpdate) -> None:
        fee_mark_paid(application_id=application.pk, fully_paid=update.fully_paid)
