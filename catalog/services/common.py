"""Helpers the catalogue's services share."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from catalog.permissions import CATALOG_VIEW_ALL
from market.core.errors import NotFound, PermissionDenied, ValidationFailed
from market.organisations.permissions import Actor


def require_own(actor: Actor, cooperative_id: int) -> None:
    """Only members acting for the owning cooperative write. Staff, who can read it, are told no;
    everyone else cannot tell it from a missing object."""
    if actor.organisation_id is not None and actor.organisation_id == cooperative_id:
        return
    if actor.can(CATALOG_VIEW_ALL):
        raise PermissionDenied()
    raise NotFound()


def merge_errors(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for name, messages in more.items():
        errors.setdefault(name, []).extend(messages)


def raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)


def validation_messages(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
