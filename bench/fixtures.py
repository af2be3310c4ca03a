"""People the benchmarks act as, made through Market Link's own services where one exists (API tokens, the acting
organisation, a page visitor's login)."""

from __future__ import annotations

from django.conf import settings

from market.organisations.models import ApiScope, Membership, Organisation, OrganisationKind, Role, User
from market.organisations.permissions import Actor


def member_actor(organisation: Organisation, email: str, *, role: str = Role.OWNER) -> Actor:
    """An actor for `organisation`, its user and membership made once (by e-mail)."""
    user, _created = User.objects.get_or_create(email=email, defaults={"full_name": f"Thử tải {organisation.pk}"})
    membership, _created = Membership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": role}
    )
    return Actor(user=user, organisation=organisation, role=membership.role)


def api_token(organisation: Organisation, email: str) -> str:
    """A fresh bearer token of an owner of `organisation`, with every scope (a new one per call; old ones stay
    valid)."""
    from market.organisations.services import api_token_create

    actor = member_actor(organisation, email)
    _token, secret = api_token_create(actor=actor, name="bench", scopes=frozenset(ApiScope), expires_on=None)
    return secret


def organisations_with_tokens(
    *, kind: str, count: int, prefix: str, province_code: int = 79
) -> list[tuple[Organisation, str]]:
    """`count` verified organisations of `kind` named "<prefix> NNN", each with an owner's bearer token."""
    out = []
    for index in range(count):
        organisation, email = bench_organisation(kind=kind, prefix=prefix, index=index, province_code=province_code)
        out.append((organisation, api_token(organisation, email)))
    return out


def bench_organisation(*, kind: str, prefix: str, index: int, province_code: int = 79) -> tuple[Organisation, str]:
    """The verified organisation of `kind` named "<prefix> NNN" (made once) and its owner's e-mail."""
    slug = prefix.lower().replace(" ", "-")
    email = f"{slug}-{index}@bench.example"
    organisation, _created = Organisation.objects.get_or_create(
        name=f"{prefix} {index:03d}",
        kind=kind,
        defaults={
            "legal_name": f"Công ty {prefix} {index:03d}",
            "province_code": province_code,
            "verification_status": "verified",
            "email": email,
        },
    )
    return organisation, email


def buyers_with_tokens(count: int, prefix: str) -> list[tuple[Organisation, str]]:
    return organisations_with_tokens(kind=OrganisationKind.BUYER, count=count, prefix=prefix)


def signed_in_buyer_cookie() -> str:
    """A signed-in buyer's Cookie header: the owner of the bench's page buyer (made once), in a new session."""
    organisation, email = bench_organisation(kind=OrganisationKind.BUYER, prefix="Page buyer", index=0)
    return signed_in_cookie(organisation, email)


def signed_in_cookie(organisation: Organisation, email: str) -> str:
    """The Cookie header of a browser signed in as a member of `organisation`, acting for it: a session made by
    Django's login() with the pages' backend, as the login page makes it (frontend.views.auth.LoginView), and the
    CSRF cookie that login gave it (a new session per call; old ones stay valid until they expire)."""
    from importlib import import_module

    from django.contrib.auth import login
    from django.http import HttpRequest

    from frontend.visitor import VISITOR_BACKEND
    from market.organisations.services import acting_organisation_switch

    user = member_actor(organisation, email).user
    assert user is not None
    acting_organisation_switch(user=user, organisation_id=organisation.pk)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend=VISITOR_BACKEND)
    request.session.save()
    return (
        f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
    )
