"""Counts and amounts in notifications are written as the recipient writes numbers: "1.200.000 ₫" and "1.000" in
Vietnamese, "1,200,000 ₫" and "1,000" in English. Each case below was written bare before ("1200000 ₫")."""

from __future__ import annotations

import pytest

from market.notifications.registry import get_kind
from market.notifications.rendering import render_email, render_inbox_line

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
CASES = [
    ("fairs.application_decided", {}, f"1.200.000{NBSP}₫", f"1,200,000{NBSP}₫"),
    ("fairs.fee_reminder", {}, f"1.200.000{NBSP}₫", f"1,200,000{NBSP}₫"),
    ("exports.ready", {}, "125.000 dòng", "125,000 rows"),
    ("catalog.supply_lot_built", {"intake_count": 1000}, "1.000 lượt thu mua", "1,000 intakes"),
    ("catalog.supply_intakes_daily", {"intake_count": 1000, "unpriced_count": 1001}, "1.001 lượt", "1,001 of them"),
    ("integrations.webhook_endpoint_disabled", {"hours": 1000}, "1.000 giờ", "1,000 hours"),
    ("notifications.daily_digest", {"items": [], "count": 1000}, "1.000 thông báo", "1,000 notifications"),
]


@pytest.mark.parametrize(("name", "given", "vietnamese", "english"), CASES, ids=[c[0] for c in CASES])
def test_numbers_are_grouped_the_recipients_way(name, given, vietnamese, english):
    kind = get_kind(name)
    context = {**kind.sample_context, **given}
    for language, said in (("vi", vietnamese), ("en", english)):
        email = render_email(kind, context, language=language, recipient_name="An")
        written = f"{email.subject}\n{email.text}\n{render_inbox_line(kind, context, language=language)}"
        assert said in written, (language, written)
