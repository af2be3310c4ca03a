"""Fair forms refused because someone acted first keep what the person typed: the page comes back with the text as
typed and the service's reason at the form (409), and no button for what the service now refuses. A press the page
never offered that person still goes back with the reason. The application form sent twice (a double click on its
button) answers the second send with the application the first made."""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from fairs import services
from fairs.inputs import ApplicationRequest
from fairs.models import (
    Application,
    ApplicationStatus,
    BuyerRegistration,
    Fair,
    Meeting,
    MeetingStatus,
)
from market.organisations.models import Organisation, OrganisationKind, Role, User
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import (
    Matching,
    apply,
    assign,
    booth,
    make_fair,
    matching_fair,
    publish,
    staff_actor,
)
from tests.forms import once_key
from tests.matrix import shown_actions_in

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def flashed(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the application page ------------------------------------------------------------------------------
def test_a_reject_refused_after_the_cooperative_withdrew_keeps_the_reason_at_the_form(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    client = client_for(member(alliance, Role.STAFF, language="vi"))
    url = reverse("frontend:fair-application", args=[application.pk])
    assert 'data-action="reject"' in client.get(url).content.decode()
    # While the reviewer types, the cooperative withdraws.
    services.application_withdraw(actor=actor_for(cooperative), application_id=application.pk, reason="Đổi kế hoạch")

    reason = "Thiếu giấy chứng nhận ATTP & hồ sơ OCOP"
    response = client.post(
        reverse("frontend:fair-application-act", args=[application.pk, "reject"]), {"reject-reason": reason}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'value="Thiếu giấy chứng nhận ATTP &amp; hồ sơ OCOP"' in page
    form = re.search(r'<form[^>]*/reject/".*?</form>', page, re.S).group(0)
    assert re.search(r'role="alert">\s*<p>Chỉ từ chối được đơn đã nộp hoặc đang chờ.</p>', form)
    assert 'data-action="reject"' not in page  # nothing offered that the service would refuse
    application.refresh_from_db()
    assert (application.status, application.decision_reason) == (ApplicationStatus.WITHDRAWN, "Đổi kế hoạch")


def test_a_withdrawal_refused_after_staff_decided_keeps_the_reason_at_the_form(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    client = client_for(member(cooperative, Role.OWNER, language="vi"))
    services.application_reject(
        actor=staff_actor(alliance), application_id=application.pk, reason="Sản phẩm chưa đạt OCOP 3 sao"
    )
    response = client.post(
        reverse("frontend:fair-application-act", args=[application.pk, "withdraw"]),
        {"withdraw-reason": "Trùng lịch thu hoạch"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Trùng lịch thu hoạch" in page
    assert "Đơn này không thể rút được nữa." in page
    assert 'data-action="withdraw"' not in page
    application.refresh_from_db()
    assert application.decision_reason == "Sản phẩm chưa đạt OCOP 3 sao"


def test_a_press_never_offered_still_goes_back_with_the_reason(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    # The cooperative's staff role is never offered withdrawing (owners and managers withdraw).
    client = client_for(member(cooperative, Role.STAFF, language="vi"))
    response = client.post(
        reverse("frontend:fair-application-act", args=[application.pk, "withdraw"]), {"withdraw-reason": "Thử"}
    )
    assert response.status_code == 302
    assert flashed(response) == ["Bạn không có quyền thực hiện thao tác này."]
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_a_booth_taken_meanwhile_comes_back_as_the_list_of_free_booths(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    other = apply(OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác"), fair)
    assign(alliance, other, fair, "A-01")  # another reviewer was quicker
    client = client_for(member(alliance, Role.STAFF, language="vi"))
    response = client.post(
        reverse("frontend:fair-application-act", args=[application.pk, "assign_booth"]),
        {"assign_booth-booth": str(booth(fair, "A-01").pk)},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Gian hàng A-01 đã được xếp cho HTX Khác." in page
    form = re.search(r'<form[^>]*/assign_booth/".*?</form>', page, re.S).group(0)
    # A list to pick the free booth from, not the taken booth's id in a text box.
    assert re.search(r'<select name="assign_booth-booth"[^>]*>\s*<option value="\d+"[^>]*>A-02 ', form)
    assert 'data-action="assign_booth"' in form


# --- the meetings page -------------------------------------------------------------------------------
@pytest.fixture
def matching(alliance) -> Matching:
    return matching_fair(alliance)


@pytest.fixture
def meeting(matching: Matching) -> Meeting:
    return services.meeting_request(
        actor=actor_for(matching.buyer), fair_id=matching.fair.pk, exhibitor_id=matching.exhibitor.pk,
        slot_id=matching.slot.pk,
    )  # fmt: skip


def _cancel(meeting: Meeting) -> None:
    services.meeting_cancel(actor=actor_for(meeting.buyer), meeting_id=meeting.pk)


def test_a_decline_refused_after_the_buyer_cancelled_keeps_the_reason_on_the_card(meeting):
    client = client_for(member(meeting.exhibitor, Role.OWNER, language="vi"))
    _cancel(meeting)
    response = client.post(
        reverse("frontend:fair-meeting-act", args=[meeting.pk, "decline"]),
        {f"d{meeting.pk}-reason": "Trùng giờ giao hàng"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    card = re.search(rf'<li class="card meeting" id="meeting-{meeting.pk}">.*?</li>', page, re.S).group(0)
    assert 'value="Trùng giờ giao hàng"' in card
    assert re.search(r'role="alert">\s*<p>Không thể từ chối lịch gặp này nữa.</p>', card)
    assert "<details open>" in card
    assert shown_actions_in(response.content, f"meeting-{meeting.pk}") == set()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CANCELLED


def test_an_outcome_refused_after_the_meeting_was_cancelled_keeps_what_was_typed(meeting):
    services.meeting_accept(actor=actor_for(meeting.exhibitor), meeting_id=meeting.pk)
    client = client_for(member(meeting.exhibitor, Role.OWNER, language="vi"))
    _cancel(meeting)
    prefix = f"o{meeting.pk}"
    response = client.post(
        reverse("frontend:fair-meeting-act", args=[meeting.pk, "record_outcome"]),
        {
            f"{prefix}-kind": "interest",
            f"{prefix}-volume": "1.000,5",
            f"{prefix}-unit": "kg",
            f"{prefix}-value": "25.000.000",
            f"{prefix}-note": "Muốn lấy mẫu nước mắm 40 độ đạm",
        },
    )
    assert response.status_code == 409
    card = re.search(rf'<li class="card meeting" id="meeting-{meeting.pk}">.*?</li>', response.content.decode(), re.S)
    text = card.group(0)
    assert 'value="1.000,5"' in text
    assert 'value="25.000.000"' in text
    assert 'value="Muốn lấy mẫu nước mắm 40 độ đạm"' in text
    assert "Chỉ ghi kết quả cho lịch gặp đã được nhận lời." in text
    assert 'data-action="record_outcome"' not in text
    assert not Meeting.objects.get(pk=meeting.pk).outcomes.exists()


def test_a_decline_never_offered_goes_back_with_the_reason(meeting):
    client = client_for(member(meeting.buyer, Role.OWNER, language="vi"))  # the buyer cancels, never declines
    response = client.post(
        reverse("frontend:fair-meeting-act", args=[meeting.pk, "decline"]), {f"d{meeting.pk}-reason": "Thử"}
    )
    assert response.status_code == 302
    assert flashed(response) == ["Bạn không có quyền thực hiện thao tác này."]
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.REQUESTED


# --- applying, sent twice ----------------------------------------------------------------------------
def _apply_key(client: Client, fair: Fair) -> str:
    page = client.get(reverse("frontend:fair-apply", args=[fair.slug])).content.decode()
    return once_key(page)


def test_the_application_form_sent_twice_answers_the_second_send_with_the_first_application(alliance, cooperative):
    fair = make_fair(alliance, booths=2)
    client = client_for(member(cooperative, Role.OWNER, language="vi"))
    form = {"booth_type": "standard", "preferences": [str(booth(fair, "A-02").pk)], "note": "Cần 2 bàn", "once_key": ""}
    form["once_key"] = _apply_key(client, fair)
    url = reverse("frontend:fair-apply", args=[fair.slug])

    first = client.post(url, form)
    second = client.post(url, form)
    application = Application.objects.get(fair=fair, cooperative=cooperative)
    mine = reverse("frontend:fair-application", args=[application.pk])
    assert (first.status_code, first["Location"]) == (302, mine)
    assert (second.status_code, second["Location"]) == (302, mine)
    # Both sends told the same (the first answer never reached the browser), no error.
    assert flashed(second) == ["Đã gửi đơn đăng ký. Liên minh sẽ xét duyệt và báo cho bạn."] * 2

    # A new form (a new key) is refused before the form, with the way to the application.
    again = client.post(url, {**form, "once_key": "a-fresh-key-of-a-new-form"})
    assert again.status_code == 409
    assert "HTX của bạn đã đăng ký hội chợ này" in again.content.decode()
    assert mine in again.content.decode()
    assert Application.objects.filter(fair=fair).count() == 1


def test_an_application_form_without_its_key_is_told_to_reload(alliance, cooperative):
    fair = make_fair(alliance, booths=1)
    client = client_for(member(cooperative, Role.OWNER, language="vi"))
    response = client.post(reverse("frontend:fair-apply", args=[fair.slug]), {"samples": "Nước mắm 40 độ đạm"})
    assert response.status_code == 400
    assert 'value="Nước mắm 40 độ đạm"' in response.content.decode()
    assert not Application.objects.filter(fair=fair).exists()


@pytest.mark.django_db(transaction=True)
def test_two_sends_of_one_application_form_at_once_make_one_application(alliance, cooperative: Organisation):
    fair = make_fair(alliance, booths=1)
    actor = actor_for(cooperative)
    barrier = threading.Barrier(2)
    made: list[tuple[int, bool]] = []

    def send() -> None:
        close_old_connections()
        try:
            barrier.wait()
            done = services.application_submit_once(
                actor=actor, fair_id=fair.pk, request=ApplicationRequest(), once_key="one-key-for-both-sends"
            )
            made.append((done.value.pk, done.replayed))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({pk for pk, _replayed in made}) == 1
    assert sorted(replayed for _pk, replayed in made) == [False, True]


# --- registering for business matching, sent twice ------------------------------------------------------
def test_the_matching_registration_sent_twice_registers_once_without_an_error(alliance):
    fair = publish(make_fair(alliance, booths=1))
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    client = client_for(member(buyer, Role.OWNER, language="vi"))
    page = client.get(reverse("frontend:fair-matching", args=[fair.slug])).content.decode()
    key = once_key(page)
    form = {"interests": "Nước mắm, khô cá lóc", "once_key": key}
    url = reverse("frontend:fair-matching-register", args=[fair.slug])

    first, second = client.post(url, form), client.post(url, form)
    assert (first.status_code, second.status_code) == (302, 302)
    assert flashed(second) == ["Bạn đã đăng ký kết nối cung cầu. Thẻ tham dự của bạn đã sẵn sàng."] * 2
    assert BuyerRegistration.objects.get(fair=fair, buyer=buyer).interests == "Nước mắm, khô cá lóc"


def test_a_matching_registration_key_sent_again_with_other_interests_is_told_in_each_channel_s_words(api, alliance):
    """The services word a key sent again for another registration for API clients (their Idempotency-Key); the page,
    whose key is the form's hidden one, tells the person to reload it (frontend.errors.page_message)."""
    fair = publish(make_fair(alliance, booths=1))
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    user = member(buyer, Role.OWNER, language="vi")
    client = client_for(user)
    key = once_key(client.get(reverse("frontend:fair-matching", args=[fair.slug])).content.decode())
    url = reverse("frontend:fair-matching-register", args=[fair.slug])
    assert client.post(url, {"interests": "Nước mắm", "once_key": key}).status_code == 302

    page = client.post(url, {"interests": "Gạo ST25", "once_key": key}).content.decode()
    answer = api(user).post(
        reverse("fairs:buyer-register", args=[fair.pk]),
        {"interests": "Gạo ST25"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    assert "Biểu mẫu này đã được gửi với giá trị khác: hãy tải lại trang." in page
    assert "khóa mới" not in page
    assert answer.json()["error"] == {
        "code": "idempotency_key_reused",
        "message": "Idempotency-Key này đã được dùng cho một lượt đăng ký kết nối cung cầu khác: "
        "hãy gửi lượt đăng ký này với một khóa mới.",
    }
    assert BuyerRegistration.objects.get(fair=fair, buyer=buyer).interests == "Nước mắm"


# --- requesting a meeting, sent twice -------------------------------------------------------------------------
def test_a_meeting_request_sent_twice_books_one_meeting_and_answers_both_with_success(matching: Matching):
    """A double click on "Request a meeting": the second send met the first meeting and said "you already have a
    meeting at this time", though the request had gone through."""
    fair, exhibitor, buyer, slot = matching.fair, matching.exhibitor, matching.buyer, matching.slot
    client = client_for(member(buyer, Role.OWNER, language="vi"))
    page = client.get(reverse("frontend:fair-matching", args=[fair.slug])).content.decode()
    url = reverse("frontend:fair-meeting-request", args=[fair.slug, exhibitor.pk])
    card_form = re.search(rf'<form method="post" action="{url}".*?</form>', page, re.S).group(0)
    key = once_key(card_form)
    prefix = f"m{exhibitor.pk}"
    form = {
        f"{prefix}-exhibitor": exhibitor.pk,
        f"{prefix}-slot": slot.pk,
        f"{prefix}-message": "Mẫu 40 độ đạm",
        "once_key": key,
    }

    first, second = client.post(url, form), client.post(url, form)

    assert (first.status_code, second.status_code) == (302, 302), second.content.decode()[-2000:]
    told = "Đã gửi yêu cầu gặp HTX Nước mắm Hưng Thịnh. Họ sẽ nhận lời hoặc từ chối."
    assert flashed(second) == [told, told]
    assert Meeting.objects.filter(fair=fair, buyer=buyer).count() == 1
