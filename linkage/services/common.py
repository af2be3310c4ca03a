"""What the linkage services share: locking a contract for its parties, the history, and the figures every
notification about a contract carries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from linkage.models import CallOff, CallOffStatus, ContractEvent, EventKind, LinkageContract
from market.core.errors import Conflict, NotFound
from market.core.locking import lock_timeout_set
from market.core.services import audit_record
from market.organisations.permissions import Actor

P = ParamSpec("P")
R = TypeVar("R")


def visible_to(actor: Actor, contract: LinkageContract) -> bool:
    return actor.organisation_id in (contract.buyer_id, contract.cooperative_id) or actor.is_alliance_staff


@contextmanager
def _busy_is_a_conflict() -> Iterator[None]:
    try:
        yield
    except OperationalError as error:
        if getattr(getattr(error, "__cause__", None), "sqlstate", "") == "55P03":  # lock_not_available
            raise Conflict(
                _("Someone else is changing this contract right now; try again in a moment."), code="busy"
            ) from error
        raise


def locked_transaction(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` in one transaction whose row locks wait at most LOCK_TIMEOUT_SECONDS; a write that waited
    that long for a contract another request is changing answers 409 (style 10a)."""

    @wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with _busy_is_a_conflict(), transaction.atomic():
            lock_timeout_set()
            return service(*args, **kwargs)

    return wrapper


def lock_contract(*, actor: Actor, contract_id: int) -> LinkageContract:
    """The contract row locked for update, when the actor may see it; NotFound for anyone else (a foreign
    contract is never told apart from a missing one). What the actor may do is the policy's to say."""
    contract = (
        LinkageContract.objects.select_for_update(of=("self",))
        .select_related("buyer", "cooperative", "version_in_force")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None or not visible_to(actor, contract):
        raise NotFound()
    return contract


def contract_id_of_call_off(call_off_id: int) -> int:
    contract_id = CallOff.objects.filter(pk=call_off_id).values_list("contract_id", flat=True).first()
    if contract_id is None:
        raise NotFound()
    return contract_id


def contract_moved(contract: LinkageContract) -> None:
    """Move the contract's `updated_at` for a change the API shows with it but that is not in its own row: its
    open draft (terms, signatures), which its `allowed_actions` read (sign, edit, reopen, discard, amend), so
    that a client syncing contracts (docs/api-sync.md) fetches it again."""
    contract.save(update_fields=["updated_at"])


def planned_call_offs_moved(contract_ids: Iterable[int]) -> int:
    """Move `updated_at` of these contracts' planned call-offs: whether one may be ordered (`place` in its
    `allowed_actions`) reads its contract — status, term and what may still be called — so a client syncing
    call-offs must see them change when these do. The others read only their own row and their order."""
    return CallOff.objects.filter(contract_id__in=list(contract_ids), status=CallOffStatus.PLANNED).update()


def record_event(
    contract: LinkageContract,
    *,
    actor: Actor | None,
    kind: EventKind,
    version_number: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ContractEvent:
    user = actor.user if actor is not None and actor.user is not None and actor.user.pk else None
    event = ContractEvent.objects.create(
        contract=contract,
        action=kind,
        version_number=version_number,
        actor_user=user,
        actor_organisation=actor.organisation if actor is not None else None,
        note=note[:1000],
        data=data or {},
    )
    audit_record(actor=actor, action=f"linkage.{kind.value}", target=contract, data=data or {})
    return event


def contract_context(contract: LinkageContract, **extra: Any) -> dict[str, Any]:
    """What every notification about a contract can print (JSON: amounts in đồng, dates ISO)."""
    return {
        "contract_id": contract.pk,
        "contract_number": contract.number or "",
        "title": contract.title,
        "buyer_name": contract.buyer.name,
        "cooperative_name": contract.cooperative.name,
        "season": contract.season_label,
        **extra,
    }


def other_party(actor: Actor, contract: LinkageContract) -> Any:
    return contract.cooperative if actor.organisation_id == contract.buyer_id else contract.buyer
