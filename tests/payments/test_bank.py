"""Bank transfers: matching by reference and amount, the review queue, statement import (preview, twice),
and bank notifications (Casso/SePay shapes, shared-secret signature)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from market.core.errors import Conflict, PermissionDenied, ValidationFailed
from market.core.inputs import InputMode, read_input
from market.core.money import parse_vnd
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import bank_webhook, services
from market.payments.inputs import ApplyTransferInput
from market.payments.models import (
    BankTransaction,
    MatchReason,
    PayableStatus,
    Payment,
    PaymentState,
    StatementImport,
    TransactionStatus,
    WebhookEvent,
)
from market.payments.services.bank import statement_preview
from market.payments.statements import parse_statement
from tests.factories import member
from tests.payables.models import TestInvoiceCallback
from tests.payments.fixtures import invoice_of

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
ACCOUNT = "7700201099999"


@pytest.fixture
def staff(alliance):
    return resolve_actor(member(alliance, Role.STAFF))


def transfer(amount: int, note: str, ref: str, account: str = ACCOUNT):
    return services.bank_transaction_record(
        account_number=account,
        bank_reference=ref,
        booked_at=datetime(2026, 11, 20, 9, 30, tzinfo=HCM),
        amount=amount,
        description=note,
        source="statement",
    )


class TestMatchingTable:
    def test_exact_reference_and_amount_is_applied(self, make_invoice):
        payable = make_invoice(1_500_000)
        tx, created = transfer(1_500_000, f"CT {payable.reference} thanh toan", "FT1")
        assert created
        assert tx.status == TransactionStatus.MATCHED
        assert tx.reason == MatchReason.EXACT
        payment = Payment.objects.get(bank_transaction=tx)
        assert payment.state == PaymentState.SUCCEEDED
        assert payment.amount == 1_500_000
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID
        assert invoice_of(payable).payment_status == PayableStatus.PAID

    @pytest.mark.parametrize(("amount", "reason"), [(1_000_000, MatchReason.PARTIAL), (1_600_000, MatchReason.OVER)])
    def test_partial_and_over_payments_go_to_the_queue(self, make_invoice, amount, reason):
        payable = make_invoice(1_500_000)
        tx, _ = transfer(amount, payable.reference, "FT2")
        assert tx.status == TransactionStatus.NEEDS_REVIEW
        assert tx.reason == reason
        assert tx.payable == payable
        assert not Payment.objects.exists()
        payable.refresh_from_db()
        assert payable.status == PayableStatus.UNPAID

    def test_a_second_payment_of_a_paid_reference_is_a_duplicate(self, make_invoice):
        payable = make_invoice(1_500_000)
        transfer(1_500_000, payable.reference, "FT3")
        tx, _ = transfer(1_500_000, payable.reference, "FT4")
        assert tx.status == TransactionStatus.NEEDS_REVIEW
        assert tx.reason == MatchReason.DUPLICATE
        assert Payment.objects.count() == 1

    def test_wrong_or_mistyped_reference_is_unmatched(self, make_invoice):
        payable = make_invoice(1_500_000)
        typo = payable.reference[:-2] + ("X" if payable.reference[-2] != "X" else "Y") + payable.reference[-1]
        for index, note in enumerate([typo, "chuyen tien hang", "ML"]):
            tx, _ = transfer(1_500_000, note, f"FT5{index}")
            assert tx.status == TransactionStatus.NEEDS_REVIEW
            assert tx.reason == MatchReason.UNMATCHED
        assert not Payment.objects.exists()

    def test_paid_into_another_account(self, make_invoice):
        payable = make_invoice(1_500_000)
        tx, _ = transfer(1_500_000, payable.reference, "FT6", account="123456789")
        assert tx.reason == MatchReason.WRONG_ACCOUNT

    def test_two_references_in_one_note(self, make_invoice):
        first, second = make_invoice(100_000), make_invoice(200_000)
        tx, _ = transfer(300_000, f"{first.reference} {second.reference}", "FT7")
        assert tx.reason == MatchReason.SEVERAL

    def test_money_going_out_is_ignored(self, make_invoice):
        tx, _ = transfer(-500_000, "Phi dich vu", "FT8")
        assert tx.status == TransactionStatus.OUTGOING

    def test_the_same_bank_transaction_twice_is_recorded_once(self, make_invoice):
        payable = make_invoice(1_500_000)
        transfer(1_500_000, payable.reference, "FT9")
        _tx, created = transfer(1_500_000, payable.reference, "FT9")
        assert not created
        assert BankTransaction.objects.count() == 1
        assert Payment.objects.count() == 1


class TestQueue:
    def test_staff_apply_a_partial_payment_then_the_rest_matches(self, make_invoice, staff):
        payable = make_invoice(1_500_000)
        tx, _ = transfer(1_000_000, payable.reference, "FQ1")
        services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, note="Khách trả 2 đợt")
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PARTIALLY_PAID
        assert payable.outstanding == 500_000
        rest, _ = transfer(500_000, payable.reference, "FQ2")
        assert rest.status == TransactionStatus.MATCHED
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID
        assert list(TestInvoiceCallback.objects.values_list("status", flat=True)) == ["partially_paid", "paid"]
        with pytest.raises(Conflict):
            services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, note="again")

    def test_staff_assign_an_unmatched_transfer_to_a_reference(self, make_invoice, staff):
        payable = make_invoice(700_000)
        tx, _ = transfer(700_000, "tien hang HTX", "FQ3")
        with pytest.raises(ValidationFailed):
            services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, note="")
        typed = f"{payable.reference[:5].lower()} {payable.reference[5:]}"  # as staff may type it
        fields = read_input(ApplyTransferInput, {"reference": typed, "note": "Khách quên ghi mã"}, mode=InputMode.FORM)
        assert fields["reference"] == payable.reference
        services.bank_transaction_apply(actor=staff, transaction_id=tx.pk, **fields)
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID

    def test_staff_dismiss_with_a_note(self, make_invoice, staff):
        tx, _ = transfer(99_000, "nhầm tài khoản", "FQ4")
        services.bank_transaction_dismiss(actor=staff, transaction_id=tx.pk, note="Đã hoàn trả cho người gửi")
        tx.refresh_from_db()
        assert tx.status == TransactionStatus.DISMISSED
        assert tx.resolution_note

    def test_only_alliance_staff_work_the_queue(self, make_invoice, coop_owner):
        tx, _ = transfer(99_000, "x", "FQ5")
        with pytest.raises(PermissionDenied):
            services.bank_transaction_dismiss(actor=resolve_actor(coop_owner), transaction_id=tx.pk, note="x")
        tx.refresh_from_db()
        assert tx.status == TransactionStatus.NEEDS_REVIEW


STATEMENT = """Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam
Sao kê tài khoản: 7700201099999
Từ ngày 01/11/2026 đến ngày 20/11/2026
Ngày GD,Số CT,Số tiền ghi nợ,Số tiền ghi có,Nội dung
20/11/2026 09:15,AG0001,,1.500.000,{ref_a} thanh toan don hang
20/11/2026 10:02,AG0002,,"1,000,000",CK {ref_b}
20/11/2026 11:40,AG0003,,250.000,chuyen tien khong ghi ma
20/11/2026 12:00,AG0004,"50,000",,Phi SMS
20/11/2026 13:00,AG0005,,1.500.000,{ref_a} lan 2
"""


def upload(actor, content: str, account: str = ACCOUNT, bank_format: str = "auto") -> StatementImport:
    return services.statement_upload(
        actor=actor, file_name="saoke.csv", content=content.encode(), bank_format=bank_format, account_number=account
    )


class TestStatementImport:
    def test_preview_then_apply_then_the_same_statement_again_changes_nothing(self, make_invoice, staff):
        a, b = make_invoice(1_500_000), make_invoice(1_500_000)
        content = STATEMENT.format(ref_a=a.reference, ref_b=b.reference)
        statement = upload(staff, content)
        assert statement.bank_format == "agribank"
        assert statement.lines_total == 5
        preview, _error = statement_preview(statement)
        assert [(line.outcome, line.reason) for line in preview] == [
            ("apply", MatchReason.EXACT),
            ("review", MatchReason.PARTIAL),
            ("review", MatchReason.UNMATCHED),
            ("outgoing", None),
            ("review", MatchReason.DUPLICATE),  # the same file already pays a
        ]
        assert not BankTransaction.objects.exists(), "a preview writes nothing"
        services.statement_apply(actor=staff, statement_id=statement.pk)
        statement.refresh_from_db()
        assert (statement.lines_new, statement.lines_matched, statement.lines_queued) == (5, 1, 3)
        a.refresh_from_db()
        b.refresh_from_db()
        assert a.status == PayableStatus.PAID
        assert b.status == PayableStatus.UNPAID
        with pytest.raises(Conflict):
            services.statement_apply(actor=staff, statement_id=statement.pk)

        again = upload(staff, content)
        assert {line.outcome for line in statement_preview(again)[0]} == {"known"}
        services.statement_apply(actor=staff, statement_id=again.pk)
        again.refresh_from_db()
        assert again.lines_new == 0
        assert BankTransaction.objects.count() == 5
        assert Payment.objects.count() == 1

    def test_our_documented_format(self, make_invoice, staff):
        payable = make_invoice(2_250_000)
        content = (
            "transaction_id,booked_at,amount,description,account_number,counterparty\n"
            f"FT26324001,2026-11-20 08:00:00,2250000,{payable.reference},{ACCOUNT},CONG TY A\n"
        )
        statement = upload(staff, content, account="")
        services.statement_apply(actor=staff, statement_id=statement.pk)
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID

    def test_a_file_that_is_not_a_statement(self, staff):
        with pytest.raises(ValidationFailed):
            upload(staff, "hello,world\n1,2\n")

    def test_an_amount_too_large_for_any_transfer_is_a_line_error_not_a_crash(self, make_invoice, staff):
        # A garbled cell (a card number, a total pasted into the amount column) made a line "to review", and
        # applying the statement then failed in the database on a number no column holds.
        payable = make_invoice(1_500_000)
        content = (
            "transaction_id,booked_at,amount,description\n"
            f"FT1,20/11/2026 09:15,99999999999999999999999,{payable.reference}\n"
            f"FT2,20/11/2026 09:16,1.500.000,{payable.reference}\n"
        )
        statement = upload(staff, content)
        preview, _error = statement_preview(statement)
        assert [line.outcome for line in preview] == ["error", "apply"]
        assert "99999999999999999999999" in preview[0].error
        services.statement_apply(actor=staff, statement_id=statement.pk)
        assert list(BankTransaction.objects.values_list("bank_reference", flat=True)) == ["FT2"]
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID

    def test_a_statement_without_references_identifies_lines_by_content(self, staff):
        content = "booked_at,amount,description\n20/11/2026,100000,a\n20/11/2026,100000,a\n"
        parsed = parse_statement(content, account_number=ACCOUNT)
        refs = [line.bank_reference for line in parsed.lines]
        assert len(set(refs)) == 2
        assert all(r.startswith("line:") for r in refs)
        assert refs == [line.bank_reference for line in parse_statement(content, account_number=ACCOUNT).lines]


@pytest.mark.parametrize(
    ("text", "value"),
    [("1500000", 1500000), ("1.500.000", 1500000), ("1,500,000", 1500000), ("1500000.00", 1500000),
     ("-250.000", -250000), ("(250,000)", -250000), ("", 0), ("2.500.000 VND", 2500000)],
)  # fmt: skip
def test_amounts_the_way_banks_write_them(text, value):
    assert parse_vnd(text) == value


def test_amounts_with_decimals_are_refused():
    with pytest.raises(ValueError, match=r"1500000\.50"):
        parse_vnd("1500000.50")


BANK_URL = "/api/v1/payments/webhooks/bank/"


def post_bank(client, payload, *, secret: str | None = None, header: str | None = None):
    body = json.dumps(payload).encode()
    from django.conf import settings

    signature = header if header is not None else bank_webhook.sign(body, secret or settings.BANK_WEBHOOK_SECRET)
    return client.post(BANK_URL, data=body, content_type="application/json", HTTP_X_MARKET_SIGNATURE=signature)


class TestBankNotifications:
    def sepay(self, payable, amount=1_500_000, id=92704):
        return {
            "id": id, "gateway": "Agribank", "transactionDate": "2026-11-20 14:02:37", "accountNumber": ACCOUNT,
            "code": None, "content": f"{payable.reference} chuyen tien", "transferType": "in",
            "transferAmount": amount, "accumulated": 19077000, "subAccount": None,
            "referenceCode": f"AGR.{id}", "description": "",
        }  # fmt: skip

    def test_a_sepay_notification_pays_and_its_duplicates_do_nothing(self, client, make_invoice):
        payable = make_invoice(1_500_000)
        for _ in range(5):
            assert post_bank(client, self.sepay(payable)).status_code == 200
        assert WebhookEvent.objects.count() == 1
        services.webhook_event_process(event_id=WebhookEvent.objects.get().pk)
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID
        # The next statement shows the same transfer: recorded once, now confirmed by the statement.
        tx, created = transfer(1_500_000, payable.reference, "AGR.92704")
        assert not created
        assert tx.seen_on_statement
        assert Payment.objects.count() == 1

    def test_a_casso_notification(self, client, make_invoice):
        payable = make_invoice(600_000)
        payload = {"error": 0, "data": {
            "id": 1234567, "reference": "FT24142123456", "description": f"{payable.reference} tra tien",
            "amount": 600000, "runningBalance": 25000000, "transactionDateTime": "2026-11-20 11:56:11",
            "accountNumber": ACCOUNT, "bankName": "Agribank", "counterAccountName": "NGUYEN VAN A",
        }}  # fmt: skip
        assert post_bank(client, payload).status_code == 200
        services.webhook_event_process(event_id=WebhookEvent.objects.get().pk)
        payable.refresh_from_db()
        assert payable.status == PayableStatus.PAID

    def test_bad_signatures_answer_400_and_store_nothing(self, client, make_invoice):
        payable = make_invoice(1_500_000)
        assert post_bank(client, self.sepay(payable), secret="not-the-secret").status_code == 400
        assert post_bank(client, self.sepay(payable), header="").status_code == 400
        assert not WebhookEvent.objects.exists()
