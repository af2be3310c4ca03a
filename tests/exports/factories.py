"""Rows for exports large enough to run as jobs with several progress marks."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from market.payments.models import BankTransaction, TransactionSource, TransactionStatus


def bank_lines(count: int) -> date:
    """`count` matched statement lines booked an hour ago (the transfer note a formula); the local day they were
    booked on, which an hour ago may be yesterday in Vietnam."""
    booked = timezone.now() - timedelta(hours=1)
    BankTransaction.objects.bulk_create(
        (
            BankTransaction(
                account_number="0071000123456", bank_reference=f"FT{n:010d}", booked_at=booked, amount=1_500_000 + n,
                description=f"=CMD|' /C calc'!A0 ML{n:06d}", source=TransactionSource.STATEMENT,
                status=TransactionStatus.MATCHED,
            )
            for n in range(count)
        ),
        batch_size=4000,
    )  # fmt: skip
    return timezone.localdate(booked)
