"""What each drawing of the plan carries: the pages people read draw booths (code, status, a title naming each
one) without the editor's figures, the editor and the downloaded file keep them, and a 300-booth plan's page
travels compressed, far below the page-weight budget."""

from __future__ import annotations

import brotli
import pytest
from django.test import Client
from django.urls import reverse

from bench.fairs import plan_csv
from fairs import services
from fairs.inputs import read_plan_csv
from fairs.models import Booth, Fair
from market.organisations.models import Organisation, User
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, make_fair, publish, staff_actor

pytestmark = pytest.mark.django_db
FIGURES = ('data-price="', 'data-x="', 'data-width="', 'data-power="', 'data-booth="')
BUDGET = 100 * 1024  # Lighthouse's page weight target (#15), HTML, CSS and scripts together


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    fair = make_fair(alliance, booths=3)
    assign(alliance, apply(OrganisationFactory(name="HTX Khóm Tắc Cậu"), fair), fair, "A-01")
    return publish(fair)


def get(client: Client, name: str, fair: Fair, **headers: str) -> bytes:
    response = client.get(reverse(name, args=[fair.slug]), headers=headers)
    assert response.status_code == 200
    return response.content


def test_the_pages_people_read_name_each_booth_without_the_editors_figures(fair: Fair, staff_user: User):
    for name in ("frontend:fair-plan", "frontend:fair-detail"):
        page = get(Client(), name, fair).decode()
        assert not [figure for figure in FIGURES if figure in page], name
        assert '<g class="booth held" data-code="A-01"><title>A-01 · ' in page  # each booth named
        assert "HTX Khóm Tắc Cậu</title>" in page

    download = get(Client(), "frontend:fair-plan-svg", fair).decode()
    staff = Client()
    staff.force_login(staff_user)
    editor = get(staff, "frontend:fair-plan-editor", fair).decode()
    for drawing in (download, editor):
        assert all(figure in drawing for figure in FIGURES)


def test_a_300_booth_plan_page_travels_far_below_the_page_weight_budget(alliance: Organisation):
    """The bench's plan (three halls of 100 booths), a third of them named, asked for as a browser does."""
    fair = make_fair(alliance, halls=0)
    services.plan_import(actor=staff_actor(alliance), fair_id=fair.pk, rows=read_plan_csv(plan_csv(300).encode()))
    for n, booth in enumerate(Booth.objects.filter(fair=fair).order_by("pk")[:100]):
        name = f"Hợp tác xã Nông nghiệp Dịch vụ Thạnh Lợi số {n}"
        assign(alliance, apply(OrganisationFactory(name=name), fair), fair, booth.code)
    publish(fair)

    for name in ("frontend:fair-plan", "frontend:fair-detail", "frontend:fair-plan-svg"):
        sent = get(Client(), name, fair, accept_encoding="br")
        assert len(sent) < BUDGET / 4, (name, len(sent))
        assert b"Th\xe1\xba\xa1nh L\xe1\xbb\xa3i s\xe1\xbb\x91 99" in brotli.decompress(sent)
