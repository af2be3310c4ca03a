"""A booth freed by staff (from the application, or with the plan's "Free" button) is audited like its assignment:
who freed it, which booth, from which application and, when given, why. It used to leave only an application event.
The plan's "Free" says what happened: the booth is free, or the waitlist was given it at once (the release offers it
to the first waitlisted application it suits); it used to say "free again" in both cases."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fairs import services
from fairs.models import Fair
from market.core.models import AuditEvent
from market.organisations.models import Organisation, Role
from tests.factories import member
from tests.fairs.factories import apply, assign, booth, cooperatives, make_fair, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    return make_fair(alliance, booths=1)


def released() -> list[tuple[str, str, dict[str, object], int | None]]:
    return [
        (event.target_type, event.target_id, event.data, event.actor_organisation_id)
        for event in AuditEvent.objects.filter(action="fairs.booth_released")
    ]


def test_staff_taking_a_booth_back_from_an_application_is_audited_with_the_reason(alliance, fair):
    (cooperative,) = cooperatives(1)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")

    services.assignment_release(
        actor=staff_actor(alliance), application_id=application.pk, reason="Hồ sơ sản phẩm chưa đủ"
    )

    a01 = booth(fair, "A-01")
    assert released() == [
        ("fairs.booth", str(a01.pk), {"application": application.pk, "reason": "Hồ sơ sản phẩm chưa đủ"}, alliance.pk)
    ]


def test_a_booth_freed_from_the_plan_is_audited(alliance, fair):
    (cooperative,) = cooperatives(1)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    a01 = booth(fair, "A-01")

    services.booth_release(actor=staff_actor(alliance), booth_id=a01.pk)

    assert released() == [("fairs.booth", str(a01.pk), {"application": application.pk}, alliance.pk)]


def free_on_the_page(alliance: Organisation, fair: Fair, sends: int = 1) -> list[str]:
    """What the panel answers to each send of one "Free" form (a second send is a double tap or a retry)."""
    client = Client()
    client.force_login(member(alliance, Role.STAFF, language="vi"))
    a01 = booth(fair, "A-01")
    url = reverse("frontend:fair-booth-act", args=[fair.slug, a01.pk, "release"])
    panel = client.get(reverse("frontend:fair-booth", args=[fair.slug, a01.pk])).content.decode()
    posted = {"once_key": once_key(panel, action=url)}
    pages = []
    for _send in range(sends):
        response = client.post(url, posted, **HTMX)
        assert response.status_code == 200, response.content.decode()
        pages.append(response.content.decode())
    return pages


def test_free_with_no_one_waiting_says_the_booth_is_free(alliance, fair):
    (holder,) = cooperatives(1)
    assign(alliance, apply(holder, fair), fair, "A-01")

    (page,) = free_on_the_page(alliance, fair)

    assert "Gian hàng A-01 đã trống trở lại." in page


def test_free_says_the_waitlist_was_given_the_booth_at_once(alliance, fair):
    holder, waiting = cooperatives(2)
    assign(alliance, apply(holder, fair), fair, "A-01")
    services.application_waitlist(actor=staff_actor(alliance), application_id=apply(waiting, fair).pk)

    (page,) = free_on_the_page(alliance, fair)

    assert "Gian hàng A-01 đã được trả lại và xếp ngay cho HTX Mẫu 1 từ danh sách chờ." in page
    assert "đã trống trở lại" not in page
    assert booth(fair, "A-01").assignments.get(released_at__isnull=True).application.cooperative == waiting


def test_free_sent_twice_says_again_that_the_waitlist_was_given_the_booth(alliance, fair):
    holder, waiting = cooperatives(2)
    assign(alliance, apply(holder, fair), fair, "A-01")
    services.application_waitlist(actor=staff_actor(alliance), application_id=apply(waiting, fair).pk)

    first, again = free_on_the_page(alliance, fair, sends=2)

    assert "xếp ngay cho HTX Mẫu 1 từ danh sách chờ" in first
    assert (
        "Gian hàng A-01 đã được trả lại từ biểu mẫu này (lấy lại từ HTX Mẫu 0) và xếp ngay cho HTX Mẫu 1 từ danh sách "
        "chờ; không thay đổi gì thêm." in again
    )
    assert booth(fair, "A-01").assignments.get(released_at__isnull=True).application.cooperative == waiting


def test_free_sent_twice_with_no_one_waiting_says_again_that_the_booth_was_freed(alliance, fair):
    (holder,) = cooperatives(1)
    assign(alliance, apply(holder, fair), fair, "A-01")

    _first, again = free_on_the_page(alliance, fair, sends=2)

    assert "Gian hàng A-01 đã được trả lại từ biểu mẫu này (lấy lại từ HTX Mẫu 0); không thay đổi gì thêm." in again
