"""Page access: the same Actor and capabilities as the API."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseBase
from django.shortcuts import redirect

from market.organisations.http import ActorRequest
from market.organisations.permissions import Capability

Response = TypeVar("Response", bound=HttpResponseBase)


def actor_required(
    capability: Capability | None = None,
) -> Callable[[Callable[..., Response]], Callable[..., Response | HttpResponseBase]]:
    """Logged in, acting for an organisation, and (when given) holding the capability.

    A missing capability raises PermissionDenied, which the page error handler renders as a 403 page.
    """

    def decorator(view: Callable[..., Response]) -> Callable[..., Response | HttpResponseBase]:
        @login_required
        @wraps(view)
        def wrapped(request: ActorRequest, *args: Any, **kwargs: Any) -> Response | HttpResponseBase:
            actor = request.actor
            if actor.organisation is None:
                return redirect("frontend:no-organisation")
            if capability is not None:
                actor.require(capability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
