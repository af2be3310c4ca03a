"""Linkage contract pages for processors, cooperatives and alliance staff: the list, drafting and amending
(the terms form), the contract page (progress, call-offs, statement, advances, force majeure, disputes,
versions, history), the intake at the gate (phone-first), reference prices and the alliance's report.

Thin: forms are the command schemas of linkage/inputs.py (frontend.schema_forms), writes are linkage
services, reads linkage selectors; the buttons shown are the policy's actions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework import serializers

from catalog.selectors import category_tree
from frontend.decorators import actor_required
from frontend.errors import say_refused
from frontend.linkage_charts import Pair, paired_bars_svg
from frontend.schema_forms import SchemaForm
from linkage import inputs, selectors, services
from linkage.models import (
    AdvanceKind,
    CallOffStatus,
    ClauseTemplate,
    ContractStatus,
    Effect,
    HazardKind,
    LinkageContract,
    Measure,
    SeasonKind,
)
from linkage.permissions import LINKAGE_NEGOTIATE, LINKAGE_VIEW, REFERENCE_PRICE_PUBLISH
from linkage.policy import (
    CONTRACT_POLICY,
    CallOffAction,
    ContractAction,
    advance_actions,
    call_off_actions,
    contract_actions,
    dispute_actions,
    force_majeure_actions,
    intake_blocker,
)
from linkage.terms import Terms, terms_of
from market.core.errors import ApplicationError, NotFound
from market.core.once import posted_key
from market.core.parsing import format_date, format_input_decimal
from market.core.quantity import Unit
from market.core.storage import private_file_response
from market.organisations import geo
from market.organisations.http import MemberRequest

BLANK_ROWS = 3


def _contract(request: MemberRequest, contract_id: int) -> LinkageContract:
    try:
        return selectors.contract_get_for(actor=request.actor, contract_id=contract_id)
    except NotFound:
        raise Http404() from None


def _back(contract_id: int, anchor: str = "") -> HttpResponse:
    response = redirect("frontend:linkage-contract", contract_id=contract_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


# --- the list ------------------------------------------------------------------------------------
@actor_required(LINKAGE_VIEW)
def contract_list(request: MemberRequest) -> HttpResponse:
    form = SchemaForm(
        request.GET or None, schema=inputs.ContractFilterInput, choices={"status": ContractStatus.choices}
    )
    filters = form.cleaned_data if request.GET and form.is_valid() else {}
    contracts = selectors.contracts_for(
        actor=request.actor, status=filters.get("status") or "", season_year=filters.get("season_year")
    )[:300]
    return render(
        request,
        "frontend/linkage/list.html",
        {"contracts": contracts, "form": form, "can_draft": request.actor.can(LINKAGE_NEGOTIATE)},
    )


# --- the terms form ------------------------------------------------------------------------------
_ROW_KEY = re.compile(r"^(?P<group>grading|schedule|clauses)\[(?P<index>\d+)\](?P<field>\w+)$")
ROW_FIELDS = {
    "grading": ("measure", "threshold", "limit", "effect", "rate"),
    "schedule": ("due_on", "quantity"),
    "clauses": ("code", "title", "body"),
}


def _posted_rows(data: QueryDict) -> dict[str, list[dict[str, str]]]:
    """The nested rows as typed, in order, blank rows left out."""
    rows: dict[str, dict[int, dict[str, str]]] = {group: {} for group in ROW_FIELDS}
    for key in data:
        match = _ROW_KEY.match(key)
        if match:
            rows[match["group"]].setdefault(int(match["index"]), {})[match["field"]] = data.get(key, "").strip()
    typed = {"grading": ("threshold", "rate"), "schedule": ("due_on", "quantity"), "clauses": ("code",)}
    return {
        group: [row for _i, row in sorted(found.items()) if any(row.get(f) for f in typed[group])]
        for group, found in rows.items()
    }


def _renumbered(data: QueryDict, rows: Mapping[str, list[dict[str, str]]]) -> QueryDict:
    """The post with its nested rows numbered 0.. without the blank ones (what the schema reads)."""
    clean = QueryDict(mutable=True)
    for key in data:
        if not _ROW_KEY.match(key):
            clean.setlist(key, data.getlist(key))
    for group, found in rows.items():
        for index, row in enumerate(found):
            for name, value in row.items():
                clean[f"{group}[{index}]{name}"] = value
    return clean


def _rows_of(terms: Terms) -> dict[str, list[dict[str, str]]]:
    return {
        "grading": [
            {
                "measure": band.measure,
                "threshold": format_input_decimal(band.threshold),
                "limit": format_input_decimal(band.limit),
                "effect": band.effect,
                "rate": format_input_decimal(band.rate),
            }
            for band in terms.grading
        ],
        "schedule": [
            {"due_on": line.due_on.isoformat(), "quantity": format_input_decimal(line.quantity)}
            for line in terms.schedule
        ],
        "clauses": [{"code": c.code, "title": c.title, "body": c.body} for c in terms.clauses],
    }


def _template_clauses() -> list[dict[str, str]]:
    return [
        {"code": t.code, "title": t.title_vi, "body": t.body_vi}
        for t in ClauseTemplate.objects.filter(active=True).order_by("position")
    ]


def _initial_of(terms: Terms) -> dict[str, Any]:
    return {
        "product": terms.product_id,
        "grade_spec": terms.grade_spec,
        "committed_quantity": terms.committed_quantity,
        "tolerance_percent": terms.tolerance_percent,
        "delivery_place": terms.delivery_place,
        "delivery_province_code": terms.delivery_province_code,
        "price_rule": terms.price_rule,
        "base_price": terms.base_price,
        "premium": terms.premium,
        "reference_series": terms.reference_series_id,
        "payment_days": terms.payment_days,
        "deposit": terms.deposit,
        "advance_limit": terms.advance_limit,
        "starts_on": terms.starts_on,
        "ends_on": terms.ends_on,
    }


class TermsForm(SchemaForm):
    """The terms schema's form; errors of the nested rows (grading.0.limit) are kept for their cells."""

    def add_service_errors(self, error: ApplicationError) -> None:
        self.row_errors: dict[str, list[str]] = getattr(self, "row_errors", {})
        for name, found in error.fields.items():
            if _row_error_key(name):
                self.row_errors[name] = found
        super().add_service_errors(error)


def _row_error_key(name: str) -> bool:
    return name.split(".", 1)[0] in ROW_FIELDS and "." in name


def _terms_page(
    request: MemberRequest,
    *,
    schema: type[serializers.Serializer],
    buyer_id: int,
    cooperative_id: int,
    unit: str | None,
    initial: Mapping[str, Any],
    rows: Mapping[str, list[dict[str, str]]],
    area_ids: Iterable[int],
) -> tuple[TermsForm, dict[str, Any]]:
    """The form and the context every terms page shares (choices from the two parties)."""
    posted_rows = _posted_rows(request.POST) if request.method == "POST" else None
    data = _renumbered(request.POST, posted_rows) if posted_rows is not None else None
    choices = {
        "product": [(p.pk, f"{p.name_vi} ({p.unit_symbol})") for p in selectors.products_of(cooperative_id)],
        "reference_series": [(s.pk, f"{s.name} · {s.publisher.name}") for s in selectors.series_for(
            actor=request.actor, buyer_id=buyer_id)],
        "delivery_province_code": geo.province_choices(),
        "counterparty": [(o.pk, o.name) for o in selectors.counterparties_for(actor=request.actor)],
    }  # fmt: skip
    form = TermsForm(data, schema=schema, initial=initial, context={"unit": unit}, choices=choices)
    shown_rows = posted_rows if posted_rows is not None else rows
    chosen_areas = {int(v) for v in request.POST.getlist("areas") if v.isdigit()} if data else set(area_ids)
    context = {
        "form": form,
        "grading_rows": [*shown_rows["grading"], *({} for _ in range(BLANK_ROWS))],
        "schedule_rows": [*shown_rows["schedule"], *({} for _ in range(BLANK_ROWS))],
        "clause_rows": shown_rows["clauses"] or _template_clauses(),
        "areas": selectors.areas_of(cooperative_id),
        "chosen_areas": chosen_areas,
        "measures": Measure.choices,
        "effects": Effect.choices,
    }
    return form, context


def _chosen_unit(request: MemberRequest, cooperative_id: int, *, default: str | None) -> str | None:
    """Quantities are in the chosen product's unit: "1,5 tấn" is read as 1500 for a product sold by the kg."""
    posted = request.POST.get("product", "")
    if not posted.isdigit():
        return default
    chosen = selectors.products_of(cooperative_id).filter(pk=posted).values_list("unit", flat=True).first()
    return chosen or default


def _row_errors(form: TermsForm) -> dict[str, list[str]]:
    return getattr(form, "row_errors", {})


@actor_required(LINKAGE_NEGOTIATE)
def contract_new(request: MemberRequest) -> HttpResponse:
    """Step 1 chooses the other party (its products and areas fill step 2, the terms)."""
    actor = request.actor
    own = actor.organisation
    assert own is not None
    partner_id = request.GET.get("with", "")
    partner = selectors.counterparties_for(actor=actor).filter(pk=partner_id).first() if partner_id.isdigit() else None
    if partner is None:
        return render(
            request, "frontend/linkage/choose_party.html", {"parties": selectors.counterparties_for(actor=actor)}
        )
    buyer, cooperative = (own, partner) if actor.is_buyer else (partner, own)
    today = timezone.localdate()
    initial = {
        "counterparty": partner.pk,
        "season_year": today.year + (1 if today.month >= 9 else 0),
        "season_kind": SeasonKind.WINTER_SPRING,
        "tolerance_percent": Decimal(5),
        "starts_on": today,
        "ends_on": today + timedelta(days=150),
        "delivery_province_code": buyer.province_code,
        "delivery_place": buyer.full_address,
    }
    empty: dict[str, list[dict[str, str]]] = {"grading": [], "schedule": [], "clauses": []}
    form, context = _terms_page(
        request,
        schema=inputs.ContractDraftInput,
        buyer_id=buyer.pk,
        cooperative_id=cooperative.pk,
        unit=_chosen_unit(request, cooperative.pk, default=None),
        initial=initial,
        rows=empty,
        area_ids=(),
    )
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            contract = services.contract_draft(
                actor=actor,
                counterparty_id=partner.pk,
                title=fields["title"],
                season_kind=SeasonKind(fields["season_kind"]),
                season_year=fields["season_year"],
                terms=inputs.terms_from(fields),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Draft saved. Sign it when the terms are right; the other party signs next."))
            return _back(contract.pk)
    return render(
        request,
        "frontend/linkage/terms_form.html",
        {
            **context,
            "row_errors": _row_errors(form),
            "partner": partner,
            "heading": _("New linkage contract with %(party)s") % {"party": partner.name},
            "drafting_fields": ("counterparty", "title", "season_kind", "season_year"),
        },
    )


def _edit_terms(request: MemberRequest, contract_id: int, *, amend: bool) -> HttpResponse:
    contract = _contract(request, contract_id)
    action = ContractAction.AMEND if amend else ContractAction.EDIT
    if action not in contract_actions(actor=request.actor, contract=contract):
        raise Http404()
    source = contract.version_in_force if amend else contract.open_draft
    assert source is not None
    terms = terms_of(source)
    unit = _chosen_unit(request, contract.cooperative_id, default=contract.unit)
    initial = _initial_of(terms) | ({"change_note": ""} if amend else {"change_note": terms.change_note})
    form, context = _terms_page(
        request,
        schema=inputs.TermsInput,
        buyer_id=contract.buyer_id,
        cooperative_id=contract.cooperative_id,
        unit=unit,
        initial=initial,
        rows=_rows_of(terms),
        area_ids=terms.area_ids,
    )
    if request.method == "POST" and form.is_valid():
        new_terms = inputs.terms_from(form.cleaned_data)
        try:
            if amend:
                services.contract_amend(actor=request.actor, contract_id=contract.pk, terms=new_terms)
            else:
                services.version_update(actor=request.actor, contract_id=contract.pk, terms=new_terms)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved. Both parties sign the new terms for them to take effect."))
            return _back(contract.pk)
    heading = _("Amend contract %(number)s") if amend else _("Edit the draft of %(number)s")
    return render(
        request,
        "frontend/linkage/terms_form.html",
        {
            **context,
            "row_errors": _row_errors(form),
            "contract": contract,
            "heading": heading % {"number": contract.number},
            "drafting_fields": (),
            "unit_symbol": contract.unit_symbol,
        },
    )


@actor_required(LINKAGE_NEGOTIATE)
def contract_edit(request: MemberRequest, contract_id: int) -> HttpResponse:
    return _edit_terms(request, contract_id, amend=False)


@actor_required(LINKAGE_NEGOTIATE)
def contract_amend(request: MemberRequest, contract_id: int) -> HttpResponse:
    return _edit_terms(request, contract_id, amend=True)


# --- the contract page ---------------------------------------------------------------------------
def _chart(progress: selectors.Progress) -> str:
    pairs = [
        Pair(
            label=f"#{row.call_off.number} · {row.call_off.due_on:%d/%m}",
            planned=row.planned_quantity,
            actual=row.delivered_quantity,
            flagged=row.short or row.late,
        )
        for row in progress.rows
    ]
    return paired_bars_svg(
        pairs,
        title=_("Delivered against planned volume, per call-off"),
        planned_label=_("Planned"),
        actual_label=_("Delivered"),
    )


@actor_required(LINKAGE_VIEW)
def contract_detail(request: MemberRequest, contract_id: int) -> HttpResponse:
    return _detail_page(request, contract_id)


# The contract page's forms, unbound or bound to what was posted. Several share field names (kind, description,
# starts_on…): each has its own ids (`auto_id`, or the call-off form's prefix) so that no id repeats on the page.
def _call_off_form(contract: LinkageContract, data: Any = None, files: Any = None) -> SchemaForm:
    return SchemaForm(
        data, schema=inputs.CallOffInput, context={"unit": contract.unit}, initial={"place": True}, prefix="co"
    )


def _advance_form(contract: LinkageContract, data: Any = None, files: Any = None) -> SchemaForm:
    initial = {"supplied_on": timezone.localdate()}
    return SchemaForm(data, schema=inputs.AdvanceInput, initial=initial, auto_id="advance-%s")


def _force_majeure_form(contract: LinkageContract, data: Any = None, files: Any = None) -> SchemaForm:
    initial = {"starts_on": timezone.localdate()}
    return SchemaForm(data, files, schema=inputs.ForceMajeureInput, initial=initial, auto_id="fm-%s")


def _dispute_form(contract: LinkageContract, data: Any = None, files: Any = None) -> SchemaForm:
    # The call-offs the page lists (a dropped one is no more the subject of a dispute).
    call_offs = [(c.pk, f"#{c.number}") for c in contract.call_offs.all() if c.status != CallOffStatus.CANCELLED]
    return SchemaForm(data, schema=inputs.DisputeInput, choices={"call_off": call_offs}, auto_id="dispute-%s")


def _reason_form(contract: LinkageContract, data: Any = None, files: Any = None) -> SchemaForm:
    return SchemaForm(data, schema=inputs.TerminationInput, auto_id="terminate-%s")


PAGE_FORMS = {
    "call_off_form": _call_off_form,
    "advance_form": _advance_form,
    "force_majeure_form": _force_majeure_form,
    "dispute_form": _dispute_form,
    "reason_form": _reason_form,
}


def _detail_page(request: MemberRequest, contract_id: int, bound: dict[str, SchemaForm] | None = None) -> HttpResponse:
    """The contract's page; `bound`: a form posted from it that is not right, shown again with what was typed
    and its errors next to its fields."""
    contract = _contract(request, contract_id)
    actor = request.actor
    progress = selectors.contract_progress(contract)
    call_offs = [(row, sorted(call_off_actions(actor=actor, call_off=row.call_off))) for row in progress.rows]
    draft = contract.open_draft
    actions = contract_actions(actor=actor, contract=contract)
    return render(
        request,
        "frontend/linkage/detail.html",
        {
            "contract": contract,
            "actions": actions,
            "progress": progress,
            "chart": _chart(progress) if progress.rows else "",
            "call_offs": call_offs,
            "terms": contract.version_in_force,
            "draft": draft,
            "draft_digest": terms_of(draft).digest() if draft is not None else "",
            "versions": selectors.version_history(contract),
            "statement": selectors.contract_statement(contract),
            "deposit": selectors.deposit_payable(contract),
            "advances": [(a, advance_actions(actor=actor, advance=a)) for a in contract.advances.all()],
            "events": [(e, force_majeure_actions(actor=actor, event=e)) for e in contract.force_majeure.all()],
            "disputes": [(d, dispute_actions(actor=actor, dispute=d)) for d in contract.disputes.all()],
            "history": contract.events.all(),
            **{name: page_form(contract) for name, page_form in PAGE_FORMS.items()},
            "is_buyer": actor.organisation_id == contract.buyer_id,
            **(bound or {}),
        },
        status=400 if bound else 200,
    )


@actor_required(LINKAGE_VIEW)
def version_detail(request: MemberRequest, contract_id: int, number: int) -> HttpResponse:
    contract = _contract(request, contract_id)
    version = next((v for v in contract.versions.all() if v.number == number), None)
    if version is None:
        raise Http404()
    return render(request, "frontend/linkage/version.html", {"contract": contract, "version": version})


# --- commands posted from the contract page --------------------------------------------------------
def _posted(request: MemberRequest, schema: type[serializers.Serializer], **context: Any) -> dict[str, Any] | None:
    """The command's typed values, or None after telling the person what to correct."""
    form = SchemaForm(request.POST, request.FILES, schema=schema, context=context)
    if form.is_valid():
        return form.cleaned_data
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else str(error))
    return None


@actor_required()
@require_POST
def contract_command(request: MemberRequest, contract_id: int, command: str) -> HttpResponse:
    """One POST endpoint per contract verb (sign, reopen, discard, terminate, close, call-off, advance,
    force majeure, dispute); the service authorises."""
    if command in FORM_COMMANDS:
        return _form_command(request, contract_id, command)
    actor = request.actor
    try:
        if command == "sign":
            fields = _posted(request, inputs.SignInput)
            if fields is not None:
                services.version_sign(actor=actor, contract_id=contract_id, terms_digest=fields.get("terms_digest", ""))
                messages.success(request, _("Signed."))
        elif command == "reopen":
            fields = _posted(request, inputs.ContractNoteInput)
            if fields is not None:
                services.version_reopen(actor=actor, contract_id=contract_id, note=fields.get("note", ""))
                messages.success(request, _("The draft is open for changes again; the signature was cleared."))
        elif command == "discard":
            services.version_discard(actor=actor, contract_id=contract_id)
            messages.success(request, _("The draft was discarded."))
        elif command == "close":
            services.contract_close(actor=actor, contract_id=contract_id)
            messages.success(request, _("The contract is closed."))
        else:
            raise Http404()
    except ApplicationError as error:
        say_refused(request, error)
    return _back(contract_id)


@dataclass(frozen=True)
class _FormCommand:
    form: str  # its key in PAGE_FORMS and in the page's context
    anchor: str  # the part of the page it goes back to
    action: ContractAction  # what the page offers it as


# The verbs posted by a form of the contract page.
FORM_COMMANDS = {
    "call-off": _FormCommand("call_off_form", "call-offs", ContractAction.ADD_CALL_OFF),
    "advance": _FormCommand("advance_form", "advances", ContractAction.RECORD_ADVANCE),
    "force-majeure": _FormCommand("force_majeure_form", "force-majeure", ContractAction.DECLARE_FORCE_MAJEURE),
    "dispute": _FormCommand("dispute_form", "disputes", ContractAction.OPEN_DISPUTE),
    "terminate": _FormCommand("reason_form", "", ContractAction.TERMINATE),
}


def _form_command(request: MemberRequest, contract_id: int, command: str) -> HttpResponse:
    """A command typed into one of the contract page's forms. Input that is not right, or that the service
    refuses (over the volume, past the advances' ceiling), comes back on the page with what was typed and the
    error next to its field (400), never a redirect that empties the form. A command the page does not offer
    this person now (their role, or the contract moved on) has no form on their page: why, at the top."""
    spec = FORM_COMMANDS[command]
    contract = _contract(request, contract_id)
    try:
        CONTRACT_POLICY.authorize(actor=request.actor, obj=contract, action=spec.action)
    except ApplicationError as error:
        say_refused(request, error)
        return _back(contract_id)
    form = PAGE_FORMS[spec.form](contract, request.POST, request.FILES)
    if form.is_valid():
        try:
            _run_form_command(request, contract_id, command, form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            return _back(contract_id, spec.anchor)
    return _detail_page(request, contract_id, bound={spec.form: form})


def _run_form_command(request: MemberRequest, contract_id: int, command: str, fields: dict[str, Any]) -> None:
    actor = request.actor
    if command == "call-off":
        added = services.call_off_add_once(actor=actor, key=posted_key(request.POST), contract_id=contract_id, **fields)
        if added.replayed:
            messages.info(request, _("This call-off was already added; it was not added again."))
        else:
            messages.success(request, _("Call-off #%(number)s added.") % {"number": added.value.number})
    elif command == "advance":
        done = services.advance_record(
            actor=actor, contract_id=contract_id, kind=AdvanceKind(fields["kind"]),
            description=fields["description"], supplied_on=fields["supplied_on"], value=fields["value"],
            once_key=posted_key(request.POST),
        )  # fmt: skip
        if done.replayed:
            messages.info(request, _("This input advance was already recorded; it was not recorded again."))
        else:
            messages.success(request, _("Input advance recorded."))
    elif command == "force-majeure":
        services.force_majeure_declare(
            actor=actor, contract_id=contract_id, kind=HazardKind(fields["kind"]),
            starts_on=fields["starts_on"], ends_on=fields.get("ends_on"),
            description=fields["description"], evidence=fields["evidence"],
        )  # fmt: skip
        messages.success(request, _("Force majeure declared; the other party is told."))
    elif command == "dispute":
        services.dispute_open(
            actor=actor, contract_id=contract_id, subject=fields["subject"], text=fields["text"],
            call_off_id=fields.get("call_off"),
        )  # fmt: skip
        messages.success(request, _("Dispute opened; the other party is told."))
    else:
        services.contract_terminate(actor=actor, contract_id=contract_id, reason=fields["reason"])
        messages.success(request, _("The contract is terminated."))


@actor_required()
@require_POST
def item_command(request: MemberRequest, kind: str, item_id: int, command: str) -> HttpResponse:
    """The verbs on a contract's parts: a call-off, an advance, a force majeure event, a dispute."""
    actor = request.actor
    try:
        if (kind, command) == ("call-off", "place"):
            call_off = services.call_off_place(actor=actor, call_off_id=item_id)
            messages.success(request, _("Call-off ordered: order %(order)s.") % {"order": call_off.order})
            contract_id = call_off.contract_id
        elif (kind, command) == ("call-off", "cancel"):
            contract_id = services.call_off_cancel(actor=actor, call_off_id=item_id).contract_id
        elif (kind, command) == ("advance", "acknowledge"):
            contract_id = services.advance_acknowledge(actor=actor, advance_id=item_id).contract_id
        elif (kind, command) == ("force-majeure", "acknowledge"):
            contract_id = services.force_majeure_acknowledge(actor=actor, event_id=item_id).contract_id
        elif (kind, command) == ("force-majeure", "end"):
            contract_id = services.force_majeure_end(actor=actor, event_id=item_id).contract_id
        elif (kind, command) in {("dispute", "reply"), ("dispute", "resolve")}:
            contract_id = _dispute_command(request, item_id, command)
        else:
            raise Http404()
    except ApplicationError as error:
        say_refused(request, error)
        return redirect("frontend:linkage-contracts")  # the part's contract may be what could not be found
    return _back(contract_id)


def _dispute_command(request: MemberRequest, dispute_id: int, command: str) -> int:
    if command == "reply":
        fields = _posted(request, inputs.DisputeReplyInput)
        if fields is not None:
            return services.dispute_reply(
                actor=request.actor, dispute_id=dispute_id, text=fields["text"]
            ).dispute.contract_id
    else:
        fields = _posted(request, inputs.DisputeResolveInput)
        if fields is not None:
            return services.dispute_resolve(
                actor=request.actor, dispute_id=dispute_id, resolution=fields["resolution"]
            ).contract_id
    raise NotFound()


@actor_required(LINKAGE_VIEW)
def evidence(request: MemberRequest, event_id: int) -> HttpResponseBase:
    """A force majeure event's evidence (at most 10 MB), for the parties and alliance staff only."""
    for contract in selectors.contracts_for(actor=request.actor).filter(force_majeure__pk=event_id)[:1]:
        event = contract.force_majeure.get(pk=event_id)
        return private_file_response(
            event.evidence, content_type=event.evidence_content_type or "application/octet-stream"
        )
    raise Http404()


# --- intake at the gate ----------------------------------------------------------------------------
@actor_required(LINKAGE_VIEW)
def intake(request: MemberRequest, call_off_id: int) -> HttpResponse:
    """The processor's gate on a phone: what the scale and the meters read, graded on save."""
    try:
        call_off = selectors.call_off_get_for(actor=request.actor, call_off_id=call_off_id)
    except NotFound:
        raise Http404() from None
    contract = call_off.contract
    needed = {rule.measure for rule in call_off.version.grading_rules.all()}
    exclude = [m.value for m in Measure if m.value not in needed]
    form = SchemaForm(
        request.POST or None,
        schema=inputs.DeliveryInput,
        context={"unit": contract.unit},
        initial={"received_on": timezone.localdate()},
        exclude=exclude,
    )
    form.fields["gross_quantity"].label = f"{form.fields['gross_quantity'].label} ({contract.unit_symbol})"
    allowed = CallOffAction.RECORD_DELIVERY in call_off_actions(actor=request.actor, call_off=call_off)
    if request.actor.organisation_id != contract.buyer_id:
        blocked = _("Only the processor's people weigh and grade deliveries.")
    else:
        blocked = intake_blocker(call_off) or _("Your role does not record intakes.")
    if request.method == "POST" and allowed and form.is_valid():
        fields = form.cleaned_data
        try:
            delivery = services.delivery_record(
                actor=request.actor,
                call_off_id=call_off.pk,
                details=inputs.delivery_details(fields),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Recorded: %(net)s %(unit)s accepted at %(price)s ₫.")
                % {"net": format_input_decimal(delivery.net_quantity), "unit": contract.unit_symbol,
                   "price": format_input_decimal(delivery.unit_price)},
            )  # fmt: skip
            return redirect("frontend:linkage-call-off", call_off_id=call_off.pk)
    return render(
        request,
        "frontend/linkage/intake.html",
        {
            "call_off": call_off,
            "contract": contract,
            "form": form,
            "allowed": allowed,
            "blocked": blocked,
            "rules": call_off.version,
            # Emptied once a delivery is kept on the phone (frontend/offline-form.js); the day stays.
            "measured_fields": " ".join(name for name in form.fields if name != "received_on"),
        },
    )


@actor_required(LINKAGE_VIEW)
def call_off_detail(request: MemberRequest, call_off_id: int) -> HttpResponse:
    """The call-off and, once weighed, its weigh slip with the grading lines."""
    try:
        call_off = selectors.call_off_get_for(actor=request.actor, call_off_id=call_off_id)
    except NotFound:
        raise Http404() from None
    delivery = getattr(call_off, "delivery", None)
    return render(
        request,
        "frontend/linkage/call_off.html",
        {
            "call_off": call_off,
            "contract": call_off.contract,
            "delivery": delivery,
            "lines": [
                (Measure(line["measure"]).label, line, "kg/100 kg" if line["effect"] == Effect.WEIGHT else "₫")
                for line in (delivery.grading if delivery else [])
            ],
            "actions": call_off_actions(actor=request.actor, call_off=call_off),
        },
    )


# --- reference prices ------------------------------------------------------------------------------
@actor_required(LINKAGE_VIEW)
def reference_prices(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    can_publish = actor.can(REFERENCE_PRICE_PUBLISH)
    series_form = SchemaForm(
        request.POST if request.POST.get("form") == "series" else None,
        schema=inputs.ReferenceSeriesInput,
        prefix="s",
        choices={"province_code": geo.province_choices(), "category": category_choices()},
    )
    if request.method == "POST" and can_publish:
        if request.POST.get("form") == "series" and series_form.is_valid():
            fields = series_form.cleaned_data
            try:
                services.series_create(
                    actor=actor, name=fields["name"], category_id=fields["category"],
                    province_code=fields["province_code"], unit=Unit(fields.get("unit") or Unit.KG),
                )  # fmt: skip
                return redirect("frontend:linkage-prices")
            except ApplicationError as error:
                series_form.add_service_errors(error)
        elif request.POST.get("form") == "price":
            return _publish(request)
    series = list(selectors.series_for(actor=actor))
    prices = selectors.latest_prices([s.pk for s in series])
    return render(
        request,
        "frontend/linkage/prices.html",
        {
            "series": [(s, prices.get(s.pk, []), s.publisher_id == actor.organisation_id) for s in series],
            "series_form": series_form,
            "price_form": SchemaForm(schema=inputs.ReferencePriceInput, initial={"effective_on": timezone.localdate()}),
            "can_publish": can_publish,
        },
    )


def _publish(request: MemberRequest) -> HttpResponse:
    fields = _posted(request, inputs.ReferencePricePageInput)
    if fields is not None:
        try:
            services.price_publish(
                actor=request.actor, series_id=fields["series"], effective_on=fields["effective_on"],
                price=fields["price"], note=fields.get("note", ""),
            )  # fmt: skip
            messages.success(request, _("Price published from %(day)s.") % {"day": format_date(fields["effective_on"])})
        except ApplicationError as error:
            say_refused(request, error)
    return redirect("frontend:linkage-prices")


def category_choices() -> list[tuple[int, str]]:
    return [(node.id, "· " * node.depth + node.name) for node in category_tree()]
