"""Drafting, signing, amending and ending linkage contracts.

A version is edited while nobody has signed it; the first signature freezes its terms (their digest is
kept, and a signer may pass the digest they read so that they never sign terms changed meanwhile); the
second puts it in force. Putting a version in force supersedes the previous one, moves the contract's
committed volume (never below what is already called), replaces the planned call-offs by the new schedule
and opens (or re-prices) the deposit. Call-offs already ordered keep the version they were placed under.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product, ProductStatus
from catalog.supply.models import Plot, RawMaterialArea
from linkage import webhooks
from linkage.models import (
    CallOff,
    CallOffStatus,
    ClauseTemplate,
    ContractStatus,
    ContractVersion,
    EventKind,
    GradingRule,
    LinkageContract,
    ReferenceSeries,
    ScheduleLine,
    SeasonKind,
    VersionClause,
    VersionStatus,
    max_quantity,
)
from linkage.models import PriceRule as Rule
from linkage.notifications import AMENDMENT_TO_SIGN, CONTRACT_IN_FORCE, CONTRACT_TERMINATED, CONTRACT_TO_SIGN
from linkage.payables import DEPOSIT_KIND
from linkage.permissions import LINKAGE_NEGOTIATE
from linkage.policy import CONTRACT_POLICY, ContractAction
from linkage.pricing import version_price
from linkage.services.common import (
    contract_context,
    contract_moved,
    lock_contract,
    locked_transaction,
    other_party,
    record_event,
)
from linkage.terms import Clause, Terms, terms_of
from market.core.errors import Conflict, ValidationFailed
from market.core.parsing import format_date, format_decimal
from market.core.quantity import UNIT_SYMBOLS
from market.integrations.registry import emit_event
from market.notifications.services import notify
from market.organisations import geo
from market.organisations.models import SELLER_KINDS, Organisation, OrganisationKind
from market.organisations.permissions import Actor


# --- terms ---------------------------------------------------------------------------------------
def _normalised(terms: Terms) -> Terms:
    """A fixed price follows no reference; a market price has no floor."""
    if terms.price_rule == Rule.FIXED:
        return replace(terms, reference_series_id=None, premium=0)
    if terms.price_rule == Rule.MARKET:
        return replace(terms, base_price=None)
    return terms


def _check_terms(
    *, terms: Terms, buyer: Organisation, cooperative: Organisation, unit: str | None, season_year: int
) -> tuple[Product, list[RawMaterialArea]]:
    """The checks that need the database or the contract; ValidationFailed names every field that is wrong."""
    errors: dict[str, list[str]] = {}
    # The season is the harvest's: a term that never reaches its year (or that an edit moved away) is a typo.
    if not terms.starts_on.year <= season_year <= terms.ends_on.year:
        errors["season_year"] = [
            _("The harvest year %(year)s is outside the term (%(start)s – %(end)s): correct the year or the term.")
            % {"year": season_year, "start": format_date(terms.starts_on), "end": format_date(terms.ends_on)}
        ]
    product = (
        Product.objects.select_related("category", "vat_category")
        .filter(pk=terms.product_id, cooperative=cooperative)
        .exclude(status=ProductStatus.DELISTED)
        .first()
    )
    if product is None:
        errors["product"] = [_("Choose one of the cooperative's products.")]
    elif unit is not None and product.unit != unit:
        errors["product"] = [
            _("The contract is counted in %(unit)s: choose a product sold in that unit.") % {"unit": unit}
        ]
    areas = list(RawMaterialArea.objects.filter(pk__in=terms.area_ids, cooperative=cooperative))
    if len(areas) != len(set(terms.area_ids)):
        errors["areas"] = [_("Choose the cooperative's own raw-material areas.")]
    if terms.reference_series_id is not None:
        series = (
            ReferenceSeries.objects.filter(pk=terms.reference_series_id)
            .filter(Q(publisher=buyer) | Q(publisher__kind=OrganisationKind.ALLIANCE))
            .first()
        )
        if series is None:
            errors["reference_series"] = [_("Choose a reference price published by the processor or the alliance.")]
        elif product is not None and series.unit != product.unit:
            # The rule adds the reference price to the premium as it is: a price per tấn is no price per kg.
            errors["reference_series"] = [
                _("This reference price is per %(series_unit)s, the product sold by %(unit)s: choose one per %(unit)s.")
                % {
                    "series_unit": UNIT_SYMBOLS.get(series.unit, series.unit),
                    "unit": UNIT_SYMBOLS.get(product.unit, product.unit),
                }
            ]
    if geo.province(terms.delivery_province_code) is None:
        errors["delivery_province_code"] = [_("Choose a province.")]
    limit = max_quantity(terms.committed_quantity, terms.tolerance_percent)
    scheduled = sum((line.quantity for line in terms.schedule), Decimal(0))
    if scheduled > limit:
        errors["schedule"] = [
            _("The schedule adds up to %(scheduled)s, more than the committed volume plus tolerance (%(limit)s).")
            % {"scheduled": format_decimal(scheduled), "limit": format_decimal(limit)}
        ]
    codes = [clause.code for clause in terms.clauses]
    if len(codes) != len(set(codes)):
        errors["clauses"] = [_("Each clause appears once.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert product is not None
    return product, areas


def _default_clauses() -> tuple[Clause, ...]:
    return tuple(
        Clause(t.code, t.title_vi, t.body_vi) for t in ClauseTemplate.objects.filter(active=True).order_by("position")
    )


def _write_terms(version: ContractVersion, terms: Terms, areas: Iterable[RawMaterialArea]) -> None:
    version.product_id = terms.product_id
    version.grade_spec = terms.grade_spec
    version.committed_quantity = terms.committed_quantity
    version.tolerance_percent = terms.tolerance_percent
    version.delivery_place = terms.delivery_place
    version.delivery_province_code = terms.delivery_province_code
    version.price_rule = terms.price_rule
    version.base_price = terms.base_price
    version.premium = terms.premium
    version.reference_series_id = terms.reference_series_id
    version.payment_days = terms.payment_days
    version.deposit = terms.deposit
    version.advance_limit = terms.advance_limit
    version.starts_on = terms.starts_on
    version.ends_on = terms.ends_on
    version.change_note = terms.change_note
    version.save()
    version.areas.set(list(areas))
    version.grading_rules.all().delete()
    GradingRule.objects.bulk_create(
        GradingRule(
            version=version,
            position=position,
            measure=band.measure,
            threshold=band.threshold,
            limit=band.limit,
            effect=band.effect,
            rate=band.rate,
        )
        for position, band in enumerate(terms.grading)
    )
    version.schedule.all().delete()
    ScheduleLine.objects.bulk_create(
        ScheduleLine(version=version, due_on=line.due_on, quantity=line.quantity) for line in terms.schedule
    )
    version.clauses.all().delete()
    clauses = terms.clauses or _default_clauses()
    VersionClause.objects.bulk_create(
        VersionClause(version=version, code=c.code, position=i, title=c.title, body=c.body)
        for i, c in enumerate(clauses)
    )


# --- drafting ------------------------------------------------------------------------------------
@locked_transaction
def contract_draft(
    *,
    actor: Actor,
    counterparty_id: int,
    title: str,
    season_kind: SeasonKind,
    season_year: int,
    terms: Terms,
) -> LinkageContract:
    """Start a contract with another party: the acting organisation drafts version 1."""
    actor.require(LINKAGE_NEGOTIATE)
    own = actor.organisation
    assert own is not None
    wanted = SELLER_KINDS if actor.is_buyer else {OrganisationKind.BUYER}
    counterparty = Organisation.objects.filter(pk=counterparty_id, kind__in=wanted).first()
    if counterparty is None or not counterparty.is_verified:
        raise ValidationFailed(fields={"counterparty": [_("Choose a verified organisation on the other side.")]})
    buyer, cooperative = (own, counterparty) if actor.is_buyer else (counterparty, own)
    terms = _normalised(terms)
    product, areas = _check_terms(terms=terms, buyer=buyer, cooperative=cooperative, unit=None, season_year=season_year)
    contract = LinkageContract.objects.create(
        title=title,
        buyer=buyer,
        cooperative=cooperative,
        drafted_by=own,
        created_by=actor.user,
        season_kind=season_kind,
        season_year=season_year,
        unit=product.unit,
        category=product.category,
    )
    contract.number = f"HDLK{timezone.localdate().year % 100:02d}-{contract.pk:07d}"
    contract.save(update_fields=["number"])
    version = ContractVersion(contract=contract, number=1, drafted_by=own, created_by=actor.user)
    _write_terms(version, terms, areas)
    record_event(contract, actor=actor, kind=EventKind.DRAFTED, version_number=1)
    return contract


@locked_transaction
def version_update(*, actor: Actor, contract_id: int, terms: Terms) -> ContractVersion:
    """Change the open draft's terms (either party, while nobody has signed it)."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.EDIT)
    draft = contract.open_draft
    assert draft is not None
    terms = _normalised(terms)
    unit = contract.unit if contract.version_in_force_id else None
    product, areas = _check_terms(
        terms=terms, buyer=contract.buyer, cooperative=contract.cooperative, unit=unit, season_year=contract.season_year
    )
    _write_terms(draft, terms, areas)
    if contract.version_in_force_id is None:
        contract.unit, contract.category = product.unit, product.category
    contract.save(update_fields=["unit", "category", "updated_at"])  # its draft is shown with it
    record_event(contract, actor=actor, kind=EventKind.EDITED, version_number=draft.number)
    return draft


@locked_transaction
def contract_amend(*, actor: Actor, contract_id: int, terms: Terms) -> ContractVersion:
    """Either party proposes new terms for a contract in force: a new draft version, signed like the first."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.AMEND)
    terms = _normalised(terms)
    _product, areas = _check_terms(
        terms=terms,
        buyer=contract.buyer,
        cooperative=contract.cooperative,
        unit=contract.unit,
        season_year=contract.season_year,
    )
    number = (contract.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    assert actor.organisation is not None
    version = ContractVersion(contract=contract, number=number, drafted_by=actor.organisation, created_by=actor.user)
    _write_terms(version, terms, areas)
    contract_moved(contract)
    record_event(contract, actor=actor, kind=EventKind.AMENDMENT_STARTED, version_number=number, note=terms.change_note)
    return version


# --- signing -------------------------------------------------------------------------------------
@locked_transaction
def version_sign(*, actor: Actor, contract_id: int, terms_digest: str = "") -> ContractVersion:
    """The acting party signs the open draft. `terms_digest`, when given, must be the digest of the terms the
    signer read. The second signature puts the version in force."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    as_buyer = actor.organisation_id == contract.buyer_id
    action = ContractAction.SIGN_AS_BUYER if as_buyer else ContractAction.SIGN_AS_COOPERATIVE
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=action)
    draft = contract.open_draft
    assert draft is not None
    digest = terms_of(draft).digest()
    if terms_digest and terms_digest != digest:
        raise Conflict(_("The terms changed after you opened them: read them again before signing."), code="stale")
    now = timezone.now()
    if draft.signature_count == 0:
        draft.terms_digest = digest
    if as_buyer:
        draft.buyer_signed_at, draft.buyer_signed_by = now, actor.user
    else:
        draft.cooperative_signed_at, draft.cooperative_signed_by = now, actor.user
    draft.save()
    contract_moved(contract)
    record_event(contract, actor=actor, kind=EventKind.SIGNED, version_number=draft.number, data={"digest": digest})
    if draft.signature_count == 2:
        _put_in_force(contract, draft, actor=actor)
    else:
        kind = CONTRACT_TO_SIGN if draft.number == 1 else AMENDMENT_TO_SIGN
        notify(
            kind=kind,
            recipients=[other_party(actor, contract)],
            context=contract_context(
                contract,
                version=draft.number,
                change_note=draft.change_note,
                signed_by=actor.organisation.name if actor.organisation else "",
            ),
            object_ref=contract,
            occurrence=f"v{draft.number}-{digest[:12]}",
        )
    return draft


def planned_price(version: ContractVersion, *, on: date) -> int:
    """The unit price the plan counts with: the rule's price on `on`, or (no reference price yet) the floor."""
    try:
        return version_price(version=version, on=on).unit_price
    except Conflict:
        return version.base_price or 0


def _area_figures(version: ContractVersion) -> tuple[Decimal, int]:
    figures = Plot.objects.filter(area__in=version.areas.all()).aggregate(
        hectares=Sum("hectares"), households=Count("household", distinct=True)
    )
    return figures["hectares"] or Decimal(0), figures["households"] or 0


def _put_in_force(contract: LinkageContract, version: ContractVersion, *, actor: Actor) -> None:
    limit = version.max_quantity
    if contract.called_quantity > limit:
        raise Conflict(
            _("%(called)s is already called under this contract, more than these terms allow (%(limit)s).")
            % {"called": format_decimal(contract.called_quantity), "limit": format_decimal(limit)}
        )
    previous = contract.version_in_force
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    version.status = VersionStatus.IN_FORCE
    version.in_force_at = timezone.now()
    version.hectares, version.households = _area_figures(version)
    version.save(update_fields=["status", "in_force_at", "hectares", "households", "updated_at"])
    contract.version_in_force = version
    contract.status = ContractStatus.ACTIVE
    contract.committed_quantity, contract.max_quantity = version.committed_quantity, limit
    contract.category_id = version.product.category_id
    contract.hectares, contract.households = version.hectares, version.households
    contract.planned_unit_price = planned_price(version, on=max(timezone.localdate(), version.starts_on))
    contract.save()
    _replan(contract, version)
    _open_deposit(contract)
    record_event(contract, actor=actor, kind=EventKind.IN_FORCE, version_number=version.number)
    notify(
        kind=CONTRACT_IN_FORCE,
        recipients=[contract.buyer, contract.cooperative],
        context=contract_context(contract, version=version.number),
        object_ref=contract,
        occurrence=f"v{version.number}",
    )
    emit_event(
        type=webhooks.CONTRACT_SIGNED if version.number == 1 else webhooks.CONTRACT_AMENDED,
        obj=contract,
        organisations=[contract.buyer, contract.cooperative],
        occurrence=f"v{version.number}",
    )


def _replan(contract: LinkageContract, version: ContractVersion) -> None:
    """Planned call-offs follow the schedule of the version in force; ordered ones keep theirs."""
    CallOff.objects.filter(contract=contract, status__in=[CallOffStatus.PLANNED, CallOffStatus.SUSPENDED]).update(
        status=CallOffStatus.CANCELLED, updated_at=timezone.now()
    )
    number = contract.call_offs.aggregate(n=Max("number"))["n"] or 0
    rows = []
    for offset, line in enumerate(version.schedule.all(), start=1):
        event = contract.suspended_on(line.due_on)
        rows.append(
            CallOff(
                contract=contract,
                version=version,
                number=number + offset,
                due_on=line.due_on,
                quantity=line.quantity,
                status=CallOffStatus.SUSPENDED if event else CallOffStatus.PLANNED,
                suspended_by=event,
            )
        )
    CallOff.objects.bulk_create(rows)


def _open_deposit(contract: LinkageContract) -> None:
    from market.payments.models import Payable
    from market.payments.services import payable_amount_refresh, payable_open

    version = contract.version_in_force
    assert version is not None
    if Payable.objects.filter(kind=DEPOSIT_KIND, object_id=str(contract.pk)).exists():
        payable_amount_refresh(kind=DEPOSIT_KIND, object_id=contract.pk)
    elif version.deposit > 0:
        payable_open(kind=DEPOSIT_KIND, object_id=contract.pk)


@locked_transaction
def version_reopen(*, actor: Actor, contract_id: int, note: str = "") -> ContractVersion:
    """Return a draft signed by one side to drafting (its signature is cleared) to change it."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.REOPEN)
    draft = contract.open_draft
    assert draft is not None
    draft.buyer_signed_at = draft.cooperative_signed_at = None
    draft.buyer_signed_by = draft.cooperative_signed_by = None
    draft.terms_digest = ""
    draft.save()
    contract_moved(contract)
    record_event(contract, actor=actor, kind=EventKind.REOPENED, version_number=draft.number, note=note)
    return draft


@locked_transaction
def version_discard(*, actor: Actor, contract_id: int) -> LinkageContract:
    """Drop the unsigned draft; a contract that was never in force is then abandoned."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.DISCARD)
    draft = contract.open_draft
    assert draft is not None
    draft.status = VersionStatus.DISCARDED
    draft.save(update_fields=["status", "updated_at"])
    if contract.version_in_force_id is None:
        contract.status = ContractStatus.CANCELLED
    contract.save(update_fields=["status", "updated_at"])  # an amendment's draft is shown with it
    record_event(contract, actor=actor, kind=EventKind.DISCARDED, version_number=draft.number)
    return contract


# --- ending --------------------------------------------------------------------------------------
def _end(contract: LinkageContract, status: ContractStatus) -> None:
    contract.status = status
    contract.save(update_fields=["status", "terminated_on", "termination_reason", "terminated_by", "updated_at"])
    contract.versions.filter(status=VersionStatus.DRAFT).update(status=VersionStatus.DISCARDED)
    contract.call_offs.filter(status__in=[CallOffStatus.PLANNED, CallOffStatus.SUSPENDED]).update(
        status=CallOffStatus.CANCELLED, updated_at=timezone.now()
    )


@locked_transaction
def contract_terminate(*, actor: Actor, contract_id: int, reason: str) -> LinkageContract:
    """Either party ends the contract today, with its reason: no call-off can be placed after it; calls
    already ordered go on through their orders."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.TERMINATE)
    if len(reason.strip()) < 3:
        raise ValidationFailed(fields={"reason": [_("Say why the contract ends.")]})
    contract.terminated_on = timezone.localdate()
    contract.termination_reason = reason
    contract.terminated_by = actor.organisation
    _end(contract, ContractStatus.TERMINATED)
    record_event(contract, actor=actor, kind=EventKind.TERMINATED, note=reason)
    notify(
        kind=CONTRACT_TERMINATED,
        recipients=[contract.buyer, contract.cooperative],
        context=contract_context(
            contract, reason=reason, terminated_by=actor.organisation.name if actor.organisation else ""
        ),
        object_ref=contract,
    )
    return contract


@locked_transaction
def contract_close(*, actor: Actor, contract_id: int) -> LinkageContract:
    """Close a contract whose term is over or whose volume is delivered."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.CLOSE)
    _end(contract, ContractStatus.COMPLETED)
    record_event(contract, actor=actor, kind=EventKind.COMPLETED)
    return contract
