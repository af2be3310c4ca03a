"""The public trace page showed every buyer's legal name, order number and quantity to anyone with a lot's
URL. One step forward says when and to which province the lot left; the full forward trail is for the lot's
cooperative, the buyer itself and the alliance's staff (catalog.policy.sees_forward_detail)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from market.organisations import geo
from market.organisations.models import OrganisationKind, Role
from orders import services
from tests.factories import OrganisationFactory, member
from tests.orders.factories import buyer_actor, only_order, place, stocked_product

pytestmark = pytest.mark.django_db

BUYER_NAME = "Công ty TNHH Thực phẩm Bí Mật"


@pytest.fixture
def shipped(cooperative, buyer):
    """1.000 kg of the lot shipped to the buyer, with the order delivered to the buyer's province."""
    buyer.legal_name = BUYER_NAME
    buyer.save(update_fields=["legal_name"])
    product, lot = stocked_product(cooperative)
    order = only_order(place(buyer_actor(buyer), [((product, lot), "1000")]))
    selling = buyer_actor(cooperative)
    services.order_confirm(actor=selling, order_id=order.pk)
    services.shipment_create(actor=selling, order_id=order.pk, quantities={order.lines.get().pk: Decimal(1000)})
    order.refresh_from_db()
    return lot, order


def _client(organisation=None):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    if organisation is not None:
        client.force_login(member(organisation, Role.OWNER))
    return client


def _shows_the_detail(page: str, order) -> bool:
    secrets = (BUYER_NAME, order.number, "1.000\xa0kg")
    shown = [secret in page for secret in secrets]
    assert len(set(shown)) == 1, dict(zip(secrets, shown, strict=True))  # all of it, or none of it
    return shown[0]


@pytest.mark.parametrize(
    ("who", "sees_detail"),
    [("anonymous", False), ("another buyer", False), ("the buyer", True), ("the cooperative", True),
     ("alliance staff", True)],
)  # fmt: skip
def test_one_step_forward_is_detailed_only_for_the_parties_and_staff(
    shipped, cooperative, buyer, alliance, who, sees_detail
):
    lot, order = shipped
    organisation = {
        "anonymous": None,
        "another buyer": OrganisationFactory(kind=OrganisationKind.BUYER, name="Công ty Khác"),
        "the buyer": buyer,
        "the cooperative": cooperative,
        "alliance staff": alliance,
    }[who]
    page = _client(organisation).get(f"/trace/{lot.public_id}/").content.decode()
    assert _shows_the_detail(page, order) is sees_detail
    province = geo.province(buyer.province_code).name
    if not sees_detail:
        assert f"Cho một bên mua ở {province}." in page
        assert timezone.localtime(order.shipped_at).strftime("%d/%m/%Y") in page


def test_the_public_trace_api_says_when_and_where_only(shipped, buyer):
    lot, order = shipped
    body = Client().get(f"/api/v1/trace/{lot.public_id}/").json()
    assert body["one_step_forward"] == [
        {
            "shipped_at": body["one_step_forward"][0]["shipped_at"],
            "province": geo.province(buyer.province_code).name,
            "event": None,
        }
    ]
    assert BUYER_NAME not in str(body)
    assert order.number not in str(body)
