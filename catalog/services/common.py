"""Helpers the catalogue's services share."""

from __future__ import annotations

from catalog.permissions import CATALOG_VIEW_ALL
from market.core.errors import NotFound, ValidationFailed
from market.organisations.permissions import Actor


def hide_from_strangers(actor: Actor, cooperative_id: int) -> None:
    """Another organisation cannot tell a cooperative's row from a missing one. Its members and alliance staff
    (who read every catalogue) see it; the policy then says what they may do with it."""
    if actor.organisation_id is not None and actor.organisation_id == cooperative_id:
        return
    if actor.can(CATALOG_VIEW_ALL):
        return
    raise NotFound()


def merge_errors(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for name, messages in more.items():
        errors.setdefault(name, []).extend(messages)


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)
