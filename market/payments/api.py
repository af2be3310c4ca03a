"""Payments API: provider webhooks, the pay flow, and the alliance's payment back office."""

from __future__ import annotations

from typing import Any

import stripe
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from market.core import json_input
from market.core.api import error_body
from market.core.inputs import idempotency_key, input_mode, read_input, read_query
from market.core.json_input import JSONParser
from market.core.listing import ListEndpoint, list_response
from market.core.schema import idempotency_key_header
from market.organisations.drf import ActorAPIView, AllowedActionsField
from market.organisations.models import ApiScope
from market.payments import bank_webhook, selectors, services, vietqr
from market.payments import stripe_gateway as gateway
from market.payments.inputs import (
    ApplyTransferInput,
    CardPaymentInput,
    DiscrepancyListQuery,
    MarkPaidInput,
    NoteInput,
    PaymentListQuery,
    ReceivedTransferInput,
    RefundInput,
    ReviewQueueQuery,
    SettlementRunInput,
    StatementUploadInput,
)
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    Payable,
    Payment,
    Provider,
    ReconciliationRun,
    Refund,
    Settlement,
    SettlementRun,
    StatementImport,
    TransactionStatus,
)
from market.payments.permissions import (
    PAYMENTS_MANAGE,
    PAYMENTS_PAY,
    PAYMENTS_RECORD_TRANSFER,
    PAYMENTS_REFUND,
    SETTLEMENTS_MANAGE,
)
from market.payments.policy import (
    DISCREPANCY_POLICY,
    PAYABLE_POLICY,
    PAYMENT_POLICY,
    SETTLEMENT_POLICY,
    STATEMENT_POLICY,
    TRANSFER_POLICY,
    may_be_paid_now,
)
from market.payments.services.bank import LineOutcome, statement_preview
from market.payments.services.reconciliation import reconciliation_request
from market.payments.services.webhooks import (
    MalformedEvent,
    bank_notification_id,
    bank_notification_transfers,
    stripe_event_fields,
    webhook_event_reject,
)


# --- output --------------------------------------------------------------------------------------
class AckOut(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()


class PaymentOut(serializers.ModelSerializer):
    reference = serializers.CharField(source="payable.reference")
    allowed_actions = AllowedActionsField(PAYMENT_POLICY)

    class Meta:
        model = Payment
        fields = [
            "id", "reference", "provider", "state", "amount", "currency", "amount_refunded", "provider_reference",
            "provider_status", "failure_code", "failure_message", "card_brand", "card_last4", "created_at",
            "succeeded_at", "outcome_unknown", "allowed_actions",
        ]  # fmt: skip


class CardPaymentOut(PaymentOut):
    client_secret = serializers.CharField(help_text="Only when the card asks for 3-D Secure.")

    class Meta(PaymentOut.Meta):
        fields = [*PaymentOut.Meta.fields, "client_secret"]


class VietQROut(serializers.Serializer):
    payload = serializers.CharField()
    bank_bin = serializers.CharField()
    account_number = serializers.CharField()
    account_holder = serializers.CharField()
    amount = serializers.IntegerField()
    note = serializers.CharField()


class PayableOut(serializers.ModelSerializer):
    payer = serializers.CharField(source="payer.name")
    payee = serializers.CharField(source="payee.name")
    outstanding = serializers.IntegerField()
    pay_url = serializers.CharField()
    vietqr = serializers.SerializerMethodField()
    allowed_actions = AllowedActionsField(PAYABLE_POLICY)

    class Meta:
        model = Payable
        fields = [
            "reference", "kind", "object_id", "description", "amount", "currency", "amount_paid", "amount_refunded",
            "outstanding", "status", "payer", "payee", "pay_url", "vietqr", "allowed_actions",
        ]  # fmt: skip

    @extend_schema_field(VietQROut(allow_null=True))
    def get_vietqr(self, obj: Payable) -> dict[str, Any] | None:
        """The transfer details, while the payable awaits a bank transfer (not while a card attempt is checked)."""
        if not (obj.has_bank_account and may_be_paid_now(obj)):
            return None
        return {
            "payload": vietqr.build_payload(
                bank_bin=obj.account_bin, account_number=obj.account_number, amount=obj.outstanding, note=obj.reference
            ),
            "bank_bin": obj.account_bin,
            "account_number": obj.account_number,
            "account_holder": obj.account_holder,
            "amount": obj.outstanding,
            "note": obj.reference,
        }


class RefundOut(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = [
            "id",
            "payment_id",
            "amount",
            "state",
            "provider_reference",
            "reason",
            "failure_message",
            "outcome_unknown",
            "created_at",
        ]


class BankTransactionOut(serializers.ModelSerializer):
    reference = serializers.CharField(source="payable.reference", default=None, allow_null=True)
    has_receipt = serializers.SerializerMethodField()
    allowed_actions = AllowedActionsField(TRANSFER_POLICY)

    class Meta:
        model = BankTransaction
        fields = [
            "id", "account_number", "bank_reference", "booked_at", "amount", "currency", "description",
            "counterparty", "source", "status", "reason", "reference", "resolution_note", "has_receipt",
            "allowed_actions",
        ]  # fmt: skip

    def get_has_receipt(self, obj: BankTransaction) -> bool:
        return bool(obj.receipt)


class StatementOut(serializers.ModelSerializer):
    allowed_actions = AllowedActionsField(STATEMENT_POLICY)

    class Meta:
        model = StatementImport
        fields = [
            "id", "account_number", "bank_format", "file_name", "status", "lines_total", "lines_new",
            "lines_matched", "lines_queued", "created_at", "applied_at", "allowed_actions",
        ]  # fmt: skip


class PreviewLineOut(serializers.Serializer):
    line_no = serializers.IntegerField()
    booked_at = serializers.DateTimeField(allow_null=True)
    amount = serializers.IntegerField()
    description = serializers.CharField()
    bank_reference = serializers.CharField()
    outcome = serializers.ChoiceField(choices=[outcome.value for outcome in LineOutcome])
    reason = serializers.CharField()
    reference = serializers.CharField(allow_null=True)
    error = serializers.CharField()


class StatementPreviewOut(StatementOut):
    preview = serializers.SerializerMethodField()

    class Meta(StatementOut.Meta):
        fields = [*StatementOut.Meta.fields, "preview"]

    @extend_schema_field(PreviewLineOut(many=True))
    def get_preview(self, obj: StatementImport) -> list[dict[str, Any]]:
        lines, _error = statement_preview(obj)
        return [
            {
                "line_no": line.line_no,
                "booked_at": line.booked_at,
                "amount": line.amount,
                "description": line.description,
                "bank_reference": line.bank_reference,
                "outcome": line.outcome.value,
                "reason": line.reason.value if line.reason else "",
                "reference": line.payable.reference if line.payable else None,
                "error": line.error,
            }
            for line in lines[:1000]
        ]


class RunOut(serializers.ModelSerializer):
    class Meta:
        model = ReconciliationRun
        fields = [
            "id", "trigger", "status", "started_at", "finished_at", "swept_from", "swept_to", "events_swept",
            "events_repaired", "charges_swept", "payments_checked", "provider_records_checked",
            "statement_lines_checked", "discrepancies_found", "error",
        ]  # fmt: skip


class DiscrepancyOut(serializers.ModelSerializer):
    allowed_actions = AllowedActionsField(DISCREPANCY_POLICY)

    class Meta:
        model = Discrepancy
        fields = [
            "id", "run_id", "kind", "provider", "reference", "payment_id", "expected", "actual", "cause", "status",
            "resolution_note", "resolved_at", "created_at", "allowed_actions",
        ]  # fmt: skip


class SettlementOut(serializers.ModelSerializer):
    payee = serializers.CharField(source="payee.name")
    allowed_actions = AllowedActionsField(SETTLEMENT_POLICY)

    class Meta:
        model = Settlement
        fields = [
            "id", "payee", "gross", "commission", "net", "state", "bank_bin", "account_number", "account_holder",
            "transfer_note", "paid_at", "paid_reference", "allowed_actions",
        ]  # fmt: skip


class SettlementRunOut(serializers.ModelSerializer):
    settlements = SettlementOut(many=True, read_only=True)

    class Meta:
        model = SettlementRun
        fields = ["id", "period_start", "period_end", "gross", "commission", "net", "created_at", "settlements"]


def _fields(schema: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    return read_input(schema, request.data, mode=input_mode(request))


# --- webhooks ------------------------------------------------------------------------------------
class _WebhookView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @staticmethod
    def bad(code: str, message: str) -> Response:
        return Response(error_body(code, message), status=status.HTTP_400_BAD_REQUEST)

    def rejected(self, provider: Provider, body: bytes, error: Exception) -> Response:
        """Signed by the provider but not a body we can read: kept for staff, answered 400, not retried."""
        webhook_event_reject(provider=provider, body=body, error=f"{type(error).__name__}: {error}")
        return self.bad("malformed_event", _("The event is signed but its body is not one we can read."))


def _json_body(body: bytes) -> Any:
    try:
        return json_input.loads(body)
    except ValueError as error:  # UnicodeDecodeError and JSONTooDeep are ValueErrors
        raise MalformedEvent(f"not JSON: {error}") from None


class StripeWebhookView(_WebhookView):
    @extend_schema(request=None, responses={200: AckOut}, tags=["payments-webhooks"], auth=[])
    def post(self, request: Request) -> Response:
        """Receive a Stripe event (signed): stored once by event id and processed by a worker; duplicates answer 200."""
        payload = request.body
        try:
            gateway.verify_webhook(payload, request.META.get("HTTP_STRIPE_SIGNATURE"))
        except (stripe.SignatureVerificationError, ValueError):
            return self.bad("bad_signature", _("The signature or the body is not valid."))
        try:
            event = _json_body(payload)
            event_id, event_type = stripe_event_fields(event)
        except MalformedEvent as error:
            return self.rejected(Provider.STRIPE, payload, error)
        _event, created = services.webhook_event_store(
            provider=Provider.STRIPE, event_id=event_id, type=event_type, payload=event
        )
        return Response({"received": True, "duplicate": not created})


class BankWebhookView(_WebhookView):
    @extend_schema(request=None, responses={200: AckOut}, tags=["payments-webhooks"], auth=[])
    def post(self, request: Request) -> Response:
        """Receive a bank's incoming-transfer notification (signed), stored and matched by reference and amount."""
        payload = request.body
        try:
            bank_webhook.verify(payload, request.META.get(bank_webhook.HEADER))
        except bank_webhook.BadSignature:
            return self.bad("bad_signature", _("The signature or the body is not valid."))
        try:
            body = _json_body(payload)
            bank_notification_transfers(body)
        except MalformedEvent as error:
            return self.rejected(Provider.BANK_TRANSFER, payload, error)
        _event, created = services.webhook_event_store(
            provider=Provider.BANK_TRANSFER, event_id=bank_notification_id(body), type="transfer", payload=body
        )
        return Response({"received": True, "duplicate": not created})


# --- paying --------------------------------------------------------------------------------------
class PayableDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.PAYMENTS_READ}

    @extend_schema(responses=PayableOut, tags=["payments"])
    def get(self, request: Request, reference: str) -> Response:
        """One payable by its reference (what is owed, paid and left), for its payer and payee; payment staff see
        any. A missing one and one the caller may not see are the same 404."""
        payable = selectors.payable_get_for(actor=self.actor, reference=reference)
        return Response(PayableOut(payable, context=self.output_context).data)


class CardPaymentView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_PAY}

    @extend_schema(
        request=CardPaymentInput,
        responses={201: CardPaymentOut},
        parameters=[
            idempotency_key_header("Retrying with the same key answers the same payment; the card is charged once.")
        ],
        tags=["payments"],
    )
    def post(self, request: Request, reference: str) -> Response:
        """Pay a payable by card with a Stripe token; answers the payment and, when the bank asks for it, the client
        secret for 3-D Secure. An `Idempotency-Key` makes a retry pay once. For the payer's members who pay."""
        payable = selectors.payable_get_for(actor=self.actor, reference=reference)
        token = _fields(CardPaymentInput, request)["token"]
        payment, secret = services.card_payment_start(
            actor=self.actor,
            payable_id=payable.pk,
            token_id=token,
            client_key=idempotency_key(request.headers),
        )
        body = PaymentOut(payment, context=self.output_context).data | {"client_secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)


class TransferReportView(ActorAPIView):
    """The payee records a transfer its own account received; it waits for staff (or the bank's statement)."""

    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}

    capabilities = {"POST": PAYMENTS_RECORD_TRANSFER}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=ReceivedTransferInput, responses={201: BankTransactionOut}, tags=["payments-bank"])
    def post(self, request: Request, reference: str) -> Response:
        payable = selectors.payable_get_for(actor=self.actor, reference=reference)
        tx = services.transfer_report(
            actor=self.actor, payable_id=payable.pk, **_fields(ReceivedTransferInput, request)
        )
        return Response(BankTransactionOut(tx, context=self.output_context).data, status=status.HTTP_201_CREATED)


class PaymentListView(ListEndpoint, ActorAPIView):
    list_filters = (PaymentListQuery,)
    required_scopes = {"GET": ApiScope.PAYMENTS_READ}

    @extend_schema(responses=PaymentOut(many=True), parameters=[PaymentListQuery], tags=["payments"])
    def get(self, request: Request) -> Response:
        """Payments of the payables the caller's organisation pays or is paid; payment staff see all. Filters: `state`,
        `provider`, `search` (or `q`, its older name). Newest first, in pages (`cursor`, `page_size`); with
        `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        query = read_query(PaymentListQuery, request.query_params)
        queryset = selectors.payment_list_for(
            actor=self.actor,
            state=query.get("state"),
            provider=query.get("provider"),
            search=query.get("search") or query.get("q"),
        )
        return list_response(self, queryset, PaymentOut, context=self.output_context)


class PaymentDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.PAYMENTS_READ}

    @extend_schema(responses=PaymentOut, tags=["payments"])
    def get(self, request: Request, payment_id: int) -> Response:
        """One payment (card or bank transfer) with its state, amounts refunded and provider reference."""
        payment = selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        return Response(PaymentOut(payment, context=self.output_context).data)


class PaymentRefreshView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}

    @extend_schema(request=None, responses=PaymentOut, tags=["payments"])
    def post(self, request: Request, payment_id: int) -> Response:
        """Ask Stripe again for a card payment's state (after 3-D Secure, or when a webhook is late); answers the
        payment."""
        payment = selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        payment = services.card_payment_refresh(actor=self.actor, payment=payment)
        return Response(PaymentOut(payment, context=self.output_context).data)


class FinishAuthenticationView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_PAY}

    @extend_schema(request=None, responses=CardPaymentOut, tags=["payments"])
    def post(self, request: Request, payment_id: int) -> Response:
        """Finish 3-D Secure on a card attempt left waiting for it (`finish_authentication` in its
        `allowed_actions`): the attempt as Stripe has it now and, while it still waits, the `client_secret` for
        Stripe.js. 409 once it no longer waits (paid, cancelled by a new attempt, or the payable paid otherwise).
        For the payer's members who pay."""
        selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        payment, secret = services.card_payment_resume(actor=self.actor, payment_id=payment_id)
        return Response(PaymentOut(payment, context=self.output_context).data | {"client_secret": secret})


class RefundCreateView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_REFUND}

    @extend_schema(
        request=RefundInput,
        responses={201: RefundOut},
        parameters=[idempotency_key_header("Retrying with the same key answers the same refund, made once.")],
        tags=["payments"],
    )
    def post(self, request: Request, payment_id: int) -> Response:
        """Refund part or all of a card payment; the same Idempotency-Key answers with the same refund, made once.
        When Stripe's answer is lost the refund may have been made: 409 `refund_outcome_unknown` (also to retries)
        until Stripe is heard; its amount stays reserved meanwhile. Do not send a new refund for it."""
        selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        refund = services.refund_create(
            actor=self.actor,
            payment_id=payment_id,
            client_key=idempotency_key(request.headers),
            **_fields(RefundInput, request),
        ).value
        return Response(RefundOut(refund).data, status=status.HTTP_201_CREATED)


# --- bank transfers and statements ---------------------------------------------------------------
class BankTransactionListView(ListEndpoint, ActorAPIView):
    list_filters = (ReviewQueueQuery,)
    required_scopes = {"GET": ApiScope.PAYMENTS_READ}
    capabilities = {"GET": PAYMENTS_MANAGE}

    @extend_schema(responses=BankTransactionOut(many=True), parameters=[ReviewQueueQuery], tags=["payments-bank"])
    def get(self, request: Request) -> Response:
        """Payment staff's review queue of bank lines (statement lines, bank notifications, transfers payees reported).
        Filter: `status` (needs review when not given). Newest first, in pages (`cursor`, `page_size`); with
        `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        query = read_query(ReviewQueueQuery, request.query_params)
        queryset = selectors.review_queue(actor=self.actor, status=query.get("status", TransactionStatus.NEEDS_REVIEW))
        return list_response(self, queryset, BankTransactionOut, context=self.output_context)


class BankTransactionApplyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=ApplyTransferInput, responses=BankTransactionOut, tags=["payments-bank"])
    def post(self, request: Request, transaction_id: int) -> Response:
        """Payment staff decide that a queued bank line pays a payable, with a note (the same `once_key` answers with
        the first decision)."""
        selectors.bank_transaction_get_for(actor=self.actor, transaction_id=transaction_id)
        fields = _fields(ApplyTransferInput, request)
        tx = services.bank_transaction_apply(actor=self.actor, transaction_id=transaction_id, **fields).value
        return Response(BankTransactionOut(tx, context=self.output_context).data)


class BankTransactionDismissView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=NoteInput, responses=BankTransactionOut, tags=["payments-bank"])
    def post(self, request: Request, transaction_id: int) -> Response:
        """Payment staff dismiss a queued bank line that pays nothing of ours, with a note."""
        selectors.bank_transaction_get_for(actor=self.actor, transaction_id=transaction_id)
        note = _fields(NoteInput, request)["note"]
        tx = services.bank_transaction_dismiss(actor=self.actor, transaction_id=transaction_id, note=note)
        return Response(BankTransactionOut(tx, context=self.output_context).data)


class StatementCreateView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=StatementUploadInput, responses={201: StatementPreviewOut}, tags=["payments-bank"])
    def post(self, request: Request) -> Response:
        """Payment staff upload a bank statement file (its bank's format); its lines are read and matched, nothing is
        applied yet."""
        fields = _fields(StatementUploadInput, request)
        upload = fields["file"]
        statement = services.statement_upload(
            actor=self.actor,
            file_name=upload.name,
            content=upload.read(),
            bank_format=fields["bank_format"],
            account_number=fields["account_number"],
        )
        return Response(
            StatementPreviewOut(statement, context=self.output_context).data, status=status.HTTP_201_CREATED
        )


class StatementApplyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=None, responses=StatementOut, tags=["payments-bank"])
    def post(self, request: Request, statement_id: int) -> Response:
        """Payment staff apply an uploaded statement: its matched lines pay their payables."""
        statement = services.statement_apply(actor=self.actor, statement_id=statement_id)
        return Response(StatementOut(statement, context=self.output_context).data)


class StatementDiscardView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=None, responses=StatementOut, tags=["payments-bank"])
    def post(self, request: Request, statement_id: int) -> Response:
        """Payment staff discard an uploaded statement that was not applied."""
        statement = services.statement_discard(actor=self.actor, statement_id=statement_id)
        return Response(StatementOut(statement, context=self.output_context).data)


# --- reconciliation ------------------------------------------------------------------------------
class ReconciliationRunListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.PAYMENTS_READ, "POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"GET": PAYMENTS_MANAGE, "POST": PAYMENTS_MANAGE}

    @extend_schema(responses=RunOut(many=True), tags=["payments-reconciliation"])
    def get(self, request: Request) -> Response:
        """Reconciliation runs (our payments against the providers' records), for payment staff. No filters. Newest
        first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest change
        first (docs/api-sync.md)."""
        return list_response(
            self, selectors.reconciliation_runs_for(actor=self.actor), RunOut, context=self.output_context
        )

    @extend_schema(request=None, responses={202: RunOut}, tags=["payments-reconciliation"])
    def post(self, request: Request) -> Response:
        """Payment staff start a reconciliation run (202: it runs in the background)."""
        return Response(RunOut(reconciliation_request(actor=self.actor)).data, status=status.HTTP_202_ACCEPTED)


class DiscrepancyListView(ListEndpoint, ActorAPIView):
    list_filters = (DiscrepancyListQuery,)
    required_scopes = {"GET": ApiScope.PAYMENTS_READ}
    capabilities = {"GET": PAYMENTS_MANAGE}

    @extend_schema(
        responses=DiscrepancyOut(many=True), parameters=[DiscrepancyListQuery], tags=["payments-reconciliation"]
    )
    def get(self, request: Request) -> Response:
        """Differences reconciliation found between our payments and the providers' records, for payment staff. Filters:
        `run`, `status`. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since
        then, oldest change first (docs/api-sync.md)."""
        query = read_query(DiscrepancyListQuery, request.query_params)
        queryset = selectors.discrepancy_list_for(actor=self.actor, run_id=query.get("run"), status=query.get("status"))
        return list_response(self, queryset, DiscrepancyOut, context=self.output_context)


class DiscrepancyResolveView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=NoteInput, responses=DiscrepancyOut, tags=["payments-reconciliation"])
    def post(self, request: Request, discrepancy_id: int) -> Response:
        """Payment staff close a reconciliation difference, saying what was done."""
        note = _fields(NoteInput, request)["note"]
        discrepancy = services.discrepancy_resolve(actor=self.actor, discrepancy_id=discrepancy_id, note=note)
        return Response(DiscrepancyOut(discrepancy, context=self.output_context).data)


# --- settlements ---------------------------------------------------------------------------------
class SettlementRunListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.PAYMENTS_READ, "POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"GET": SETTLEMENTS_MANAGE, "POST": SETTLEMENTS_MANAGE}

    @extend_schema(responses=SettlementRunOut(many=True), tags=["payments-settlements"])
    def get(self, request: Request) -> Response:
        """Settlement runs with their settlements (what each payee is paid out), for settlement and payment staff. No
        filters. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then,
        oldest change first (docs/api-sync.md)."""
        queryset = selectors.settlement_runs_for(actor=self.actor).prefetch_related("settlements__payee")
        return list_response(self, queryset, SettlementRunOut, context=self.output_context)

    @extend_schema(request=SettlementRunInput, responses={201: SettlementRunOut}, tags=["payments-settlements"])
    def post(self, request: Request) -> Response:
        """Settlement staff gather what is owed to each payee into a settlement run."""
        run = services.settlement_run_create(actor=self.actor, **_fields(SettlementRunInput, request))
        return Response(SettlementRunOut(run, context=self.output_context).data, status=status.HTTP_201_CREATED)


class SettlementMarkPaidView(ActorAPIView):
    required_scopes = {"POST": ApiScope.PAYMENTS_WRITE}
    capabilities = {"POST": SETTLEMENTS_MANAGE}

    @extend_schema(request=MarkPaidInput, responses=SettlementOut, tags=["payments-settlements"])
    def post(self, request: Request, settlement_id: int) -> Response:
        """Settlement staff record a settlement's bank payout by its reference; it is paid once."""
        reference = _fields(MarkPaidInput, request)["bank_reference"]
        settlement = services.settlement_mark_paid(
            actor=self.actor, settlement_id=settlement_id, bank_reference=reference
        ).value
        return Response(SettlementOut(settlement, context=self.output_context).data)
