"""Input advances, force majeure and disputes: what happens between the parties besides deliveries."""

from __future__ import annotations

from datetime import date
from typing import IO

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.uploads import process_certificate_scan
from linkage.models import (
    AdvanceKind,
    CallOff,
    CallOffStatus,
    Dispute,
    DisputeMessage,
    DisputeStatus,
    EventKind,
    ForceMajeure,
    HazardKind,
    InputAdvance,
    LinkageContract,
)
from linkage.notifications import DISPUTE_UPDATE, FORCE_MAJEURE
from linkage.policy import (
    ADVANCE_POLICY,
    CONTRACT_POLICY,
    DISPUTE_POLICY,
    FORCE_MAJEURE_POLICY,
    AdvanceAction,
    ContractAction,
    DisputeAction,
    ForceMajeureAction,
)
from linkage.services.common import contract_context, lock_contract, locked_transaction, record_event
from market.core.errors import NotFound, ValidationFailed
from market.core.once import Once, Reuse, once
from market.core.parsing import format_money
from market.notifications.services import notify
from market.organisations.permissions import Actor


# --- input advances ------------------------------------------------------------------------------
def advance_record(
    *,
    actor: Actor,
    contract_id: int,
    kind: AdvanceKind,
    description: str,
    supplied_on: date,
    value: int,
    once_key: str = "",
) -> Once[InputAdvance]:
    """The processor records inputs or services it supplied on credit, within the contract's limit. The same
    form sent twice (`once_key`) records one advance and answers the second time with the first."""
    asked = (contract_id, kind, description, supplied_on, value)
    return once(
        action="linkage.advance_recorded",
        key=once_key,
        actor=actor,
        model=InputAdvance,
        make=lambda: _advance_make(
            actor=actor,
            contract_id=contract_id,
            kind=kind,
            description=description,
            supplied_on=supplied_on,
            value=value,
        ),
        reuse=Reuse(
            lambda first: (first.contract_id, first.kind, first.description, first.supplied_on, first.value) == asked,
            _("This Idempotency-Key was already used for another advance."),
        ),
    )


@locked_transaction
def _advance_make(
    *, actor: Actor, contract_id: int, kind: AdvanceKind, description: str, supplied_on: date, value: int
) -> InputAdvance:
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.RECORD_ADVANCE)
    # An advance records inputs already handed over (the cooperative acknowledges receiving them).
    if supplied_on > timezone.localdate():
        raise ValidationFailed(fields={"supplied_on": [_("This day has not come yet.")]})
    version = contract.version_in_force
    assert version is not None
    supplied = contract.advances.aggregate(total=Sum("value"))["total"] or 0
    if supplied + value > version.advance_limit:
        raise ValidationFailed(
            fields={
                "value": [
                    _("The contract allows input advances up to %(limit)s; %(left)s is left.")
                    % {
                        "limit": format_money(version.advance_limit),
                        "left": format_money(max(version.advance_limit - supplied, 0)),
                    }
                ]
            }
        )
    advance = InputAdvance.objects.create(
        contract=contract,
        kind=kind,
        description=description,
        supplied_on=supplied_on,
        value=value,
        recorded_by=actor.user,
    )
    record_event(contract, actor=actor, kind=EventKind.ADVANCE_RECORDED, data={"advance": advance.pk, "value": value})
    return advance


def _lock_child_contract(actor: Actor, contract_id: int | None) -> LinkageContract:
    if contract_id is None:
        raise NotFound()
    return lock_contract(actor=actor, contract_id=contract_id)


@locked_transaction
def advance_acknowledge(*, actor: Actor, advance_id: int) -> InputAdvance:
    """The cooperative confirms it received an advance."""
    contract_id = InputAdvance.objects.filter(pk=advance_id).values_list("contract_id", flat=True).first()
    contract = _lock_child_contract(actor, contract_id)
    advance = InputAdvance.objects.select_for_update().get(pk=advance_id)
    advance.contract = contract
    ADVANCE_POLICY.authorize(actor=actor, obj=advance, action=AdvanceAction.ACKNOWLEDGE)
    advance.acknowledged_at, advance.acknowledged_by = timezone.now(), actor.user
    advance.save(update_fields=["acknowledged_at", "acknowledged_by", "updated_at"])
    record_event(contract, actor=actor, kind=EventKind.ADVANCE_ACKNOWLEDGED, data={"advance": advance.pk})
    return advance


# --- force majeure -------------------------------------------------------------------------------
@locked_transaction
def force_majeure_declare(
    *,
    actor: Actor,
    contract_id: int,
    kind: HazardKind,
    starts_on: date,
    ends_on: date | None,
    description: str,
    evidence: IO[bytes],
) -> ForceMajeure:
    """Either party declares an event beyond control, with evidence. Planned call-offs dated within it are
    suspended, and none dated within it can be ordered until it ends."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.DECLARE_FORCE_MAJEURE)
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed(fields={"ends_on": [_("The event must end on or after its first day.")]})
    scan = process_certificate_scan(evidence, field="evidence")
    assert actor.organisation is not None
    event = ForceMajeure(
        contract=contract,
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        description=description,
        evidence_content_type=scan.content_type,
        declared_by=actor.organisation,
        declared_by_user=actor.user,
    )
    event.evidence.save(scan.file.name or "evidence", scan.file, save=False)
    event.save()
    suspended = [
        call_off
        for call_off in contract.call_offs.filter(status=CallOffStatus.PLANNED).select_for_update()
        if event.covers(call_off.due_on)
    ]
    CallOff.objects.filter(pk__in=[c.pk for c in suspended]).update(
        status=CallOffStatus.SUSPENDED, suspended_by=event, updated_at=timezone.now()
    )
    record_event(
        contract,
        actor=actor,
        kind=EventKind.FORCE_MAJEURE_DECLARED,
        note=description,
        data={"event": event.pk, "kind": kind.value, "suspended": [c.number for c in suspended]},
    )
    notify(
        kind=FORCE_MAJEURE,
        recipients=[contract.buyer, contract.cooperative],
        context=contract_context(
            contract,
            event=str(kind.label),
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat() if ends_on else "",
            declared_by=actor.organisation.name,
        ),
        object_ref=contract,
        occurrence=f"force-majeure-{event.pk}",
    )
    return event


def _lock_event(actor: Actor, event_id: int) -> tuple[LinkageContract, ForceMajeure]:
    contract_id = ForceMajeure.objects.filter(pk=event_id).values_list("contract_id", flat=True).first()
    contract = _lock_child_contract(actor, contract_id)
    event = ForceMajeure.objects.select_for_update().get(pk=event_id)
    event.contract = contract
    return contract, event


@locked_transaction
def force_majeure_acknowledge(*, actor: Actor, event_id: int) -> ForceMajeure:
    """The other party accepts the event (it can open a dispute instead)."""
    contract, event = _lock_event(actor, event_id)
    FORCE_MAJEURE_POLICY.authorize(actor=actor, obj=event, action=ForceMajeureAction.ACKNOWLEDGE)
    event.acknowledged_at = timezone.now()
    event.save(update_fields=["acknowledged_at", "updated_at"])
    record_event(contract, actor=actor, kind=EventKind.FORCE_MAJEURE_ACKNOWLEDGED, data={"event": event.pk})
    return event


@locked_transaction
def force_majeure_end(*, actor: Actor, event_id: int, ends_on: date | None = None) -> ForceMajeure:
    """The event is over (on `ends_on`, today by default): call-offs it suspended are planned again, unless
    another event still covers their date."""
    contract, event = _lock_event(actor, event_id)
    FORCE_MAJEURE_POLICY.authorize(actor=actor, obj=event, action=ForceMajeureAction.END)
    if ends_on is not None and ends_on < event.starts_on:
        raise ValidationFailed(fields={"ends_on": [_("The event must end on or after its first day.")]})
    # An event announced ahead and over before it began is closed on its first day.
    day = ends_on or max(timezone.localdate(), event.starts_on)
    event.ends_on, event.ended_at = day, timezone.now()
    event.save(update_fields=["ends_on", "ended_at", "updated_at"])
    for call_off in CallOff.objects.select_for_update().filter(suspended_by=event, status=CallOffStatus.SUSPENDED):
        still = next(
            (e for e in contract.force_majeure_in_effect if e.pk != event.pk and e.covers(call_off.due_on)), None
        )
        call_off.status = CallOffStatus.SUSPENDED if still else CallOffStatus.PLANNED
        call_off.suspended_by = still
        call_off.save(update_fields=["status", "suspended_by", "updated_at"])
    record_event(
        contract, actor=actor, kind=EventKind.FORCE_MAJEURE_ENDED, data={"event": event.pk, "ends_on": day.isoformat()}
    )
    return event


# --- disputes ------------------------------------------------------------------------------------
def _announce(dispute: Dispute, *, actor: Actor, text: str, occurrence: str) -> None:
    contract = dispute.contract
    notify(
        kind=DISPUTE_UPDATE,
        recipients=[org for org in (contract.buyer, contract.cooperative) if org.pk != actor.organisation_id],
        context=contract_context(
            contract,
            dispute_id=dispute.pk,
            subject=dispute.subject,
            status=dispute.status,
            author=actor.organisation.name if actor.organisation else "",
            text=text[:300],
        ),
        object_ref=dispute,
        occurrence=occurrence,
    )


@locked_transaction
def dispute_open(*, actor: Actor, contract_id: int, subject: str, text: str, call_off_id: int | None = None) -> Dispute:
    """Either party opens a dispute (about the contract or one call-off) with its first message."""
    contract = lock_contract(actor=actor, contract_id=contract_id)
    CONTRACT_POLICY.authorize(actor=actor, obj=contract, action=ContractAction.OPEN_DISPUTE)
    if call_off_id is not None and not contract.call_offs.filter(pk=call_off_id).exists():
        raise ValidationFailed(fields={"call_off": [_("Choose a call-off of this contract.")]})
    assert actor.organisation is not None
    dispute = Dispute.objects.create(
        contract=contract, call_off_id=call_off_id, subject=subject, opened_by=actor.organisation
    )
    message = DisputeMessage.objects.create(
        dispute=dispute, author=actor.user, organisation=actor.organisation, text=text
    )
    record_event(contract, actor=actor, kind=EventKind.DISPUTE_OPENED, note=subject, data={"dispute": dispute.pk})
    _announce(dispute, actor=actor, text=text, occurrence=f"message-{message.pk}")
    return dispute


def _lock_dispute(actor: Actor, dispute_id: int) -> tuple[LinkageContract, Dispute]:
    contract_id = Dispute.objects.filter(pk=dispute_id).values_list("contract_id", flat=True).first()
    contract = _lock_child_contract(actor, contract_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
    dispute.contract = contract
    return contract, dispute


@locked_transaction
def dispute_reply(*, actor: Actor, dispute_id: int, text: str) -> DisputeMessage:
    """A party, or alliance staff mediating, writes in the dispute's trail."""
    contract, dispute = _lock_dispute(actor, dispute_id)
    DISPUTE_POLICY.authorize(actor=actor, obj=dispute, action=DisputeAction.REPLY)
    assert actor.organisation is not None
    message = DisputeMessage.objects.create(
        dispute=dispute, author=actor.user, organisation=actor.organisation, text=text
    )
    dispute.save(update_fields=["updated_at"])  # the API shows a dispute with its messages: a reply changes it
    record_event(contract, actor=actor, kind=EventKind.DISPUTE_MESSAGE, data={"dispute": dispute.pk})
    _announce(dispute, actor=actor, text=text, occurrence=f"message-{message.pk}")
    return message


@locked_transaction
def dispute_resolve(*, actor: Actor, dispute_id: int, resolution: str) -> Dispute:
    """Record how the dispute was settled; the trail stays."""
    contract, dispute = _lock_dispute(actor, dispute_id)
    DISPUTE_POLICY.authorize(actor=actor, obj=dispute, action=DisputeAction.RESOLVE)
    if not resolution.strip():
        raise ValidationFailed(fields={"resolution": [_("Say how the dispute was settled.")]})
    dispute.status = DisputeStatus.RESOLVED
    dispute.resolution = resolution
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolution", "resolved_at", "updated_at"])
    record_event(contract, actor=actor, kind=EventKind.DISPUTE_RESOLVED, note=resolution, data={"dispute": dispute.pk})
    _announce(dispute, actor=actor, text=resolution, occurrence="resolved")
    return dispute
