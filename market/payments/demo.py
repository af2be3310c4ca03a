"""Demo data for payments: the alliance's commission rate and bank transfers waiting for review. The orders
to pay (one already paid by bank transfer) are seeded by the orders app (orders/demo.py).

Log in as alliance staff → Payments to see the payments, the review queue and reconciliation.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from market.core.demo import DemoContext
from market.payments.models import BankTransaction, CommissionRate, MatchReason, TransactionStatus


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
                "source": "statement",
                "seen_on_statement": True,
                "status": TransactionStatus.NEEDS_REVIEW,
                "reason": MatchReason.UNMATCHED,
            },
        )
    context.notes.append("Payments: two bank transfers wait in the staff review queue.")
