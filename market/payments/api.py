"""Payments API: provider webhooks, the pay flow, and the alliance's payment back office."""

from __future__ import annotations

import json
from typing import Any

import stripe
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from market.core.api import error_body
from market.core.pagination import CursorPagination
from market.organisations.drf import ActorAPIView
from market.payments import bank_webhook, selectors, services, vietqr
from market.payments import stripe_gateway as gateway
from market.payments.models import (
    BankTransaction,
    Discrepancy,
    Payable,
    Payment,
    PaymentState,
    Provider,
    ReconciliationRun,
    Refund,
    Settlement,
    SettlementRun,
    StatementImport,
    TransactionStatus,
)
from market.payments.permissions import PAYMENTS_MANAGE, PAYMENTS_PAY, PAYMENTS_REFUND, SETTLEMENTS_MANAGE
from market.payments.services.bank import statement_preview
from market.payments.services.reconciliation import reconciliation_request
from market.payments.services.webhooks import bank_notification_id, bank_notification_transfers


# --- output --------------------------------------------------------------------------------------
class AckOut(serializers.Serializer):
    received = serializers.BooleanField()
    duplicate = serializers.BooleanField()


class PaymentOut(serializers.ModelSerializer):
    reference = serializers.CharField(source="payable.reference")

    class Meta:
        model = Payment
        fields = [
            "id", "reference", "provider", "state", "amount", "currency", "amount_refunded", "provider_reference",
            "provider_status", "failure_code", "failure_message", "card_brand", "card_last4", "created_at",
            "succeeded_at",
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

    class Meta:
        model = Payable
        fields = [
            "reference", "kind", "object_id", "description", "amount", "currency", "amount_paid", "amount_refunded",
            "outstanding", "status", "payer", "payee", "pay_url", "vietqr",
        ]  # fmt: skip

    @extend_schema_field(VietQROut(allow_null=True))
    def get_vietqr(self, obj: Payable) -> dict[str, Any] | None:
        if not obj.has_bank_account or obj.outstanding <= 0:
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
            "created_at",
        ]


class BankTransactionOut(serializers.ModelSerializer):
    reference = serializers.CharField(source="payable.reference", default=None)

    class Meta:
        model = BankTransaction
        fields = [
            "id", "account_number", "bank_reference", "booked_at", "amount", "currency", "description",
            "counterparty", "source", "status", "reason", "reference", "resolution_note",
        ]  # fmt: skip


class StatementOut(serializers.ModelSerializer):
    class Meta:
        model = StatementImport
        fields = [
            "id", "account_number", "bank_format", "file_name", "status", "lines_total", "lines_new",
            "lines_matched", "lines_queued", "created_at", "applied_at",
        ]  # fmt: skip


class PreviewLineOut(serializers.Serializer):
    line_no = serializers.IntegerField()
    booked_at = serializers.DateTimeField(allow_null=True)
    amount = serializers.IntegerField()
    description = serializers.CharField()
    bank_reference = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["error", "known", "outgoing", "apply", "review"])
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
                "outcome": line.outcome,
                "reason": line.reason,
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
    class Meta:
        model = Discrepancy
        fields = [
            "id", "run_id", "kind", "provider", "reference", "payment_id", "expected", "actual", "cause", "status",
            "resolution_note", "resolved_at", "created_at",
        ]  # fmt: skip


class SettlementOut(serializers.ModelSerializer):
    payee = serializers.CharField(source="payee.name")

    class Meta:
        model = Settlement
        fields = [
            "id", "payee", "gross", "commission", "net", "state", "bank_bin", "account_number", "account_holder",
            "transfer_note", "paid_at", "paid_reference",
        ]  # fmt: skip


class SettlementRunOut(serializers.ModelSerializer):
    settlements = SettlementOut(many=True, read_only=True)

    class Meta:
        model = SettlementRun
        fields = ["id", "period_start", "period_end", "gross", "commission", "net", "created_at", "settlements"]


# --- input ---------------------------------------------------------------------------------------
class CardPaymentIn(serializers.Serializer):
    token = serializers.CharField(max_length=255, help_text="A Stripe.js card token (tok_…).")


class RefundIn(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=500)


class ApplyIn(serializers.Serializer):
    reference = serializers.CharField(max_length=16, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500)


class NoteIn(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class StatementIn(serializers.Serializer):
    file = serializers.FileField()
    bank_format = serializers.CharField(max_length=20, default="auto")
    account_number = serializers.CharField(max_length=19)


class SettlementRunIn(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class MarkPaidIn(serializers.Serializer):
    bank_reference = serializers.CharField(max_length=120)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(view: ActorAPIView, queryset, serializer_class) -> Response:
    paginator = CursorPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- webhooks ------------------------------------------------------------------------------------
class _WebhookView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @staticmethod
    def bad(code: str, message: str) -> Response:
        return Response(error_body(code, message), status=status.HTTP_400_BAD_REQUEST)


class StripeWebhookView(_WebhookView):
    @extend_schema(request=None, responses={200: AckOut}, tags=["payments-webhooks"], auth=[])
    def post(self, request: Request) -> Response:
        payload = request.body
        try:
            gateway.verify_webhook(payload, request.META.get("HTTP_STRIPE_SIGNATURE"))
            event = json.loads(payload)
            event_id, event_type = event["id"], event["type"]
        except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError):
            return self.bad("bad_signature", _("The signature or the body is not valid."))
        _event, created = services.webhook_event_store(
            provider=Provider.STRIPE, event_id=event_id, type=event_type, payload=event
        )
        return Response({"received": True, "duplicate": not created})


class BankWebhookView(_WebhookView):
    @extend_schema(request=None, responses={200: AckOut}, tags=["payments-webhooks"], auth=[])
    def post(self, request: Request) -> Response:
        payload = request.body
        try:
            bank_webhook.verify(payload, request.META.get(bank_webhook.HEADER))
            body = json.loads(payload)
            bank_notification_transfers(body)
        except (bank_webhook.BadSignature, ValueError, KeyError, TypeError):
            return self.bad("bad_signature", _("The signature or the body is not valid."))
        _event, created = services.webhook_event_store(
            provider=Provider.BANK_TRANSFER, event_id=bank_notification_id(body), type="transfer", payload=body
        )
        return Response({"received": True, "duplicate": not created})


# --- paying --------------------------------------------------------------------------------------
class PayableDetailView(ActorAPIView):
    @extend_schema(responses=PayableOut, tags=["payments"])
    def get(self, request: Request, reference: str) -> Response:
        return Response(PayableOut(selectors.payable_get_for(actor=self.actor, reference=reference)).data)


class CardPaymentView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_PAY}

    @extend_schema(
        request=CardPaymentIn,
        responses={201: CardPaymentOut},
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)],
        tags=["payments"],
    )
    def post(self, request: Request, reference: str) -> Response:
        payable = selectors.payable_get_for(actor=self.actor, reference=reference)
        token = _valid(CardPaymentIn, request)["token"]
        payment, secret = services.card_payment_start(
            actor=self.actor, payable=payable, token_id=token, client_key=request.headers.get("Idempotency-Key", "")
        )
        return Response(PaymentOut(payment).data | {"client_secret": secret}, status=status.HTTP_201_CREATED)


class PaymentListView(ActorAPIView):
    @extend_schema(
        responses=PaymentOut(many=True),
        parameters=[
            OpenApiParameter("state", str, enum=PaymentState.values),
            OpenApiParameter("provider", str, enum=Provider.values),
            OpenApiParameter("search", str),
        ],
        tags=["payments"],
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        queryset = selectors.payment_list_for(
            actor=self.actor, state=params.get("state"), provider=params.get("provider"), search=params.get("search")
        )
        return _paginated(self, queryset, PaymentOut)


class PaymentDetailView(ActorAPIView):
    @extend_schema(responses=PaymentOut, tags=["payments"])
    def get(self, request: Request, payment_id: int) -> Response:
        return Response(PaymentOut(selectors.payment_get_for(actor=self.actor, payment_id=payment_id)).data)


class PaymentRefreshView(ActorAPIView):
    @extend_schema(request=None, responses=PaymentOut, tags=["payments"])
    def post(self, request: Request, payment_id: int) -> Response:
        payment = selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        return Response(PaymentOut(services.card_payment_refresh(actor=self.actor, payment=payment)).data)


class RefundCreateView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_REFUND}

    @extend_schema(request=RefundIn, responses={201: RefundOut}, tags=["payments"])
    def post(self, request: Request, payment_id: int) -> Response:
        payment = selectors.payment_get_for(actor=self.actor, payment_id=payment_id)
        refund = services.refund_create(actor=self.actor, payment=payment, **_valid(RefundIn, request))
        return Response(RefundOut(refund).data, status=status.HTTP_201_CREATED)


# --- bank transfers and statements ---------------------------------------------------------------
class BankTransactionListView(ActorAPIView):
    capabilities = {"GET": PAYMENTS_MANAGE}

    @extend_schema(
        responses=BankTransactionOut(many=True),
        parameters=[OpenApiParameter("status", str, enum=TransactionStatus.values)],
        tags=["payments-bank"],
    )
    def get(self, request: Request) -> Response:
        state = request.query_params.get("status") or TransactionStatus.NEEDS_REVIEW
        return _paginated(self, selectors.review_queue(actor=self.actor, status=state), BankTransactionOut)


class BankTransactionApplyView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=ApplyIn, responses=BankTransactionOut, tags=["payments-bank"])
    def post(self, request: Request, transaction_id: int) -> Response:
        selectors.bank_transaction_get_for(actor=self.actor, transaction_id=transaction_id)
        data = _valid(ApplyIn, request)
        tx = services.bank_transaction_apply(
            actor=self.actor, transaction_id=transaction_id, note=data["note"], reference=data.get("reference", "")
        )
        return Response(BankTransactionOut(tx).data)


class BankTransactionDismissView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=NoteIn, responses=BankTransactionOut, tags=["payments-bank"])
    def post(self, request: Request, transaction_id: int) -> Response:
        selectors.bank_transaction_get_for(actor=self.actor, transaction_id=transaction_id)
        tx = services.bank_transaction_dismiss(
            actor=self.actor, transaction_id=transaction_id, note=_valid(NoteIn, request)["note"]
        )
        return Response(BankTransactionOut(tx).data)


class StatementCreateView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=StatementIn, responses={201: StatementPreviewOut}, tags=["payments-bank"])
    def post(self, request: Request) -> Response:
        data = _valid(StatementIn, request)
        upload = data["file"]
        statement = services.statement_upload(
            actor=self.actor,
            file_name=upload.name,
            content=upload.read(),
            bank_format=data["bank_format"],
            account_number=data["account_number"],
        )
        return Response(StatementPreviewOut(statement).data, status=status.HTTP_201_CREATED)


class StatementApplyView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=None, responses=StatementOut, tags=["payments-bank"])
    def post(self, request: Request, statement_id: int) -> Response:
        statement = selectors.statement_get_for(actor=self.actor, statement_id=statement_id)
        return Response(StatementOut(services.statement_apply(actor=self.actor, statement=statement)).data)


# --- reconciliation ------------------------------------------------------------------------------
class ReconciliationRunListView(ActorAPIView):
    capabilities = {"GET": PAYMENTS_MANAGE, "POST": PAYMENTS_MANAGE}

    @extend_schema(responses=RunOut(many=True), tags=["payments-reconciliation"])
    def get(self, request: Request) -> Response:
        return _paginated(self, selectors.reconciliation_runs_for(actor=self.actor), RunOut)

    @extend_schema(request=None, responses={202: RunOut}, tags=["payments-reconciliation"])
    def post(self, request: Request) -> Response:
        return Response(RunOut(reconciliation_request(actor=self.actor)).data, status=status.HTTP_202_ACCEPTED)


class DiscrepancyListView(ActorAPIView):
    capabilities = {"GET": PAYMENTS_MANAGE}

    @extend_schema(
        responses=DiscrepancyOut(many=True),
        parameters=[OpenApiParameter("run", int), OpenApiParameter("status", str, enum=["open", "resolved"])],
        tags=["payments-reconciliation"],
    )
    def get(self, request: Request) -> Response:
        run = request.query_params.get("run")
        queryset = selectors.discrepancy_list_for(
            actor=self.actor,
            run_id=int(run) if run and run.isdigit() else None,
            status=request.query_params.get("status") or None,
        )
        return _paginated(self, queryset, DiscrepancyOut)


class DiscrepancyResolveView(ActorAPIView):
    capabilities = {"POST": PAYMENTS_MANAGE}

    @extend_schema(request=NoteIn, responses=DiscrepancyOut, tags=["payments-reconciliation"])
    def post(self, request: Request, discrepancy_id: int) -> Response:
        discrepancy = services.discrepancy_resolve(
            actor=self.actor, discrepancy_id=discrepancy_id, note=_valid(NoteIn, request)["note"]
        )
        return Response(DiscrepancyOut(discrepancy).data)


# --- settlements ---------------------------------------------------------------------------------
class SettlementRunListView(ActorAPIView):
    capabilities = {"GET": SETTLEMENTS_MANAGE, "POST": SETTLEMENTS_MANAGE}

    @extend_schema(responses=SettlementRunOut(many=True), tags=["payments-settlements"])
    def get(self, request: Request) -> Response:
        queryset = selectors.settlement_runs_for(actor=self.actor).prefetch_related("settlements__payee")
        return _paginated(self, queryset, SettlementRunOut)

    @extend_schema(request=SettlementRunIn, responses={201: SettlementRunOut}, tags=["payments-settlements"])
    def post(self, request: Request) -> Response:
        run = services.settlement_run_create(actor=self.actor, **_valid(SettlementRunIn, request))
        return Response(SettlementRunOut(run).data, status=status.HTTP_201_CREATED)


class SettlementMarkPaidView(ActorAPIView):
    capabilities = {"POST": SETTLEMENTS_MANAGE}

    @extend_schema(request=MarkPaidIn, responses=SettlementOut, tags=["payments-settlements"])
    def post(self, request: Request, settlement_id: int) -> Response:
        settlement = services.settlement_mark_paid(
            actor=self.actor, settlement_id=settlement_id, bank_reference=_valid(MarkPaidIn, request)["bank_reference"]
        )
        return Response(SettlementOut(settlement).data)
