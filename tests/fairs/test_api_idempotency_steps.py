"""The fairs API's state changes take an `Idempotency-Key` too (market.core.once, as the writes that make something
in test_api_idempotency.py). Their lifecycles already stop a retry from acting twice, but a client whose answer was
lost (a phone on a fair's mobile network) and sends the step again used to be answered 409 "cannot change that way"
and believed it had failed. With the same key and the same body it is now answered what the first send was answered
and nothing happens again (no audit row, notification, application event or booth assignment more). The key sent
for another object, with another reason, booth or step, is a 409 `idempotency_key_reused`: the key remembers what
the first send asked, not only the object it changed. Without a key each send acts, and is refused, as before.
The floor plan's writes likewise: the allocation run is answered the first run's answer (not an empty second run),
a booth change the booth, and a booth's removal 204 again (not 404: the booth is gone, removed by the first send)."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse

from fairs import services
from fairs.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Badge,
    Booth,
    BoothAssignment,
    BoothType,
    Fair,
    FairStatus,
    Meeting,
    MeetingStatus,
)
from market.core.models import AuditEvent
from market.notifications.models import Notification
from market.organisations.models import Organisation, Role
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.fairs.factories import (
    Matching,
    add_slots,
    apply,
    assign,
    booth,
    fair_with_two_named_badges,
    make_fair,
    make_programme,
    matching_fair,
    staff_actor,
)

pytestmark = pytest.mark.django_db

KEY = "erp-2026-12-08-step-0001"
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
ON_APPLICATION = (
    "Khóa này đã được dùng cho một đơn đăng ký khác hoặc với lý do hay gian hàng khác: hãy gửi yêu cầu này với một "
    "khóa mới."
)
ON_MEETING = "Khóa này đã được dùng cho một lịch gặp khác hoặc với lý do khác: hãy gửi yêu cầu này với một khóa mới."
ON_BADGE = "Khóa này đã được dùng cho một thẻ khác hoặc với lý do khác: hãy gửi yêu cầu này với một khóa mới."
ON_FAIR = "Khóa này đã được dùng cho một hội chợ khác hoặc cho một bước khác: hãy gửi yêu cầu này với một khóa mới."
ON_ALLOCATION = "Khóa này đã được dùng để xếp gian hàng của một hội chợ khác: hãy gửi yêu cầu này với một khóa mới."
ON_BOOTH_CHANGE = (
    "Khóa này đã được dùng cho một gian hàng khác hoặc với giá trị khác: hãy gửi yêu cầu này với một khóa mới."
)
ON_BOOTH_REMOVAL = "Khóa này đã được dùng cho một gian hàng khác: hãy gửi yêu cầu này với một khóa mới."


def keyed(key: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key, **VI}


def effects() -> dict[str, int]:
    """What a step leaves behind, counted: a retry answered with the first answer adds none of it."""
    return {
        "audit rows": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "application events": ApplicationEvent.objects.count(),
        "booth assignments": BoothAssignment.objects.count(),
        "badges": Badge.objects.count(),
    }


def sent_twice(send, url: str, body: dict | None = None):
    """The first send and its retry (same key, same body; `send`: the client's post or patch), and that the retry
    left nothing behind."""
    first = send(url, body or {}, format="json", **keyed())
    before = effects()
    again = send(url, body or {}, format="json", **keyed())
    assert (again.status_code, again.json()) == (first.status_code, first.json()), again.content
    assert effects() == before
    return first


def assert_reused(response, message: str) -> None:
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["message"] == message


def assert_refused(response) -> None:
    """Today's answer to a step sent again without a key: a 409 that says it cannot be done now."""
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] != "idempotency_key_reused"


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    return make_fair(alliance, booths=3, programme=make_programme())


def application_url(verb: str, application: Application) -> str:
    return reverse(f"fairs:application-{verb}", args=[application.pk])


# --- applications --------------------------------------------------------------------------------
def test_an_approval_retried_with_its_key_answers_the_approved_application(
    api, fair, cooperative, other_cooperative, staff_user
):
    application, other = apply(cooperative, fair), apply(other_cooperative, fair)
    client = api(staff_user)

    first = sent_twice(client.post, application_url("approve", application))

    assert (first.status_code, first.json()["status"]) == (200, ApplicationStatus.APPROVED)
    assert ApplicationEvent.objects.filter(application=application, action="approved").count() == 1
    assert_reused(client.post(application_url("approve", other), **keyed()), ON_APPLICATION)
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.SUBMITTED
    assert_refused(client.post(application_url("approve", application), **VI))


def test_a_waitlisting_retried_with_its_key_takes_one_place_and_another_note_is_refused(
    api, fair, cooperative, other_cooperative, staff_user
):
    application, other = apply(cooperative, fair), apply(other_cooperative, fair)
    client = api(staff_user)
    url = application_url("waitlist", application)

    first = sent_twice(client.post, url, {"reason": "Hết gian hàng tiêu chuẩn"})

    assert first.status_code == 200
    assert Application.objects.get(pk=application.pk).waitlist_position == 1
    # The application is unchanged by the retry, yet the key is refused: it remembers the note it was sent with.
    assert_reused(client.post(url, {"reason": "Chờ gian hàng góc"}, format="json", **keyed()), ON_APPLICATION)
    assert_reused(
        client.post(
            application_url("waitlist", other), {"reason": "Hết gian hàng tiêu chuẩn"}, format="json", **keyed()
        ),
        ON_APPLICATION,
    )
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.SUBMITTED
    assert_refused(client.post(url, {"reason": "Hết gian hàng tiêu chuẩn"}, format="json", **VI))


def test_a_rejection_retried_with_its_key_tells_the_cooperative_once(
    api, fair, cooperative, other_cooperative, staff_user
):
    application, other = apply(cooperative, fair), apply(other_cooperative, fair)
    client = api(staff_user)
    url = application_url("reject", application)
    body = {"reason": "Hồ sơ thiếu giấy chứng nhận OCOP"}

    first = sent_twice(client.post, url, body)

    assert (first.status_code, first.json()["status"]) == (200, ApplicationStatus.REJECTED)
    assert_reused(
        client.post(url, {"reason": "Sản phẩm chưa đạt OCOP 3 sao"}, format="json", **keyed()), ON_APPLICATION
    )
    assert_reused(client.post(application_url("reject", other), body, format="json", **keyed()), ON_APPLICATION)
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.SUBMITTED
    assert_refused(client.post(url, body, format="json", **VI))


def test_a_withdrawal_retried_with_its_key_frees_its_booth_once(api, alliance, fair, cooperative, other_cooperative):
    """The freed booth goes to the first waitlisted application, once: the retry does not offer anything again."""
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    waiting = apply(other_cooperative, fair, preferences=[booth(fair, "A-01").pk])
    services.application_waitlist(actor=staff_actor(alliance), application_id=waiting.pk, note="Hết gian hàng")
    client = api(member(cooperative, Role.OWNER))
    url = application_url("withdraw", application)
    body = {"reason": "HTX không kịp chuẩn bị hàng"}

    first = sent_twice(client.post, url, body)

    assert (first.status_code, first.json()["status"]) == (200, ApplicationStatus.WITHDRAWN)
    live = BoothAssignment.objects.filter(booth=booth(fair, "A-01"), released_at__isnull=True)
    assert list(live.values_list("application_id", flat=True)) == [waiting.pk]
    assert_reused(client.post(url, {"reason": "Đổi ý"}, format="json", **keyed()), ON_APPLICATION)
    elsewhere = apply(cooperative, make_fair(alliance, booths=1, name="Hội chợ Nông sản Long Xuyên"))
    assert_reused(client.post(application_url("withdraw", elsewhere), body, format="json", **keyed()), ON_APPLICATION)
    assert Application.objects.get(pk=elsewhere.pk).status == ApplicationStatus.SUBMITTED
    assert_refused(client.post(url, body, format="json", **VI))


def test_a_booth_assignment_retried_with_its_key_is_one_assignment_and_another_booth_is_refused(
    api, fair, cooperative, other_cooperative, staff_user
):
    """Without a key, sending another booth moves the application there: with the key it is a reused key, not a
    move the client never meant."""
    application, other = apply(cooperative, fair), apply(other_cooperative, fair)
    client = api(staff_user)
    url = application_url("assign", application)

    first = sent_twice(client.post, url, {"booth": booth(fair, "A-01").pk})

    assert first.status_code == 200
    assert_reused(client.post(url, {"booth": booth(fair, "A-02").pk}, format="json", **keyed()), ON_APPLICATION)
    assert_reused(
        client.post(application_url("assign", other), {"booth": booth(fair, "A-03").pk}, format="json", **keyed()),
        ON_APPLICATION,
    )
    assignments = BoothAssignment.objects.filter(fair=fair)
    assert list(assignments.values_list("application_id", "booth__code", "released_at")) == [
        (application.pk, "A-01", None)
    ]
    unkeyed = client.post(url, {"booth": booth(fair, "A-01").pk}, format="json", **VI)
    assert unkeyed.status_code == 200  # no key: "already theirs" changes nothing, as before
    assert assignments.count() == 1


def test_a_booth_release_retried_with_its_key_releases_once(api, alliance, fair, cooperative, other_cooperative):
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    other = assign(alliance, apply(other_cooperative, fair), fair, "A-02")
    client = api(member(alliance, Role.STAFF))
    url = application_url("release", application)
    body = {"reason": "Gian hàng cần sửa điện"}

    first = sent_twice(client.post, url, body)

    assert (first.status_code, first.json()["status"]) == (200, ApplicationStatus.APPROVED)
    assert_reused(client.post(url, {"reason": "Đổi sơ đồ"}, format="json", **keyed()), ON_APPLICATION)
    assert_reused(client.post(application_url("release", other), body, format="json", **keyed()), ON_APPLICATION)
    live = BoothAssignment.objects.filter(fair=fair, released_at__isnull=True)
    assert list(live.values_list("application_id", flat=True)) == [other.pk]
    assert_refused(client.post(url, body, format="json", **VI))


def test_a_step_key_is_its_users_a_colleague_sending_it_is_refused(api, alliance, fair, cooperative, other_cooperative):
    application, other = apply(cooperative, fair), apply(other_cooperative, fair)
    assert api(member(alliance, Role.STAFF)).post(application_url("approve", application), **keyed()).status_code == 200

    colleague = api(member(alliance, Role.STAFF)).post(application_url("approve", other), **keyed())

    assert colleague.status_code == 409, colleague.content
    assert set(colleague.json()) == {"error", "request_id"}
    assert Application.objects.get(pk=other.pk).status == ApplicationStatus.SUBMITTED


# --- meetings ------------------------------------------------------------------------------------
def two_requests(alliance: Organisation, matching: Matching) -> tuple[Meeting, Meeting]:
    """The buyer asks the exhibitor for two meetings, at 9:00 and at 10:00."""
    later = add_slots(alliance, matching.fair, count=1, first=time(10, 0))[0]
    buyer = actor_for(matching.buyer)
    first, second = (
        services.meeting_request(
            actor=buyer, fair_id=matching.fair.pk, exhibitor_id=matching.exhibitor.pk, slot_id=slot.pk
        )
        for slot in (matching.slot, later)
    )
    return first, second


@pytest.fixture
def matching(alliance: Organisation) -> Matching:
    return matching_fair(alliance)


def meeting_url(verb: str, meeting: Meeting) -> str:
    return reverse(f"fairs:meeting-{verb}", args=[meeting.pk])


def test_an_acceptance_retried_with_its_key_answers_the_accepted_meeting(api, alliance, matching):
    meeting, other = two_requests(alliance, matching)
    client = api(member(matching.exhibitor, Role.OWNER))

    first = sent_twice(client.post, meeting_url("accept", meeting))

    assert (first.status_code, first.json()["status"]) == (200, MeetingStatus.ACCEPTED)
    assert_reused(client.post(meeting_url("accept", other), **keyed()), ON_MEETING)
    assert Meeting.objects.get(pk=other.pk).status == MeetingStatus.REQUESTED
    assert_refused(client.post(meeting_url("accept", meeting), **VI))


def test_a_decline_retried_with_its_key_is_announced_once_and_another_reason_is_refused(api, alliance, matching):
    meeting, other = two_requests(alliance, matching)
    client = api(member(matching.exhibitor, Role.OWNER))
    url = meeting_url("decline", meeting)
    body = {"reason": "Bận nhận hàng mẫu"}

    first = sent_twice(client.post, url, body)

    assert (first.status_code, first.json()["status"]) == (200, MeetingStatus.DECLINED)
    assert_reused(client.post(url, {"reason": "Hết hàng"}, format="json", **keyed()), ON_MEETING)
    assert_reused(client.post(meeting_url("decline", other), body, format="json", **keyed()), ON_MEETING)
    assert Meeting.objects.get(pk=other.pk).status == MeetingStatus.REQUESTED
    assert_refused(client.post(url, body, format="json", **VI))


def test_a_cancellation_retried_with_its_key_answers_the_cancelled_meeting(api, alliance, matching):
    meeting, other = two_requests(alliance, matching)
    services.meeting_accept(actor=actor_for(matching.exhibitor), meeting_id=meeting.pk)
    client = api(member(matching.buyer, Role.OWNER))

    first = sent_twice(client.post, meeting_url("cancel", meeting))

    assert (first.status_code, first.json()["status"]) == (200, MeetingStatus.CANCELLED)
    assert_reused(client.post(meeting_url("cancel", other), **keyed()), ON_MEETING)
    assert Meeting.objects.get(pk=other.pk).status == MeetingStatus.REQUESTED
    assert_refused(client.post(meeting_url("cancel", meeting), **VI))


# --- badges --------------------------------------------------------------------------------------
def test_a_badge_revocation_retried_with_its_key_answers_the_revoked_badge(api, alliance, cooperative):
    fair = fair_with_two_named_badges(alliance, cooperative)
    lan, hung = (Badge.objects.get(fair=fair, holder_name=name) for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"))
    client = api(member(cooperative, Role.MANAGER))
    url = reverse("fairs:badge-revoke", args=[fair.pk, lan.code])
    body = {"reason": "Thẻ bị mất"}

    first = sent_twice(client.post, url, body)

    assert first.status_code == 200
    assert AuditEvent.objects.filter(action="fairs.badge_revoked").count() == 1
    assert_reused(client.post(url, {"reason": "Nghỉ việc"}, format="json", **keyed()), ON_BADGE)
    hung_url = reverse("fairs:badge-revoke", args=[fair.pk, hung.code])
    assert_reused(client.post(hung_url, body, format="json", **keyed()), ON_BADGE)
    assert Badge.objects.get(pk=hung.pk).revoked_at is None
    assert Badge.objects.get(pk=lan.pk).revoke_reason == "Thẻ bị mất"
    assert_refused(client.post(url, body, format="json", **VI))


# --- the fair's lifecycle --------------------------------------------------------------------------
def test_a_fair_step_retried_with_its_key_answers_the_fair_and_another_step_is_refused(api, alliance, fair, staff_user):
    """Closing applications and then sending "publish" with the same key would publish the plan by mistake."""
    client = api(staff_user)
    url = reverse("fairs:fair-transition", args=[fair.pk])

    first = sent_twice(client.post, url, {"action": "close_applications"})

    assert (first.status_code, first.json()["status"]) == (200, FairStatus.ALLOCATION)
    assert_reused(client.post(url, {"action": "publish"}, format="json", **keyed()), ON_FAIR)
    assert Fair.objects.get(pk=fair.pk).status == FairStatus.ALLOCATION
    other = make_fair(alliance, name="Hội chợ Nông sản Long Xuyên")
    other_url = reverse("fairs:fair-transition", args=[other.pk])
    assert_reused(client.post(other_url, {"action": "close_applications"}, format="json", **keyed()), ON_FAIR)
    assert Fair.objects.get(pk=other.pk).status == FairStatus.OPEN
    assert_refused(client.post(url, {"action": "close_applications"}, format="json", **VI))


# --- the floor plan and its allocation -----------------------------------------------------------
def test_an_allocation_retried_with_its_key_answers_the_first_runs_assignments(
    api, alliance, fair, cooperative, other_cooperative, staff_user
):
    """A retry used to run the allocation again: it found no one left to place and answered an empty list, so the
    client that lost the first answer never learnt who got which booth. The first answer is kept, and given again
    even after staff have changed an assignment by hand."""
    placed = apply(cooperative, fair, preferences=[booth(fair, "A-02").pk])
    waiting = apply(other_cooperative, fair, booth_type=BoothType.CORNER)  # the fair has no corner booth
    client = api(staff_user)
    url = reverse("fairs:fair-allocate", args=[fair.pk])

    first = sent_twice(client.post, url)

    assert first.status_code == 200
    assert [(row["application_id"], row["booth_code"], row["rule"]) for row in first.json()] == [
        (placed.pk, "A-02", "preference 1"),
        (waiting.pk, "", "waitlist"),
    ]
    services.assignment_release(actor=staff_actor(alliance), application_id=placed.pk, reason="Đổi sơ đồ")
    again = client.post(url, **keyed())
    assert (again.status_code, again.json()) == (200, first.json())
    other = make_fair(alliance, booths=1, name="Hội chợ Nông sản Long Xuyên")
    elsewhere = apply(cooperative, other)
    assert_reused(client.post(reverse("fairs:fair-allocate", args=[other.pk]), **keyed()), ON_ALLOCATION)
    assert Application.objects.get(pk=elsewhere.pk).status == ApplicationStatus.SUBMITTED
    unkeyed = client.post(url, **VI)  # no key: a second run, which places the released application again
    assert [(row["application_id"], row["booth_code"]) for row in unkeyed.json()] == [(placed.pk, "A-02")]


def booth_url(fair: Fair, code: str) -> str:
    return reverse("fairs:booth-detail", args=[fair.pk, booth(fair, code).pk])


def test_a_booth_change_retried_with_its_key_answers_the_booth_and_another_body_is_refused(api, fair, staff_user):
    """A retry used to change the booth again (a second audit row, the plan's version moved on for nothing)."""
    client = api(staff_user)
    url = booth_url(fair, "A-01")
    body = {"price": 5_000_000, "water": True}

    first = sent_twice(client.patch, url, body)

    assert (first.status_code, first.json()["price"], first.json()["water"]) == (200, 5_000_000, True)
    assert AuditEvent.objects.filter(action="fairs.booth_updated").count() == 1
    assert_reused(client.patch(url, {**body, "price": 6_000_000}, format="json", **keyed()), ON_BOOTH_CHANGE)
    assert_reused(client.patch(url, {"price": 5_000_000}, format="json", **keyed()), ON_BOOTH_CHANGE)
    assert_reused(client.patch(booth_url(fair, "A-02"), body, format="json", **keyed()), ON_BOOTH_CHANGE)
    assert (booth(fair, "A-01").price, booth(fair, "A-02").price) == (5_000_000, 4_000_000)
    unkeyed = client.patch(url, body, format="json", **VI)  # no key: changed again, as before
    assert unkeyed.status_code == 200
    assert AuditEvent.objects.filter(action="fairs.booth_updated").count() == 2


def test_a_booth_removal_retried_with_its_key_answers_204_again(api, fair, staff_user):
    """A retry after the booth was removed used to be a 404: the client could not tell it from a wrong id."""
    client = api(staff_user)
    url, other_url = booth_url(fair, "A-01"), booth_url(fair, "A-02")

    first = client.delete(url, **keyed())
    before = effects()
    again = client.delete(url, **keyed())

    assert (first.status_code, again.status_code) == (204, 204), again.content
    assert effects() == before
    assert not Booth.objects.filter(fair=fair, code="A-01").exists()
    assert_reused(client.delete(other_url, **keyed()), ON_BOOTH_REMOVAL)
    assert Booth.objects.filter(fair=fair, code="A-02").exists()
    assert client.delete(url, **VI).status_code == 404  # no key: the booth is gone, as before
