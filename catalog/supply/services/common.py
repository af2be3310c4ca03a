"""What the supply services share: loading a row the actor may address, and database errors as messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from catalog.supply.permissions import SUPPLY_VIEW_ALL
from market.core.errors import NotFound, PermissionDenied, ValidationFailed
from market.organisations.models import Organisation
from market.organisations.permissions import Actor

M = TypeVar("M", bound=models.Model)


def acting_cooperative(actor: Actor) -> Organisation:
    """The organisation the actor writes for (the capability check before this made sure it sells)."""
    if actor.organisation is None:
        raise PermissionDenied()
    return actor.organisation


def addressable(actor: Actor, obj: M | None, cooperative_id: Callable[[M], int]) -> M:
    """`obj` if the actor may read it: its own cooperative's, or any for alliance staff (who are then refused
    by the policy with a 403). Anyone else cannot tell it from a missing row."""
    if obj is None:
        raise NotFound()
    if actor.organisation_id == cooperative_id(obj) or actor.can(SUPPLY_VIEW_ALL):
        return obj
    raise NotFound()


def category_get(category_id: int, field: str = "category") -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise ValidationFailed(fields={field: [_("Choose a category from the list.")]})
    return category


def save_unique(obj: models.Model, *, constraint: str, field: str, message: str) -> None:
    """Save, turning the named unique constraint (a race the earlier check lost) into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        if constraint in str(error):
            raise ValidationFailed(fields={field: [message]}) from None
        raise
