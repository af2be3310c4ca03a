"""Who a request acts as: the user, the organisation they picked (or their token's), and their role."""

from __future__ import annotations

from typing import Any

from market.organisations.models import ApiToken, Membership
from market.organisations.permissions import Actor


def resolve_actor(user: Any, token: ApiToken | None = None) -> Actor:
    """An API token acts for its own organisation; a session for the user's acting organisation,
    falling back to their oldest membership when that one is gone."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor.anonymous()
    # ApiTokenAuthentication reads the user's role in the token's organisation with the token (`member_role`).
    role = getattr(token, "member_role", None)
    if token is not None and role is not None:
        return Actor(user=user, organisation=token.organisation, role=role, scopes=token.granted_scopes)
    if token is None and user.memberships_read is not None:
        return _acting(user, user.memberships_read)
    memberships = Membership.objects.select_related("organisation").filter(user=user)
    if token is not None:
        membership = memberships.filter(organisation_id=token.organisation_id).first()
    else:
        membership = None
        if user.acting_organisation_id:
            membership = memberships.filter(organisation_id=user.acting_organisation_id).first()
        if membership is None:
            membership = memberships.order_by("created_at", "id").first()
    if membership is None:
        return Actor(user=user, organisation=None, role=None)
    scopes = token.granted_scopes if token is not None else None
    return Actor(user=user, organisation=membership.organisation, role=membership.role, scopes=scopes)


def _acting(user: Any, memberships: list[Membership]) -> Actor:
    """The session's actor from the memberships read with the user (frontend.visitor): the same choice as
    above, made without another query."""
    acting = next((m for m in memberships if m.organisation_id == user.acting_organisation_id), None)
    if acting is None and memberships:
        acting = min(memberships, key=lambda m: (m.created_at, m.pk))
    if acting is None:
        return Actor(user=user, organisation=None, role=None)
    return Actor(user=user, organisation=acting.organisation, role=acting.role)


def actor_for_request(request: Any) -> Actor:
    """Works for Django and DRF requests; DRF sets `auth` to the ApiToken when one was used."""
    token = getattr(request, "auth", None)
    return resolve_actor(getattr(request, "user", None), token if isinstance(token, ApiToken) else None)
