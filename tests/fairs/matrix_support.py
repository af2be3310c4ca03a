"""Helpers of the fairs' role × state matrices: who is looking, what their page offers, and whether the
service takes the press (inside a savepoint that is always rolled back, so one object serves every press)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.test import Client

from market.core.errors import Conflict, NotFound, PermissionDenied
from market.organisations.models import Organisation, Role, User
from market.organisations.permissions import Actor
from tests.factories import member
from tests.matrix import shown_actions, shown_actions_in


class _Undo(Exception):
    pass


def accepted(press: Callable[[], object]) -> bool:
    """Whether the service accepts the press; a refusal is 403, 404 or 409. Nothing pressed is kept."""
    try:
        with transaction.atomic():
            press()
            raise _Undo
    except _Undo:
        return True
    except (PermissionDenied, NotFound, Conflict):
        return False


@dataclass(frozen=True)
class Viewer:
    name: str
    user: User | None
    actor: Actor


def viewer(name: str, organisation: Organisation | None = None, role: str = Role.OWNER) -> Viewer:
    if organisation is None:
        return Viewer(name, None, Actor.anonymous())
    user = member(organisation, role, language="vi")
    return Viewer(name, user, Actor(user=user, organisation=organisation, role=role))


def offered(who: Viewer, url: str) -> set[str]:
    """The actions (data-action) of the page at `url` as `who` sees it; none when they may not see it."""
    client = Client()
    if who.user is not None:
        client.force_login(who.user)
    response = client.get(url)
    return shown_actions(response.content) if response.status_code == 200 else set()


def offered_in(who: Viewer, url: str, element_id: str) -> set[str]:
    """`offered`, for the controls of one element of the page (a card, a row)."""
    client = Client()
    if who.user is not None:
        client.force_login(who.user)
    response = client.get(url)
    return shown_actions_in(response.content, element_id) if response.status_code == 200 else set()
