"""Staff create a fair and its meeting times and tables from the pages; others cannot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fairs.models import Fair, FairStatus
from market.organisations.models import Role
from tests.factories import member
from tests.fairs.factories import make_fair, make_programme

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_create_a_fair_as_a_draft(alliance, staff_user):
    programme = make_programme()
    today = timezone.localdate()
    response = _client(staff_user).post(
        reverse("frontend:fair-new"),
        {
            "name_vi": "Hội chợ Nông sản Phú Quốc",
            "venue": "Công viên Dương Đông",
            "province_code": "91",
            "starts_on": (today + timedelta(days=40)).isoformat(),
            "ends_on": (today + timedelta(days=42)).isoformat(),
            "applications_open_on": today.isoformat(),
            "applications_close_on": (today + timedelta(days=30)).isoformat(),
            "programme": str(programme.pk),
        },
    )
    fair = Fair.objects.get(name_vi="Hội chợ Nông sản Phú Quốc")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:fair-plan-editor", args=[fair.slug])
    assert (fair.status, fair.subsidy_programme, fair.organiser) == (FairStatus.DRAFT, programme, alliance)


def test_bad_dates_are_explained_and_nothing_is_made(staff_user):
    today = timezone.localdate()
    response = _client(staff_user).post(
        reverse("frontend:fair-new"),
        {
            "name_vi": "Hội chợ sai ngày",
            "venue": "Rạch Giá",
            "province_code": "91",
            "starts_on": (today + timedelta(days=10)).isoformat(),
            "ends_on": today.isoformat(),
            "applications_open_on": today.isoformat(),
            "applications_close_on": today.isoformat(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert not Fair.objects.filter(name_vi="Hội chợ sai ngày").exists()


def test_staff_add_meeting_times_and_tables(alliance, staff_user, cooperative):
    fair = make_fair(alliance, booths=1)
    url = reverse("frontend:fair-matching-setup", args=[fair.slug])
    client = _client(staff_user)
    client.post(
        url, {"action": "slots", "day": fair.starts_on.isoformat(), "first": "09:00", "count": "4", "minutes": "30"}
    )
    client.post(url, {"action": "tables", "count": "3"})
    assert fair.slots.count() == 4
    assert [name.split()[-1] for name in fair.tables.values_list("name", flat=True)] == ["1", "2", "3"]
    times = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in fair.slots.all()]
    assert times == ["09:00", "09:30", "10:00", "10:30"]
    assert client.get(url).status_code == 200
    assert _client(member(cooperative, Role.OWNER)).post(url, {"action": "tables", "count": "3"}).status_code == 403
    assert fair.tables.count() == 3


def test_exhibitor_search_folds_diacritics_and_answers_htmx_with_the_list(alliance):
    from fairs import services
    from tests.factories import OrganisationFactory
    from tests.fairs.factories import apply, booth, staff_actor

    fair = make_fair(alliance, booths=2)
    staff = staff_actor(alliance)
    for name, code in (("HTX Nước mắm Hưng Thịnh", "A-01"), ("HTX Khóm Tắc Cậu", "A-02")):
        services.booth_assign(
            actor=staff, application=apply(OrganisationFactory(name=name), fair), booth=booth(fair, code)
        )
    url = reverse("frontend:fair-detail", args=[fair.slug])
    client = Client()
    # Before publication the directory stays empty (who got which booth is not public yet).
    assert "Nước mắm" not in client.get(url, {"q": "nuoc mam"}).content.decode()
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.PUBLISHED)

    page = client.get(url, {"q": "nuoc mam"}).content.decode()
    fragment = client.get(url, {"q": "khom", "partial": "exhibitors"}, HTTP_HX_REQUEST="true").content.decode()

    assert "HTX Nước mắm Hưng Thịnh" in page
    assert "HTX Khóm Tắc Cậu" not in page.split('id="exhibitors"')[1]
    assert fragment.lstrip().startswith('<div id="exhibitors"')
    assert "HTX Khóm Tắc Cậu" in fragment
    assert "Nước mắm" not in fragment
