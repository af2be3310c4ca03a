"""Payment pages render for who may see them, refuse the others, and keep their query counts flat."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    MatchReason,
    ReconciliationRun,
    RunTrigger,
    TransactionStatus,
)
from market.payments.policy import DISCREPANCY_POLICY, TRANSFER_POLICY, DiscrepancyAction, TransferAction
from tests.factories import member
from tests.forms import once_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(alliance):
    return member(alliance, Role.STAFF)


def login(client, user):
    client.force_login(user)
    return client


def test_pay_page_shows_the_vietqr_transfer_details(client, make_invoice, payer_user):
    payable = make_invoice(1_500_000)
    page = login(client, payer_user).get(reverse("frontend:pay", args=[payable.reference]))
    assert page.status_code == 200
    html = page.content.decode()
    assert payable.reference in html
    assert "7700201099999" in html
    assert "1.500.000" in html
    assert "<svg" in html
    qr = client.get(reverse("frontend:pay-qr", args=[payable.reference]))
    assert qr.status_code == 200
    assert qr["Content-Type"] == "image/png"


def test_pay_page_is_the_payers_payees_and_staffs_only(client, make_invoice, payer_user, coop_owner, staff, payee):
    payable = make_invoice(500_000)
    url = reverse("frontend:pay", args=[payable.reference])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert login(client, coop_owner).get(url).status_code == 404  # another organisation
    assert login(client, member(payee, Role.STAFF)).get(url).status_code == 200
    assert login(client, staff).get(url).status_code == 200
    assert login(client, payer_user).get(url + "?method=card").status_code == 200


def test_staff_pages_render(client, make_invoice, staff):
    payable = make_invoice(1_500_000)
    tx, _ = services.bank_transaction_record(
        account_number="7700201099999", bank_reference="FT1", booked_at=timezone.now(),
        amount=1_000_000, description=payable.reference, source="statement",
    )  # fmt: skip
    login(client, staff)
    for name in ["staff-payments", "staff-statements", "staff-queue", "staff-reconciliation", "staff-settlements"]:
        assert client.get(reverse(f"frontend:{name}")).status_code == 200, name
    assert client.get(reverse("frontend:staff-queue-item", args=[tx.pk])).status_code == 200


def test_staff_pages_refuse_everyone_else(client, coop_owner, payer_user):
    for user in (coop_owner, payer_user):
        login(client, user)
        for name in ["staff-payments", "staff-statements", "staff-queue", "staff-reconciliation", "staff-settlements"]:
            assert client.get(reverse(f"frontend:{name}")).status_code == 403, name


def test_payments_list_query_count_does_not_grow(client, make_invoice, staff, django_assert_max_num_queries):
    login(client, staff)
    for index in range(30):
        services.bank_transaction_record(
            account_number="7700201099999", bank_reference=f"FTQ{index}",
            booked_at=timezone.now(), amount=10_000,
            description=make_invoice(10_000).reference, source="statement",
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        assert client.get(reverse("frontend:staff-payments")).status_code == 200


def test_queue_item_apply_through_the_page(client, make_invoice, staff):
    payable = make_invoice(1_500_000)
    tx = BankTransaction.objects.create(
        account_number="7700201099999", bank_reference="FTP1", booked_at=timezone.now(),
        amount=1_500_000, description="khong ghi ma", source="statement", status=TransactionStatus.NEEDS_REVIEW,
        reason=MatchReason.UNMATCHED,
    )  # fmt: skip
    login(client, staff)
    page = client.get(reverse("frontend:staff-queue-item", args=[tx.pk])).content.decode()
    key = once_key(page)
    url = reverse("frontend:staff-queue-apply", args=[tx.pk])
    bad = client.post(url, {"apply-reference": payable.reference, "apply-note": "", "once_key": key})
    assert bad.status_code == 400
    form = {"apply-reference": payable.reference, "apply-note": "Khách gọi điện", "once_key": key}
    ok = client.post(url, form)
    assert ok.status_code == 302
    payable.refresh_from_db()
    assert payable.status == "paid"
    # Sent again (a double click, a browser retry): the first decision, not a refusal, and nothing applied twice.
    again = client.post(url, form, follow=True)
    assert again.status_code == 200
    assert "already applied" in again.content.decode() or "đã được ghi nhận" in again.content.decode()
    payable.refresh_from_db()
    assert payable.amount_paid == 1_500_000


def test_a_transfer_a_colleague_dealt_with_meanwhile_says_why(client, alliance, staff):
    # Two staff on the same queue item: the second "Dismiss" was refused inside the form the page no longer
    # shows, so the answer was a 400 without a word.
    tx = BankTransaction.objects.create(
        account_number="7700201099999", bank_reference="FTP2", booked_at=timezone.now(),
        amount=1_500_000, description="khong ghi ma", source="statement", status=TransactionStatus.NEEDS_REVIEW,
        reason=MatchReason.UNMATCHED,
    )  # fmt: skip
    services.bank_transaction_dismiss(
        actor=resolve_actor(member(alliance, Role.MANAGER)), transaction_id=tx.pk, note="Chuyển nhầm"
    )
    login(client, staff)
    response = client.post(reverse("frontend:staff-queue-dismiss", args=[tx.pk]), {"dismiss-note": "Trả lại"})
    assert response.status_code == 400
    tx.refresh_from_db()
    told = [str(m) for m in response.context["messages"]]
    assert told == [TRANSFER_POLICY.state_refusal(TransferAction.DISMISS, tx)]
    assert all(text in response.content.decode() for text in told)
    assert tx.status == TransactionStatus.DISMISSED


def test_a_discrepancy_a_colleague_resolved_meanwhile_says_why(client, alliance, staff):
    # The second "Mark as resolved" on the same discrepancy was refused inside a form the page no longer shows.
    run = ReconciliationRun.objects.create(trigger=RunTrigger.STAFF)
    found = Discrepancy.objects.create(run=run, key="d-9", kind="amount", provider="stripe", cause="Số tiền khác")
    services.discrepancy_resolve(
        actor=resolve_actor(member(alliance, Role.MANAGER)), discrepancy_id=found.pk, note="Đã đối chiếu"
    )
    login(client, staff)
    url = reverse("frontend:staff-discrepancy-resolve", args=[run.pk, found.pk])
    response = client.post(url, {f"d{found.pk}-note": "Cũng đối chiếu"})
    assert response.status_code == 400
    found.refresh_from_db()
    told = [str(m) for m in response.context["messages"]]
    assert told == [DISCREPANCY_POLICY.state_refusal(DiscrepancyAction.RESOLVE, found)]
    assert all(text in response.content.decode() for text in told)


def test_my_payments_lists_what_we_pay_and_are_paid(client, make_invoice, payer_user, payee, coop_owner):
    payable = make_invoice(1_500_000)
    page = login(client, payer_user).get(reverse("frontend:payments"))
    assert payable.reference in page.content.decode()
    assert (
        payable.reference in login(client, member(payee, Role.STAFF)).get(reverse("frontend:payments")).content.decode()
    )
    assert payable.reference not in login(client, coop_owner).get(reverse("frontend:payments")).content.decode()
