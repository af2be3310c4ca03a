"""What an actor may do now with a linkage contract, a call-off, an input advance, a force majeure event or
a dispute (docs/edge.md): the services authorise with these tables, the pages show buttons for them and
the API returns them as `allowed_actions`."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linkage.models import (
    CallOff,
    CallOffStatus,
    ContractStatus,
    Dispute,
    DisputeStatus,
    ForceMajeure,
    InputAdvance,
    LinkageContract,
)
from linkage.permissions import (
    LINKAGE_ACKNOWLEDGE,
    LINKAGE_ADVANCE,
    LINKAGE_CALL_OFF,
    LINKAGE_DISPUTE,
    LINKAGE_INTAKE,
    LINKAGE_NEGOTIATE,
)
from market.core.parsing import format_date, format_decimal
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor
from market.organisations.policy import Policy, Rule
from orders.models import OrderStatus


# --- sides ---------------------------------------------------------------------------------------
def is_party(actor: Actor, contract: LinkageContract) -> bool:
    return actor.organisation_id in (contract.buyer_id, contract.cooperative_id)


def is_buyer(actor: Actor, contract: LinkageContract) -> bool:
    return actor.organisation_id == contract.buyer_id


def is_cooperative(actor: Actor, contract: LinkageContract) -> bool:
    return actor.organisation_id == contract.cooperative_id


def is_party_or_staff(actor: Actor, contract: LinkageContract) -> bool:
    return is_party(actor, contract) or actor.is_alliance_staff


# --- the contract --------------------------------------------------------------------------------
class ContractAction(StrEnum):
    EDIT = "edit"
    SIGN_AS_BUYER = "sign_as_buyer"
    SIGN_AS_COOPERATIVE = "sign_as_cooperative"
    REOPEN = "reopen"
    DISCARD = "discard"
    AMEND = "amend"
    ADD_CALL_OFF = "add_call_off"
    RECORD_ADVANCE = "record_advance"
    DECLARE_FORCE_MAJEURE = "declare_force_majeure"
    OPEN_DISPUTE = "open_dispute"
    TERMINATE = "terminate"
    CLOSE = "close"


OPEN_STATUSES = frozenset({ContractStatus.DRAFT, ContractStatus.ACTIVE})


def is_drafting(contract: LinkageContract) -> bool:
    return contract.status in OPEN_STATUSES and contract.open_draft is not None


def is_editable(contract: LinkageContract) -> bool:
    draft = contract.open_draft
    return is_drafting(contract) and draft is not None and draft.signature_count == 0


def awaits_buyer_signature(contract: LinkageContract) -> bool:
    draft = contract.open_draft
    return is_drafting(contract) and draft is not None and draft.buyer_signed_at is None


def awaits_cooperative_signature(contract: LinkageContract) -> bool:
    draft = contract.open_draft
    return is_drafting(contract) and draft is not None and draft.cooperative_signed_at is None


def is_half_signed(contract: LinkageContract) -> bool:
    draft = contract.open_draft
    return is_drafting(contract) and draft is not None and draft.signature_count == 1


def is_active(contract: LinkageContract) -> bool:
    return contract.status == ContractStatus.ACTIVE


def is_amendable(contract: LinkageContract) -> bool:
    return is_active(contract) and contract.open_draft is None


def term_ends_on(contract: LinkageContract) -> date | None:
    version = contract.version_in_force
    return version.ends_on if version is not None else None


def accepts_call_offs(contract: LinkageContract) -> bool:
    """In force and within its term: a call-off may be added (its own date is checked when placed)."""
    ends = term_ends_on(contract)
    return is_active(contract) and ends is not None and timezone.localdate() <= ends


def is_closable(contract: LinkageContract) -> bool:
    """In force, past its term or with its committed volume delivered, and no call-off still on order."""
    ends = term_ends_on(contract)
    done = contract.delivered_quantity >= contract.committed_quantity or (
        ends is not None and timezone.localdate() > ends
    )
    on_order = any(c.status == CallOffStatus.PLACED for c in contract.call_offs.all())
    return is_active(contract) and done and not on_order


def _not_open(contract: LinkageContract) -> str:
    if contract.status == ContractStatus.TERMINATED:
        return _("The contract was terminated.")
    return _("The contract is %(status)s.") % {"status": contract.get_status_display().lower()}


def _not_accepting(contract: LinkageContract) -> str:
    if not is_active(contract):
        return _not_open(contract)
    return _("The contract's term ended on %(day)s.") % {"day": format_date(term_ends_on(contract) or date.min)}


CONTRACT_POLICY: Policy[ContractAction, LinkageContract] = Policy(
    {
        ContractAction.EDIT: Rule(
            LINKAGE_NEGOTIATE,
            party=is_party,
            when=is_editable,
            conflict=gettext_lazy("A signed draft cannot change: return it to drafting first."),
        ),
        ContractAction.SIGN_AS_BUYER: Rule(
            LINKAGE_NEGOTIATE,
            party=is_buyer,
            when=awaits_buyer_signature,
            conflict=gettext_lazy("There is nothing for you to sign."),
        ),
        ContractAction.SIGN_AS_COOPERATIVE: Rule(
            LINKAGE_NEGOTIATE,
            party=is_cooperative,
            when=awaits_cooperative_signature,
            conflict=gettext_lazy("There is nothing for you to sign."),
        ),
        ContractAction.REOPEN: Rule(
            LINKAGE_NEGOTIATE,
            party=is_party,
            when=is_half_signed,
            conflict=gettext_lazy("Only a draft signed by one side can be returned to drafting."),
        ),
        ContractAction.DISCARD: Rule(
            LINKAGE_NEGOTIATE,
            party=is_party,
            when=is_editable,
            conflict=gettext_lazy("Only an unsigned draft can be discarded."),
        ),
        ContractAction.AMEND: Rule(
            LINKAGE_NEGOTIATE,
            party=is_party,
            when=is_amendable,
            conflict=gettext_lazy("Only a contract in force without an open draft can be amended."),
        ),
        ContractAction.ADD_CALL_OFF: Rule(
            LINKAGE_CALL_OFF, party=is_buyer, when=accepts_call_offs, conflict=_not_accepting
        ),
        ContractAction.RECORD_ADVANCE: Rule(LINKAGE_ADVANCE, party=is_buyer, when=is_active, conflict=_not_open),
        ContractAction.DECLARE_FORCE_MAJEURE: Rule(
            LINKAGE_NEGOTIATE, party=is_party, when=is_active, conflict=_not_open
        ),
        ContractAction.OPEN_DISPUTE: Rule(
            LINKAGE_DISPUTE,
            party=is_party,
            when=lambda c: c.status != ContractStatus.CANCELLED,
            conflict=_not_open,
        ),
        ContractAction.TERMINATE: Rule(LINKAGE_NEGOTIATE, party=is_party, when=is_active, conflict=_not_open),
        ContractAction.CLOSE: Rule(
            LINKAGE_NEGOTIATE,
            party=is_party,
            when=is_closable,
            conflict=gettext_lazy(
                "A contract closes once its term has ended or its volume is delivered, with no call-off on order."
            ),
        ),
    },
    scopes=dict.fromkeys(ContractAction, ApiScope.CONTRACTS),
)


def contract_actions(*, actor: Actor, contract: LinkageContract) -> frozenset[ContractAction]:
    return CONTRACT_POLICY.actions(actor=actor, obj=contract)


# --- call-offs -----------------------------------------------------------------------------------
class CallOffAction(StrEnum):
    PLACE = "place"
    CANCEL = "cancel"
    RECORD_DELIVERY = "record_delivery"


def call_off_blocker(call_off: CallOff) -> str | None:
    """Why this planned call-off cannot be ordered now, or None when it can."""
    contract = call_off.contract
    if call_off.status != CallOffStatus.PLANNED:
        return _("Only a planned call-off can be ordered.")
    if not is_active(contract):
        return _not_open(contract)
    ends = term_ends_on(contract)
    if ends is not None and (call_off.due_on > ends or timezone.localdate() > ends):
        return _("The call-off falls outside the contract's term, which ends on %(day)s.") % {"day": format_date(ends)}
    if call_off.quantity > contract.remaining_quantity:
        return _("Only %(left)s %(unit)s may still be called under this contract (its volume plus tolerance).") % {
            "left": format_decimal(contract.remaining_quantity),
            "unit": contract.unit_symbol,
        }
    event = contract.suspended_on(call_off.due_on)
    if event is not None:
        return _("Force majeure (%(event)s from %(day)s) suspends deliveries on this date.") % {
            "event": event.get_kind_display().lower(),
            "day": format_date(event.starts_on),
        }
    return None


def _call_off_party(actor: Actor, call_off: CallOff) -> bool:
    return is_buyer(actor, call_off.contract)


def intake_blocker(call_off: CallOff) -> str | None:
    """Why this call-off cannot be weighed now, or None when it can."""
    order = call_off.order
    if call_off.status != CallOffStatus.PLACED or order is None:
        return _("Only an ordered call-off is weighed at intake.")
    if order.status != OrderStatus.SHIPPED:
        return _("The cooperative has not dispatched this call-off yet: its order must be shipped first.")
    return None


CALL_OFF_POLICY: Policy[CallOffAction, CallOff] = Policy(
    {
        CallOffAction.PLACE: Rule(
            LINKAGE_CALL_OFF,
            party=_call_off_party,
            when=lambda c: call_off_blocker(c) is None,
            conflict=lambda c: call_off_blocker(c) or "",
        ),
        CallOffAction.CANCEL: Rule(
            LINKAGE_CALL_OFF,
            party=_call_off_party,
            when=lambda c: c.status in (CallOffStatus.PLANNED, CallOffStatus.SUSPENDED),
            conflict=gettext_lazy("An ordered call-off is cancelled by cancelling its order."),
        ),
        CallOffAction.RECORD_DELIVERY: Rule(
            LINKAGE_INTAKE,
            party=_call_off_party,
            when=lambda c: intake_blocker(c) is None,
            conflict=lambda c: intake_blocker(c) or "",
        ),
    },
    scopes=dict.fromkeys(CallOffAction, ApiScope.CONTRACTS),
)


def call_off_actions(*, actor: Actor, call_off: CallOff) -> frozenset[CallOffAction]:
    return CALL_OFF_POLICY.actions(actor=actor, obj=call_off)


# --- advances, force majeure, disputes -----------------------------------------------------------
class AdvanceAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"


ADVANCE_POLICY: Policy[AdvanceAction, InputAdvance] = Policy(
    {
        AdvanceAction.ACKNOWLEDGE: Rule(
            LINKAGE_ACKNOWLEDGE,
            party=lambda actor, advance: is_cooperative(actor, advance.contract),
            when=lambda advance: advance.acknowledged_at is None,
            conflict=gettext_lazy("Receipt of this advance is already confirmed."),
        ),
    },
    scopes=dict.fromkeys(AdvanceAction, ApiScope.CONTRACTS),
)


def advance_actions(*, actor: Actor, advance: InputAdvance) -> frozenset[AdvanceAction]:
    return ADVANCE_POLICY.actions(actor=actor, obj=advance)


class ForceMajeureAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    END = "end"


def _other_party(actor: Actor, event: ForceMajeure) -> bool:
    return is_party(actor, event.contract) and actor.organisation_id != event.declared_by_id


FORCE_MAJEURE_POLICY: Policy[ForceMajeureAction, ForceMajeure] = Policy(
    {
        ForceMajeureAction.ACKNOWLEDGE: Rule(
            LINKAGE_NEGOTIATE,
            party=_other_party,
            when=lambda event: event.acknowledged_at is None and event.ended_at is None,
            conflict=gettext_lazy("This event is already acknowledged or over."),
        ),
        ForceMajeureAction.END: Rule(
            LINKAGE_NEGOTIATE,
            party=lambda actor, event: is_party(actor, event.contract),
            when=lambda event: event.ended_at is None,
            conflict=gettext_lazy("This event is already over."),
        ),
    },
    scopes=dict.fromkeys(ForceMajeureAction, ApiScope.CONTRACTS),
)


def force_majeure_actions(*, actor: Actor, event: ForceMajeure) -> frozenset[ForceMajeureAction]:
    return FORCE_MAJEURE_POLICY.actions(actor=actor, obj=event)


class DisputeAction(StrEnum):
    REPLY = "reply"
    RESOLVE = "resolve"


def _dispute_party(actor: Actor, dispute: Dispute) -> bool:
    return is_party_or_staff(actor, dispute.contract)


def _is_open(dispute: Dispute) -> bool:
    return dispute.status == DisputeStatus.OPEN


DISPUTE_CLOSED = gettext_lazy("The dispute is resolved.")

DISPUTE_POLICY: Policy[DisputeAction, Dispute] = Policy(
    {
        DisputeAction.REPLY: Rule(LINKAGE_DISPUTE, party=_dispute_party, when=_is_open, conflict=DISPUTE_CLOSED),
        DisputeAction.RESOLVE: Rule(LINKAGE_DISPUTE, party=_dispute_party, when=_is_open, conflict=DISPUTE_CLOSED),
    },
    scopes=dict.fromkeys(DisputeAction, ApiScope.CONTRACTS),
)


def dispute_actions(*, actor: Actor, dispute: Dispute) -> frozenset[DisputeAction]:
    return DISPUTE_POLICY.actions(actor=actor, obj=dispute)
