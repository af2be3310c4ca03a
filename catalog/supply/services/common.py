"""What the supply services share: loading a row the actor may address, database errors as messages, and the
bound on what a season owes its members."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from catalog.models import Category
from catalog.supply.inputs import MAX_SEASON_OWED
from catalog.supply.models import Season
from catalog.supply.permissions import SUPPLY_VIEW_ALL
from catalog.supply.selectors import PriceBook, season_owed, season_owed_at_most
from market.core.errors import NotFound, PermissionDenied, ValidationFailed
from market.core.parsing import format_money
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


def season_locked(season_id: int) -> Season:
    """The season's row, locked until the transaction ends. Every write that can raise what a season owes (an
    intake recorded or corrected, a price set or removed) takes it before `season_owed_checked`, so two of them at
    once are summed one after the other and cannot each pass the bound with the other's share unseen."""
    return Season.objects.select_for_update().get(pk=season_id)


def season_owed_checked(season: Season, *, field: str | None, owed_before: Callable[[int], int]) -> None:
    """Refuse the change just written (on `field`, the value that brought the total up) when it raised what the
    season owes its members and left it above MAX_SEASON_OWED; the caller holds `season_locked` and its transaction
    undoes it. A season recorded above the bound before it existed still takes a change that lowers it (a weight
    or a price corrected down). `owed_before` answers, from what the season owes now, what it owed before the
    change: asked only of a season above the bound, so an ordinary write costs the aggregates alone."""
    if season_owed_at_most(season) <= MAX_SEASON_OWED:
        return
    owed = season_owed(season)
    if owed <= MAX_SEASON_OWED or owed <= owed_before(owed):
        return
    message = _(
        "With this, the season would owe its members more than %(limit)s in all, past anything a cooperative pays "
        "in a season: check the weight and the price per kg."
    ) % {"limit": format_money(MAX_SEASON_OWED)}
    raise ValidationFailed(fields={field: [message]}) if field else ValidationFailed(message)


def season_owed_at_prices(season: Season, book: PriceBook) -> Callable[[int], int]:
    """`owed_before` for a change of the season's prices: the intakes, unchanged, at the prices read before it."""
    return lambda _owed_now: season_owed(season, book=book)
