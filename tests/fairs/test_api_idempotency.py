"""The fairs API's writes that make something take an `Idempotency-Key` (market.core.once, as exports and
linkage): a client whose answer was lost (a phone on a fair's mobile network) sends the request again with the
same key and the same body and is answered what the first send was answered (the same status, the same object),
and nothing is made twice. The key sent again with another body is a 409 `idempotency_key_reused`; a key is its
user's (another user sending it is refused and learns nothing of the first), and the same user acting for another
organisation cannot take the first organisation's row with it. Without a key each send acts as it did before."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fairs import services
from fairs.models import Application, Badge, Booth, BuyerRegistration, Fair, Meeting, MeetingOutcome
from market.organisations.models import Membership, Organisation, OrganisationKind, Role
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import (
    Matching,
    booth,
    fair_with_two_named_badges,
    make_fair,
    make_programme,
    matching_fair,
    publish,
)

pytestmark = pytest.mark.django_db

KEY = "erp-2026-12-08-0001"
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}


def keyed(key: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key, **VI}


def assert_reused(response, message: str) -> None:
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert response.json()["error"]["message"] == message


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    return make_fair(alliance, booths=3, programme=make_programme())


@pytest.fixture
def matching(alliance: Organisation) -> Matching:
    return matching_fair(alliance)


# --- applications --------------------------------------------------------------------------------
def test_an_application_retried_with_its_key_is_made_once_and_answered_as_the_first(api, alliance, fair, cooperative):
    """A retry after a lost answer used to be a 409 "already applied" though the application had gone through."""
    client = api(member(cooperative, Role.OWNER))
    url = reverse("fairs:application-list", args=[fair.pk])
    body = {
        "booth_type": "standard",
        "preferences": [booth(fair, "A-02").pk, booth(fair, "A-01").pk],
        "samples": "Nước mắm 40 độ đạm",
        "note": "Cần 2 bàn",
    }

    first = client.post(url, body, format="json", **keyed())
    again = client.post(url, body, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert list(Application.objects.filter(fair=fair).values_list("pk", flat=True)) == [first.json()["id"]]
    reordered = {**body, "preferences": [booth(fair, "A-01").pk, booth(fair, "A-02").pk]}
    assert_reused(
        client.post(url, reordered, format="json", **keyed()),
        "Idempotency-Key này đã được dùng cho một đơn đăng ký khác: hãy gửi đơn này với một khóa mới.",
    )
    assert client.post(url, {**body, "note": "Cần 3 bàn"}, format="json", **keyed()).status_code == 409
    other_fair = make_fair(alliance, booths=1, name="Hội chợ Nông sản Long Xuyên")
    elsewhere = client.post(reverse("fairs:application-list", args=[other_fair.pk]), {}, format="json", **keyed())
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    assert not Application.objects.filter(fair=other_fair).exists()
    unkeyed = client.post(
        url, body, format="json", **VI
    )  # no key: the fair's own rule, one application per cooperative
    assert unkeyed.status_code == 409, unkeyed.content
    assert unkeyed.json()["error"]["message"] == "HTX của bạn đã đăng ký hội chợ này; hãy xem đơn của bạn."
    assert Application.objects.filter(fair=fair).count() == 1


def test_an_application_key_is_its_users_another_cooperative_sending_it_learns_nothing(
    api, fair, cooperative, other_cooperative
):
    client = api(member(cooperative, Role.OWNER))
    url = reverse("fairs:application-list", args=[fair.pk])
    first = client.post(url, {"booth_type": "standard"}, format="json", **keyed())
    assert first.status_code == 201, first.content

    stranger = api(member(other_cooperative, Role.OWNER))
    refused = stranger.post(url, {"booth_type": "standard"}, format="json", **keyed())

    assert refused.status_code == 409, refused.content
    assert set(refused.json()) == {"error", "request_id"}  # not the first cooperative's application
    assert refused.json()["error"] == {
        "code": "idempotency_key_taken",
        "message": "Idempotency-Key này đã được người khác dùng: hãy gửi yêu cầu này với một khóa mới.",
    }
    assert not Application.objects.filter(fair=fair, cooperative=other_cooperative).exists()
    own_key = stranger.post(url, {"booth_type": "standard"}, format="json", **keyed("another-client-key-0001"))
    assert own_key.status_code == 201
    assert own_key.json()["cooperative_id"] == other_cooperative.pk


def test_one_user_acting_for_another_cooperative_cannot_take_the_first_cooperatives_application(
    api, fair, cooperative, other_cooperative
):
    """A person who manages two cooperatives reuses a key after switching: before, the key's check looked only at
    the fair, so the second cooperative was answered with the first one's application (and never applied)."""
    user = member(cooperative, Role.OWNER)
    Membership.objects.create(user=user, organisation=other_cooperative, role=Role.OWNER)
    url = reverse("fairs:application-list", args=[fair.pk])
    assert api(user).post(url, {}, format="json", **keyed()).status_code == 201
    user.acting_organisation = other_cooperative
    user.save(update_fields=["acting_organisation"])

    switched = api(user).post(url, {}, format="json", **keyed())

    assert_reused(
        switched, "Idempotency-Key này đã được dùng cho một đơn đăng ký khác: hãy gửi đơn này với một khóa mới."
    )
    assert not Application.objects.filter(fair=fair, cooperative=other_cooperative).exists()
    assert api(user).post(url, {}, format="json", **keyed("a-key-of-the-second-one")).status_code == 201


# --- business matching ---------------------------------------------------------------------------
def test_a_matching_registration_retried_with_its_key_answers_201_again(api, alliance):
    fair = publish(make_fair(alliance, booths=1))
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    client = api(member(buyer, Role.OWNER))
    url = reverse("fairs:buyer-register", args=[fair.pk])
    body = {"interests": "Nước mắm, khô cá lóc"}

    first = client.post(url, body, format="json", **keyed())
    again = client.post(url, body, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert BuyerRegistration.objects.get(fair=fair, buyer=buyer).interests == "Nước mắm, khô cá lóc"
    assert_reused(
        client.post(url, {"interests": "Gạo ST25"}, format="json", **keyed()),
        "Idempotency-Key này đã được dùng cho một lượt đăng ký kết nối cung cầu khác: "
        "hãy gửi lượt đăng ký này với một khóa mới.",
    )
    assert client.post(url, body, format="json").status_code == 409  # no key: "already registered", as before
    assert BuyerRegistration.objects.filter(fair=fair, buyer=buyer).count() == 1


def test_a_meeting_request_retried_with_its_key_books_one_meeting_and_answers_it(api, matching):
    fair, exhibitor, buyer, slot = matching.fair, matching.exhibitor, matching.buyer, matching.slot
    client = api(member(buyer, Role.OWNER))
    url = reverse("fairs:meeting-list", args=[fair.pk])
    body = {"exhibitor": exhibitor.pk, "slot": slot.pk, "message": "Mẫu 40 độ đạm"}

    first = client.post(url, body, format="json", **keyed())
    again = client.post(url, body, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert_reused(
        client.post(url, {**body, "message": "Mẫu 35 độ đạm"}, format="json", **keyed()),
        "Idempotency-Key này đã được dùng cho một yêu cầu lịch gặp khác: hãy gửi yêu cầu này với một khóa mới.",
    )
    unkeyed = client.post(url, body, format="json")
    assert (unkeyed.status_code, unkeyed.json()["error"]["code"]) == (409, "buyer_busy")
    assert list(Meeting.objects.filter(fair=fair).values_list("pk", flat=True)) == [first.json()["id"]]


def test_a_meeting_outcome_retried_with_its_key_is_recorded_once(api, matching):
    """Without a key a retry records the outcome twice (the report counts it once, but the meeting lists two)."""
    fair, exhibitor, buyer = matching.fair, matching.exhibitor, matching.buyer
    meeting = services.meeting_request(
        actor=actor_for(buyer), fair_id=fair.pk, exhibitor_id=exhibitor.pk, slot_id=matching.slot.pk
    )
    services.meeting_accept(actor=actor_for(exhibitor), meeting_id=meeting.pk)
    client = api(member(buyer, Role.OWNER))
    url = reverse("fairs:meeting-outcome", args=[meeting.pk])
    body = {"kind": "mou", "volume": "2.5", "unit": "tan", "value": 45_000_000, "note": "Ký biên bản ghi nhớ"}

    first = client.post(url, body, format="json", **keyed())
    again = client.post(url, body, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert list(MeetingOutcome.objects.filter(meeting=meeting).values_list("pk", flat=True)) == [first.json()["id"]]
    assert_reused(
        client.post(url, {**body, "value": 50_000_000}, format="json", **keyed()),
        "Khóa này đã được dùng cho một kết quả gặp khác: hãy gửi kết quả mới với một khóa mới.",
    )
    assert client.post(url, body, format="json").status_code == 201  # no key: a second outcome, as before
    assert MeetingOutcome.objects.filter(meeting=meeting).count() == 2


# --- badges --------------------------------------------------------------------------------------
def test_a_person_badge_retried_with_its_key_is_issued_once(api, alliance, cooperative):
    fair = fair_with_two_named_badges(alliance, cooperative)
    client = api(member(cooperative, Role.MANAGER))
    url = reverse("fairs:badge-list", args=[fair.pk])

    first = client.post(url, {"name": "Lê Thị Mai"}, format="json", **keyed())
    again = client.post(url, {"name": "Lê Thị Mai"}, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert_reused(
        client.post(url, {"name": "Phạm Văn Tú"}, format="json", **keyed()),
        "Khóa này đã được dùng cho một thẻ khác: hãy gửi yêu cầu mới với một khóa mới.",
    )
    unkeyed = client.post(url, {"name": "Lê Thị Mai"}, format="json")
    assert (unkeyed.status_code, unkeyed.json()["error"]["code"]) == (409, "badge_exists")
    assert list(Badge.objects.filter(fair=fair, holder_name="Lê Thị Mai").values_list("code", flat=True)) == [
        first.json()["code"]
    ]


def test_a_badge_issued_again_retried_with_its_key_answers_the_new_badge(api, alliance, cooperative):
    fair = fair_with_two_named_badges(alliance, cooperative)
    owner = actor_for(cooperative, Role.OWNER)
    lan, hung = (Badge.objects.get(fair=fair, holder_name=name) for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"))
    for badge in (lan, hung):
        services.badge_revoke(actor=owner, fair_id=fair.pk, code=badge.code, reason="Thẻ bị mất")
    client = api(member(cooperative, Role.MANAGER))
    url = reverse("fairs:badge-reissue", args=[fair.pk, lan.code])

    first = client.post(url, **keyed())
    again = client.post(url, **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert first.json()["code"] != lan.code
    assert_reused(
        client.post(reverse("fairs:badge-reissue", args=[fair.pk, hung.code]), **keyed()),
        "Khóa này đã được dùng cho một thẻ khác: hãy gửi yêu cầu mới với một khóa mới.",
    )
    assert client.post(url).status_code >= 400  # no key: the revoked badge was already issued again, as before
    assert Badge.objects.filter(fair=fair, holder_name="Nguyễn Thị Lan").count() == 2
    assert Badge.objects.get(pk=hung.pk).reissued_as is None


# --- the floor plan ------------------------------------------------------------------------------
def test_a_booth_added_again_with_its_key_is_one_booth_answered_201(api, fair, staff_user):
    client = api(staff_user)
    url = reverse("fairs:booth-list", args=[fair.pk])
    body = {"code": "B-01", "x": "20", "y": "20", "booth_type": "corner", "price": 5_000_000}

    first = client.post(url, body, format="json", **keyed())
    again = client.post(url, body, format="json", **keyed())

    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert_reused(
        client.post(url, {**body, "price": 6_000_000}, format="json", **keyed()),
        "Khóa này đã được dùng cho một gian hàng khác: hãy gửi yêu cầu mới với một khóa mới.",
    )
    unkeyed = client.post(url, body, format="json")
    assert unkeyed.status_code == 400  # no key: "Booth B-01 already exists", as before
    assert list(Booth.objects.filter(fair=fair, code="B-01").values_list("pk", flat=True)) == [first.json()["id"]]


def test_staff_keys_are_their_own_another_staff_member_sending_one_is_refused(api, fair, alliance):
    body = {"code": "B-02", "x": "24", "y": "20"}
    url = reverse("fairs:booth-list", args=[fair.pk])
    assert api(member(alliance, Role.STAFF)).post(url, body, format="json", **keyed()).status_code == 201
    colleague = api(member(alliance, Role.STAFF)).post(url, {**body, "code": "B-03"}, format="json", **keyed())
    assert colleague.status_code == 409
    assert not Booth.objects.filter(fair=fair, code="B-03").exists()


def test_a_booth_retried_with_its_key_after_it_was_deleted_is_told_it_is_gone(api, fair, staff_user):
    client = api(staff_user)
    url = reverse("fairs:booth-list", args=[fair.pk])
    body = {"code": "B-03", "x": "28", "y": "20"}
    first = client.post(url, body, format="json", **keyed())
    Booth.objects.filter(pk=first.json()["id"]).delete()  # removed from the plan before the client's retry

    again = client.post(url, body, format="json", **keyed())

    assert again.status_code == 404, again.content
    # A code of its own, so that pages can tell it in their words (frontend.errors.page_message); the API keeps its own.
    assert again.json()["error"] == {
        "code": "idempotency_key_target_gone",
        "message": "Thứ mà khóa này tạo ra lần đầu không còn nữa: hãy gửi lại yêu cầu với một khóa mới.",
    }
    assert not Booth.objects.filter(fair=fair, code="B-03").exists()
