"""The linkage API (`/api/v1/linkage/…`): thin views over linkage.selectors and linkage.services. Every
command reads its body with its schema from linkage/inputs.py; every state change is a verb endpoint."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from linkage import inputs, selectors, services
from linkage.api import serializers as out
from linkage.models import AdvanceKind, HazardKind, SeasonKind
from linkage.permissions import LINKAGE_INTAKE, LINKAGE_REPORT, LINKAGE_VIEW, REFERENCE_PRICE_PUBLISH
from market.core.errors import NotFound
from market.core.inputs import InputMode, idempotency_key, input_mode, read_input
from market.core.listing import ListEndpoint, list_response
from market.core.offline import Recorded, RecordOne, SyncResultOut, answer_record
from market.core.parsing import format_decimal
from market.core.quantity import Unit
from market.core.schema import idempotency_key_header
from market.organisations.drf import ActorAPIView
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor

TAGS = ["linkage"]


def _read(view: ActorAPIView, schema: type[Serializer], **context: Any) -> dict[str, Any]:
    return read_input(schema, view.request.data, mode=input_mode(view.request), context=context)


def _query(view: ActorAPIView, schema: type[Serializer]) -> dict[str, Any]:
    return read_input(schema, view.request.query_params, mode=InputMode.FORM)


def _contract(actor: Actor, contract_id: int) -> Response:
    contract = selectors.contract_get_for(actor=actor, contract_id=contract_id)
    return Response(out.ContractDetailOut(contract, context={"actor": actor}).data)


def _unit_of(actor: Actor, contract_id: int) -> str:
    unit = selectors.contracts_for(actor=actor).filter(pk=contract_id).values_list("unit", flat=True).first()
    if unit is None:
        raise NotFound()
    return unit


# --- contracts -----------------------------------------------------------------------------------
class ContractListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.ContractFilterInput,)
    required_scopes = {"GET": ApiScope.CONTRACTS, "POST": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}

    @extend_schema(parameters=[inputs.ContractFilterInput], responses=out.ContractOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Linkage contracts the caller's organisation is a party to, as processor (buyer) or cooperative; alliance
        staff see all. Filters: `status`, `season_year`. Newest first by creation, in pages (`cursor`, `page_size`);
        with `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        filters = _query(self, inputs.ContractFilterInput)
        contracts = selectors.contracts_for(
            actor=self.actor, status=filters.get("status") or "", season_year=filters.get("season_year")
        )
        return list_response(self, contracts, out.ContractOut, context={}, ordering="-created_at")

    @extend_schema(request=inputs.ContractDraftInput, responses={201: out.ContractDetailOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Draft a linkage contract with another party (a processor with a cooperative): its terms, to be signed by
        both. For members who negotiate contracts."""
        fields = _read(self, inputs.ContractDraftInput)
        contract = services.contract_draft(
            actor=self.actor,
            counterparty_id=fields["counterparty"],
            title=fields["title"],
            season_kind=SeasonKind(fields["season_kind"]),
            season_year=fields["season_year"],
            terms=inputs.terms_from(fields),
        )
        response = _contract(self.actor, contract.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class ContractDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}

    @extend_schema(responses=out.ContractDetailOut, tags=TAGS)
    def get(self, request: Request, contract_id: int) -> Response:
        """One linkage contract with the version in force, the open draft, call-offs, advances and progress."""
        return _contract(self.actor, contract_id)


class ContractDraftView(ActorAPIView):
    """The open draft's terms: changed by either party while nobody has signed it."""

    required_scopes = {"PUT": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.TermsInput, responses=out.ContractDetailOut, tags=TAGS)
    def put(self, request: Request, contract_id: int) -> Response:
        fields = _read(self, inputs.TermsInput, unit=_unit_of(self.actor, contract_id))
        services.version_update(actor=self.actor, contract_id=contract_id, terms=inputs.terms_from(fields))
        return _contract(self.actor, contract_id)


class ContractAmendView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.TermsInput, responses={201: out.ContractDetailOut}, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Propose new terms for a contract in force: a new draft version, in force once both parties sign it.
        Allowed when the contract's `allowed_actions` include `amend`."""
        fields = _read(self, inputs.TermsInput, unit=_unit_of(self.actor, contract_id))
        services.contract_amend(actor=self.actor, contract_id=contract_id, terms=inputs.terms_from(fields))
        response = _contract(self.actor, contract_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class ContractSignView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.SignInput, responses=out.ContractDetailOut, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Sign the open draft as this party, naming the terms' digest you read; both signatures put it in force."""
        fields = _read(self, inputs.SignInput)
        services.version_sign(actor=self.actor, contract_id=contract_id, terms_digest=fields.get("terms_digest", ""))
        return _contract(self.actor, contract_id)


class ContractReopenView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.ContractNoteInput, responses=out.ContractDetailOut, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Reopen the draft for changes, with a note; a signature already given is cleared. Allowed when the
        contract's `allowed_actions` include `reopen`."""
        fields = _read(self, inputs.ContractNoteInput)
        services.version_reopen(actor=self.actor, contract_id=contract_id, note=fields.get("note", ""))
        return _contract(self.actor, contract_id)


class ContractDiscardView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.ContractDetailOut, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Discard the open draft version (kept in the history). Allowed when the contract's `allowed_actions`
        include `discard`."""
        services.version_discard(actor=self.actor, contract_id=contract_id)
        return _contract(self.actor, contract_id)


class ContractTerminateView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.TerminationInput, responses=out.ContractDetailOut, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """End a contract in force early, saying why. Allowed when the contract's `allowed_actions` include
        `terminate`."""
        fields = _read(self, inputs.TerminationInput)
        services.contract_terminate(actor=self.actor, contract_id=contract_id, reason=fields["reason"])
        return _contract(self.actor, contract_id)


class ContractCloseView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.ContractDetailOut, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Close the contract. Allowed when the contract's `allowed_actions` include `close`."""
        services.contract_close(actor=self.actor, contract_id=contract_id)
        return _contract(self.actor, contract_id)


class ContractVersionsView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}

    @extend_schema(responses=out.VersionOut(many=True), tags=TAGS)
    def get(self, request: Request, contract_id: int) -> Response:
        """Every version of a contract the caller's organisation is a party to (alliance staff: any), discarded drafts
        included. No filters; newest version first; not paged."""
        contract = selectors.contract_get_for(actor=self.actor, contract_id=contract_id)
        return Response(out.VersionOut(selectors.version_history(contract), many=True).data)


class ContractStatementView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}

    @extend_schema(responses=out.ContractStatementOut, tags=TAGS)
    def get(self, request: Request, contract_id: int) -> Response:
        """A contract's money statement (invoiced, paid, deposit, advances, balance and who owes whom) with its
        lines, for its parties (alliance staff: any contract). A missing one and one the caller may not see are
        the same 404."""
        contract = selectors.contract_get_for(actor=self.actor, contract_id=contract_id)
        return Response(out.ContractStatementOut(selectors.contract_statement(contract)).data)


# --- the lists of a contract's rows (incremental sync, docs/api-sync.md) --------------------------
class ContractRowsList(ListEndpoint, ActorAPIView):
    # The rows of the caller's contracts, one contract's with `?contract=`: both parties and alliance staff read
    # them, anyone else gets an empty list. Newest first; `updated_since` syncs them like any list.
    list_filters = (inputs.ContractRowsFilterInput,)
    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}

    def contract_filter(self) -> int | None:
        contract_id: int | None = _query(self, inputs.ContractRowsFilterInput).get("contract")
        return contract_id


class CallOffListView(ContractRowsList):
    """The call-offs of your contracts with their state, order and delivery: cancelled and suspended ones stay
    in the list with their status."""

    @extend_schema(parameters=[inputs.ContractRowsFilterInput], responses=out.CallOffOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        call_offs = selectors.call_offs_for(actor=self.actor, contract_id=self.contract_filter())
        return list_response(self, call_offs, out.CallOffOut, context={"actor": self.actor}, ordering="-id")


class AdvanceListView(ContractRowsList):
    """The input advances (seed, fertiliser on credit…) recorded under your contracts."""

    @extend_schema(parameters=[inputs.ContractRowsFilterInput], responses=out.AdvanceOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        advances = selectors.advances_for(actor=self.actor, contract_id=self.contract_filter())
        return list_response(self, advances, out.AdvanceOut, context={}, ordering="-id")


class ForceMajeureListView(ContractRowsList):
    """The force majeure events declared under your contracts; an ended one stays with its end date."""

    @extend_schema(parameters=[inputs.ContractRowsFilterInput], responses=out.ForceMajeureOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        events = selectors.force_majeure_for(actor=self.actor, contract_id=self.contract_filter())
        return list_response(self, events, out.ForceMajeureOut, context={}, ordering="-id")


class DisputeListView(ContractRowsList):
    """The disputes under your contracts with their messages; a reply or a resolution sends the dispute again."""

    @extend_schema(parameters=[inputs.ContractRowsFilterInput], responses=out.DisputeOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        disputes = selectors.disputes_for(actor=self.actor, contract_id=self.contract_filter())
        return list_response(self, disputes, out.DisputeOut, context={}, ordering="-id")


# --- call-offs and intake ------------------------------------------------------------------------
class CallOffAddView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(
        request=inputs.CallOffInput,
        parameters=[
            idempotency_key_header(
                "Retrying with the same key answers the call-off the first request added (200), ordered once."
            )
        ],
        responses={201: out.CallOffOut, 200: out.CallOffOut},
        tags=TAGS,
    )
    def post(self, request: Request, contract_id: int) -> Response:
        """Add a call-off (a quantity due on a day) under the contract, and order it at once unless `place` is false
        (an `Idempotency-Key` makes a retry add one). Allowed when the contract's `allowed_actions` include
        `add_call_off`."""
        fields = _read(self, inputs.CallOffInput, unit=_unit_of(self.actor, contract_id))
        added = services.call_off_add_once(
            actor=self.actor,
            key=idempotency_key(request.headers),
            contract_id=contract_id,
            due_on=fields["due_on"],
            quantity=fields["quantity"],
            place=fields.get("place", True),
        )
        answer = status.HTTP_200_OK if added.replayed else status.HTTP_201_CREATED
        return _call_off(self.actor, added.value.pk, answer)


def _call_off(actor: Actor, call_off_id: int, code: int = status.HTTP_200_OK) -> Response:
    call_off = selectors.call_off_get_for(actor=actor, call_off_id=call_off_id)
    return Response(out.CallOffOut(call_off, context={"actor": actor}).data, status=code)


class CallOffPlaceView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.CallOffOut, tags=TAGS)
    def post(self, request: Request, call_off_id: int) -> Response:
        """Order a call-off: it becomes an order to the cooperative at the contract's price. Allowed when the
        call-off's `allowed_actions` include `place`."""
        services.call_off_place(actor=self.actor, call_off_id=call_off_id)
        return _call_off(self.actor, call_off_id)


class CallOffCancelView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.CallOffOut, tags=TAGS)
    def post(self, request: Request, call_off_id: int) -> Response:
        """Drop a call-off not ordered yet. Allowed when the call-off's `allowed_actions` include `cancel`."""
        services.call_off_cancel(actor=self.actor, call_off_id=call_off_id)
        return _call_off(self.actor, call_off_id)


class DeliveryView(ActorAPIView):
    """The intake at the processor's gate: weighed and measured, graded by the contract's table."""

    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(
        request=inputs.DeliveryInput,
        parameters=[
            idempotency_key_header(
                "Retrying with the same key answers the call-off with the delivery the first request recorded (200) "
                "instead of 409 'already weighed'."
            )
        ],
        responses={201: out.CallOffOut, 200: out.CallOffOut},
        tags=TAGS,
    )
    def post(self, request: Request, call_off_id: int) -> Response:
        """Record the call-off's delivery as weighed and measured at the gate (one per call-off)."""
        call_off = selectors.call_off_get_for(actor=self.actor, call_off_id=call_off_id)
        fields = _read(self, inputs.DeliveryInput, unit=call_off.contract.unit)
        recorded = services.delivery_record_once(
            actor=self.actor,
            key=idempotency_key(request.headers),
            call_off_id=call_off_id,
            details=inputs.delivery_details(fields),
        )
        return _call_off(self.actor, call_off_id, status.HTTP_200_OK if recorded.replayed else status.HTTP_201_CREATED)


class DeliverySyncResultOut(SyncResultOut):
    delivery = serializers.IntegerField(allow_null=True)


class DeliverySyncOut(serializers.Serializer):
    results = DeliverySyncResultOut(many=True, help_text="One per record, in the order sent.")


def _gate_record(actor: Actor) -> RecordOne:
    """Each record read as the gate page's form reads it (its call-off's unit), and recorded once under its key."""

    def record(key: uuid.UUID, typed: QueryDict) -> Recorded:
        call_off_id = read_input(inputs.GateRecordInput, typed, mode=InputMode.FORM)["call_off"]
        call_off = selectors.call_off_get_for(actor=actor, call_off_id=call_off_id)
        contract = call_off.contract
        fields = read_input(inputs.DeliveryInput, typed, mode=InputMode.FORM, context={"unit": contract.unit})
        done = services.delivery_record_once(
            actor=actor,
            key=str(key),
            call_off_id=call_off_id,
            details=inputs.delivery_details(fields),
        )
        message = _("Call-off #%(n)s: %(net)s %(unit)s accepted at %(price)s ₫.") % {
            "n": call_off.number,
            "net": format_decimal(done.value.net_quantity),
            "unit": contract.unit_symbol,
            "price": format_decimal(done.value.unit_price),
        }
        return Recorded(pk=done.value.pk, replayed=done.replayed, message=message)

    return record


class DeliverySyncView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}
    capabilities = {"POST": LINKAGE_INTAKE}

    @extend_schema(request=inputs.DeliverySyncInput, responses=DeliverySyncOut, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Deliveries written down at the gate on a phone (perhaps offline), each under its idempotency key:
        sending one again answers the delivery it made and makes no second. Each record's `typed` holds the gate
        page's fields as typed (`call_off`, `received_on`, `gross_quantity` "1.250,5", the measured values,
        `weigh_ticket`, `vehicle`, `note`); each is answered on its own: created, replayed, invalid or refused
        (the call-off is no longer open for intake, the contract's volume is used up…)."""
        body = read_input(inputs.DeliverySyncInput, request.data, mode=InputMode.JSON)
        record = _gate_record(self.actor)
        return Response({"results": [answer_record(raw, made="delivery", record=record) for raw in body["records"]]})


class DeliveryListView(ListEndpoint, ActorAPIView):
    """Every intake recorded under the caller's contracts: what a processor's ERP pulls with `updated_since`."""

    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW}
    list_filters = (inputs.DeliveryFilterInput,)

    @extend_schema(parameters=[inputs.DeliveryFilterInput], responses=out.DeliveryListOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        filters = _query(self, inputs.DeliveryFilterInput)
        deliveries = selectors.deliveries_for(
            actor=self.actor,
            contract_id=filters.get("contract"),
            received_from=filters.get("received_from"),
            received_to=filters.get("received_to"),
        )
        return list_response(self, deliveries, out.DeliveryListOut, context={}, ordering="-received_on")


# --- advances, force majeure, disputes -----------------------------------------------------------
class AdvanceRecordView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(
        request=inputs.AdvanceInput,
        parameters=[
            idempotency_key_header("Retrying with the same key answers the advance the first request recorded (200).")
        ],
        responses={201: out.AdvanceOut, 200: out.AdvanceOut},
        tags=TAGS,
    )
    def post(self, request: Request, contract_id: int) -> Response:
        """The processor records inputs or services it supplied on credit, within the contract's limit (an
        `Idempotency-Key` makes a retry record one). Allowed when the contract's `allowed_actions` include
        `record_advance`."""
        fields = _read(self, inputs.AdvanceInput)
        recorded = services.advance_record(
            actor=self.actor,
            contract_id=contract_id,
            kind=AdvanceKind(fields["kind"]),
            description=fields["description"],
            supplied_on=fields["supplied_on"],
            value=fields["value"],
            once_key=idempotency_key(request.headers),
        )
        answer = status.HTTP_200_OK if recorded.replayed else status.HTTP_201_CREATED
        return Response(out.AdvanceOut(recorded.value).data, status=answer)


class AdvanceAcknowledgeView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.AdvanceOut, tags=TAGS)
    def post(self, request: Request, advance_id: int) -> Response:
        """The cooperative confirms it received an input advance. Allowed when the advance's `allowed_actions`
        include `acknowledge`."""
        advance = services.advance_acknowledge(actor=self.actor, advance_id=advance_id)
        return Response(out.AdvanceOut(advance).data)


class ForceMajeureDeclareView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": inputs.ForceMajeureInput}, responses={201: out.ForceMajeureOut}, tags=TAGS
    )
    def post(self, request: Request, contract_id: int) -> Response:
        """Declare a force majeure event that suspends deliveries from its start; the other party acknowledges it.
        Allowed when the contract's `allowed_actions` include `declare_force_majeure`."""
        fields = _read(self, inputs.ForceMajeureInput)
        event = services.force_majeure_declare(
            actor=self.actor,
            contract_id=contract_id,
            kind=HazardKind(fields["kind"]),
            starts_on=fields["starts_on"],
            ends_on=fields.get("ends_on"),
            description=fields["description"],
            evidence=fields["evidence"],
        )
        return Response(out.ForceMajeureOut(event).data, status=status.HTTP_201_CREATED)


class ForceMajeureAcknowledgeView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.ForceMajeureOut, tags=TAGS)
    def post(self, request: Request, event_id: int) -> Response:
        """The other party acknowledges a force majeure event. Allowed when the force majeure event's
        `allowed_actions` include `acknowledge`."""
        return Response(
            out.ForceMajeureOut(services.force_majeure_acknowledge(actor=self.actor, event_id=event_id)).data
        )


class ForceMajeureEndView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=None, responses=out.ForceMajeureOut, tags=TAGS)
    def post(self, request: Request, event_id: int) -> Response:
        """Say that a force majeure event is over: deliveries are due again. Allowed when the force majeure event's
        `allowed_actions` include `end`."""
        return Response(out.ForceMajeureOut(services.force_majeure_end(actor=self.actor, event_id=event_id)).data)


class DisputeOpenView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.DisputeInput, responses={201: out.DisputeOut}, tags=TAGS)
    def post(self, request: Request, contract_id: int) -> Response:
        """Open a dispute on the contract (or one of its call-offs); the other party is told. Allowed when the
        contract's `allowed_actions` include `open_dispute`."""
        fields = _read(self, inputs.DisputeInput)
        dispute = services.dispute_open(
            actor=self.actor,
            contract_id=contract_id,
            subject=fields["subject"],
            text=fields["text"],
            call_off_id=fields.get("call_off"),
        )
        return Response(out.DisputeOut(dispute).data, status=status.HTTP_201_CREATED)


class DisputeReplyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.DisputeReplyInput, responses={201: out.DisputeOut}, tags=TAGS)
    def post(self, request: Request, dispute_id: int) -> Response:
        """Add a message to an open dispute; answers the dispute with its messages."""
        fields = _read(self, inputs.DisputeReplyInput)
        message = services.dispute_reply(actor=self.actor, dispute_id=dispute_id, text=fields["text"])
        return Response(out.DisputeOut(message.dispute).data, status=status.HTTP_201_CREATED)


class DisputeResolveView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}

    @extend_schema(request=inputs.DisputeResolveInput, responses=out.DisputeOut, tags=TAGS)
    def post(self, request: Request, dispute_id: int) -> Response:
        """Close a dispute, saying how it was settled."""
        fields = _read(self, inputs.DisputeResolveInput)
        dispute = services.dispute_resolve(actor=self.actor, dispute_id=dispute_id, resolution=fields["resolution"])
        return Response(out.DisputeOut(dispute).data)


# --- reference prices and the report -------------------------------------------------------------
class SeriesListView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CONTRACTS, "POST": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_VIEW, "POST": REFERENCE_PRICE_PUBLISH}

    @extend_schema(responses=out.SeriesOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Reference price series the caller may read, each with its latest prices (newest first): the alliance's, the
        caller's own and those its contracts in force follow; alliance staff read all. No filters; by name; not
        paged."""
        series = list(selectors.series_for(actor=self.actor))
        prices = selectors.latest_prices([s.pk for s in series])
        return Response(out.SeriesOut(series, many=True, context={"prices": prices}).data)

    @extend_schema(request=inputs.ReferenceSeriesInput, responses={201: out.SeriesOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Start a reference price series (a product at a place, in a unit). For members who publish reference
        prices."""
        fields = _read(self, inputs.ReferenceSeriesInput)
        series = services.series_create(
            actor=self.actor,
            name=fields["name"],
            category_id=fields["category"],
            province_code=fields["province_code"],
            unit=Unit(fields.get("unit") or Unit.KG),
        )
        return Response(out.SeriesOut(series).data, status=status.HTTP_201_CREATED)


class SeriesPriceView(ActorAPIView):
    required_scopes = {"POST": ApiScope.CONTRACTS}
    capabilities = {"POST": REFERENCE_PRICE_PUBLISH}

    @extend_schema(request=inputs.ReferencePriceInput, responses={201: out.SeriesOut}, tags=TAGS)
    def post(self, request: Request, series_id: int) -> Response:
        """Publish a series' price from a day on (until the next one). For members who publish reference prices;
        answers the series with its latest prices."""
        fields = _read(self, inputs.ReferencePriceInput)
        row = services.price_publish(
            actor=self.actor,
            series_id=series_id,
            effective_on=fields["effective_on"],
            price=fields["price"],
            note=fields.get("note", ""),
        )
        prices = selectors.latest_prices([row.series_id])
        return Response(out.SeriesOut(row.series, context={"prices": prices}).data, status=status.HTTP_201_CREATED)


class ReportView(ActorAPIView):
    required_scopes = {"GET": ApiScope.CONTRACTS}
    capabilities = {"GET": LINKAGE_REPORT}

    @extend_schema(parameters=[inputs.ReportFilterInput], responses=out.LinkageReportOut, tags=TAGS)
    def get(self, request: Request) -> Response:
        """The alliance's linkage report over every contract, by cooperative, by province and by season, with the
        total. For alliance staff who read reports. Filters: `season_year`, `season_kind`, `category`."""
        filters = _query(self, inputs.ReportFilterInput)
        report = selectors.linkage_report(
            season_year=filters.get("season_year"),
            season_kind=filters.get("season_kind") or "",
            category_id=filters.get("category"),
        )
        return Response(out.LinkageReportOut(report).data)
