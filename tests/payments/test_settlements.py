"""Settlements: card money owed to each cooperative less the commission (a rate in the data), exact to the
đồng; a second run pays nothing twice; a settlement is marked paid once."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from market.core.errors import Conflict, PermissionDenied
from market.organisations.actors import resolve_actor
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import OrganisationKind, Role
from market.organisations.services import organisation_update
from market.payments import services
from market.payments.models import (
    CommissionRate,
    EventSource,
    Payment,
    PaymentState,
    Provider,
    Refund,
    RefundState,
    SettlementItem,
    SettlementState,
)
from market.payments.services.settlements import commission, payout_csv
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.sync import pull

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(alliance):
    return resolve_actor(member(alliance, Role.MANAGER))


def card_payment(payable, amount: int, *, days_ago: int = 2) -> Payment:
    """A succeeded card payment, recorded the way the Stripe sync records one."""
    payment = Payment.objects.create(
        payable=payable, provider=Provider.STRIPE, amount=amount, provider_reference=f"pi_test_{payable.pk}_{amount}"
    )
    services.payment_transition(payment_id=payment.pk, to_state=PaymentState.SUCCEEDED, source=EventSource.SYSTEM)
    Payment.objects.filter(pk=payment.pk).update(succeeded_at=timezone.now() - timedelta(days=days_ago))
    payment.refresh_from_db()
    return payment


def test_commission_rounds_half_up_to_the_dong():
    assert commission(1_500_000, Decimal("2.5")) == 37_500
    assert commission(333_333, Decimal("2.5")) == 8_333  # 8.333,325
    assert commission(333_340, Decimal("2.5")) == 8_334  # 8.333,5 -> up
    assert commission(10_000_000_000, Decimal("1.75")) == 175_000_000  # billions stay exact


def test_a_run_owes_each_cooperative_its_card_money_less_commission(make_invoice, payee, manager):
    yesterday = timezone.localdate() - timedelta(days=1)
    CommissionRate.objects.create(rate_percent=Decimal("2.50"), valid_from=date(2025, 1, 1))
    other = OrganisationFactory(
        kind=OrganisationKind.COOPERATIVE,
        bank_bin="970436",
        bank_account_number="0561000123456",
        bank_account_holder="HTX KHAC",
    )
    CommissionRate.objects.create(rate_percent=Decimal("1.00"), valid_from=date(2025, 1, 1), payee=other)
    card_payment(make_invoice(1_500_000), 1_500_000)
    card_payment(make_invoice(333_333), 333_333)
    refunded = card_payment(make_invoice(1_000_000), 1_000_000)
    Refund.objects.create(
        payment=refunded,
        amount=200_000,
        reason="thiếu hàng",
        state=RefundState.SUCCEEDED,
        succeeded_at=timezone.now() - timedelta(days=2),
    )
    card_payment(make_invoice(2_000_000, payee_org=other), 2_000_000)
    card_payment(make_invoice(900_000), 900_000, days_ago=0)  # today: next period

    run = services.settlement_run_create(
        actor=manager, period_start=yesterday - timedelta(days=30), period_end=yesterday
    )
    ours = run.settlements.get(payee=payee)
    assert ours.gross == 1_500_000 + 333_333 + 1_000_000 - 200_000
    assert ours.commission == 37_500 + 8_333 + 25_000 - 5_000
    assert ours.net == ours.gross - ours.commission == 2_633_333 - 65_833
    theirs = run.settlements.get(payee=other)
    assert (theirs.gross, theirs.commission, theirs.net) == (2_000_000, 20_000, 1_980_000)
    assert run.net == ours.net + theirs.net

    csv_text = payout_csv(run)
    assert "7700201099999" in csv_text
    assert str(ours.net) in csv_text
    assert "0561000123456" in csv_text

    services.settlement_mark_paid(actor=manager, settlement_id=ours.pk, bank_reference="FT26325000111")
    with pytest.raises(Conflict):
        services.settlement_mark_paid(actor=manager, settlement_id=ours.pk, bank_reference="FT26325000112")
    ours.refresh_from_db()
    assert ours.state == SettlementState.PAID
    assert ours.paid_reference == "FT26325000111"
    assert str(ours.net) not in payout_csv(run), "a paid settlement leaves the payout file"

    second = services.settlement_run_create(
        actor=manager, period_start=yesterday - timedelta(days=30), period_end=yesterday
    )
    assert second.settlements.count() == 0, "nothing is paid twice"
    assert second.net == 0
    assert SettlementItem.objects.count() == 5  # 4 payments and 1 refund; today's payment waits


def test_a_refund_after_settlement_is_deducted_from_the_next_one(make_invoice, payee, manager):
    yesterday = timezone.localdate() - timedelta(days=1)
    CommissionRate.objects.create(rate_percent=Decimal("2.00"), valid_from=date(2025, 1, 1))
    paid = card_payment(make_invoice(1_000_000), 1_000_000, days_ago=3)
    services.settlement_run_create(
        actor=manager, period_start=yesterday - timedelta(days=5), period_end=yesterday - timedelta(days=2)
    )
    Refund.objects.create(
        payment=paid,
        amount=100_000,
        reason="x",
        state=RefundState.SUCCEEDED,
        succeeded_at=timezone.now() - timedelta(days=2),
    )
    card_payment(make_invoice(500_000), 500_000, days_ago=2)
    run = services.settlement_run_create(
        actor=manager, period_start=yesterday - timedelta(days=1), period_end=yesterday
    )
    settlement = run.settlements.get()
    assert settlement.gross == 500_000 - 100_000
    assert settlement.commission == 10_000 - 2_000


def test_settlements_need_an_alliance_manager(make_invoice, alliance, coop_owner):
    yesterday = timezone.localdate() - timedelta(days=1)
    for user in (member(alliance, Role.STAFF), coop_owner):
        with pytest.raises(PermissionDenied):
            services.settlement_run_create(actor=resolve_actor(user), period_start=yesterday, period_end=yesterday)


def test_renaming_a_payee_sends_its_settlement_runs_again_with_the_new_name(
    make_invoice, payee, manager, api, settings
):
    """A settlement run's API row shows each payee's name: a rename must reach an ERP that syncs the runs
    with `updated_since` (market.organisations.names), and a run without that payee stays put."""
    settings.SYNC_SAFETY_LAG_SECONDS = 0
    yesterday = timezone.localdate() - timedelta(days=1)
    CommissionRate.objects.create(rate_percent=Decimal("2.50"), valid_from=date(2025, 1, 1))
    card_payment(make_invoice(1_500_000), 1_500_000)
    run = services.settlement_run_create(actor=manager, period_start=yesterday, period_end=yesterday)
    empty = services.settlement_run_create(actor=manager, period_start=yesterday, period_end=yesterday)
    client = api(manager.user)
    url = reverse("payments:settlement-runs")
    cursor = pull(client, url, "updated_since=2000-01-01T00:00:00%2B00:00", lambda row: None)

    payee.refresh_from_db()
    organisation_update(
        actor=actor_for(payee, Role.OWNER),
        organisation_id=payee.pk,
        profile=replace(OrganisationProfile.of(payee), name="HTX Lúa gạo Thạnh Lợi"),
    )

    rows: list[dict[str, Any]] = []
    pull(client, url, cursor, rows.append)
    assert [row["id"] for row in rows] == [run.pk]
    assert [s["payee"] for s in rows[0]["settlements"]] == ["HTX Lúa gạo Thạnh Lợi"]
    assert empty.pk not in {row["id"] for row in rows}
