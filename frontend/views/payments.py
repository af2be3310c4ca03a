"""Payment pages: the pay page of any payable (VietQR and card; the payee records a transfer it received), and
the alliance's payment back office. What each control may do comes from the payments policies."""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from frontend.decorators import actor_required
from frontend.errors import page_message
from frontend.payment_forms import (
    ApplyTransferForm,
    MarkPaidForm,
    NoteForm,
    ReceivedTransferForm,
    RefundForm,
    SettlementRunForm,
    StatementUploadForm,
)
from frontend.schema_forms import SchemaForm
from market.core import json_input
from market.core.errors import ApplicationError, NotFound
from market.core.http import generated_file
from market.core.inputs import InputMode, idempotency_key, read_input, read_query
from market.core.once import posted_key
from market.core.parsing import format_decimal, format_money
from market.core.passing_errors import passing_error
from market.core.security import csp_allow
from market.core.storage import private_file_response
from market.organisations.banks import bank_by_bin
from market.organisations.http import MemberRequest
from market.organisations.permissions import Actor
from market.organisations.policy import Policy
from market.payments import selectors, services, vietqr
from market.payments import stripe_gateway as gateway
from market.payments.inputs import (
    CardPaymentInput,
    DiscrepancyListQuery,
    PageQuery,
    PaymentListQuery,
    PayMethodQuery,
    ReviewQueueQuery,
    SettlementRunQuery,
    WebhookEventQuery,
)
from market.payments.models import (
    BankTransaction,
    DiscrepancyStatus,
    EventSource,
    Payable,
    Payment,
    PaymentState,
    Provider,
    ProviderStatus,
    RunStatus,
    TransactionStatus,
    WebhookEventOutcome,
)
from market.payments.permissions import PAYMENTS_MANAGE, SETTLEMENTS_MANAGE
from market.payments.policy import (
    DISCREPANCY_POLICY,
    PAYABLE_POLICY,
    PAYMENT_POLICY,
    SETTLEMENT_POLICY,
    TRANSFER_POLICY,
    DiscrepancyAction,
    PayableAction,
    PaymentAction,
    SettlementAction,
    TransferAction,
    discrepancy_actions,
    payable_actions,
    payment_actions,
    settlement_actions,
    statement_actions,
    transfer_actions,
)
from market.payments.services.bank import LineOutcome, statement_preview
from market.payments.services.cards import REFUND_OUTCOME_UNKNOWN
from market.payments.services.reconciliation import reconciliation_request
from market.payments.services.settlements import payout_csv

PAGE = 50
M = TypeVar("M", bound=Model)
A = TypeVar("A", bound=StrEnum)


def _older(queryset: QuerySet[M], before: int | None) -> tuple[list[M], int | None]:
    """Keyset pages: `?before=<id>` — no COUNT over the table."""
    if before:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: PAGE + 1])
    older = rows[PAGE - 1].pk if len(rows) > PAGE else None
    return rows[:PAGE], older


def _page(request: MemberRequest) -> int | None:
    return read_query(PageQuery, request.GET).get("before")


# --- the pay page --------------------------------------------------------------------------------
def _vietqr_context(payable: Payable) -> dict[str, Any]:
    if not payable.has_bank_account:
        return {}
    payload = vietqr.build_payload(
        bank_bin=payable.account_bin, account_number=payable.account_number, amount=payable.outstanding,
        note=payable.reference,
    )  # fmt: skip
    title = _("VietQR code for %(ref)s") % {"ref": payable.reference}
    return {
        "qr_svg": mark_safe(vietqr.qr_svg(payload, title=title)),  # noqa: S308 (segno's own SVG)
        "bank": bank_by_bin(payable.account_bin),
        "qr_amount": payable.outstanding,
    }


def _resumable_attempt(actor: Actor, payable: Payable) -> Payment | None:
    """The newest card attempt the actor may finish 3-D Secure on (the payment policy's answer), if any."""
    waiting = payable.payments.filter(
        provider=Provider.STRIPE, state=PaymentState.PENDING, provider_status=ProviderStatus.REQUIRES_ACTION
    ).order_by("-pk")[:5]
    for attempt in waiting:
        attempt.payable = payable  # the page's payable: read once
        if PaymentAction.FINISH_AUTHENTICATION in payment_actions(actor=actor, payment=attempt):
            return attempt
    return None


def _card_in_progress(payable: Payable) -> dict[str, Any]:
    """The notice shown while another card attempt may still be charged: why no card payment is offered (the
    payable policy's own words), polled until Stripe has answered it."""
    return {"payable": payable, "refusal": PAYABLE_POLICY.state_refusal(PayableAction.PAY_BY_CARD, payable)}


def _say_refusal(
    request: MemberRequest, form: SchemaForm | None, policy: Policy[A, M], action: A, subject: M, actions: Container[A]
) -> None:
    """A refused `form` for `action` that the page no longer shows, `action` not being among the subject's `actions`
    any more (the payable was paid, the payment refunded, a colleague acted meanwhile): why, at the top of the page,
    so the refusal is not silent. The state says it best; the form's messages otherwise."""
    if form is None or action in actions:
        return
    state_refusal = policy.state_refusal(action, subject)
    texts = [state_refusal] if state_refusal else [str(text) for texts in form.errors.values() for text in texts]
    for text in dict.fromkeys(texts):
        messages.error(request, text)


def _pay_page(request: MemberRequest, payable: Payable, transfer_form: SchemaForm | None = None) -> HttpResponse:
    actor = request.actor
    actions = payable_actions(actor=actor, payable=payable)
    _say_refusal(request, transfer_form, PAYABLE_POLICY, PayableAction.RECORD_TRANSFER, payable, actions)
    method = read_query(PayMethodQuery, request.GET).get("method", "vietqr")
    if PayableAction.PAY_BY_CARD not in actions:
        method = "vietqr"
    resume = _resumable_attempt(actor, payable)
    context: dict[str, Any] = {
        "payable": payable,
        "actions": actions,
        "method": method,
        "payments": payable.payments.order_by("-pk")[:20],
        "resume": resume,
        "reported": selectors.transfers_reported_for(actor=actor, payable=payable)[:20],
    }
    if payable.card_attempt_in_flight and not payable.card_outcome_being_checked:
        context["card_in_progress"] = _card_in_progress(payable)
    if PayableAction.PAY_BY_TRANSFER in actions:
        context.update(_vietqr_context(payable))
    if PayableAction.RECORD_TRANSFER in actions:
        context["transfer_form"] = transfer_form or ReceivedTransferForm(
            initial={"amount": payable.outstanding, "received_on": timezone.localdate()}
        )
    if method == "card" or resume is not None:
        context["stripe_js"] = gateway.js_url()
        csp_allow(request, **gateway.page_sources())
        context["publishable_key"] = gateway.settings.STRIPE_PUBLISHABLE_KEY
        context["stripe_local"] = gateway.is_local()
    status = 400 if transfer_form is not None and transfer_form.errors else 200
    return render(request, "frontend/payments/pay.html", context, status=status)


@actor_required()
def pay(request: MemberRequest, reference: str) -> HttpResponse:
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    # A card attempt whose answer from Stripe was lost is checked again when the buyer comes back and while the
    # page's notice polls, by one request per short interval however many tabs poll; the others read our record.
    if services.card_attempts_check(payable_id=payable.pk):
        payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    if request.headers.get("HX-Request") == "true":
        if payable.card_outcome_being_checked:
            return render(request, "frontend/payments/_card_check.html", {"payable": payable})
        if payable.card_attempt_in_flight:
            return render(request, "frontend/payments/_card_in_progress.html", _card_in_progress(payable))
        return HttpResponseClientRefresh()  # Stripe has answered: the whole page, with what may be done now
    return _pay_page(request, payable)


@require_POST
@actor_required()
def pay_transfer_report(request: MemberRequest, reference: str) -> HttpResponse:
    """The payee records a transfer its own account received; staff check it before it counts."""
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    form = ReceivedTransferForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.transfer_report(actor=request.actor, payable_id=payable.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request, _("Recorded. The alliance checks it against the amount due; this page shows when it counts.")
            )
            return redirect("frontend:pay", reference=payable.reference)
    return _pay_page(request, payable, transfer_form=form)


@require_GET
@actor_required()
def pay_status(request: MemberRequest, reference: str) -> HttpResponse:
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    return render(request, "frontend/payments/_status.html", {"payable": payable, "poll": True})


@require_GET
@actor_required()
def pay_qr(request: MemberRequest, reference: str) -> HttpResponse:
    """The QR as a PNG to save on the phone and open in the banking app."""
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    actions = payable_actions(actor=request.actor, payable=payable)
    if PayableAction.PAY_BY_TRANSFER not in actions or not payable.has_bank_account:
        raise Http404()
    payload = vietqr.build_payload(
        bank_bin=payable.account_bin, account_number=payable.account_number, amount=payable.outstanding,
        note=payable.reference,
    )  # fmt: skip
    # The amount follows what is still owed: checked again on every use.
    return generated_file(
        request, vietqr.qr_png(payload), content_type="image/png", public=False,
        filename=f"vietqr-{payable.reference}.png", disposition="attachment",
    )  # fmt: skip


def _card_answer(payable: Payable, payment: Payment, secret: str = "") -> JsonResponse:
    next_url = payable.return_url or reverse("frontend:pay", args=[payable.reference])
    messages_by_state = {
        PaymentState.SUCCEEDED: _("Payment received. Thank you!"),
        PaymentState.FAILED: payment.failure_message or _("The card was declined."),
        PaymentState.PENDING: _("Waiting for your bank to confirm…"),
        PaymentState.CANCELLED: _("This card payment was cancelled (another one replaced it); it was not charged."),
    }
    succeeded = payment.state == PaymentState.SUCCEEDED
    return JsonResponse(
        {
            "payment": payment.pk,
            "state": payment.state,
            "requires_action": bool(secret),
            "client_secret": secret,
            "refresh_url": reverse("frontend:pay-card-refresh", args=[payable.reference, payment.pk]),
            "message": str(messages_by_state.get(PaymentState(payment.state), "")),
            "next": next_url if succeeded else "",
        }
    )


def _refusal(error: Exception) -> ApplicationError:
    """The refusal the card form shows for an error: ours, or a passing one (Stripe or the database out of reach,
    a 503 to try again shortly); anything else is a bug and raised as it is."""
    refusal = error if isinstance(error, ApplicationError) else passing_error(error)
    if refusal is None:
        raise error
    return refusal


def _card_error(error: ApplicationError) -> JsonResponse:
    """A refusal the card form shows as it is: the first field's message, or the error's."""
    message = next(iter(error.fields.values()))[0] if error.fields else page_message(error)
    return JsonResponse({"state": "error", "message": message}, status=error.status_code)


@require_POST
@actor_required()
def pay_card(request: MemberRequest, reference: str) -> JsonResponse:
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    try:
        try:
            body = json_input.loads(request.body or b"{}")
        except ValueError:
            body = {}
        token = read_input(CardPaymentInput, body if isinstance(body, dict) else {}, mode=InputMode.JSON)["token"]
        payment, secret = services.card_payment_start(
            actor=request.actor, payable_id=payable.pk, token_id=token, client_key=idempotency_key(request.headers)
        )
    except Exception as error:
        return _card_error(_refusal(error))
    return _card_answer(payable, payment, secret)


@require_POST
@actor_required()
def pay_card_resume(request: MemberRequest, reference: str, payment_id: int) -> JsonResponse:
    """Finish 3-D Secure on an attempt left waiting for it: the client secret for Stripe.js, to the payer only."""
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    try:
        if not payable.payments.filter(pk=payment_id).exists():
            raise NotFound()
        payment, secret = services.card_payment_resume(actor=request.actor, payment_id=payment_id)
    except Exception as error:
        return _card_error(_refusal(error))
    return _card_answer(payable, payment, secret)


@require_POST
@actor_required()
def pay_card_refresh(request: MemberRequest, reference: str, payment_id: int) -> JsonResponse:
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)
    payment = payable.payments.filter(pk=payment_id).first()
    try:
        if payment is None:
            raise NotFound()
        payment = services.card_payment_refresh(actor=request.actor, payment=payment)
    except Exception as error:
        return _card_error(_refusal(error))
    return _card_answer(payable, payment)


@actor_required()
def payments_mine(request: MemberRequest) -> HttpResponse:
    """What the acting organisation has to pay and what it is paid, newest first."""
    actor = request.actor
    payables, older = _older(selectors.payable_list_for(actor=actor).order_by("-pk"), _page(request))
    rows = [(payable, payable_actions(actor=actor, payable=payable)) for payable in payables]
    return render(request, "frontend/payments/mine.html", {"rows": rows, "older": older})


# --- back office: payments -----------------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_payments(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    query = read_query(PaymentListQuery, request.GET)
    search = query.get("q") or query.get("search") or ""
    queryset = selectors.payment_list_for(
        actor=actor, state=query.get("state"), provider=query.get("provider"), search=search or None
    )
    payments, older = _older(queryset, query.get("before"))
    context = {
        "payments": payments,
        "older": older,
        "states": PaymentState.choices,
        "providers": Provider.choices,
        "state": query.get("state", ""),
        "provider": query.get("provider", ""),
        "q": search,
        "queue_count": selectors.review_queue(actor=actor).count(),
        "open_discrepancies": selectors.discrepancy_list_for(actor=actor).count(),
    }
    return render(request, "frontend/payments/staff/payments.html", context)


def _payment_page(request: MemberRequest, payment_id: int, form: SchemaForm | None = None) -> HttpResponse:
    actor = request.actor
    payment = selectors.payment_get_for(actor=actor, payment_id=payment_id)
    # A refund whose answer from Stripe was lost is checked again each time staff look at the payment.
    if services.refunds_resolve(payment_id=payment.pk, source=EventSource.STAFF):
        payment.refresh_from_db()
    refunds = list(payment.refunds.all())
    actions = payment_actions(actor=actor, payment=payment)
    _say_refusal(request, form, PAYMENT_POLICY, PaymentAction.REFUND, payment, actions)
    context = {
        "payment": payment,
        "actions": actions,
        "events": payment.events.select_related("actor"),
        "refunds": refunds,
        "refund_outcome_unknown": any(refund.outcome_unknown for refund in refunds),
        "disputes": payment.disputes.all(),
        "form": form or RefundForm(initial={"amount": payment.refundable}),
    }
    return render(request, "frontend/payments/staff/payment.html", context, status=400 if form else 200)


@actor_required(PAYMENTS_MANAGE)
def staff_payment(request: MemberRequest, payment_id: int) -> HttpResponse:
    return _payment_page(request, payment_id)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_payment_refund(request: MemberRequest, payment_id: int) -> HttpResponse:
    selectors.payment_get_for(actor=request.actor, payment_id=payment_id)
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            done = services.refund_create(
                actor=request.actor, payment_id=payment_id, client_key=posted_key(request.POST), **form.cleaned_data
            )
        except ApplicationError as error:
            if error.code != REFUND_OUTCOME_UNKNOWN:
                form.add_service_errors(error)
            else:  # not a mistake in the form: the refund is made or not, and the payment's page follows it
                messages.warning(request, page_message(error))
                return redirect("frontend:staff-payment", payment_id=payment_id)
        else:
            refund = done.value
            if done.replayed:
                messages.info(
                    request,
                    _("This refund was already made (%(amount)s, %(state)s); it was not made again.")
                    % {"amount": format_money(refund.amount), "state": refund.get_state_display()},
                )
            elif refund.failure_message:
                messages.error(request, _("The refund failed: %(reason)s") % {"reason": refund.failure_message})
            else:
                messages.success(request, _("Refund sent."))
            return redirect("frontend:staff-payment", payment_id=payment_id)
    return _payment_page(request, payment_id, form)


# --- back office: statements ---------------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_statements(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = services.statement_upload(
                actor=actor,
                file_name=upload.name,
                content=upload.read(),
                bank_format=form.cleaned_data["bank_format"],
                account_number=form.cleaned_data["account_number"],
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            return redirect("frontend:staff-statement", statement_id=statement.pk)
    statements, older = _older(selectors.statement_list_for(actor=actor), _page(request))
    context = {"form": form, "statements": statements, "older": older}
    return render(request, "frontend/payments/staff/statements.html", context, status=400 if form.errors else 200)


@actor_required(PAYMENTS_MANAGE)
def staff_statement(request: MemberRequest, statement_id: int) -> HttpResponse:
    actor = request.actor
    statement = selectors.statement_get_for(actor=actor, statement_id=statement_id)
    actions = statement_actions(actor=actor, statement=statement)
    lines, error = statement_preview(statement) if actions else ([], "")
    counts = {outcome.value: sum(1 for line in lines if line.outcome == outcome) for outcome in LineOutcome}
    context = {
        "statement": statement,
        "actions": actions,
        "lines": lines[:500],
        "more": max(0, len(lines) - 500),
        "counts": counts,
        "error": error,
    }
    return render(request, "frontend/payments/staff/statement.html", context)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_statement_apply(request: MemberRequest, statement_id: int) -> HttpResponse:
    statement = services.statement_apply(actor=request.actor, statement_id=statement_id)
    messages.success(
        request,
        _("Statement applied: %(new)s new lines, %(matched)s payments recognised, %(queued)s for review.")
        % {
            "new": format_decimal(statement.lines_new),
            "matched": format_decimal(statement.lines_matched),
            "queued": format_decimal(statement.lines_queued),
        },
    )
    return redirect("frontend:staff-statement", statement_id=statement.pk)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_statement_discard(request: MemberRequest, statement_id: int) -> HttpResponse:
    services.statement_discard(actor=request.actor, statement_id=statement_id)
    messages.success(request, _("The statement was discarded."))
    return redirect("frontend:staff-statements")


# --- back office: the review queue ---------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_queue(request: MemberRequest) -> HttpResponse:
    query = read_query(ReviewQueueQuery, request.GET)
    status = query.get("status", TransactionStatus.NEEDS_REVIEW)
    transfers, older = _older(
        selectors.review_queue(actor=request.actor, status=status).order_by("-pk"), query.get("before")
    )
    context = {"transfers": transfers, "older": older, "status": status, "statuses": TransactionStatus.choices}
    return render(request, "frontend/payments/staff/queue.html", context)


def _queue_item_page(
    request: MemberRequest,
    transaction_id: int,
    apply_form: SchemaForm | None = None,
    dismiss_form: SchemaForm | None = None,
) -> HttpResponse:
    actor = request.actor
    tx = selectors.bank_transaction_get_for(actor=actor, transaction_id=transaction_id)
    actions = transfer_actions(actor=actor, transfer=tx)
    _say_refusal(request, apply_form, TRANSFER_POLICY, TransferAction.APPLY, tx, actions)
    _say_refusal(request, dismiss_form, TRANSFER_POLICY, TransferAction.DISMISS, tx, actions)
    context = {
        "tx": tx,
        "actions": actions,
        "apply_form": apply_form or ApplyTransferForm(prefix="apply"),
        "dismiss_form": dismiss_form or NoteForm(prefix="dismiss"),
    }
    bound = apply_form is not None or dismiss_form is not None
    return render(request, "frontend/payments/staff/queue_item.html", context, status=400 if bound else 200)


@actor_required(PAYMENTS_MANAGE)
def staff_queue_item(request: MemberRequest, transaction_id: int) -> HttpResponse:
    return _queue_item_page(request, transaction_id)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_queue_apply(request: MemberRequest, transaction_id: int) -> HttpResponse:
    selectors.bank_transaction_get_for(actor=request.actor, transaction_id=transaction_id)
    form = ApplyTransferForm(request.POST, prefix="apply")
    if form.is_valid():
        try:
            done = services.bank_transaction_apply(
                actor=request.actor,
                transaction_id=transaction_id,
                once_key=posted_key(request.POST),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            if done.replayed:
                messages.info(request, _("This transfer was already applied; nothing changed."))
            else:
                messages.success(request, _("The transfer was applied."))
            return redirect("frontend:staff-queue")
    return _queue_item_page(request, transaction_id, apply_form=form)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_queue_dismiss(request: MemberRequest, transaction_id: int) -> HttpResponse:
    selectors.bank_transaction_get_for(actor=request.actor, transaction_id=transaction_id)
    form = NoteForm(request.POST, prefix="dismiss")
    if form.is_valid():
        try:
            services.bank_transaction_dismiss(
                actor=request.actor, transaction_id=transaction_id, note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The transfer was dismissed."))
            return redirect("frontend:staff-queue")
    return _queue_item_page(request, transaction_id, dismiss_form=form)


@require_GET
@actor_required()
def transfer_receipt(request: MemberRequest, transaction_id: int) -> HttpResponseBase:
    """The receipt a payee attached: for the payee that reported it and for alliance staff."""
    tx = BankTransaction.objects.select_related("payable").filter(pk=transaction_id).first()
    allowed = tx is not None and (
        request.actor.can(PAYMENTS_MANAGE)
        or (tx.payable is not None and tx.payable.payee_id == request.actor.organisation_id)
    )
    if tx is None or not allowed or not tx.receipt:
        raise Http404()
    name = (tx.receipt.name or "").rsplit("/", 1)[-1]
    return private_file_response(tx.receipt, filename=name)


# --- back office: provider events ----------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_webhook_events(request: MemberRequest) -> HttpResponse:
    """Every Stripe event and bank notification received, with what became of it and why."""
    query = read_query(WebhookEventQuery, request.GET)
    events, older = _older(
        selectors.webhook_events_for(
            actor=request.actor,
            provider=query.get("provider"),
            outcome=query.get("outcome"),
            received_from=query.get("received_from"),
            received_to=query.get("received_to"),
        ),
        query.get("before"),
    )
    context = {
        "events": events,
        "older": older,
        "filters": query,
        "providers": Provider.choices,
        "outcomes": WebhookEventOutcome.choices,
    }
    return render(request, "frontend/payments/staff/webhook_events.html", context)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_webhook_event_retry(request: MemberRequest, event_id: int) -> HttpResponse:
    try:
        event = services.webhook_event_retry(actor=request.actor, event_id=event_id)
    except ApplicationError as error:
        if error.status_code == 404:
            raise
        messages.error(request, page_message(error))
    else:
        if event.is_failed:
            messages.error(request, _("Processed again, and it failed again: %(reason)s") % {"reason": event.error})
        else:
            messages.success(request, _("Processed again: %(status)s.") % {"status": event.get_status_display()})
    return redirect("frontend:staff-webhook-events")


# --- back office: reconciliation -----------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_reconciliation(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    if request.method == "POST":
        try:
            reconciliation_request(actor=actor)
        except ApplicationError as error:
            messages.error(request, page_message(error))
        else:
            messages.success(request, _("Reconciliation started; the results appear here in a few minutes."))
        return redirect("frontend:staff-reconciliation")
    runs, older = _older(selectors.reconciliation_runs_for(actor=actor), _page(request))
    context = {
        "runs": runs,
        "older": older,
        "running": any(run.status in (RunStatus.QUEUED, RunStatus.RUNNING) for run in runs),
        "open_count": selectors.discrepancy_list_for(actor=actor).count(),
    }
    return render(request, "frontend/payments/staff/reconciliation.html", context)


def _rows_with_actions(actor: Any, discrepancies: Sequence[Any]) -> list[tuple[Any, frozenset[Any]]]:
    return [(d, discrepancy_actions(actor=actor, discrepancy=d)) for d in discrepancies]


def _run_page(request: MemberRequest, run_id: int, failed: dict[int, SchemaForm] | None = None) -> HttpResponse:
    actor = request.actor
    run = selectors.reconciliation_run_get_for(actor=actor, run_id=run_id)
    query = read_query(DiscrepancyListQuery, request.GET)
    status = query.get("status", DiscrepancyStatus.OPEN)
    discrepancies = list(selectors.discrepancy_list_for(actor=actor, run_id=run.pk, status=status)[:200])
    context = {
        "run": run,
        "discrepancies": _rows_with_actions(actor, discrepancies),
        "status": status,
        "statuses": DiscrepancyStatus.choices,
        "failed": failed or {},
    }
    for discrepancy_id, form in (failed or {}).items():
        found = run.discrepancies.get(pk=discrepancy_id)  # resolved by a colleague meanwhile: its row is not shown
        actions = discrepancy_actions(actor=actor, discrepancy=found)
        _say_refusal(request, form, DISCREPANCY_POLICY, DiscrepancyAction.RESOLVE, found, actions)
    return render(request, "frontend/payments/staff/reconciliation_run.html", context, status=400 if failed else 200)


@actor_required(PAYMENTS_MANAGE)
def staff_reconciliation_run(request: MemberRequest, run_id: int) -> HttpResponse:
    return _run_page(request, run_id)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_discrepancy_resolve(request: MemberRequest, run_id: int, discrepancy_id: int) -> HttpResponse:
    run = selectors.reconciliation_run_get_for(actor=request.actor, run_id=run_id)
    if not run.discrepancies.filter(pk=discrepancy_id).exists():
        raise Http404()
    form = NoteForm(request.POST, prefix=f"d{discrepancy_id}")
    if form.is_valid():
        try:
            services.discrepancy_resolve(
                actor=request.actor, discrepancy_id=discrepancy_id, note=form.cleaned_data["note"]
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Marked as resolved."))
            return redirect("frontend:staff-reconciliation-run", run_id=run.pk)
    return _run_page(request, run.pk, failed={discrepancy_id: form})


# --- back office: settlements --------------------------------------------------------------------
@actor_required(PAYMENTS_MANAGE)
def staff_settlements(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    yesterday = timezone.localdate() - timedelta(days=1)
    form = SettlementRunForm(
        request.POST or None, initial={"period_start": yesterday.replace(day=1), "period_end": yesterday}
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = services.settlement_run_create(actor=actor, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            return redirect("frontend:staff-settlement-run", run_id=run.pk)
    runs, older = _older(selectors.settlement_runs_for(actor=actor), _page(request))
    context = {"form": form, "runs": runs, "older": older, "can_settle": actor.can(SETTLEMENTS_MANAGE)}
    return render(request, "frontend/payments/staff/settlements.html", context, status=400 if form.errors else 200)


def _settlement_run_page(
    request: MemberRequest, run_id: int, failed: dict[int, SchemaForm] | None = None
) -> HttpResponse:
    actor = request.actor
    run = selectors.settlement_run_get_for(actor=actor, run_id=run_id)
    settlements = [(s, settlement_actions(actor=actor, settlement=s)) for s in run.settlements.select_related("payee")]
    for settlement, actions in settlements:  # a payout a colleague recorded meanwhile
        form = (failed or {}).get(settlement.pk)
        _say_refusal(request, form, SETTLEMENT_POLICY, SettlementAction.MARK_PAID, settlement, actions)
    context = {
        "run": run,
        "settlements": settlements,
        "can_settle": actor.can(SETTLEMENTS_MANAGE),
        "failed": failed or {},
    }
    return render(request, "frontend/payments/staff/settlement_run.html", context, status=400 if failed else 200)


@actor_required(PAYMENTS_MANAGE)
def staff_settlement_run(request: MemberRequest, run_id: int) -> HttpResponse:
    if read_query(SettlementRunQuery, request.GET).get("format") == "csv":
        request.actor.require(SETTLEMENTS_MANAGE)
        run = selectors.settlement_run_get_for(actor=request.actor, run_id=run_id)
        response = HttpResponse(payout_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payout-{run.pk}.csv"'
        return response
    return _settlement_run_page(request, run_id)


@require_POST
@actor_required(PAYMENTS_MANAGE)
def staff_settlement_mark_paid(request: MemberRequest, run_id: int, settlement_id: int) -> HttpResponse:
    run = selectors.settlement_run_get_for(actor=request.actor, run_id=run_id)
    if not run.settlements.filter(pk=settlement_id).exists():
        raise Http404()
    form = MarkPaidForm(request.POST, prefix=f"s{settlement_id}")
    if form.is_valid():
        try:
            done = services.settlement_mark_paid(
                actor=request.actor,
                settlement_id=settlement_id,
                bank_reference=form.cleaned_data["bank_reference"],
                once_key=posted_key(request.POST),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            if done.replayed:
                messages.info(
                    request,
                    _("This payout was already recorded (%(ref)s); nothing changed.")
                    % {"ref": done.value.paid_reference},
                )
            else:
                messages.success(request, _("Payout recorded."))
            return redirect("frontend:staff-settlement-run", run_id=run.pk)
    return _settlement_run_page(request, run.pk, failed={settlement_id: form})
