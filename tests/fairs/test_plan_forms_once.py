"""The plan editor's forms that change the plan for good carry a one-time key (market.core.once): "Allocate booths
now", a booth's form, its "Assign", "Free" and "Delete" buttons. Sent twice (a double click, the form sent again after
going back), the second send is told what the first did and changes nothing more; it used to run the allocation again
(answering "0 booths assigned"), save the booth again, answer an error for the booth the first send deleted, or (Assign,
Free) answer "already assigned", "cannot be freed" or free the booth the waitlist had just been given. The key sent with
other values (another fair, another booth or application, other edits) is refused on the page in a page's words (the
services' words are for API clients: "send this request with a new key")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fairs import services
from fairs.models import Application, ApplicationEvent, ApplicationEventKind, ApplicationStatus, Booth, Fair
from market.core.models import AuditEvent
from market.organisations.models import Organisation, Role
from tests.factories import member
from tests.fairs.factories import apply, booth, cooperatives, make_fair, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db

SENT_WITH_OTHER_VALUES = "Biểu mẫu này đã được gửi với giá trị khác: hãy tải lại trang."
WITH_A_NEW_KEY = "với một khóa mới"  # how the services tell API clients
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
    assert SENT_WITH_OTHER_VALUES in refused.content.decode()
    assert WITH_A_NEW_KEY not in refused.content.decode()
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
        assert SENT_WITH_OTHER_VALUES in refused.content.decode()
        assert WITH_A_NEW_KEY not in refused.content.decode()
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
    assert SENT_WITH_OTHER_VALUES in refused.content.decode()
    assert list(Booth.objects.filter(fair=fair).values_list("code", flat=True)) == ["A-02"]


def test_assign_sent_twice_assigns_once_and_the_key_elsewhere_is_refused_on_the_page(staff: Client, fair):
    first_coop, second_coop = cooperatives(2)
    wanted, other = apply(first_coop, fair), apply(second_coop, fair)
    url = booth_act(fair, "A-01", "assign")
    panel = staff.get(reverse("frontend:fair-booth", args=[fair.slug, booth(fair, "A-01").pk])).content.decode()
    form = {"once_key": once_key(panel, action=url), "assign-application": str(wanted.pk)}

    first = staff.post(url, form, **HTMX)
    again = staff.post(url, form, **HTMX)

    assert first.status_code == 200, first.content.decode()
    assert "Đã xếp gian hàng A-01 cho HTX Mẫu 0." in first.content.decode()
    assert (again.status_code, again["HX-Trigger"]) == (200, "plan-changed")
    assert "Gian hàng A-01 đã được xếp cho HTX Mẫu 0 từ biểu mẫu này; không xếp lại lần nữa." in again.content.decode()
    assert audited("fairs.booth_assigned") == 1
    # The key sent for another application, or to another booth's panel: refused, in a page's words.
    another_application = staff.post(url, {**form, "assign-application": str(other.pk)}, **HTMX)
    another_booth = staff.post(booth_act(fair, "A-02", "assign"), {**form, "assign-application": str(other.pk)}, **HTMX)
    for refused in (another_application, another_booth):
        assert refused.status_code == 409
        assert SENT_WITH_OTHER_VALUES in refused.content.decode()
        assert WITH_A_NEW_KEY not in refused.content.decode()
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.SUBMITTED
    assert audited("fairs.booth_assigned") == 1


def test_free_sent_twice_frees_once_and_is_told_whom_the_first_took_it_from(staff: Client, alliance, fair):
    held, waiting = cooperatives(2)
    staff_ = staff_actor(alliance)
    for coop, code in ((held, "A-01"), (waiting, "A-02")):
        services.booth_assign(actor=staff_, application_id=apply(coop, fair).pk, booth_id=booth(fair, code).pk)
    url = booth_act(fair, "A-01", "release")
    panel = staff.get(reverse("frontend:fair-booth", args=[fair.slug, booth(fair, "A-01").pk])).content.decode()
    key = once_key(panel, action=url)

    first = staff.post(url, {"once_key": key}, **HTMX)
    again = staff.post(url, {"once_key": key}, **HTMX)

    assert "Gian hàng A-01 đã trống trở lại." in first.content.decode()
    assert again.status_code == 200
    assert (
        "Gian hàng A-01 đã được trả lại từ biểu mẫu này (lấy lại từ HTX Mẫu 0); không thay đổi gì thêm."
        in again.content.decode()
    )
    assert ApplicationEvent.objects.filter(action=ApplicationEventKind.RELEASED).count() == 1
    refused = staff.post(booth_act(fair, "A-02", "release"), {"once_key": key}, **HTMX)
    assert refused.status_code == 409
    assert SENT_WITH_OTHER_VALUES in refused.content.decode()
    assert booth(fair, "A-02").assignments.filter(released_at__isnull=True).exists()
