"""A cooperative whose own bank account received a VietQR transfer records it (reference, amount, date, and a
statement line or a receipt); it counts only once staff check it — applied when reference and amount match, as
statement lines are — or once the bank's own statement line confirms it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from market.core.errors import Conflict, NotFound, PermissionDenied
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import (
    BankTransaction,
    MatchReason,
    PayableStatus,
    PaymentEvent,
    TransactionSource,
    TransactionStatus,
)
from market.payments.policy import PAYABLE_POLICY, PayableAction
from market.payments.services.bank import statement_preview
from tests.factories import member
from tests.matrix import shown_actions

pytestmark = pytest.mark.django_db

ACCOUNT = "7700201099999"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def payee_owner(payee):
    return member(payee, Role.OWNER)


@pytest.fixture
def staff(alliance):
    return resolve_actor(member(alliance, Role.STAFF))


def receipt_png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="PNG")
    return SimpleUploadedFile("bien-lai.png", buffer.getvalue(), content_type="image/png")


def report(actor, payable, amount, bank_reference="FT26330123456", **extra):
    return services.transfer_report(
        actor=actor,
        payable_id=payable.pk,
        amount=amount,
        received_on=timezone.localdate(),
        bank_reference=bank_reference,
        **extra,
    )


def test_a_reported_transfer_waits_for_staff_and_counts_once_they_apply_it(make_invoice, payee_owner, staff):
    payable = make_invoice(1_500_000)
    tx = report(resolve_actor(payee_owner), payable, 1_500_000, receipt=receipt_png())
    assert (tx.status, tx.reason, tx.source) == (
        TransactionStatus.NEEDS_REVIEW,
        MatchReason.EXACT,
        TransactionSource.PAYEE,
    )
    assert tx.account_number == ACCOUNT
    assert tx.receipt.name.endswith(".png")
    payable.refresh_from_db()
    assert payable.status == PayableStatus.UNPAID  # not before someone checked it

    services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, note="Đối chiếu biên lai khớp")

    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert PaymentEvent.objects.filter(payment__bank_transaction=tx, source="staff").exists()


def test_a_reported_amount_that_does_not_match_is_never_applied(make_invoice, payee_owner, staff, client, alliance):
    payable = make_invoice(1_500_000)
    tx = report(resolve_actor(payee_owner), payable, 1_000_000, statement_line="CK ML tien hang")
    assert tx.reason == MatchReason.PARTIAL
    with pytest.raises(Conflict):
        services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, note="thử")
    client.force_login(staff.user)
    page = client.get(reverse("frontend:staff-queue-item", args=[tx.pk])).content.decode()
    assert shown_actions(page) == {"dismiss"}
    payable.refresh_from_db()
    assert payable.status == PayableStatus.UNPAID


def test_the_banks_statement_line_confirms_a_reported_transfer(make_invoice, payee_owner, staff):
    payable = make_invoice(1_500_000)
    report(resolve_actor(payee_owner), payable, 1_500_000, bank_reference="AG0001", statement_line="tien hang")
    content = (
        "transaction_id,booked_at,amount,description\n"
        f"AG0001,{timezone.localdate():%d/%m/%Y} 09:15,1500000,{payable.reference} CONG TY THU NGHIEM\n"
    )
    statement = services.statement_upload(
        actor=staff, file_name="sao-ke.csv", content=content.encode(), bank_format="auto", account_number=ACCOUNT
    )
    assert [line.outcome for line in statement_preview(statement)[0]] == ["apply"]
    services.statement_apply(actor=staff, statement_id=statement.pk)
    tx = BankTransaction.objects.get(bank_reference="AG0001")
    assert (tx.status, tx.source, tx.seen_on_statement) == (
        TransactionStatus.MATCHED,
        TransactionSource.STATEMENT,
        True,
    )
    payable.refresh_from_db()
    assert payable.status == PayableStatus.PAID
    assert BankTransaction.objects.count() == 1


def test_only_the_payees_owner_or_manager_records_and_only_once(make_invoice, payee, payee_owner, payer_user):
    payable = make_invoice(1_500_000)
    with pytest.raises(PermissionDenied):
        report(resolve_actor(member(payee, Role.STAFF)), payable, 1_500_000, statement_line="x")
    with pytest.raises(PermissionDenied):
        report(resolve_actor(payer_user), payable, 1_500_000, statement_line="x")
    report(resolve_actor(member(payee, Role.MANAGER)), payable, 1_500_000, statement_line="x")
    with pytest.raises(Conflict) as caught:
        report(resolve_actor(payee_owner), payable, 1_500_000, statement_line="x")
    assert "bank_reference" in caught.value.fields
    with pytest.raises(NotFound):
        services.transfer_report(
            actor=resolve_actor(payee_owner), payable_id=987654, amount=1, received_on=timezone.localdate(),
            bank_reference="FT1", statement_line="x",
        )  # fmt: skip


def test_the_pay_page_records_what_a_vietnamese_cooperative_types(client, make_invoice, payee_owner, payer_user):
    payable = make_invoice(1_500_000)
    client.force_login(payee_owner)
    url = reverse("frontend:pay", args=[payable.reference])
    page = client.get(url).content.decode()
    assert "record_transfer" in shown_actions(page)
    assert "pay_by_transfer" not in shown_actions(page)
    today = timezone.localdate()
    response = client.post(
        reverse("frontend:pay-transfer-report", args=[payable.reference]),
        {
            "amount": "1.500.000 ₫",
            "received_on": today.strftime("%d/%m/%Y"),
            "bank_reference": "FT 2633 0123",
            "statement_line": f"{payable.reference} CONG TY THU NGHIEM CK",
            "receipt": receipt_png(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    tx = BankTransaction.objects.get()
    assert (tx.amount, tx.booked_at.date(), tx.bank_reference) == (1_500_000, today, "FT 2633 0123")
    page = client.get(url).content.decode()
    assert "FT 2633 0123" in page
    assert client.get(reverse("frontend:transfer-receipt", args=[tx.pk])).status_code == 200
    client.force_login(payer_user)
    assert client.get(reverse("frontend:transfer-receipt", args=[tx.pk])).status_code == 404
    assert "record_transfer" not in shown_actions(client.get(url).content.decode())


def test_bad_input_keeps_what_was_typed_and_says_why_in_vietnamese(client, make_invoice, payee_owner):
    payable = make_invoice(1_500_000)
    client.force_login(payee_owner)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        reverse("frontend:pay-transfer-report", args=[payable.reference]),
        {
            "amount": "1,500",
            "received_on": tomorrow.strftime("%d/%m/%Y"),
            "bank_reference": "FT9",
            "receipt": SimpleUploadedFile("note.txt", b"chi la chu", content_type="text/plain"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "có thể hiểu hai cách" in page  # "1,500" in Vietnamese could be one and a half: the parser asks
    assert "Hãy gửi ảnh" in page
    assert 'value="FT9"' in page
    assert not BankTransaction.objects.exists()


def test_a_report_sent_from_a_page_opened_before_the_payable_was_paid_says_why(client, make_invoice, payee_owner):
    # The payee's page showed the form; the bank's statement paid the invoice meanwhile. The refusal was rendered
    # inside the form, which the page no longer shows: a 400 without a word.
    payable = make_invoice(1_500_000)
    services.bank_transaction_record(
        account_number=ACCOUNT, bank_reference="AG0009", booked_at=timezone.now(), amount=1_500_000,
        description=payable.reference, source="statement",
    )  # fmt: skip
    client.force_login(payee_owner)
    response = client.post(
        reverse("frontend:pay-transfer-report", args=[payable.reference]),
        {"amount": "1.500.000", "received_on": timezone.localdate().isoformat(), "bank_reference": "FT77"},
    )
    assert response.status_code == 400
    told = [str(m) for m in response.context["messages"]]
    payable.refresh_from_db()
    assert told == [PAYABLE_POLICY.state_refusal(PayableAction.RECORD_TRANSFER, payable)], "told why, once"
    assert all(text in response.content.decode() for text in told)
    assert not BankTransaction.objects.filter(bank_reference="FT77").exists()


def test_the_api_records_a_transfer_with_a_receipt(api, make_invoice, payee_owner):
    payable = make_invoice(750_000)
    response = api(payee_owner).post(
        f"/api/v1/payments/payables/{payable.reference}/transfers/",
        {
            "amount": "750000",
            "received_on": timezone.localdate().isoformat(),
            "bank_reference": "MB123456",
            "receipt": receipt_png(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["reason"], body["has_receipt"]) == ("needs_review", "exact", True)
    detail = api(payee_owner).get(f"/api/v1/payments/payables/{payable.reference}/").json()
    assert detail["allowed_actions"] == ["record_transfer"]


def test_a_transfer_dated_before_the_payable_existed_is_refused_by_the_page_and_the_api(
    client, api, make_invoice, payee_owner
):
    # Given an invoice opened three days ago (its local day is the earliest a transfer for it can arrive)
    payable = make_invoice(1_500_000)
    opened_on = timezone.localdate() - timedelta(days=3)
    type(payable).objects.filter(pk=payable.pk).update(created_at=payable.created_at - timedelta(days=3))
    url = reverse("frontend:pay-transfer-report", args=[payable.reference])
    client.force_login(payee_owner)

    # When the payee types a date from long ago (a slip: 01/01/1900), the page refuses it and keeps what was typed
    response = client.post(
        url, {"amount": "1.500.000 ₫", "received_on": "01/01/1900", "bank_reference": "FT1900", "statement_line": "ck"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Ngày này trước ngày {opened_on:%d/%m/%Y}" in page
    assert all(f'value="{typed}"' in page for typed in ("01/01/1900", "FT1900", "1.500.000 ₫"))

    # and so does the API, with the field named
    body = {"amount": 1_500_000, "received_on": "1900-01-01", "bank_reference": "FT1900", "statement_line": "ck"}
    refused = api(payee_owner).post(f"/api/v1/payments/payables/{payable.reference}/transfers/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert "received_on" in str(refused.json())
    # the day before it was opened is refused too; the day it was opened is accepted
    day_before = {**body, "received_on": (opened_on - timedelta(days=1)).isoformat()}
    assert api(payee_owner).post(refused.request["PATH_INFO"], day_before, format="json").status_code == 400
    assert not BankTransaction.objects.exists()
    on_the_day = {**body, "received_on": opened_on.isoformat()}
    assert api(payee_owner).post(refused.request["PATH_INFO"], on_the_day, format="json").status_code == 201
