"""Forms of the payment pages: rendered from the payments commands' input schemas (`market.payments.inputs`)
and validated by them, as the API is."""

from __future__ import annotations

from frontend.schema_forms import SchemaForm
from market.payments.inputs import (
    ApplyTransferInput,
    MarkPaidInput,
    NoteInput,
    ReceivedTransferInput,
    RefundInput,
    SettlementRunInput,
    StatementUploadInput,
)


class StatementUploadForm(SchemaForm):
    schema = StatementUploadInput


class NoteForm(SchemaForm):
    schema = NoteInput


class ApplyTransferForm(SchemaForm):
    schema = ApplyTransferInput


class RefundForm(SchemaForm):
    schema = RefundInput


class SettlementRunForm(SchemaForm):
    schema = SettlementRunInput


class MarkPaidForm(SchemaForm):
    schema = MarkPaidInput


class ReceivedTransferForm(SchemaForm):
    schema = ReceivedTransferInput
