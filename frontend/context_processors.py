"""What every page's shell needs: the actor, their organisations, the languages, the navigation."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from frontend.navigation import navigation_for
from market.notifications.selectors import unread_count
from market.organisations.models import User
from market.organisations.selectors import user_organisations


def shell(request: HttpRequest) -> dict[str, Any]:
    """Read once per request: a conditional page (frontend.conditional) reads it for its ETag first."""
    if "shell" not in request.__dict__:
        request.__dict__["shell"] = _shell(request)
    return request.__dict__["shell"]


def _shell(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if actor is None or not actor.is_authenticated:
        return {"actor": actor, "navigation": navigation_for(None)}
    return {
        "actor": actor,
        "my_memberships": user_organisations(user=actor.user),
        "navigation": navigation_for(actor),
        # The bell in the top bar, read with the user by frontend.visitor (a session stored under another
        # backend counts it here); a view that changes it (the inbox) passes its own value.
        "unread_notifications": _unread(actor.user),
    }


def _unread(user: User) -> int:
    return user.unread_read if user.unread_read is not None else unread_count(user=user)
