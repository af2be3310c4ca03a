"""Staff create a fair and its meeting times and tables from the pages; others cannot."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fairs import services
from fairs.inputs import ProgrammeInput, ProgrammeSpec, programme_spec
from fairs.models import Fair, FairStatus, SubsidyProgramme
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, read_input
from market.organisations.models import Role
from tests.factories import member
from tests.fairs.factories import apply, make_fair, make_programme, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _new_fair_key(client: Client) -> str:
    """The one-time key the new-fair form was rendered with (a fair is created once per key)."""
    page = client.get(reverse("frontend:fair-new")).content.decode()
    return once_key(page)


def test_staff_create_a_fair_as_a_draft(alliance, staff_user):
    programme = make_programme()
    today = timezone.localdate()
    client = _client(staff_user)
    response = client.post(
        reverse("frontend:fair-new"),
        {
            "once_key": _new_fair_key(client),
            "name_vi": "Hội chợ Nông sản Phú Quốc",
            "venue": "Công viên Dương Đông",
            "province_code": "91",
            "starts_on": (today + timedelta(days=40)).isoformat(),
            "ends_on": (today + timedelta(days=42)).isoformat(),
            "applications_open_on": today.isoformat(),
            "applications_close_on": (today + timedelta(days=30)).isoformat(),
            "subsidy_programme_id": str(programme.pk),
        },
    )
    fair = Fair.objects.get(name_vi="Hội chợ Nông sản Phú Quốc")
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:fair-plan-editor", args=[fair.slug])
    assert (fair.status, fair.subsidy_programme, fair.organiser) == (FairStatus.DRAFT, programme, alliance)


def test_bad_dates_are_explained_and_nothing_is_made(staff_user):
    today = timezone.localdate()
    client = _client(staff_user)
    response = client.post(
        reverse("frontend:fair-new"),
        {
            "once_key": _new_fair_key(client),
            "name_vi": "Hội chợ sai ngày",
            "venue": "Rạch Giá",
            "province_code": "91",
            "starts_on": (today + timedelta(days=10)).isoformat(),
            "ends_on": today.isoformat(),
            "applications_open_on": today.isoformat(),
            "applications_close_on": today.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Ngày bế mạc không thể trước ngày khai mạc." in response.content.decode()
    assert 'value="Hội chợ sai ngày"' in response.content.decode()  # nothing typed is lost
    assert not Fair.objects.filter(name_vi="Hội chợ sai ngày").exists()


def test_staff_add_meeting_times_and_tables(alliance, staff_user, cooperative):
    fair = make_fair(alliance, booths=1)
    client = _client(staff_user)
    day = fair.starts_on.strftime("%d/%m/%Y")
    slots = {"slots-day": day, "slots-first": "09:00", "slots-count": "4", "slots-minutes": "30"}
    assert client.post(reverse("frontend:fair-slots-add", args=[fair.slug]), slots).status_code == 302
    assert client.post(reverse("frontend:fair-tables-add", args=[fair.slug]), {"tables-count": "3"}).status_code == 302
    assert fair.slots.count() == 4
    assert [name.split()[-1] for name in fair.tables.values_list("name", flat=True)] == ["1", "2", "3"]
    times = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in fair.slots.all()]
    assert times == ["09:00", "09:30", "10:00", "10:30"]
    assert client.get(reverse("frontend:fair-matching-setup", args=[fair.slug])).status_code == 200
    coop = _client(member(cooperative, Role.OWNER))
    assert coop.post(reverse("frontend:fair-tables-add", args=[fair.slug]), {"tables-count": "3"}).status_code == 403
    assert fair.tables.count() == 3


def test_exhibitor_search_folds_diacritics_and_answers_htmx_with_the_list(alliance):
    from tests.factories import OrganisationFactory
    from tests.fairs.factories import apply, assign

    fair = make_fair(alliance, booths=2)
    for name, code in (("HTX Nước mắm Hưng Thịnh", "A-01"), ("HTX Khóm Tắc Cậu", "A-02")):
        assign(alliance, apply(OrganisationFactory(name=name), fair), fair, code)
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


PROGRAMME_FORM = {
    "name": "Hỗ trợ xúc tiến thương mại 2027",
    "funder": "Sở Công Thương An Giang",
    "year": "2027",
    "budget": "500.000.000",
    "yearly_cap": "15000000",
    "rate_standard": "70",
    "rate_corner": "50",
    "rate_premium": "0",
    "rate_shared": "80,5",
    "eligible_kinds": ["cooperative", "cooperative_group"],
    "eligible_provinces": ["91"],
    "requires_verified": "1",
}


def test_staff_set_up_a_subsidy_programme_on_its_page(alliance, staff_user, cooperative):
    client = _client(staff_user)
    page = client.get(reverse("frontend:fair-programmes"))
    assert page.status_code == 200
    key = once_key(page.content.decode())
    response = client.post(reverse("frontend:fair-programmes"), {**PROGRAMME_FORM, "once_key": key})
    assert response.status_code == 302, response.content.decode()[:3000]
    # The same form sent again (a double click): one programme, one budget, and the page says so.
    again = client.post(reverse("frontend:fair-programmes"), {**PROGRAMME_FORM, "once_key": key}, follow=True)
    assert "không lưu lại lần nữa" in again.content.decode()
    assert SubsidyProgramme.objects.count() == 1
    programme = SubsidyProgramme.objects.get(name="Hỗ trợ xúc tiến thương mại 2027")
    assert (programme.budget, programme.yearly_cap, programme.year) == (500_000_000, 15_000_000, 2027)
    assert (programme.rate_standard, programme.rate_shared) == (Decimal("70"), Decimal("80.5"))
    assert (programme.eligible_kinds, programme.eligible_provinces) == (["cooperative", "cooperative_group"], [91])
    assert (programme.requires_verified, programme.first_time_priority) == (True, False)
    assert "500.000.000" in client.get(reverse("frontend:fair-programmes")).content.decode()

    # Cooperatives cannot see or change programmes; nothing changes.
    for user in (member(cooperative, Role.OWNER),):
        assert _client(user).post(
            reverse("frontend:fair-programme", args=[programme.pk]), PROGRAMME_FORM
        ).status_code in (403, 404)
    assert SubsidyProgramme.objects.count() == 1


def test_a_programmes_year_is_written_as_people_write_years(alliance, staff_user):
    programme = make_programme(year=2027)
    client = _client(staff_user)
    for url in (reverse("frontend:fair-programmes"), reverse("frontend:fair-programme", args=[programme.pk])):
        form = client.get(url).content.decode()
        year = re.search(r'<input[^>]*name="year"[^>]*>', form).group(0)
        assert re.search(r'value="20\d\d"', year), year  # never "2.027" (a thousand grouped)
        assert "Từ 2000 đến 2100." in form
    # Saved unchanged, the year stays.
    edit = client.get(reverse("frontend:fair-programme", args=[programme.pk])).content.decode()
    assert 'value="2027"' in edit


def _spec(form: dict[str, object]) -> ProgrammeSpec:
    data = QueryDict(mutable=True)
    for key, value in form.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    with translation.override("vi"):
        return programme_spec(read_input(ProgrammeInput, data, mode=InputMode.FORM))


def test_a_budget_never_drops_below_what_is_committed_and_bad_input_changes_nothing(alliance, staff_user):
    programme = make_programme(budget=100_000_000)
    SubsidyProgramme.objects.filter(pk=programme.pk).update(spent=60_000_000)
    staff = staff_actor(alliance)
    with pytest.raises(ValidationFailed) as refused:
        services.programme_save(
            actor=staff, programme_id=programme.pk, spec=_spec({**PROGRAMME_FORM, "budget": "50000000"})
        )
    assert set(refused.value.fields) == {"budget"}
    bad = {
        **PROGRAMME_FORM,
        "rate_corner": "120",
        "year": "27",
        "eligible_kinds": ["buyer"],
        "eligible_provinces": ["1000"],
    }
    with pytest.raises(ValidationFailed) as refused:
        _spec(bad)
    assert set(refused.value.fields) == {"rate_corner", "year", "eligible_kinds", "eligible_provinces"}
    response = _client(staff_user).post(reverse("frontend:fair-programme", args=[programme.pk]), bad)
    assert response.status_code == 400
    assert "Nhập nhiều nhất 100." in response.content.decode()
    assert 'value="120"' in response.content.decode()  # what was typed stays in the field
    programme.refresh_from_db()
    assert (programme.budget, programme.spent) == (100_000_000, 60_000_000)

    saved = services.programme_save(
        actor=staff, programme_id=programme.pk, spec=_spec({**PROGRAMME_FORM, "budget": "60.000.000 ₫"})
    ).value
    assert (saved.budget, saved.spent, saved.remaining) == (60_000_000, 60_000_000, 0)


def test_the_booth_panel_offers_assigning_only_with_an_application_waiting(alliance, staff_user, cooperative):
    """A free booth with no application waiting says so instead of an empty list and an Assign button that
    can only be refused; once a cooperative applies, staff assign it from the panel."""
    fair = make_fair(alliance, booths=1)
    client = _client(staff_user)
    url = reverse("frontend:fair-booth", args=[fair.slug, fair.booths.get().pk])

    empty = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-action="assign"' not in empty
    assert "Chưa có đơn đăng ký nào đang chờ xếp gian hàng." in empty

    apply(cooperative, fair)
    waiting = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-action="assign"' in waiting
    assert "no-waiting-application" not in waiting


def test_the_application_page_offers_assigning_only_with_a_booth_free(alliance, staff_user, cooperative):
    """With every booth taken or blocked the page says so instead of an empty list and an "Approve and assign"
    button that can only be refused; once a booth is free again, staff assign it from the page."""
    fair = make_fair(alliance, booths=1)
    fair.booths.update(blocked=True)
    application = apply(cooperative, fair)
    client = _client(staff_user)
    url = reverse("frontend:fair-application", args=[application.pk])

    none_free = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-action="assign_booth"' not in none_free
    assert "Hội chợ không còn gian hàng trống" in none_free
    assert 'data-action="approve"' in none_free  # approving without a booth is still offered

    fair.booths.update(blocked=False)
    one_free = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-action="assign_booth"' in one_free
    assert "no-free-booth" not in one_free
