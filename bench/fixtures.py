"""People the benchmarks act as, made through Market Link's own services where one exists (API tokens)."""

from __future__ import annotations

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
    slug = prefix.lower().replace(" ", "-")
    out = []
    for index in range(count):
        organisation, _created = Organisation.objects.get_or_create(
            name=f"{prefix} {index:03d}",
            kind=kind,
            defaults={
                "legal_name": f"Công ty {prefix} {index:03d}",
                "province_code": province_code,
                "verification_status": "verified",
                "email": f"{slug}-{index}@bench.example",
            },
        )
        out.append((organisation, api_token(organisation, f"{slug}-{index}@bench.example")))
    return out


def buyers_with_tokens(count: int, prefix: str) -> list[tuple[Organisation, str]]:
    return organisations_with_tokens(kind=OrganisationKind.BUYER, count=count, prefix=prefix)
