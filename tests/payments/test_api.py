"""The payments API: who may do what (anonymous, another organisation, a member without the role, a member
with it, alliance staff), and that a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    MatchReason,
    Payment,
    PaymentState,
    Provider,
    ProviderRecord,
    Refund,
    Settlement,
    SettlementRun,
    StatementImport,
    TransactionStatus,
)
from market.payments.services.reconciliation import reconciliation_run
from tests.factories import member
from tests.payments.fixtures import card_token

pytestmark = pytest.mark.django_db
API = "/api/v1/payments"


@pytest.fixture
def alliance_staff(alliance):
    return member(alliance, Role.STAFF)


@pytest.fixture
def alliance_manager(alliance):
    return member(alliance, Role.MANAGER)


def queued_transfer() -> BankTransaction:
    return BankTransaction.objects.create(
        account_number="7700201099999", bank_reference="FTAPI", booked_at=timezone.now(), amount=100_000,
        description="khong ma", source="statement", status=TransactionStatus.NEEDS_REVIEW,
        reason=MatchReason.UNMATCHED,
    )  # fmt: skip


def test_a_payable_is_seen_by_its_payer_payee_and_staff_only(
    api, make_invoice, payer_user, payee, coop_owner, alliance_staff
):
    payable = make_invoice(1_500_000)
    url = f"{API}/payables/{payable.reference}/"
    assert api(None).get(url).status_code in (401, 403)
    assert api(coop_owner).get(url).status_code == 404  # another organisation: as if missing
    for user in (payer_user, member(payee, Role.STAFF), alliance_staff):
        body = api(user).get(url).json()
        assert body["reference"] == payable.reference
        assert body["vietqr"]["amount"] == 1_500_000
        assert body["vietqr"]["payload"].endswith(body["vietqr"]["payload"][-4:])


def test_card_payment_through_the_api_with_an_idempotency_key(api, localstripe, make_invoice, payer_user, payee):
    payable = make_invoice(1_500_000)
    url = f"{API}/payables/{payable.reference}/card-payments/"
    token = card_token(localstripe)
    assert api(member(payee, Role.OWNER)).post(url, {"token": token}).status_code == 403  # the payee cannot pay
    client = api(payer_user)
    first = client.post(url, {"token": token}, HTTP_IDEMPOTENCY_KEY="erp-42")
    again = client.post(url, {"token": token}, HTTP_IDEMPOTENCY_KEY="erp-42")
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["state"] == PaymentState.SUCCEEDED
    assert Payment.objects.count() == 1


def test_payment_lists_are_scoped(
    api, make_invoice, payer_user, coop_owner, alliance_staff, django_assert_max_num_queries
):
    for index in range(5):
        payable = make_invoice(10_000)
        services.bank_transaction_record(
            account_number="7700201099999", bank_reference=f"L{index}", booked_at=timezone.now(), amount=10_000,
            description=payable.reference, source="statement",
        )  # fmt: skip
    assert len(api(payer_user).get(f"{API}/payments/").json()["results"]) == 5
    assert api(coop_owner).get(f"{API}/payments/").json()["results"] == []
    client = api(alliance_staff)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/payments/").json()["results"]) == 5


def test_refunds_need_an_alliance_owner_or_manager(
    api, localstripe, make_invoice, payer_user, alliance_staff, alliance_manager, coop_owner
):
    payable = make_invoice(1_500_000)
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user),
        payable_id=payable.pk, token_id=card_token(localstripe),
    )  # fmt: skip
    url = f"{API}/payments/{payment.pk}/refunds/"
    body = {"amount": 500_000, "reason": "Thiếu hàng"}
    assert api(None).post(url, body).status_code in (401, 403)
    assert api(coop_owner).post(url, body).status_code == 403
    assert api(payer_user).post(url, body).status_code == 403
    assert api(alliance_staff).post(url, body).status_code == 403  # staff without the role
    assert not Refund.objects.exists()
    response = api(alliance_manager).post(url, body)
    assert response.status_code == 201
    assert response.json()["state"] == "succeeded"


def test_queue_actions_are_alliance_staff_only(api, make_invoice, coop_owner, payer_user, alliance_staff):
    tx = queued_transfer()
    for user in (None, coop_owner, payer_user):
        response = api(user).post(f"{API}/bank-transactions/{tx.pk}/dismiss/", {"note": "x"})
        assert response.status_code in (401, 403)
    tx.refresh_from_db()
    assert tx.status == TransactionStatus.NEEDS_REVIEW
    assert api(alliance_staff).get(f"{API}/bank-transactions/").json()["results"][0]["id"] == tx.pk
    response = api(alliance_staff).post(f"{API}/bank-transactions/{tx.pk}/dismiss/", {"note": "Hoàn trả"})
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"


def test_statement_upload_preview_and_apply(api, make_invoice, alliance_staff, coop_owner):
    payable = make_invoice(1_500_000)
    csv = f"transaction_id,booked_at,amount,description\nFT1,20/11/2026,1500000,{payable.reference}\n".encode()
    data = {"file": SimpleUploadedFile("s.csv", csv, "text/csv"), "account_number": "7700201099999"}
    assert api(coop_owner).post(f"{API}/statements/", data, format="multipart").status_code == 403
    response = api(alliance_staff).post(
        f"{API}/statements/",
        {"file": SimpleUploadedFile("s.csv", csv, "text/csv"), "account_number": "7700201099999"},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["preview"][0]["outcome"] == "apply"
    statement_id = response.json()["id"]
    assert api(alliance_staff).post(f"{API}/statements/{statement_id}/apply/").json()["lines_matched"] == 1
    assert StatementImport.objects.get().status == "applied"


def test_reconciliation_runs_and_resolving(api, alliance_staff, coop_owner):
    ProviderRecord.objects.create(
        provider=Provider.STRIPE, reference="pi_stranger", amount=1, currency="VND", status="succeeded",
        created=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    reconciliation_run(sweep=False, grace=timedelta(0))
    discrepancy = Discrepancy.objects.get()
    url = f"{API}/discrepancies/{discrepancy.pk}/resolve/"
    assert api(coop_owner).post(url, {"note": "x"}).status_code == 403
    assert api(alliance_staff).get(f"{API}/discrepancies/").json()["results"][0]["kind"] == "missing_locally"
    assert api(alliance_staff).post(url, {"note": "Thanh toán thử"}).json()["status"] == "resolved"
    assert api(coop_owner).post(f"{API}/reconciliation-runs/").status_code == 403
    assert api(alliance_staff).post(f"{API}/reconciliation-runs/").status_code == 202


def test_settlements_through_the_api(api, alliance_staff, alliance_manager):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    body = {"period_start": yesterday, "period_end": yesterday}
    assert api(alliance_staff).post(f"{API}/settlement-runs/", body).status_code == 403
    response = api(alliance_manager).post(f"{API}/settlement-runs/", body)
    assert response.status_code == 201
    assert SettlementRun.objects.count() == 1
    assert not Settlement.objects.exists()
