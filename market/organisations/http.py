"""Typed requests: what the middleware adds, so views and services need no `type: ignore`."""

from __future__ import annotations

from django.http import HttpRequest

from market.organisations.models import User
from market.organisations.permissions import Actor


class ActorRequest(HttpRequest):
    """A page request: `actor` is set by ActorMiddleware (anonymous when nobody is logged in)."""

    actor: Actor


class MemberRequest(ActorRequest):
    """A page request behind `actor_required`: a logged-in user acting for an organisation."""

    user: User  # narrowed from User | AnonymousUser by the login check
