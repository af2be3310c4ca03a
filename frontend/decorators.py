"""Page access: the same Actor and capabilities as the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from market.organisations.permissions import Capability


def actor_required(
    capability: Capability | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Logged in, acting for an organisation, and (when given) holding the capability.

    A missing capability raises PermissionDenied, which the page error handler renders as a 403 page.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = request.actor  # type: ignore[attr-defined]
            if actor.organisation is None:
                return redirect("frontend:no-organisation")
            if capability is not None:
                actor.require(capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
