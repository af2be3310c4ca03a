"""The plan editor's forms that change the plan for good carry a one-time key (market.core.once): "Allocate booths
now", a booth's form and its "Delete" button. Sent twice (a double click, the form sent again after going back), the
second send is told what the first did and changes nothing more; it used to run the allocation again (answering
"0 booths assigned"), save the booth again, or answer an error for the booth the first send deleted. The key sent
with other values (another fair, another booth, other edits) is refused on the page, saying why."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fairs import services
from fairs.models import Application, ApplicationStatus, Booth, Fair
from market.core.models import AuditEvent
from market.organisations.models import Organisation, Role
from tests.factories import member
from tests.fairs.factories import apply, booth, cooperatives, make_fair, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db

ON_ALLOCATION = "Khóa này đã được dùng để xếp gian hàng của một hội chợ khác"
ON_BOOTH_CHANGE = "Khóa này đã được dùng cho một gian hàng khác hoặc với giá trị khác"
ON_BOOTH_REMOVAL = "Khóa này đã được dùng cho một gian hàng khác"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff(alliance: Organisation) -> Client:
    client = Client()
    client.force_login(member(alliance, Role.STAFF, language="vi"))
    return client


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    return make_fair(alliance, booths=2)


def audited(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def booth_act(fair: Fair, code: str, verb: str) -> str:
    return reverse("frontend:fair-booth-act", args=[fair.slug, booth(fair, code).pk, verb])


def test_allocate_sent_twice_runs_once_and_is_told_what_the_first_run_did(staff: Client, alliance, fair):
    """Two booths, four applications: the first two get them, the third (approved by staff before the run) stays
    approved without one, the fourth joins the waitlist."""
    first_come, second_come, approved, last = (apply(coop, fair) for coop in cooperatives(4))
    services.application_approve(actor=staff_actor(alliance), application_id=approved.pk)
    url = reverse("frontend:fair-allocate", args=[fair.slug])
    editor = staff.get(reverse("frontend:fair-plan-editor", args=[fair.slug])).content.decode()
    key = once_key(editor, action=url)

    first = staff.post(url, {"once_key": key}, follow=True).content.decode()
    again = staff.post(url, {"once_key": key}, follow=True).content.decode()

    assert "Đã xếp xong: 2 gian hàng được xếp, 1 đơn vào danh sách chờ, 1 đơn đã duyệt vẫn chưa có gian hàng." in first
    assert (
        "Việc xếp gian hàng đã chạy từ biểu mẫu này; không chạy lại lần nữa. Lần đó đã xếp 2 gian hàng, đưa 1 đơn "
        "vào danh sách chờ và để 1 đơn đã duyệt chưa có gian hàng."
    ) in again
    statuses = [Application.objects.get(pk=a.pk).status for a in (first_come, second_come, approved, last)]
    assert statuses == [ApplicationStatus.APPROVED] * 3 + [ApplicationStatus.WAITLISTED]
    assert audited("fairs.allocation_run") == 1
    # The key sent with another fair's form is refused there, and that fair's applications wait as they did.
    other = make_fair(alliance, booths=1, name="Hội chợ Nông sản Long Xuyên")
    waiting = apply(last.cooperative, other)
    refused = staff.post(reverse("frontend:fair-allocate", args=[other.slug]), {"once_key": key}, follow=True)
    assert ON_ALLOCATION in refused.content.decode()
    assert Application.objects.get(pk=waiting.pk).status == ApplicationStatus.SUBMITTED
    assert audited("fairs.allocation_run") == 1


def test_a_booth_form_sent_twice_saves_once_and_other_values_under_its_key_are_refused(staff: Client, fair):
    panel = staff.get(reverse("frontend:fair-booth", args=[fair.slug, booth(fair, "A-01").pk])).content.decode()
    form = {
        "once_key": once_key(panel, action=booth_act(fair, "A-01", "edit")),
        "booth-code": "A-01",
        "booth-booth_type": "standard",
        "booth-x": "0",
        "booth-y": "0",
        "booth-width": "3",
        "booth-depth": "3",
        "booth-price": "5.000.000",
        "booth-power": "on",
    }

    first = staff.post(booth_act(fair, "A-01", "edit"), form, **HTMX)
    again = staff.post(booth_act(fair, "A-01", "edit"), form, **HTMX)

    assert first.status_code == 200, first.content.decode()
    assert (again.status_code, again["HX-Trigger"]) == (200, "plan-changed")
    assert "Gian hàng A-01 đã được lưu từ biểu mẫu này; không lưu lại lần nữa." in again.content.decode()
    assert audited("fairs.booth_updated") == 1
    other_edits = staff.post(booth_act(fair, "A-01", "edit"), {**form, "booth-price": "6.000.000"}, **HTMX)
    other_booth = staff.post(booth_act(fair, "A-02", "edit"), {**form, "booth-code": "A-02", "booth-x": "4"}, **HTMX)
    for refused in (other_edits, other_booth):
        assert refused.status_code == 409
        assert ON_BOOTH_CHANGE in refused.content.decode()
    assert (booth(fair, "A-01").price, booth(fair, "A-02").price) == (5_000_000, 4_000_000)
    assert audited("fairs.booth_updated") == 1


def test_a_delete_sent_twice_is_told_the_booth_was_removed(staff: Client, fair):
    panel = staff.get(reverse("frontend:fair-booth", args=[fair.slug, booth(fair, "A-01").pk])).content.decode()
    url = booth_act(fair, "A-01", "delete")
    key = once_key(panel, action=url)

    first = staff.post(url, {"once_key": key}, follow=True)
    again = staff.post(url, {"once_key": key}, follow=True)  # back to the panel's page, sent again

    assert "Đã xóa gian hàng A-01." in first.content.decode()
    assert again.status_code == 200
    assert "Gian hàng A-01 đã được xóa từ biểu mẫu này; không thay đổi gì thêm." in again.content.decode()
    assert audited("fairs.booth_deleted") == 1
    refused = staff.post(booth_act(fair, "A-02", "delete"), {"once_key": key}, **HTMX)
    assert refused.status_code == 409
    assert ON_BOOTH_REMOVAL in refused.content.decode()
    assert list(Booth.objects.filter(fair=fair).values_list("code", flat=True)) == ["A-02"]
