"""Demo data for payments: the alliance's commission rate, three orders to pay (a stand-in payable kind until
the orders app seeds real checkouts), one already paid by bank transfer, and transfers waiting for review.

Log in as muahang@saigonxanh.example → Payments → pay DH-2026-0001 by VietQR or by card (localstripe,
card 4242 4242 4242 4242); log in as alliance staff → Payments to see it, the review queue and reconciliation.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.core.demo import DemoContext
from market.core.money import Money
from market.organisations.demo import DEMO_ORGANISATIONS, demo_tax_code
from market.organisations.models import Organisation
from market.payments.models import BankTransaction, CommissionRate, MatchReason, TransactionStatus
from market.payments.registry import PayableInfo, PayableKind, ReceivingAccount

# number -> (payer key, payee key, amount in đồng, description)
DEMO_ORDERS: dict[str, tuple[str, str, int, str]] = {
    "DH-2026-0001": ("buyer_saigonxanh", "coop_tanhiep", 18_750_000, "Đơn hàng DH-2026-0001 · 1,5 tấn gạo ST25"),
    "DH-2026-0002": (
        "buyer_mekongexport",
        "coop_phuquoc_fishsauce",
        12_600_000,
        "Đơn hàng DH-2026-0002 · 240 chai nước mắm 40°N",
    ),
    "DH-2026-0003": ("buyer_hanoimart", "coop_uminh_honey", 4_500_000, "Đơn hàng DH-2026-0003 · 30 kg mật ong tràm"),
}
_SERIALS = {spec.key: spec.serial for spec in DEMO_ORGANISATIONS}


class DemoOrderPayable(PayableKind):
    """Stands in for order checkouts in the demo only (no rows exist outside `seed_demo`)."""

    name = "demo.order"
    label = _("Demo order")

    def load(self, object_id: str) -> dict[str, Any] | None:
        spec = DEMO_ORDERS.get(object_id)
        if spec is None:
            return None
        payer_key, payee_key, amount, description = spec
        codes = [demo_tax_code(_SERIALS[payer_key]), demo_tax_code(_SERIALS[payee_key])]
        orgs = {org.tax_code: org for org in Organisation.objects.filter(tax_code__in=codes)}
        payer, payee = orgs.get(codes[0]), orgs.get(codes[1])
        if payer is None or payee is None:
            return None
        return {"payer": payer, "payee": payee, "amount": amount, "description": description}

    def describe(self, obj: dict[str, Any]) -> PayableInfo:
        return PayableInfo(
            amount=Money.vnd(obj["amount"]),
            payer=obj["payer"],
            payee=obj["payee"],
            description=obj["description"],
            account=ReceivingAccount.of(obj["payee"]),
        )


def seed_payments(context: DemoContext) -> None:
    from market.payments.services import bank_transaction_record, payable_open

    CommissionRate.objects.get_or_create(
        valid_from=date(2025, 1, 1),
        payee=None,
        defaults={"rate_percent": Decimal("2.50"), "note": "Phí dịch vụ sàn theo nghị quyết của Liên minh"},
    )
    payables = {number: payable_open(kind=DemoOrderPayable.name, object_id=number) for number in DEMO_ORDERS}
    paid = payables["DH-2026-0003"]
    now = timezone.now()
    bank_transaction_record(
        account_number=paid.account_number,
        bank_reference="DEMO-VBA-0003",
        booked_at=now - timedelta(days=1),
        amount=paid.amount,
        description=f"{paid.reference} HA NOI MART TT DON HANG",
        counterparty="CONG TY CP SIEU THI HA NOI MART",
        source="statement",
    )
    alliance = context.objects.get("alliance")
    account = alliance.bank_account_number if alliance else "7700201012345"
    for index, (amount, note, who) in enumerate(
        [
            (2_500_000, "CK tien hang thang 10", "CONG TY TNHH AN PHAT"),
            (750_000, "Nop phi gian hang hoi cho", "HTX DUA CHO LACH"),
        ]
    ):
        BankTransaction.objects.get_or_create(
            account_number=account,
            bank_reference=f"DEMO{index + 1:04d}",
            defaults={
                "booked_at": now - timedelta(days=index + 1),
                "amount": amount,
                "description": note,
                "counterparty": who,
                "source": "statement",
                "seen_on_statement": True,
                "status": TransactionStatus.NEEDS_REVIEW,
                "reason": MatchReason.UNMATCHED,
            },
        )
    first = payables["DH-2026-0001"]
    context.notes.append(
        f"Payments: muahang@saigonxanh.example can pay {first.reference} at /pay/{first.reference}/ "
        "(VietQR, or card 4242 4242 4242 4242 on the local Stripe); two transfers wait in the review queue."
    )
