"""Generated files (QR codes, floor plan, badges, invoices, reports) carry an ETag and a Cache-Control that
says who may keep them, and answer 304 when the client already has them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from catalog.models import HarvestLot, LotStatus
from fairs.models import Badge, Fair, FairStatus
from market.organisations.models import Membership, OrganisationKind
from market.payments.models import Payable, PayableStatus
from orders.models import Invoice
from tests.module_data import seeded_once

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def client_of(organisation_id: int | None = None, kind: str | None = None) -> Client:
    memberships = Membership.objects.select_related("user")
    membership = (
        memberships.filter(organisation_id=organisation_id)
        if organisation_id
        else memberships.filter(organisation__kind=kind)
    ).first()
    client = Client()
    client.force_login(membership.user)
    return client


def assert_cached(client: Client, url: str, cache_control: str, **headers: str) -> None:
    first = client.get(url, **headers)
    assert first.status_code == 200, url
    etag = first["ETag"]
    assert etag.startswith('W/"'), url
    assert first["Cache-Control"] == cache_control, url
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **headers)
    assert again.status_code == 304, url
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == cache_control
    changed = client.get(url, HTTP_IF_NONE_MATCH='"something-else"', **headers)
    assert changed.status_code == 200
    assert changed["ETag"] == etag, "the same file for the same data: the ETag is stable"


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with seeded_once(django_db_blocker, tmp_path_factory.mktemp("private")):
        yield


def test_generated_files_have_etags_cache_control_and_answer_304(demo):
    fair = Fair.objects.get()
    lot = HarvestLot.objects.exclude(status=LotStatus.DRAFT).first()
    staff = client_of(kind=OrganisationKind.ALLIANCE)

    assert_cached(Client(), f"/trace/{lot.public_id}/qr.png", "public, max-age=86400")
    assert fair.status == FairStatus.PUBLISHED
    plan = reverse("frontend:fair-plan-svg", args=[fair.slug])
    assert_cached(Client(), plan, "public, max-age=300")
    # Compressed, the same ETag (weak: the file is the same either way) and the same 304.
    assert_cached(Client(), plan, "public, max-age=300", HTTP_ACCEPT_ENCODING="br")
    assert Client().get(plan, HTTP_ACCEPT_ENCODING="br")["Content-Encoding"] == "br"
    assert Client().get(plan, HTTP_ACCEPT_ENCODING="br")["ETag"] == Client().get(plan)["ETag"]

    badge = Badge.objects.filter(fair=fair).first()
    assert_cached(
        client_of(badge.organisation_id), f"/fairs/{fair.slug}/badges/{badge.code}.svg", "private, max-age=3600"
    )
    for name in ("fair-report-pdf", "fair-report-csv"):
        assert_cached(staff, reverse(f"frontend:{name}", args=[fair.slug]), "private, no-cache")

    invoice = Invoice.objects.select_related("order").first()
    buyer = client_of(invoice.order.buyer_id)
    assert_cached(buyer, reverse("frontend:invoice-pdf", args=[invoice.pk]), "private, no-cache")
    assert_cached(buyer, f"/api/v1/invoices/{invoice.pk}/pdf/", "private, no-cache")

    # The QR is the payer's (only who may pay by transfer gets it).
    payable = next(p for p in Payable.objects.filter(status=PayableStatus.UNPAID) if p.has_bank_account)
    payer = client_of(payable.payer_id)
    assert_cached(payer, reverse("frontend:pay-qr", args=[payable.reference]), "private, no-cache")


def test_a_plan_not_yet_published_is_private(demo):
    fair = Fair.objects.get()
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.ALLOCATION)
    staff = client_of(kind=OrganisationKind.ALLIANCE)
    plan = reverse("frontend:fair-plan-svg", args=[fair.slug])
    assert_cached(staff, plan, "private, no-cache")
    # What the public sees differs (no exhibitor names) and is private too.
    assert Client().get(plan).content != staff.get(plan).content
