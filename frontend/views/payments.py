"""Payment pages: the pay page of any payable (VietQR and card), and the alliance's payment back office."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.decorators import actor_required
from frontend.forms import add_service_errors
from frontend.payment_forms import (
    ApplyTransferForm,
    MarkPaidForm,
    NoteForm,
    RefundForm,
    SettlementRunForm,
    StatementUploadForm,
)
from market.core.errors import ApplicationError
from market.core.http import generated_file
from market.organisations.banks import bank_by_bin
from market.payments import selectors, services, vietqr
from market.payments import stripe_gateway as gateway
from market.payments.models import (
    DiscrepancyStatus,
    PaymentState,
    Provider,
    SettlementState,
    TransactionStatus,
)
from market.payments.permissions import PAYMENTS_MANAGE, PAYMENTS_REFUND, SETTLEMENTS_MANAGE
from market.payments.services.bank import statement_preview
from market.payments.services.reconciliation import reconciliation_request
from market.payments.services.settlements import payout_csv

PAGE = 50


# --- the pay page --------------------------------------------------------------------------------
def _vietqr_context(payable) -> dict:
    if not payable.has_bank_account or payable.outstanding <= 0:
        return {}
    payload = vietqr.build_payload(
        bank_bin=payable.account_bin, account_number=payable.account_number, amount=payable.outstanding,
        note=payable.reference,
    )  # fmt: skip
    bank = bank_by_bin(payable.account_bin)
    return {
        "qr_svg": mark_safe(vietqr.qr_svg(payload, title=_("VietQR code for %(ref)s") % {"ref": payable.reference})),  # noqa: S308 (segno's own SVG)
        "bank": bank,
        "qr_amount": payable.outstanding,
    }


@actor_required()
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    payable = selectors.payable_get_for(actor=actor, reference=reference)
    method = request.GET.get("method", "vietqr")
    if method not in {"vietqr", "card"}:
        method = "vietqr"
    context = {
        "payable": payable,
        "method": method,
        "can_pay": actor.organisation_id == payable.payer_id
        and payable.outstanding > 0
        and payable.status != "cancelled",
        "cards_enabled": gateway.enabled(),
        "payments": payable.payments.order_by("-pk")[:20],
        **_vietqr_context(payable),
    }
    if method == "card" and gateway.enabled():
        context["stripe_js"] = gateway.js_url()
        context["publishable_key"] = gateway.settings.STRIPE_PUBLISHABLE_KEY
    return render(request, "frontend/payments/pay.html", context)


@require_GET
@actor_required()
def pay_status(request: HttpRequest, reference: str) -> HttpResponse:
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)  # type: ignore[attr-defined]
    return render(request, "frontend/payments/_status.html", {"payable": payable, "poll": True})


@require_GET
@actor_required()
def pay_qr(request: HttpRequest, reference: str) -> HttpResponse:
    """The QR as a PNG to save on the phone and open in the banking app."""
    payable = selectors.payable_get_for(actor=request.actor, reference=reference)  # type: ignore[attr-defined]
    if not payable.has_bank_account or payable.outstanding <= 0:
        return HttpResponse(status=404)
    payload = vietqr.build_payload(
        bank_bin=payable.account_bin, account_number=payable.account_number, amount=payable.outstanding,
        note=payable.reference,
    )  # fmt: skip
    # The amount follows what is still owed: checked again on every use.
    return generated_file(
        request, vietqr.qr_png(payload), content_type="image/png", public=False,
        filename=f"vietqr-{payable.reference}.png", disposition="attachment",
    )  # fmt: skip


def _card_answer(request: HttpRequest, payable, payment, secret: str = "") -> JsonResponse:
    next_url = payable.return_url or reverse("frontend:pay", args=[payable.reference])
    messages_by_state = {
        PaymentState.SUCCEEDED: _("Payment received. Thank you!"),
        PaymentState.FAILED: payment.failure_message or _("The card was declined."),
        PaymentState.PENDING: _("Waiting for your bank to confirm…"),
    }
    return JsonResponse(
        {
            "payment": payment.pk,
            "state": payment.state,
            "requires_action": bool(secret),
            "client_secret": secret,
            "refresh_url": reverse("frontend:pay-card-refresh", args=[payable.reference, payment.pk]),
            "message": str(messages_by_state.get(payment.state, "")),
            "next": next_url if payment.state == PaymentState.SUCCEEDED else "",
        }
    )


@require_POST
@actor_required()
def pay_card(request: HttpRequest, reference: str) -> JsonResponse:
    actor = request.actor  # type: ignore[attr-defined]
    payable = selectors.payable_get_for(actor=actor, reference=reference)
    try:
        token = json.loads(request.body or b"{}").get("token", "")
        payment, secret = services.card_payment_start(
            actor=actor, payable=payable, token_id=str(token), client_key=request.headers.get("Idempotency-Key", "")
        )
    except ApplicationError as error:
        return JsonResponse({"state": "error", "message": error.message}, status=error.status_code)
    except ValueError:
        return JsonResponse({"state": "error", "message": _("The card could not be read; enter it again.")}, status=400)
    return _card_answer(request, payable, payment, secret)


@require_POST
@actor_required()
def pay_card_refresh(request: HttpRequest, reference: str, payment_id: int) -> JsonResponse:
    actor = request.actor  # type: ignore[attr-defined]
    payable = selectors.payable_get_for(actor=actor, reference=reference)
    payment = payable.payments.filter(pk=payment_id).first()
    if payment is None:
        return JsonResponse({"state": "error", "message": _("Not found.")}, status=404)
    try:
        payment = services.card_payment_refresh(actor=actor, payment=payment)
    except ApplicationError as error:
        return JsonResponse({"state": "error", "message": error.message}, status=error.status_code)
    return _card_answer(request, payable, payment)


@actor_required()
def payments_mine(request: HttpRequest) -> HttpResponse:
    """What the acting organisation has to pay and what it is paid, newest first."""
    actor = request.actor  # type: ignore[attr-defined]
    payables, older = _older(selectors.payable_list_for(actor=actor).order_by("-pk"), request)
    return render(request, "frontend/payments/mine.html", {"payables": payables, "older": older})


# --- back office ---------------------------------------------------------------------------------
def _older(queryset, request: HttpRequest):
    """Keyset pages: `?before=<id>` — no COUNT over the table."""
    before = request.GET.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(pk__lt=int(before))
    rows = list(queryset[: PAGE + 1])
    return rows[:PAGE], (rows[PAGE - 1].pk if len(rows) > PAGE else None)


@actor_required(PAYMENTS_MANAGE)
def staff_payments(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    state = request.GET.get("state") or None
    provider = request.GET.get("provider") or None
    search = request.GET.get("q", "").strip()
    queryset = selectors.payment_list_for(
        actor=actor,
        state=state if state in PaymentState.values else None,
        provider=provider if provider in Provider.values else None,
        search=search or None,
    )
    payments, older = _older(queryset, request)
    return render(
        request,
        "frontend/payments/staff/payments.html",
        {
            "payments": payments,
            "older": older,
            "states": PaymentState.choices,
            "providers": Provider.choices,
            "state": state or "",
            "provider": provider or "",
            "q": search,
            "queue_count": selectors.review_queue(actor=actor).count(),
            "open_discrepancies": selectors.discrepancy_list_for(actor=actor).count(),
        },
    )


@actor_required(PAYMENTS_MANAGE)
def staff_payment(request: HttpRequest, payment_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    payment = selectors.payment_get_for(actor=actor, payment_id=payment_id)
    form = RefundForm(request.POST or None, initial={"amount": payment.refundable})
    if request.method == "POST" and form.is_valid():
        try:
            refund = services.refund_create(actor=actor, payment=payment, **form.cleaned_data)
            if refund.state == "failed":
                messages.error(request, _("The refund failed: %(reason)s") % {"reason": refund.failure_message})
            else:
                messages.success(request, _("Refund sent."))
            return redirect("frontend:staff-payment", payment_id=payment.pk)
        except ApplicationError as error:
            add_service_errors(form, error)
    can_refund = (
        actor.can(PAYMENTS_REFUND)
        and payment.provider == Provider.STRIPE
        and payment.state in (PaymentState.SUCCEEDED, PaymentState.PARTIALLY_REFUNDED)
    )
    return render(
        request,
        "frontend/payments/staff/payment.html",
        {
            "payment": payment,
            "events": payment.events.select_related("actor"),
            "refunds": payment.refunds.all(),
            "disputes": payment.disputes.all(),
            "form": form,
            "can_refund": can_refund,
        },
        status=400 if form.errors else 200,
    )


@actor_required(PAYMENTS_MANAGE)
def staff_statements(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = StatementUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            statement = services.statement_upload(
                actor=actor,
                file_name=upload.name,
                content=upload.read(),
                bank_format=form.cleaned_data["bank_format"],
                account_number=form.cleaned_data["account_number"].strip(),
            )
            return redirect("frontend:staff-statement", statement_id=statement.pk)
        except ApplicationError as error:
            add_service_errors(form, error)
    statements, older = _older(selectors.statement_list_for(actor=actor), request)
    return render(
        request,
        "frontend/payments/staff/statements.html",
        {"form": form, "statements": statements, "older": older},
        status=400 if form.errors else 200,
    )


@actor_required(PAYMENTS_MANAGE)
def staff_statement(request: HttpRequest, statement_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    statement = selectors.statement_get_for(actor=actor, statement_id=statement_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "discard":
                services.statement_discard(actor=actor, statement=statement)
                messages.success(request, _("The statement was discarded."))
                return redirect("frontend:staff-statements")
            statement = services.statement_apply(actor=actor, statement=statement)
            messages.success(
                request,
                _("Statement applied: %(new)s new lines, %(matched)s payments recognised, %(queued)s for review.")
                % {"new": statement.lines_new, "matched": statement.lines_matched, "queued": statement.lines_queued},
            )
            return redirect("frontend:staff-statement", statement_id=statement.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
    lines, error = statement_preview(statement) if statement.status == "preview" else ([], "")
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.outcome] = counts.get(line.outcome, 0) + 1
    return render(
        request,
        "frontend/payments/staff/statement.html",
        {"statement": statement, "lines": lines[:500], "more": max(0, len(lines) - 500), "counts": counts,
         "error": error},
    )  # fmt: skip


@actor_required(PAYMENTS_MANAGE)
def staff_queue(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    status = request.GET.get("status", TransactionStatus.NEEDS_REVIEW)
    if status not in TransactionStatus.values:
        status = TransactionStatus.NEEDS_REVIEW
    transfers, older = _older(selectors.review_queue(actor=actor, status=status).order_by("-pk"), request)
    return render(
        request,
        "frontend/payments/staff/queue.html",
        {"transfers": transfers, "older": older, "status": status, "statuses": TransactionStatus.choices},
    )


@actor_required(PAYMENTS_MANAGE)
def staff_queue_item(request: HttpRequest, transaction_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    tx = selectors.bank_transaction_get_for(actor=actor, transaction_id=transaction_id)
    apply_form = ApplyTransferForm(request.POST if request.POST.get("action") == "apply" else None, prefix="apply")
    dismiss_form = NoteForm(request.POST if request.POST.get("action") == "dismiss" else None, prefix="dismiss")
    if request.method == "POST":
        form = apply_form if request.POST.get("action") == "apply" else dismiss_form
        if form.is_valid():
            try:
                if form is apply_form:
                    services.bank_transaction_apply(
                        actor=actor,
                        transaction_id=tx.pk,
                        note=form.cleaned_data["note"],
                        reference=form.cleaned_data["reference"],
                    )
                    messages.success(request, _("The transfer was applied."))
                else:
                    services.bank_transaction_dismiss(actor=actor, transaction_id=tx.pk, note=form.cleaned_data["note"])
                    messages.success(request, _("The transfer was dismissed."))
                return redirect("frontend:staff-queue")
            except ApplicationError as error:
                add_service_errors(form, error)
    bound = apply_form.errors or dismiss_form.errors
    return render(
        request,
        "frontend/payments/staff/queue_item.html",
        {"tx": tx, "apply_form": apply_form, "dismiss_form": dismiss_form},
        status=400 if bound else 200,
    )


@actor_required(PAYMENTS_MANAGE)
def staff_reconciliation(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            reconciliation_request(actor=actor)
            messages.success(request, _("Reconciliation started; the results appear here in a few minutes."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("frontend:staff-reconciliation")
    runs, older = _older(selectors.reconciliation_runs_for(actor=actor), request)
    running = any(run.status == "running" for run in runs)
    return render(
        request,
        "frontend/payments/staff/reconciliation.html",
        {"runs": runs, "older": older, "running": running,
         "open_count": selectors.discrepancy_list_for(actor=actor).count()},
    )  # fmt: skip


@actor_required(PAYMENTS_MANAGE)
def staff_reconciliation_run(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    run = selectors.reconciliation_run_get_for(actor=actor, run_id=run_id)
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.discrepancy_resolve(
                actor=actor, discrepancy_id=int(request.POST.get("discrepancy", "0")), note=form.cleaned_data["note"]
            )
            messages.success(request, _("Marked as resolved."))
            return redirect("frontend:staff-reconciliation-run", run_id=run.pk)
        except (ApplicationError, ValueError) as error:
            messages.error(request, getattr(error, "message", str(error)))
    status = request.GET.get("status", DiscrepancyStatus.OPEN)
    discrepancies = selectors.discrepancy_list_for(
        actor=actor, run_id=run.pk, status=status if status in DiscrepancyStatus.values else None
    )[:200]
    return render(
        request,
        "frontend/payments/staff/reconciliation_run.html",
        {"run": run, "discrepancies": discrepancies, "status": status, "statuses": DiscrepancyStatus.choices},
    )


@actor_required(PAYMENTS_MANAGE)
def staff_settlements(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    yesterday = timezone.localdate() - timedelta(days=1)
    form = SettlementRunForm(
        request.POST or None, initial={"period_start": yesterday.replace(day=1), "period_end": yesterday}
    )
    if request.method == "POST" and form.is_valid():
        try:
            run = services.settlement_run_create(actor=actor, **form.cleaned_data)
            return redirect("frontend:staff-settlement-run", run_id=run.pk)
        except ApplicationError as error:
            add_service_errors(form, error)
    runs, older = _older(selectors.settlement_runs_for(actor=actor), request)
    return render(
        request,
        "frontend/payments/staff/settlements.html",
        {"form": form, "runs": runs, "older": older, "can_settle": actor.can(SETTLEMENTS_MANAGE)},
        status=400 if form.errors else 200,
    )


@actor_required(PAYMENTS_MANAGE)
def staff_settlement_run(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    run = selectors.settlement_run_get_for(actor=actor, run_id=run_id)
    if request.GET.get("format") == "csv":
        actor.require(SETTLEMENTS_MANAGE)
        response = HttpResponse(payout_csv(run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payout-{run.pk}.csv"'
        return response
    form = MarkPaidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.settlement_mark_paid(
                actor=actor,
                settlement_id=int(request.POST.get("settlement", "0")),
                bank_reference=form.cleaned_data["bank_reference"],
            )
            messages.success(request, _("Payout recorded."))
            return redirect("frontend:staff-settlement-run", run_id=run.pk)
        except (ApplicationError, ValueError) as error:
            messages.error(request, getattr(error, "message", str(error)))
    settlements = run.settlements.select_related("payee")
    return render(
        request,
        "frontend/payments/staff/settlement_run.html",
        {"run": run, "settlements": settlements, "can_settle": actor.can(SETTLEMENTS_MANAGE),
         "pending": SettlementState.PENDING},
    )  # fmt: skip
