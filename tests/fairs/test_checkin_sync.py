"""Check-in from phones that scanned offline: a batch under idempotency keys, the earliest scan of a badge
wins whichever phone syncs first, the other phone hears of its conflict; phones report their queue; badges
are per person. Through the API as the page calls it (session + CSRF) and as an integration does (token)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from fairs import services
from fairs.models import Badge, BadgeKind, CheckinDevice, CheckinScan, ScanOutcome
from market.core.errors import Conflict, NotFound, PermissionDenied
from market.organisations.models import ApiScope, OrganisationKind, Role
from market.organisations.permissions import Actor
from market.organisations.services import api_token_create
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(alliance, cooperative):
    """Opening tomorrow (check-in open today), with two exhibitors and a registered buyer: three badges."""
    fair = make_fair(alliance, booths=2, starts_in=1)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    assign(alliance, apply(OrganisationFactory(name="HTX Gạo Jasmine"), fair), fair, "A-02")
    publish(fair)
    services.buyer_register(actor=actor_for(OrganisationFactory(kind=OrganisationKind.BUYER)), fair_id=fair.pk)
    return fair


def scan(code: str, minutes_ago: int, key: uuid.UUID | None = None) -> dict:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return {"key": str(key or uuid.uuid4()), "code": code, "scanned_at": at.isoformat()}


def page_client(user) -> Client:
    """The check-in page's own calls: a session cookie and the CSRF token, checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("frontend:home"))
    return client


def sync(client, fair, device: str, scans: list[dict], pending: int = 0) -> dict:
    body = {"device": device, "phone_name": f"Máy {device}", "pending": pending, "scans": scans}
    headers = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value} if "csrftoken" in client.cookies else {}
    response = client.post(
        reverse("fairs:fair-check-in-sync", args=[fair.pk]), body, content_type="application/json", **headers
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_earliest_scan_wins_whichever_phone_syncs_first_and_a_resent_batch_changes_nothing(alliance, fair):
    badges = list(Badge.objects.filter(fair=fair).order_by("pk"))
    staff = member(alliance, Role.STAFF)
    phone_a, phone_b = page_client(staff), page_client(member(alliance, Role.STAFF))
    early = scan(badges[0].code, minutes_ago=10)
    a_batch = [early, scan(badges[1].code, minutes_ago=9)]
    b_batch = [scan(badges[0].code, minutes_ago=5), scan(badges[2].code, minutes_ago=4)]

    # Given phone B syncs first: its scan of the shared badge wins for now.
    first = sync(phone_b, fair, "B", b_batch)
    assert [r["outcome"] for r in first["results"]] == ["checked_in", "checked_in"]
    # When phone A, which scanned that badge five minutes earlier, syncs: A wins, B's scan is revised.
    second = sync(phone_a, fair, "A", a_batch)
    assert [r["outcome"] for r in second["results"]] == ["checked_in", "checked_in"]
    assert second["checked_in"] == 3
    badge = Badge.objects.get(pk=badges[0].pk)
    assert badge.checked_in_at == timezone.datetime.fromisoformat(early["scanned_at"])
    # Then B hears of its conflict on its next contact (a heartbeat with nothing queued).
    heartbeat = sync(phone_b, fair, "B", [])
    assert [c["code"] for c in heartbeat["conflicts"]] == [badges[0].code]
    assert heartbeat["conflicts"][0]["outcome"] == "conflict"
    revised = CheckinScan.objects.get(device__device_id="B", badge=badges[0])
    assert revised.outcome == ScanOutcome.CONFLICT
    assert revised.revised_at is not None
    # A batch sent again (its answer was lost) is answered from what was stored, and nothing moves.
    again = sync(phone_a, fair, "A", a_batch)
    assert [(r["outcome"], r["replayed"]) for r in again["results"]] == [("checked_in", True), ("checked_in", True)]
    assert CheckinScan.objects.filter(fair=fair).count() == 4
    assert Badge.objects.filter(fair=fair, checked_in_at__isnull=False).count() == 3


def test_each_scan_answers_on_its_own_and_a_key_reused_for_another_code_is_refused(alliance, fair):
    badge = Badge.objects.filter(fair=fair).first()
    client = page_client(member(alliance, Role.STAFF))
    key = uuid.uuid4()
    with translation.override("vi"):
        answer = sync(
            client,
            fair,
            "A",
            [scan(badge.code, 3, key), scan("ZZZZ2222", 2), {"key": "not-a-uuid", "code": "X", "scanned_at": "now"}],
        )
    outcomes = [r["outcome"] for r in answer["results"]]
    assert outcomes == ["checked_in", "unknown", "invalid"]
    assert "ZZZZ2222" in answer["results"][1]["message"]
    response = client.post(
        reverse("fairs:fair-check-in-sync", args=[fair.pk]),
        {"device": "A", "scans": [scan("ZZZZ3333", 1, key)]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "already used" in response.json()["error"]["message"]


def test_the_page_must_send_its_csrf_token_and_a_token_needs_the_fairs_scope(alliance, fair):
    staff = member(alliance, Role.MANAGER)
    client = page_client(staff)
    url = reverse("fairs:fair-check-in-sync", args=[fair.pk])
    body = {"device": "A", "scans": [scan(Badge.objects.filter(fair=fair).first().code, 1)]}
    assert client.post(url, body, content_type="application/json").status_code == 403
    owner = Actor(user=staff, organisation=alliance, role=Role.MANAGER)
    for scopes, expected in (({ApiScope.ORDERS_READ}, 403), ({ApiScope.FAIRS}, 200)):
        _token, secret = api_token_create(actor=owner, name="Cổng", scopes=frozenset(scopes), expires_on=None)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert api.post(url, body, format="json").status_code == expected
    assert Badge.objects.filter(fair=fair, checked_in_at__isnull=False).count() == 1


def test_a_cooperative_cannot_sync_scans_and_nothing_changes(cooperative, fair):
    client = page_client(member(cooperative, Role.OWNER))
    response = client.post(
        reverse("fairs:fair-check-in-sync", args=[fair.pk]),
        {"device": "A", "scans": [scan(Badge.objects.filter(fair=fair).first().code, 1)]},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 403
    assert not CheckinScan.objects.exists()
    assert not CheckinDevice.objects.exists()


def test_the_staff_page_lists_each_phone_with_its_queue_and_last_sync(alliance, fair):
    staff = member(alliance, Role.STAFF, full_name="Nguyễn Thị Lan")
    client = page_client(staff)
    sync(client, fair, "A", [], pending=7)
    sync(client, fair, "B", [scan(Badge.objects.filter(fair=fair).first().code, 1)])
    device = CheckinDevice.objects.get(device_id="A")
    assert (device.pending, device.last_sync_at, device.user) == (7, None, staff)
    page = client.get(reverse("frontend:fair-checkin", args=[fair.slug]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert 'data-device="A"' in page
    assert 'data-device="B"' in page
    assert '<td class="num">7</td>' in page
    assert "Máy A" in page


def test_people_get_badges_of_their_own_and_each_checks_in_on_its_own(alliance, cooperative, fair):
    owner = actor_for(cooperative, Role.OWNER)
    lan = services.badge_issue_person(actor=owner, fair_id=fair.pk, name="Nguyễn Thị Lan")
    hung = services.badge_issue_person(actor=owner, fair_id=fair.pk, name="Trần Văn Hùng")
    assert (lan.kind, lan.organisation, lan.display_name) == (BadgeKind.EXHIBITOR, cooperative, "Nguyễn Thị Lan")
    assert lan.code != hung.code
    with pytest.raises(Conflict):
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name="nguyễn thị lan")
    with pytest.raises(PermissionDenied):
        services.badge_issue_person(actor=actor_for(cooperative, Role.STAFF), fair_id=fair.pk, name="Lê Út")
    outsider = actor_for(OrganisationFactory(name="HTX Không Tham Gia"), Role.OWNER)
    with pytest.raises(Conflict):
        services.badge_issue_person(actor=outsider, fair_id=fair.pk, name="Lê Út")

    staff = actor_for(alliance, Role.STAFF)
    result = services.checkin_scan(actor=staff, fair_id=fair.pk, code=lan.code)
    assert result.first_time
    assert "Nguyễn Thị Lan" in result.message
    assert Badge.objects.get(pk=hung.pk).checked_in_at is None
    assert Badge.objects.get(fair=fair, organisation=cooperative, holder_name="").checked_in_at is None

    client = Client()
    client.force_login(owner.user)
    page = client.get(reverse("frontend:fair-badges", args=[fair.slug]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Nguyễn Thị Lan" in page
    assert "Trần Văn Hùng" in page


def test_a_badge_qr_is_a_full_qr_code_that_phones_read_never_a_micro_qr(alliance, fair):
    """segno draws a Micro QR for a text as short as a badge's, which phone cameras, BarcodeDetector and
    jsQR cannot read: a QR code is at least 21 modules wide, a Micro QR at most 17."""
    badge = Badge.objects.filter(fair=fair).first()
    client = Client()
    client.force_login(member(alliance, Role.STAFF))
    svg = ElementTree.fromstring(client.get(reverse("frontend:fair-badge-qr", args=[fair.slug, badge.code])).content)
    modules = int(float(svg.get("width"))) // 6 - 2 * 4  # scale 6, a quiet zone of 4 modules each side
    assert modules >= 21


def test_an_owner_names_a_delegate_through_the_api_and_staff_see_every_badge(alliance, cooperative, fair):
    client = APIClient()
    client.force_login(member(cooperative, Role.MANAGER))
    url = reverse("fairs:badge-list", args=[fair.pk])
    made = client.post(url, {"name": "Phạm Thị Hoa"}, format="json")
    assert made.status_code == 201
    assert made.json()["name"] == "Phạm Thị Hoa"
    assert made.json()["qr_payload"] == f"ML-{made.json()['code']}"
    mine = client.get(url).json()["results"]
    assert sorted(b["name"] for b in mine) == sorted(["Phạm Thị Hoa", cooperative.name])
    staff = APIClient()
    staff.force_login(member(alliance, Role.STAFF))
    assert len(staff.get(url).json()["results"]) == 4
    # Paged (a big fair has thousands of badges; the list used to stop at 2,000 without saying so).
    first = staff.get(url, {"page_size": 3}).json()
    assert len(first["results"]) == 3
    assert len(staff.get(first["next"]).json()["results"]) == 1
    clerk = APIClient()
    clerk.force_login(member(cooperative, Role.STAFF))
    assert clerk.post(url, {"name": "Lê Út"}, format="json").status_code == 403
    assert Badge.objects.filter(fair=fair).exclude(holder_name="").count() == 1


def test_a_badge_of_another_fair_is_refused_and_named_as_that_fairs(alliance, staff_user, fair):
    """Codes are unique across fairs: a phone moved from one fair's entrance to another's that scans a badge of
    the first is told whose badge it is (online and in its sync's answer), and checks no one in."""
    other = make_fair(alliance, booths=1, starts_in=1, name="Hội chợ Nông sản Long Xuyên")
    assign(alliance, apply(OrganisationFactory(name="HTX Khóm Tắc Cậu"), other), other, "A-01")
    publish(other)
    elsewhere = Badge.objects.get(fair=other)
    staff = actor_for(alliance, Role.STAFF, user=staff_user)

    with translation.override("vi"):
        with pytest.raises(NotFound) as refused:
            services.checkin_scan(actor=staff, fair_id=fair.pk, code=elsewhere.code)
        synced = sync(page_client(staff_user), fair, "phone-1", [scan(elsewhere.code, 1)])

    named = f"Thẻ {elsewhere.code} là của hội chợ khác, Hội chợ Nông sản Long Xuyên: không dùng được ở hội chợ này."
    assert refused.value.message == named
    assert [(r["outcome"], r["message"]) for r in synced["results"]] == [(ScanOutcome.UNKNOWN, named)]
    assert Badge.objects.get(pk=elsewhere.pk).checked_in_at is None
    assert not CheckinScan.objects.filter(fair=other).exists()
