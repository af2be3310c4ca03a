"""Input schemas of the payments commands and list filters (docs/edge.md): the API reads them on JSON, the pages
on form posts and query strings, so a limit, a parse and a message exist once."""

from __future__ import annotations

from typing import Any

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.inputs import ChoiceInput, DateInput, IdInput, MoneyInput, TextInput
from market.organisations.inputs import AccountNumberInput
from market.payments import references
from market.payments.models import DiscrepancyStatus, PaymentState, Provider, TransactionStatus, WebhookEventOutcome
from market.payments.statements import FORMAT_CHOICES

NOTE_LENGTH = 500
# A receipt photo or PDF of the bank's confirmation.
MAX_RECEIPT_BYTES = 8 * 1024 * 1024
RECEIPT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


class ReferenceInput(TextInput):
    """A payment reference as printed (ML + 8 characters); case, spaces and dashes people add are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Payment reference"))
        super().__init__(max_length=40, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        if not text:
            return ""
        reference = "".join(char for char in text.upper() if char.isalnum())
        if not references.is_valid(reference):
            raise serializers.ValidationError(
                _("“%(text)s” is not a payment reference: it starts with ML and has 10 characters, e.g. ML7K2Q9DX.")
                % {"text": text}
            )
        return reference


class NoteInput(serializers.Serializer):
    """Why staff did it (dismissing a transfer, resolving a discrepancy)."""

    note = TextInput(max_length=NOTE_LENGTH, multiline=True, label=gettext_lazy("Note"))


class ApplyTransferInput(serializers.Serializer):
    reference = ReferenceInput(
        required=False, help_text=gettext_lazy("Leave empty to apply it to the reference found in the note.")
    )
    note = TextInput(max_length=NOTE_LENGTH, multiline=True, label=gettext_lazy("Note"))


class CardPaymentInput(serializers.Serializer):
    token = TextInput(max_length=255, help_text="A Stripe.js card token (tok_…).")

    def validate_token(self, token: str) -> str:
        if not token.startswith("tok_"):
            raise serializers.ValidationError(_("The card could not be read; enter it again."))
        return token


class RefundInput(serializers.Serializer):
    amount = MoneyInput(min_value=1, label=gettext_lazy("Amount (đồng)"))
    reason = TextInput(max_length=NOTE_LENGTH, label=gettext_lazy("Reason"))


class StatementUploadInput(serializers.Serializer):
    file = serializers.FileField(
        label=gettext_lazy("Statement file (CSV)"), help_text=gettext_lazy("Exported from the bank's internet banking.")
    )
    bank_format = serializers.ChoiceField(choices=FORMAT_CHOICES, default="auto", label=gettext_lazy("Format"))
    account_number = AccountNumberInput(
        label=gettext_lazy("Account number"), help_text=gettext_lazy("The account this statement is for.")
    )


class SettlementRunInput(serializers.Serializer):
    period_start = DateInput(label=gettext_lazy("From"))
    period_end = DateInput(label=gettext_lazy("To (inclusive)"))


class MarkPaidInput(serializers.Serializer):
    bank_reference = TextInput(max_length=120, label=gettext_lazy("Bank reference of the payout"))


class ReceivedTransferInput(serializers.Serializer):
    """A payee records a transfer its own bank account received (VietQR into a cooperative's account): staff
    check it like a statement line before it counts."""

    amount = MoneyInput(min_value=1, label=gettext_lazy("Amount received"))
    received_on = DateInput(label=gettext_lazy("Date received"))
    bank_reference = TextInput(
        max_length=120,
        label=gettext_lazy("Bank transaction number"),
        help_text=gettext_lazy("The number the bank gives the transfer (số tham chiếu / mã giao dịch)."),
    )
    statement_line = TextInput(
        max_length=NOTE_LENGTH,
        multiline=True,
        required=False,
        label=gettext_lazy("Transfer note as the bank shows it"),
        help_text=gettext_lazy("Copy the line from your statement or banking app, with the sender if shown."),
    )
    receipt = serializers.FileField(
        required=False,
        allow_null=True,
        label=gettext_lazy("Photo or PDF of the receipt"),
        help_text=gettext_lazy("A screenshot of the banking app or the bank's confirmation, up to 8 MB."),
    )

    def validate_receipt(self, receipt: UploadedFile | None) -> UploadedFile | None:
        if receipt is None:
            return None
        if (receipt.size or 0) > MAX_RECEIPT_BYTES:
            raise serializers.ValidationError(_("The file is larger than 8 MB; send a smaller photo."))
        receipt.seek(0)
        kind = filetype.guess(receipt.read(8192))
        receipt.seek(0)
        if kind is None or kind.mime not in RECEIPT_TYPES:
            raise serializers.ValidationError(_("Send a photo (JPEG, PNG, WebP) or a PDF."))
        return receipt

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("statement_line") and not attrs.get("receipt"):
            message = _("Copy the transfer note from your statement, or add a photo of the receipt.")
            raise serializers.ValidationError({"statement_line": [message], "receipt": [message]})
        return attrs


# --- list filters (query parameters) ---------------------------------------------------------------
class PageQuery(serializers.Serializer):
    """Keyset pages: `?before=<id>` (no COUNT over the table)."""

    before = IdInput(required=False)


class PaymentListQuery(PageQuery):
    state = ChoiceInput(PaymentState, required=False)
    provider = ChoiceInput(Provider, required=False)
    search = TextInput(max_length=100, required=False)
    q = TextInput(max_length=100, required=False)  # the staff page's search box


class ReviewQueueQuery(PageQuery):
    status = ChoiceInput(TransactionStatus, required=False)


class WebhookEventQuery(PageQuery):
    """The staff list of provider events: by provider, outcome and the day they arrived (local dates)."""

    provider = ChoiceInput(Provider, required=False)
    outcome = ChoiceInput(WebhookEventOutcome, required=False)
    received_from = DateInput(required=False)
    received_to = DateInput(required=False)


class DiscrepancyListQuery(PageQuery):
    run = IdInput(required=False)
    status = ChoiceInput(DiscrepancyStatus, required=False)


class PayMethodQuery(serializers.Serializer):
    """The pay page's tab."""

    method = serializers.ChoiceField(choices=["vietqr", "card"], required=False)


class SettlementRunQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=["csv"], required=False)
