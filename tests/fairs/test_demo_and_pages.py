"""The demo fair seeds (twice, idempotently) and every fair page renders for the people who use it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from fairs.demo import FAIR_SLUG
from fairs.models import Application, ApplicationStatus, Booth, Fair, Meeting, MeetingOutcome
from market.core.demo import DemoContext, seeders
from market.organisations.models import Membership, Organisation, OrganisationKind, User
from tests.module_data import rows_of_the_module

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[Fair]:
    """The demo's organisations, catalogue and fair, seeded once for the module in a transaction rolled back at its
    end (each test's own changes roll back to it)."""
    with rows_of_the_module(django_db_blocker):
        context = DemoContext()
        for seeder in seeders():
            if seeder.name in ("organisations", "catalog", "fairs"):
                seeder.run(context)
        yield Fair.objects.get(slug=FAIR_SLUG)


def _client_for(kind: str) -> Client:
    membership = Membership.objects.filter(organisation__kind=kind, role="owner").select_related("user").first()
    client = Client()
    client.force_login(membership.user)
    return client


def test_demo_fair_has_booths_applications_in_every_state_meetings_and_outcomes(demo):
    assert Booth.objects.filter(fair=demo).count() == 120
    assert demo.halls.count() == 2
    statuses = set(Application.objects.filter(fair=demo).values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values) - {ApplicationStatus.SUBMITTED} | (
        statuses & {ApplicationStatus.SUBMITTED}
    )
    assert {"approved", "waitlisted", "rejected", "withdrawn"} <= statuses
    assert Meeting.objects.filter(fair=demo).count() >= 6
    assert MeetingOutcome.objects.filter(meeting__fair=demo).exists()
    from fairs.demo import seed_fairs

    before = (Booth.objects.count(), Application.objects.count(), Meeting.objects.count())
    seed_fairs(DemoContext(objects={"alliance": demo.organiser}))
    assert (Booth.objects.count(), Application.objects.count(), Meeting.objects.count()) == before


def test_public_pages(demo):
    client = Client()
    for url in (
        reverse("frontend:fair-list"),
        reverse("frontend:fair-detail", args=[demo.slug]),
        reverse("frontend:fair-detail", args=[demo.slug]) + "?q=gao",
        reverse("frontend:fair-plan", args=[demo.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    svg = client.get(reverse("frontend:fair-plan-svg", args=[demo.slug]))
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b'class="booth assigned"' in svg.content or b'class="booth held"' in svg.content


def test_staff_pages(demo):
    client = _client_for(OrganisationKind.ALLIANCE)
    for name in ("fair-plan-editor", "fair-review", "fair-checkin", "fair-badges", "fair-report"):
        response = client.get(reverse(f"frontend:{name}", args=[demo.slug]))
        assert response.status_code == 200, name
    assert client.get(reverse("frontend:staff-fairs")).status_code == 200
    csv = client.get(reverse("frontend:fair-report-csv", args=[demo.slug]))
    assert "occupancy" in csv.content.decode("utf-8-sig")
    pdf = client.get(reverse("frontend:fair-report-pdf", args=[demo.slug]))
    assert pdf.content.startswith(b"%PDF")
    application = Application.objects.filter(fair=demo).first()
    assert client.get(reverse("frontend:fair-application", args=[application.pk])).status_code == 200


def test_cooperative_and_buyer_pages(demo):
    coop_app = Application.objects.filter(fair=demo, status="approved").select_related("cooperative").first()
    user = Membership.objects.filter(organisation=coop_app.cooperative, role="owner").first().user
    coop = Client()
    coop.force_login(user)
    assert coop.get(reverse("frontend:fair-my-applications")).status_code == 200
    assert coop.get(reverse("frontend:fair-application", args=[coop_app.pk])).status_code == 200
    assert coop.get(reverse("frontend:fair-meetings")).status_code == 200
    assert coop.get(reverse("frontend:fair-badges", args=[demo.slug])).status_code == 200
    other = Application.objects.filter(fair=demo).exclude(cooperative=coop_app.cooperative).first()
    assert coop.get(reverse("frontend:fair-application", args=[other.pk])).status_code == 404
    assert coop.get(reverse("frontend:fair-review", args=[demo.slug])).status_code == 403

    buyer = _client_for(OrganisationKind.BUYER)
    assert buyer.get(reverse("frontend:fair-matching", args=[demo.slug])).status_code == 200
    assert buyer.get(reverse("frontend:fair-meetings")).status_code == 200
    assert buyer.get(reverse("frontend:fair-application", args=[coop_app.pk])).status_code == 404


def test_badge_qr_only_for_its_owner_and_staff(demo):
    from fairs.models import Badge

    badge = Badge.objects.filter(fair=demo, kind="exhibitor").select_related("organisation").first()
    owner = User.objects.filter(memberships__organisation=badge.organisation).first()
    client = Client()
    client.force_login(owner)
    url = reverse("frontend:fair-badge-qr", args=[demo.slug, badge.code])
    assert client.get(url)["Content-Type"] == "image/svg+xml"
    stranger = _client_for(OrganisationKind.BUYER)
    assert stranger.get(url).status_code == 404
    assert Organisation.objects.filter(pk=badge.organisation_id).exists()
