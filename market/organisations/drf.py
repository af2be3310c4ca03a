"""The pieces every app's api.py builds on: the acting actor and capability checks."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from rest_framework import permissions
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from market.core.throttling import throttles_for
from market.organisations.actors import actor_for_request
from market.organisations.permissions import Actor, Capability


class ActorAPIView(APIView):
    """An APIView that knows who acts. `capabilities` maps an HTTP method to what it needs."""

    capabilities: dict[str, Capability] = {}

    @cached_property
    def actor(self) -> Actor:
        return actor_for_request(self.request)

    def get_permissions(self) -> list[Any]:
        return [*super().get_permissions(), HasCapability()]

    def get_throttles(self) -> list[Any]:
        # A view that sets its own throttle_classes (a provider's webhook: none) keeps them.
        if self.throttle_classes is not api_settings.DEFAULT_THROTTLE_CLASSES:
            return super().get_throttles()
        return throttles_for(self.request)


class HasCapability(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "capabilities", {}).get(request.method)
        if needed is None:
            return True
        actor = view.actor
        if actor.can(needed):
            return True
        actor.require(needed)  # raises with the most helpful message
        return False
