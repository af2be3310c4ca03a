"""Demo data for payments: the alliance's commission rate and bank transfers waiting for review. The orders
to pay (one already paid by bank transfer) are seeded by the orders app (orders/demo.py).

Log in as alliance staff → Payments to see the payments, the review queue and reconciliation. To try a VietQR
payment end to end, `seed_payments_sample` gives the buyer's newest unpaid order from HTX Lúa gạo Tân Hiệp a
known reference, which `docs/sample-bank-statement.csv` pays (see the README).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from market.core.demo import DemoContext
from market.payments.models import (
    BankTransaction,
    CommissionRate,
    MatchReason,
    Payable,
    PayableStatus,
    TransactionSource,
    TransactionStatus,
)

# The reference docs/sample-bank-statement.csv pays (a valid one: ML, 7 characters, check character).
SAMPLE_REFERENCE = "MLDEMQR263"
# The cooperative account that statement is for (HTX Lúa gạo Tân Hiệp's, in the demo).
SAMPLE_ACCOUNT = "1020304050"


def seed_payments(context: DemoContext) -> None:
    CommissionRate.objects.get_or_create(
        valid_from=date(2025, 1, 1),
        payee=None,
        defaults={"rate_percent": Decimal("2.50"), "note": "Phí dịch vụ sàn theo nghị quyết của Liên minh"},
    )
    now = timezone.now()
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
                "source": TransactionSource.STATEMENT,
                "seen_on_statement": True,
                "status": TransactionStatus.NEEDS_REVIEW,
                "reason": MatchReason.UNMATCHED,
            },
        )
    context.notes.append("Payments: two bank transfers wait in the staff review queue.")


def seed_payments_sample(context: DemoContext) -> None:
    """Pin the sample statement's reference on the buyer's newest unpaid order into the sample account (the
    orders seeder, which runs before, placed it with a random one)."""
    if Payable.objects.filter(reference=SAMPLE_REFERENCE).exists():
        return
    buyer = context.objects.get("buyer_saigonxanh")
    payable = (
        Payable.objects.filter(payer=buyer, account_number=SAMPLE_ACCOUNT, status=PayableStatus.UNPAID, amount_paid=0)
        .order_by("-created_at", "-pk")
        .first()
    )
    if payable is None:
        return
    payable.reference = SAMPLE_REFERENCE
    payable.save(update_fields=["reference", "updated_at"])
    context.notes.append(
        f"Payments: {payable.description} waits for a VietQR transfer with the reference {SAMPLE_REFERENCE}; "
        "docs/sample-bank-statement.csv pays it (see the README)."
    )
