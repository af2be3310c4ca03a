"""One-time keys: a write that moves money happens once per key, however often its form is sent.

A page renders each money-moving form with a fresh key (`{% one_time_key %}` in the frontend); the service
claims the key with `once()` in the same transaction as the change. A second submission with that key (a
double click, the browser sending the form again after a timeout, the back button) waits on the unique index
until the first commits, then answers with what the first made, marked `replayed`, so the page can say "this
was already done" instead of doing it again. A first submission that fails rolls its claim back: the form can
be corrected and sent again with the same key.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.locking import bounded_lock_wait
from market.core.models import OneTimeKey

KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,100}")
FIELD_NAME = "once_key"
# The code of a key's refusal when sent again for another request: the API answers it as is; pages word it for a
# form (frontend.errors.page_message), whose hidden key the person never sees.
KEY_REUSED = "idempotency_key_reused"
# The code of a key sent again after what it made was deleted (a booth removed from the plan): the API answers it as
# is; pages word it for a form, sent again (the back button) after the removal.
KEY_TARGET_GONE = "idempotency_key_target_gone"
# The code of a key another person sent first (an API client's keys are its user's): the API answers it as is; pages
# word it for a form (two people cannot share a rendered form's key unless the page was passed on).
KEY_TAKEN = "idempotency_key_taken"


class _Person(Protocol):
    @property
    def pk(self) -> int | None: ...


class _Acting(Protocol):
    """Who runs the service (market.organisations.permissions.Actor): the claim is their user's."""

    @property
    def user(self) -> _Person | None: ...


T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Once(Generic[T]):
    """What a keyed write made; `replayed` when an earlier submission with the same key made it."""

    value: T
    replayed: bool = False


def new_key() -> str:
    return secrets.token_urlsafe(24)


def posted_key(data: Mapping[str, Any]) -> str:
    """The key a form was rendered with, or a clear error: a form without one is older than its page's version."""
    key = data.get(FIELD_NAME, "")
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValidationFailed(_("This form is out of date: reload the page and send it again."))
    return key


@dataclass(frozen=True)
class Reuse(Generic[M]):
    """How a service tells a replay from a key reused for something else: `same(first)` says whether the row the key
    made is what this call asks for; when not, `message` (a Conflict, `idempotency_key_reused`, in an API client's
    words: pages word it by its code). A key is its user's, not the object's: reused for another object or other
    values, it must not answer with the first row as if this call's had been made."""

    same: Callable[[M], bool]
    message: str
    asked: object = None
    """What this call asks, for a write whose request the row cannot prove: a state change remembers the object it
    changed, which then moves on (another step, another reason), so the first request's values (the object's id,
    a reason, a booth…; JSON-serialisable) are remembered with the key instead, and a call asking anything else is
    refused the same way. None: `same` alone decides."""


def _fingerprint(asked: object) -> str:
    if asked is None:
        return ""
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def once(
    *, action: str, key: str, actor: _Acting, model: type[M], make: Callable[[], M], reuse: Reuse[M] | None = None
) -> Once[M]:
    """Run `make` once per (action, key) and remember the `model` row it made; later calls with the key, by the
    same person, answer with that row (refused by `reuse` when it was made for something else). A service states
    only what differs:

        return once(action="payments.settlement_paid", key=once_key, actor=actor, model=Settlement,
                    make=lambda: _settlement_pay(actor=actor, settlement_id=settlement_id, ...))

    A state change (approve, decline, revoke…) remembers the object it changed and states what it was asked in
    `reuse.asked`, so that the key sent again for the same object with another reason is refused too:

        reuse=Reuse(lambda first: first.pk == meeting_id, message, asked=(meeting_id, reason))

    Without a key every call makes (an API client that sent no Idempotency-Key)."""
    if not key:
        return Once(make())
    user_id = actor.user.pk if actor.user else None
    with transaction.atomic(), bounded_lock_wait():
        claim, created = OneTimeKey.objects.get_or_create(action=action, key=key, defaults={"user_id": user_id})
        if not created:
            if claim.user_id != user_id or claim.target_id is None:
                raise Conflict(
                    _("This Idempotency-Key was already used by someone else: send this request with a new key."),
                    code=KEY_TAKEN,
                )
            first = model._default_manager.filter(pk=claim.target_id).first()
            if first is None:  # made, then deleted (a booth removed from the plan): nothing to answer with
                raise NotFound(
                    _("What this key made first no longer exists: send the request again with a new key."),
                    code=KEY_TARGET_GONE,
                )
            if reuse is not None and (claim.asked != _fingerprint(reuse.asked) or not reuse.same(first)):
                raise Conflict(reuse.message, code=KEY_REUSED)
            return Once(first, replayed=True)
        made = make()
        claim.target_id = made.pk
        claim.asked = _fingerprint(reuse.asked) if reuse is not None else ""
        claim.save(update_fields=["target_id", "asked"])
    return Once(made)


def reused_elsewhere() -> str:
    """The refusal of a key sent again for another request (another object, other values), in an API client's words
    (its Idempotency-Key): pages tell it by its code (frontend.errors.page_message)."""
    return _("This Idempotency-Key was already used for another request: send this one with a new key.")


def once_step(
    *,
    action: str,
    key: str,
    actor: _Acting,
    model: type[M],
    object_id: int,
    make: Callable[[], M],
    asked: tuple[object, ...] = (),
    refused: str | None = None,
) -> Once[M]:
    """once() for a state change of the `model` row `object_id` (enable, revoke, a new role…) under an API request's
    Idempotency-Key: a retry after a lost answer is answered with the row, as the first send was, not refused for a
    step already taken or taken again. The key remembers the row and what was asked of it (`asked`: the acting
    organisation, a role, a reason…); sent for another row or with anything else, it is refused (with `refused`
    when it names what else, else `reused_elsewhere()`)."""
    return once(
        action=action,
        key=key,
        actor=actor,
        model=model,
        make=make,
        reuse=Reuse(lambda first: first.pk == object_id, refused or reused_elsewhere(), asked=(object_id, *asked)),
    )
