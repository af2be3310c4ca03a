"""The fairs API: verb endpoints, and the permission matrix (anonymous, another organisation, a member
without the role, a member with it, staff). Denials change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs import services
from fairs.models import Application, ApplicationStatus, Badge, Booth, FairStatus, Meeting
from market.organisations.models import OrganisationKind, Role
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import add_slots, apply, booth, make_fair, make_programme, publish, staff_actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(alliance):
    return make_fair(alliance, booths=3, programme=make_programme())


def test_cooperative_applies_and_staff_decide_through_verbs(api, fair, cooperative, coop_owner, staff_user):
    url = reverse("fairs:application-list", args=[fair.pk])
    created = api(coop_owner).post(
        url, {"booth_type": "standard", "preferences": [booth(fair, "A-02").pk]}, format="json"
    )
    assert created.status_code == 201, created.content
    application_id = created.json()["id"]

    assign = api(staff_user).post(
        reverse("fairs:application-assign", args=[application_id]), {"booth": booth(fair, "A-02").pk}, format="json"
    )
    assert assign.status_code == 200, assign.content
    body = assign.json()
    assert (body["status"], body["booth"], body["price"], body["subsidy"], body["amount_due"]) == (
        "approved",
        "A-02",
        4_000_000,
        2_800_000,
        1_200_000,
    )
    plan = api(None).get(reverse("fairs:fair-plan", args=[fair.pk])).json()
    assert {row["booth"]["code"]: row["exhibitor"] for row in plan}["A-02"] == ""  # not published yet

    withdrawn = api(coop_owner).post(reverse("fairs:application-withdraw", args=[application_id]), {}, format="json")
    assert withdrawn.json()["status"] == "withdrawn"


def test_reject_needs_a_reason(api, fair, cooperative, staff_user):
    application = apply(cooperative, fair)
    url = reverse("fairs:application-reject", args=[application.pk])
    assert api(staff_user).post(url, {"reason": ""}, format="json").status_code == 400
    answer = api(staff_user).post(url, {"reason": "Thiếu giấy chứng nhận ATTP"}, format="json")
    assert answer.json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("other_cooperative", 404), ("buyer", 404), ("coop_staff", 200), ("staff", 200)],
)
def test_application_read_matrix(api, fair, cooperative, other_cooperative, buyer, alliance, who, expected):
    application = apply(cooperative, fair)
    user = {
        "anonymous": None,
        "other_cooperative": member(other_cooperative, Role.OWNER),
        "buyer": member(buyer, Role.OWNER),
        "coop_staff": member(cooperative, Role.STAFF),
        "staff": member(alliance, Role.STAFF),
    }[who]
    response = api(user).get(reverse("fairs:application-detail", args=[application.pk]))
    assert response.status_code == expected


def test_cooperatives_list_only_their_own_applications(api, fair, cooperative, other_cooperative, staff_user):
    mine = apply(cooperative, fair)
    apply(other_cooperative, fair)
    url = reverse("fairs:application-list", args=[fair.pk])
    own = api(member(cooperative, Role.STAFF)).get(url).json()["results"]
    assert [a["id"] for a in own] == [mine.pk]
    assert len(api(staff_user).get(url).json()["results"]) == 2
    assert api(member(OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER)).get(url).json()["results"] == []


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", 401), ("applicant", 403), ("coop_staff_role", 403), ("buyer", 403), ("staff", 200)],
)
def test_decision_matrix_and_denials_change_nothing(api, fair, cooperative, buyer, alliance, who, expected):
    application = apply(cooperative, fair)
    user = {
        "anonymous": None,
        "applicant": member(cooperative, Role.OWNER),
        "coop_staff_role": member(cooperative, Role.STAFF),
        "buyer": member(buyer, Role.OWNER),
        "staff": member(alliance, Role.STAFF),
    }[who]
    response = api(user).post(
        reverse("fairs:application-assign", args=[application.pk]), {"booth": booth(fair, "A-01").pk}, format="json"
    )
    assert response.status_code == expected
    application.refresh_from_db()
    if expected != 200:
        assert application.status == ApplicationStatus.SUBMITTED
        assert not application.assignments.exists()


def test_withdraw_matrix(api, fair, cooperative, other_cooperative, alliance):
    application = apply(cooperative, fair)
    url = reverse("fairs:application-withdraw", args=[application.pk])
    assert api(member(other_cooperative, Role.OWNER)).post(url, {}, format="json").status_code == 404
    assert api(member(cooperative, Role.STAFF)).post(url, {}, format="json").status_code == 403
    assert api(member(alliance, Role.STAFF)).post(url, {}, format="json").status_code == 403
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED
    assert api(member(cooperative, Role.MANAGER)).post(url, {}, format="json").status_code == 200


def test_booth_editing_is_staff_only(api, fair, cooperative, staff_user):
    url = reverse("fairs:booth-list", args=[fair.pk])
    data = {"code": "B-01", "x": "10", "y": "20", "booth_type": "corner", "price": 5_000_000}
    assert api(member(cooperative)).post(url, data, format="json").status_code == 403
    created = api(staff_user).post(url, data, format="json")
    assert created.status_code == 201, created.content
    detail = reverse("fairs:booth-detail", args=[fair.pk, created.json()["id"]])
    assert api(staff_user).patch(detail, {"x": "70"}, format="json").status_code == 400  # past the hall
    assert api(staff_user).patch(detail, {"x": "12.5"}, format="json").json()["x"] == "12.50"
    assert api(member(cooperative)).delete(detail).status_code == 403
    assert api(staff_user).delete(detail).status_code == 204
    assert not Booth.objects.filter(fair=fair, code="B-01").exists()


def test_allocate_and_check_in_verbs(api, fair, cooperative, staff_user):
    apply(cooperative, fair)
    dry = api(staff_user).get(reverse("fairs:fair-allocate", args=[fair.pk])).json()
    assert [row["booth_code"] for row in dry] == ["A-01"]
    run = api(staff_user).post(reverse("fairs:fair-allocate", args=[fair.pk]))
    assert run.status_code == 200
    code = Badge.objects.get(fair=fair, organisation=cooperative).code
    url = reverse("fairs:fair-check-in", args=[fair.pk])
    early = api(staff_user).post(url, {"code": code}, format="json")
    assert early.status_code == 409  # the plan is not published and the fair is a month away
    tomorrow = timezone.localdate() + timedelta(days=1)
    type(fair).objects.filter(pk=fair.pk).update(
        status=FairStatus.PUBLISHED, starts_on=tomorrow, ends_on=tomorrow + timedelta(days=2)
    )
    first = api(staff_user).post(url, {"code": code}, format="json").json()
    second = api(staff_user).post(url, {"code": f"ML-{code}"}, format="json").json()
    assert first["first_time"] is True
    assert second["first_time"] is False
    assert "already checked in" in second["message"] or "đã" in second["message"]
    assert api(member(cooperative)).post(url, {"code": code}, format="json").status_code == 403


@pytest.fixture
def matching(fair, alliance, cooperative, other_cooperative):
    staff = staff_actor(alliance)
    for coop, code in ((cooperative, "A-01"), (other_cooperative, "A-02")):
        services.booth_assign(actor=staff, application_id=apply(coop, fair).pk, booth_id=booth(fair, code).pk)
    publish(fair)
    add_slots(alliance, fair, count=1)
    services.tables_create(actor=staff, fair_id=fair.pk, count=2)
    return fair


def test_buyers_see_only_their_meetings(api, matching, cooperative, other_cooperative, staff_user):
    fair = matching
    slot = fair.slots.first()
    buyers = [OrganisationFactory(kind=OrganisationKind.BUYER, name=f"Buyer {i}") for i in range(2)]
    users = [member(b) for b in buyers]
    for user, exhibitor in zip(users, (cooperative, other_cooperative), strict=True):
        assert api(user).post(reverse("fairs:buyer-register", args=[fair.pk]), {}, format="json").status_code == 201
        made = api(user).post(
            reverse("fairs:meeting-list", args=[fair.pk]), {"exhibitor": exhibitor.pk, "slot": slot.pk}, format="json"
        )
        assert made.status_code == 201, made.content
    url = reverse("fairs:meeting-list", args=[fair.pk])
    first = api(users[0]).get(url).json()["results"]
    assert [m["buyer"] for m in first] == ["Buyer 0"]
    assert len(api(staff_user).get(url).json()["results"]) == 2
    assert [m["buyer"] for m in api(member(cooperative)).get(url).json()["results"]] == ["Buyer 0"]

    meeting = Meeting.objects.get(buyer=buyers[1])
    accept = reverse("fairs:meeting-accept", args=[meeting.pk])
    assert api(member(cooperative)).post(accept).status_code == 404  # not their meeting
    assert api(users[1]).post(accept).status_code == 403  # buyers do not accept
    assert Meeting.objects.get(pk=meeting.pk).status == "requested"
    accepted = api(member(other_cooperative)).post(accept)
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["table"] == Meeting.objects.get(pk=meeting.pk).table.name
    assert accepted.json()["allowed_actions"] == ["decline", "record_outcome"]
    outcome = api(users[1]).post(
        reverse("fairs:meeting-outcome", args=[meeting.pk]),
        {"kind": "mou", "volume": "2.5", "unit": "tan", "value": 45_000_000},
        format="json",
    )
    assert outcome.status_code == 201, outcome.content
    assert (
        api(users[0])
        .post(reverse("fairs:meeting-outcome", args=[meeting.pk]), {"kind": "mou"}, format="json")
        .status_code
        == 404
    )


def test_list_endpoints_pin_their_queries(api, fair, staff_user, django_assert_max_num_queries):
    for _i in range(8):
        apply(OrganisationFactory(kind=OrganisationKind.COOPERATIVE), fair)
    client = api(staff_user)
    url = reverse("fairs:application-list", args=[fair.pk])
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(response.json()["results"]) == 8
