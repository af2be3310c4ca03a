"""Reads of linkage contracts, scoped to the caller: the parties read their own contracts, alliance staff
read all; anyone else gets NotFound, as for a contract that does not exist.

`contract_get_for` loads a contract with everything its page shows in a fixed number of queries, whatever
the number of versions, call-offs and deliveries (tests pin it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from catalog.models import Product, ProductStatus
from catalog.supply.models import RawMaterialArea
from linkage.models import (
    CallOff,
    CallOffStatus,
    ContractEvent,
    ContractStatus,
    ContractVersion,
    Delivery,
    Dispute,
    DisputeMessage,
    ForceMajeure,
    InputAdvance,
    LinkageContract,
    ReferencePrice,
    ReferenceSeries,
)
from linkage.pricing import Price, version_price
from market.core.errors import Conflict, NotFound
from market.organisations.models import SELLER_KINDS, Organisation, OrganisationKind, VerificationStatus
from market.organisations.permissions import Actor


# --- lists and one contract ----------------------------------------------------------------------
def contracts_for(*, actor: Actor, status: str = "", season_year: int | None = None) -> QuerySet[LinkageContract]:
    contracts = LinkageContract.objects.select_related("buyer", "cooperative", "category", "version_in_force")
    if not actor.is_alliance_staff:
        contracts = contracts.filter(Q(buyer_id=actor.organisation_id) | Q(cooperative_id=actor.organisation_id))
    if status:
        contracts = contracts.filter(status=status)
    if season_year:
        contracts = contracts.filter(season_year=season_year)
    return contracts.order_by("-created_at", "-id")


def deliveries_for(
    *,
    actor: Actor,
    contract_id: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
) -> QuerySet[Delivery]:
    """The intakes recorded under the caller's contracts (both parties see them; staff see all)."""
    deliveries = _of_contracts(Delivery.objects.select_related("contract", "call_off__order"), actor, contract_id)
    if received_from is not None:
        deliveries = deliveries.filter(received_on__gte=received_from)
    if received_to is not None:
        deliveries = deliveries.filter(received_on__lte=received_to)
    return deliveries.order_by("-received_on", "-id")


_Child = TypeVar("_Child", CallOff, Delivery, InputAdvance, ForceMajeure, Dispute)


def _of_contracts(rows: QuerySet[_Child], actor: Actor, contract_id: int | None) -> QuerySet[_Child]:
    """The rows of the caller's contracts (both parties see them; staff see all), of one when `contract_id`."""
    if not actor.is_alliance_staff:
        rows = rows.filter(
            Q(contract__buyer_id=actor.organisation_id) | Q(contract__cooperative_id=actor.organisation_id)
        )
    return rows if contract_id is None else rows.filter(contract_id=contract_id)


def call_offs_for(*, actor: Actor, contract_id: int | None = None) -> QuerySet[CallOff]:
    """The call-offs of the caller's contracts, with what their page shows and their allowed actions read, in a
    fixed number of queries (the contract's force majeure decides whether a planned one can be ordered)."""
    call_offs = CallOff.objects.select_related(
        "order", "delivery", "version", "contract__version_in_force"
    ).prefetch_related("contract__force_majeure")
    return _of_contracts(call_offs, actor, contract_id).order_by("contract_id", "due_on", "number")


def advances_for(*, actor: Actor, contract_id: int | None = None) -> QuerySet[InputAdvance]:
    return _of_contracts(InputAdvance.objects.all(), actor, contract_id).order_by("contract_id", "supplied_on", "id")


def force_majeure_for(*, actor: Actor, contract_id: int | None = None) -> QuerySet[ForceMajeure]:
    events = ForceMajeure.objects.all()
    return _of_contracts(events, actor, contract_id).order_by("contract_id", "starts_on", "id")


def disputes_for(*, actor: Actor, contract_id: int | None = None) -> QuerySet[Dispute]:
    """Disputes with their messages: a reply moves the dispute's `updated_at`, so the sync sends it again."""
    disputes = Dispute.objects.prefetch_related(
        Prefetch("messages", queryset=DisputeMessage.objects.order_by("created_at", "id"))
    )
    return _of_contracts(disputes, actor, contract_id).order_by("contract_id", "id")


@dataclass(frozen=True)
class LinkageFigures:
    in_force: int
    call_offs_due: int  # planned or ordered, due within CALL_OFFS_AHEAD days (or already late)


CALL_OFFS_AHEAD = 14


def linkage_figures(*, actor: Actor) -> LinkageFigures:
    """The actor's contracts in force (staff: all) and their deliveries due in the next two weeks or late.
    Two queries."""
    contracts = contracts_for(actor=actor)
    due = CallOff.objects.filter(
        contract__in=contracts.filter(status=ContractStatus.ACTIVE).values("pk"),
        status__in=[CallOffStatus.PLANNED, CallOffStatus.PLACED],
        due_on__lte=timezone.localdate() + timedelta(days=CALL_OFFS_AHEAD),
    ).count()
    return LinkageFigures(in_force=contracts.filter(status=ContractStatus.ACTIVE).count(), call_offs_due=due)


def _versions() -> Prefetch:
    return Prefetch(
        "versions",
        queryset=ContractVersion.objects.select_related(
            "product", "reference_series", "drafted_by", "buyer_signed_by", "cooperative_signed_by"
        )
        .prefetch_related("areas", "grading_rules", "schedule", "clauses")
        .order_by("number"),
    )


def contract_get_for(*, actor: Actor, contract_id: int) -> LinkageContract:
    """The contract with its versions (terms, signatures), call-offs (order, delivery), force majeure,
    advances, disputes (messages) and history, in a fixed number of queries."""
    contract = (
        contracts_for(actor=actor)
        .prefetch_related(
            _versions(),
            Prefetch(
                "call_offs",
                queryset=CallOff.objects.select_related("order", "delivery", "version").order_by("due_on", "number"),
            ),
            Prefetch(
                "force_majeure", queryset=ForceMajeure.objects.select_related("declared_by").order_by("starts_on")
            ),
            Prefetch("advances", queryset=InputAdvance.objects.order_by("supplied_on", "id")),
            Prefetch(
                "disputes",
                queryset=Dispute.objects.select_related("opened_by", "call_off").prefetch_related(
                    Prefetch("messages", queryset=DisputeMessage.objects.select_related("author", "organisation"))
                ),
            ),
            Prefetch(
                "events",
                queryset=ContractEvent.objects.select_related("actor_user", "actor_organisation").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .filter(pk=contract_id)
        .first()
    )
    if contract is None:
        raise NotFound()
    # The version in force is one of the prefetched versions: use that copy (its areas and rules are loaded).
    versions = {v.pk: v for v in contract.versions.all()}
    if contract.version_in_force_id in versions:
        contract.version_in_force = versions[contract.version_in_force_id]
    return contract


def call_off_get_for(*, actor: Actor, call_off_id: int) -> CallOff:
    call_off = (
        CallOff.objects.select_related("order", "delivery", "version__product", "contract__version_in_force")
        .select_related("contract__buyer", "contract__cooperative")
        .prefetch_related("contract__force_majeure", "version__grading_rules")
        .filter(pk=call_off_id)
        .first()
    )
    if call_off is None:
        raise NotFound()
    contract = call_off.contract
    if not (actor.is_alliance_staff or actor.organisation_id in (contract.buyer_id, contract.cooperative_id)):
        raise NotFound()
    return call_off


# --- what the forms offer ------------------------------------------------------------------------
def counterparties_for(*, actor: Actor) -> QuerySet[Organisation]:
    """Verified organisations on the other side of a contract the actor would draft."""
    kinds = SELLER_KINDS if actor.is_buyer else {OrganisationKind.BUYER}
    return Organisation.objects.filter(kind__in=kinds, verification_status=VerificationStatus.VERIFIED).order_by("name")


def products_of(cooperative_id: int) -> QuerySet[Product]:
    return (
        Product.objects.filter(cooperative_id=cooperative_id).exclude(status=ProductStatus.DELISTED).order_by("name_vi")
    )


def areas_of(cooperative_id: int) -> QuerySet[RawMaterialArea]:
    return RawMaterialArea.objects.filter(cooperative_id=cooperative_id).order_by("code")


def series_for(*, actor: Actor, buyer_id: int | None = None) -> QuerySet[ReferenceSeries]:
    """Reference price series the actor may read or choose: the alliance's, the actor's own, and (for a
    contract) its processor's; alliance staff read all."""
    series = ReferenceSeries.objects.select_related("publisher", "category")
    if actor.is_alliance_staff:
        return series.order_by("name")
    publishers = Q(publisher__kind=OrganisationKind.ALLIANCE) | Q(publisher_id=actor.organisation_id)
    if buyer_id is not None:
        publishers |= Q(publisher_id=buyer_id)
    followed = LinkageContract.objects.filter(
        cooperative_id=actor.organisation_id, status=ContractStatus.ACTIVE
    ).values("version_in_force__reference_series")
    return series.filter(publishers | Q(pk__in=followed)).order_by("name")


def latest_prices(series_ids: Sequence[int], *, limit: int = 8) -> dict[int, list[ReferencePrice]]:
    """The latest prices of each series, newest first (one query)."""
    rows = ReferencePrice.objects.filter(series_id__in=series_ids).order_by("series_id", "-effective_on")
    out: dict[int, list[ReferencePrice]] = {}
    for row in rows:
        bucket = out.setdefault(row.series_id, [])
        if len(bucket) < limit:
            bucket.append(row)
    return out


# --- progress ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CallOffRow:
    call_off: CallOff
    planned_quantity: Decimal
    delivered_quantity: Decimal | None
    planned_value: int
    delivered_value: int | None
    late: bool
    short: bool


@dataclass(frozen=True)
class Progress:
    unit: str
    committed: Decimal
    max_quantity: Decimal
    called: Decimal
    delivered: Decimal
    planned_value: int
    delivered_value: int
    expected_price: Price | None
    rows: tuple[CallOffRow, ...] = field(default_factory=tuple)

    @property
    def delivered_percent(self) -> Decimal:
        return _percent(self.delivered, self.committed)

    @property
    def value_percent(self) -> Decimal:
        return _percent(Decimal(self.delivered_value), Decimal(self.planned_value))


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    if whole <= 0:
        return Decimal(0)
    return (part * 100 / whole).quantize(Decimal("0.1"))


def expected_price(contract: LinkageContract, *, on: date | None = None) -> Price | None:
    """The unit price a call-off not yet ordered would get today (None without a reference price)."""
    version = contract.version_in_force
    if version is None:
        return None
    try:
        return version_price(version=version, on=on or timezone.localdate())
    except Conflict:
        return None


def contract_progress(contract: LinkageContract) -> Progress:
    """Delivered against committed volume and money against plan, per call-off (from prefetched rows)."""
    price = expected_price(contract)
    fallback = price.unit_price if price else contract.planned_unit_price
    today = timezone.localdate()
    rows = []
    for call_off in contract.call_offs.all():
        if call_off.status == CallOffStatus.CANCELLED:
            continue
        delivery = getattr(call_off, "delivery", None) if call_off.status == CallOffStatus.DELIVERED else None
        unit_price = call_off.unit_price or fallback
        rows.append(
            CallOffRow(
                call_off=call_off,
                planned_quantity=call_off.quantity,
                delivered_quantity=delivery.net_quantity if delivery else None,
                planned_value=int(call_off.quantity * unit_price),
                delivered_value=delivery.amount if delivery else None,
                late=call_off.flagged_late_on is not None
                or (call_off.status in (CallOffStatus.PLANNED, CallOffStatus.PLACED) and call_off.due_on < today),
                short=bool(delivery and delivery.short),
            )
        )
    return Progress(
        unit=contract.unit,
        committed=contract.committed_quantity,
        max_quantity=contract.max_quantity,
        called=contract.called_quantity,
        delivered=contract.delivered_quantity,
        planned_value=int(contract.committed_quantity * contract.planned_unit_price),
        delivered_value=contract.delivered_value,
        expected_price=price,
        rows=tuple(rows),
    )


def version_history(contract: LinkageContract) -> list[ContractVersion]:
    """Every version, newest first, discarded drafts included (history is never lost)."""
    return sorted(contract.versions.all(), key=lambda v: v.number, reverse=True)
