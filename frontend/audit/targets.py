"""The audited pages, found in the seeded demo, and a signed-in session for the pages behind a login.

Run inside the audited server's environment (`python -m frontend.audit.targets`): prints the pages as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count, Model, QuerySet

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    public: bool
    session: str = ""  # the session cookie's value for a page behind a login


def session_for(user: Any) -> str:
    """A session as a login makes it (the auth hash keeps it valid), without a form post per page."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = AUTH_BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key or ""


def _user(email: str) -> Any:
    from market.organisations.models import User

    return User.objects.get(email=email)


def _buyer_cart_session() -> str:
    """The demo buyer with one product in the cart (the cart and checkout pages then have a line)."""
    from catalog.models import Product, ProductStatus
    from market.organisations.actors import resolve_actor
    from orders import services

    buyer = _user("muahang@saigonxanh.example")
    actor = resolve_actor(buyer)
    product = Product.objects.filter(status=ProductStatus.PUBLISHED).order_by("id").first()
    assert product is not None, "the demo has no published product"
    services.cart_clear(actor=actor)
    services.cart_line_set(actor=actor, product_id=product.pk, quantity=product.moq)
    return session_for(buyer)


def _first(queryset: QuerySet[M], what: str) -> M:
    found = queryset.order_by("id").first()
    if found is None:
        raise LookupError(f"the demo data have no {what} to audit: run seed_demo")
    return found


def demo_targets() -> list[Target]:
    from catalog.models import HarvestLot, Product, ProductStatus
    from fairs.models import Fair
    from linkage.models import CallOff, CallOffStatus, LinkageContract
    from market.payments.models import Payable, PayableStatus
    from orders.models import Order

    buyer = _buyer_cart_session()
    product = _first(Product.objects.filter(status=ProductStatus.PUBLISHED), "published product")
    lot = _first(HarvestLot.objects.filter(product__status=ProductStatus.PUBLISHED), "lot")
    buyer_org = _user("muahang@saigonxanh.example").memberships.get().organisation
    order = _first(Order.objects.filter(buyer=buyer_org), "order")
    payable = _first(Payable.objects.filter(payer=buyer_org, status=PayableStatus.UNPAID), "unpaid payable")
    fair = _first(Fair.objects.annotate(booth_count=Count("booths")).filter(booth_count__gt=0), "fair with a plan")
    processor = _user("thumua@luongthuc-kiengiang.example")
    contract = _first(LinkageContract.objects.filter(buyer__memberships__user=processor), "contract")
    call_offs = CallOff.objects.filter(contract__buyer__memberships__user=processor, status=CallOffStatus.PLACED)
    call_off = _first(call_offs, "placed call-off")
    staff = session_for(_user("hoicho@lienminh-angiang.example"))
    clerk = session_for(_user("kcs@luongthuc-kiengiang.example"))
    return [
        Target("home", "/", public=True),
        Target("catalogue", "/catalogue/", public=True),
        Target("catalogue search", "/catalogue/?search=g%E1%BA%A1o", public=True),
        Target("product", f"/products/{product.pk}/", public=True),
        Target("trace", f"/trace/{lot.public_id}/", public=True),
        Target("fair plan", f"/fairs/{fair.slug}/plan/", public=True),
        Target("cart", "/cart/", public=False, session=buyer),
        Target("checkout", "/checkout/", public=False, session=buyer),
        Target("order", f"/orders/{order.pk}/", public=False, session=buyer),
        Target("pay", f"/pay/{payable.reference}/", public=False, session=buyer),
        Target("check-in", f"/staff/fairs/{fair.slug}/check-in/", public=False, session=staff),
        Target("contract", f"/contracts/{contract.pk}/", public=False, session=session_for(processor)),
        Target("intake", f"/contracts/call-offs/{call_off.pk}/intake/", public=False, session=clerk),
    ]


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps([asdict(target) for target in demo_targets()]))
