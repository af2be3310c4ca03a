"""Revoking a badge: staff revoke any badge, an exhibitor's or buyer's managers those of their own people; the
reason, who and when are kept and audited. A revoked badge is refused at the entrance online ("Thẻ đã bị thu
hồi"), phones learn it on their next sync, and a scan a phone queued offline before it knew is refused on sync
and told to that phone as a conflict, never counted. Issued again, the person gets a new code (a new QR)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from fairs import selectors, services
from fairs.models import Badge, CheckinScan, Fair, FairStatus, ScanOutcome
from fairs.policy import BadgeAction, badge_actions
from market.core.errors import Conflict, NotFound, PermissionDenied
from market.core.models import AuditEvent
from market.organisations.models import Organisation, OrganisationKind, Role
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import fair_with_two_named_badges
from tests.fairs.matrix_support import accepted, offered_in, viewer

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(alliance: Organisation, cooperative: Organisation) -> Fair:
    return fair_with_two_named_badges(alliance, cooperative)


def person(fair: Fair, name: str) -> Badge:
    return Badge.objects.get(fair=fair, holder_name=name, revoked_at__isnull=True)


def page_client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("frontend:home"))
    return client


def sync(client: Client, fair: Fair, device: str, scans: list[dict]) -> dict:
    response = client.post(
        reverse("fairs:fair-check-in-sync", args=[fair.pk]),
        {"device": device, "phone_name": device, "pending": 0, "scans": scans},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_a_manager_revokes_their_persons_badge_and_the_entrance_refuses_it_online(alliance, cooperative, fair):
    manager = actor_for(cooperative, Role.MANAGER)
    lan = person(fair, "Nguyễn Thị Lan")

    revoked = services.badge_revoke(actor=manager, fair_id=fair.pk, code=lan.code, reason="Đã nghỉ việc")

    assert (revoked.revoke_reason, revoked.revoked_by, revoked.revoked_at is not None) == (
        "Đã nghỉ việc",
        manager.user,
        True,
    )
    event = AuditEvent.objects.get(action="fairs.badge_revoked", target_id=str(lan.pk))
    assert (event.actor_user, event.actor_organisation, event.data["reason"]) == (
        manager.user,
        cooperative,
        "Đã nghỉ việc",
    )
    staff = actor_for(alliance, Role.STAFF)
    with translation.override("vi"), pytest.raises(Conflict) as refused:
        services.checkin_scan(actor=staff, fair_id=fair.pk, code=lan.code)
    assert "Thẻ đã bị thu hồi: Nguyễn Thị Lan (Đã nghỉ việc)" in refused.value.message
    assert Badge.objects.get(pk=lan.pk).checked_in_at is None
    assert CheckinScan.objects.get(badge=lan).outcome == ScanOutcome.REVOKED
    # It counts among neither the badges nor the check-ins.
    counts = selectors.checkin_counts(fair=fair)
    assert (counts.done, counts.total) == (0, 2)

    # The check-in page answers with the refusal, and the API with a 409.
    client = page_client(member(alliance, Role.STAFF))
    page = client.post(
        reverse("frontend:fair-checkin", args=[fair.slug]),
        {"code": f"ML-{lan.code}"},
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        HTTP_ACCEPT_LANGUAGE="vi",
    ).content.decode()
    assert 'class="notice error">Thẻ đã bị thu hồi: Nguyễn Thị Lan' in page
    api = APIClient()
    api.force_authenticate(member(alliance, Role.STAFF))
    answer = api.post(reverse("fairs:fair-check-in", args=[fair.pk]), {"code": lan.code}, format="json")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "badge_revoked"


def test_a_scan_queued_offline_before_the_phone_knew_is_refused_on_sync_and_told_as_a_conflict(alliance, fair):
    lan, hung = person(fair, "Nguyễn Thị Lan"), person(fair, "Trần Văn Hùng")
    client = page_client(member(alliance, Role.STAFF))
    # The phone scanned both offline at 9:00; Lan's badge was revoked at 9:30, before the phone synced.
    before = (timezone.now() - timedelta(minutes=30)).isoformat()
    queued = [
        {"key": str(uuid.uuid4()), "code": lan.code, "scanned_at": before},
        {"key": str(uuid.uuid4()), "code": hung.code, "scanned_at": before},
    ]
    services.badge_revoke(actor=actor_for(alliance, Role.STAFF), fair_id=fair.pk, code=lan.code, reason="Thẻ bị mất")

    answer = sync(client, fair, "A", queued)

    assert [r["outcome"] for r in answer["results"]] == ["revoked", "checked_in"]
    assert [(c["code"], c["outcome"]) for c in answer["conflicts"]] == [(lan.code, "revoked")]
    assert answer["conflicts"][0]["message"].startswith("Thẻ đã bị thu hồi: Nguyễn Thị Lan (Thẻ bị mất)")
    assert answer["revoked"] == [lan.code]
    assert (answer["checked_in"], answer["total"]) == (1, 2)
    assert Badge.objects.get(pk=lan.pk).checked_in_at is None
    # Sent again (its answer was lost), it is the same refusal, and nothing is counted.
    again = sync(client, fair, "A", queued[:1])
    assert [(r["outcome"], r["replayed"]) for r in again["results"]] == [("revoked", True)]
    assert CheckinScan.objects.filter(badge=lan).count() == 1
    # Another phone learns of the revocation on its next contact (a heartbeat) and from the badge list.
    other = page_client(member(alliance, Role.STAFF))
    assert sync(other, fair, "B", [])["revoked"] == [lan.code]
    kept = other.get(reverse("fairs:fair-check-in-badges", args=[fair.pk])).json()
    assert {b["code"]: b["revoked_at"] is not None for b in kept}[lan.code] is True


def test_a_badge_checked_in_before_it_was_revoked_keeps_its_check_in_and_a_later_scan_is_refused(alliance, fair):
    staff = actor_for(alliance, Role.STAFF)
    lan = person(fair, "Nguyễn Thị Lan")
    services.checkin_scan(actor=staff, fair_id=fair.pk, code=lan.code)
    services.badge_revoke(actor=staff, fair_id=fair.pk, code=lan.code, reason="Vi phạm nội quy")
    with pytest.raises(Conflict):
        services.checkin_scan(actor=staff, fair_id=fair.pk, code=lan.code)
    outcomes = list(CheckinScan.objects.filter(badge=lan).values_list("outcome", flat=True))
    assert outcomes == [ScanOutcome.CHECKED_IN, ScanOutcome.REVOKED]
    assert Badge.objects.get(pk=lan.pk).checked_in_at is not None


def test_issued_again_the_person_gets_a_new_code_that_checks_in_while_the_old_stays_refused(
    alliance, cooperative, fair
):
    owner = actor_for(cooperative, Role.OWNER)
    staff = actor_for(alliance, Role.STAFF)
    old = person(fair, "Trần Văn Hùng")
    with pytest.raises(Conflict):  # only a revoked badge is issued again
        services.badge_reissue(actor=owner, fair_id=fair.pk, code=old.code)
    services.badge_revoke(actor=owner, fair_id=fair.pk, code=old.code, reason="Thẻ bị mất")
    with pytest.raises(Conflict):  # and revoked only once
        services.badge_revoke(actor=owner, fair_id=fair.pk, code=old.code, reason="Lần nữa")

    new = services.badge_reissue(actor=owner, fair_id=fair.pk, code=old.code)

    assert new.code != old.code
    assert (new.holder_name, new.organisation, new.kind, new.revoked_at) == (
        old.holder_name,
        cooperative,
        old.kind,
        None,
    )
    assert Badge.objects.get(pk=old.pk).reissued_as == new
    assert AuditEvent.objects.get(action="fairs.badge_reissued", target_id=str(new.pk)).data == {"replaces": old.code}
    assert services.badge_payload(new) != services.badge_payload(old)
    with pytest.raises(Conflict):
        services.badge_reissue(actor=owner, fair_id=fair.pk, code=old.code)
    assert services.checkin_scan(actor=staff, fair_id=fair.pk, code=new.code).first_time
    with pytest.raises(Conflict):
        services.checkin_scan(actor=staff, fair_id=fair.pk, code=old.code)
    # The old QR is no longer drawn for printing; the new one is.
    client = Client()
    client.force_login(owner.user)
    assert client.get(reverse("frontend:fair-badge-qr", args=[fair.slug, old.code])).status_code == 404
    assert client.get(reverse("frontend:fair-badge-qr", args=[fair.slug, new.code])).status_code == 200


def test_who_may_revoke_which_badge_through_the_api_and_nothing_changes_on_a_refusal(alliance, cooperative, fair):
    lan = person(fair, "Nguyễn Thị Lan")
    own = Badge.objects.get(fair=fair, organisation=cooperative, holder_name="")
    url = reverse("fairs:badge-revoke", args=[fair.pk, lan.code])
    own_url = reverse("fairs:badge-revoke", args=[fair.pk, own.code])
    body = {"reason": "Đã nghỉ việc"}

    def client_of(organisation: Organisation | None, role: str = Role.OWNER) -> APIClient:
        api = APIClient()
        if organisation is not None:
            api.force_authenticate(member(organisation, role))
        return api

    other = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Khác")
    refusals = [
        (client_of(None), url, 401),
        (client_of(other), url, 404),  # another organisation learns nothing of the badge
        (client_of(cooperative, Role.STAFF), url, 403),  # a member without a managing role
        (client_of(cooperative, Role.MANAGER), own_url, 409),  # the organisation's own badge is the alliance's
    ]
    for api, target, status in refusals:
        assert api.post(target, body, format="json").status_code == status
    assert not Badge.objects.filter(fair=fair, revoked_at__isnull=False).exists()
    assert not AuditEvent.objects.filter(action="fairs.badge_revoked").exists()

    manager = client_of(cooperative, Role.MANAGER)
    listed = {
        b["code"]: b["allowed_actions"]
        for b in manager.get(reverse("fairs:badge-list", args=[fair.pk])).json()["results"]
    }
    assert listed == {lan.code: ["revoke"], person(fair, "Trần Văn Hùng").code: ["revoke"], own.code: []}
    answer = manager.post(url, {"reason": ""}, format="json")
    assert answer.status_code == 400  # a reason is required
    answer = manager.post(url, body, format="json")
    assert answer.status_code == 200
    assert (answer.json()["revoke_reason"], answer.json()["allowed_actions"]) == ("Đã nghỉ việc", ["reissue"])
    staff = client_of(alliance, Role.STAFF)
    assert staff.post(own_url, {"reason": "Rút khỏi hội chợ"}, format="json").status_code == 200
    reissued = staff.post(reverse("fairs:badge-reissue", args=[fair.pk, own.code]))
    assert reissued.status_code == 201
    assert reissued.json()["code"] != own.code
    assert reissued.json()["holder_name"] == ""


def test_when_a_fair_is_over_no_badge_is_revoked_or_issued_again(alliance, cooperative, fair):
    owner = actor_for(cooperative, Role.OWNER)
    hung = person(fair, "Trần Văn Hùng")
    services.badge_revoke(actor=owner, fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.CLOSED)
    lan = person(fair, "Nguyễn Thị Lan")
    with pytest.raises(Conflict):
        services.badge_revoke(actor=owner, fair_id=fair.pk, code=lan.code, reason="Muộn")
    with pytest.raises(Conflict):
        services.badge_reissue(actor=owner, fair_id=fair.pk, code=hung.code)


@pytest.mark.parametrize(
    "state", ["person", "person revoked", "person issued again", "organisation", "organisation revoked"]
)
def test_the_badges_page_offers_exactly_what_the_services_accept(alliance, cooperative, fair, state):
    """Role × state: each badge card shows revoke / reissue buttons exactly when the service takes the press."""
    staff = actor_for(alliance, Role.STAFF)
    name = "" if state.startswith("organisation") else "Nguyễn Thị Lan"
    badge = Badge.objects.get(fair=fair, organisation=cooperative, holder_name=name)
    if "revoked" in state or "again" in state:
        services.badge_revoke(actor=staff, fair_id=fair.pk, code=badge.code, reason="Thử")
    if "again" in state:
        services.badge_reissue(actor=staff, fair_id=fair.pk, code=badge.code)
    presses = {
        BadgeAction.REVOKE: lambda a: services.badge_revoke(actor=a, fair_id=fair.pk, code=badge.code, reason="Thử"),
        BadgeAction.REISSUE: lambda a: services.badge_reissue(actor=a, fair_id=fair.pk, code=badge.code),
    }
    viewers = [
        viewer("another cooperative's owner", OrganisationFactory(kind=OrganisationKind.COOPERATIVE)),
        viewer("the cooperative's staff", cooperative, Role.STAFF),
        viewer("the cooperative's manager", cooperative, Role.MANAGER),
        viewer("alliance staff", alliance, Role.STAFF),
    ]
    url = reverse("frontend:fair-badges", args=[fair.slug])
    for who in viewers:
        shown = offered_in(who, url, f"badge-{badge.code}")
        fresh = Badge.objects.select_related("fair").get(pk=badge.pk)
        visible = selectors.badges_for(actor=who.actor, fair=fair).filter(pk=badge.pk).exists()
        expected = {str(a) for a in badge_actions(actor=who.actor, badge=fresh)} if visible else set()
        assert shown == expected, f"{who.name}: page shows {shown}, policy says {expected}"
        taken = {str(action) for action, press in presses.items() if accepted(lambda p=press, a=who.actor: p(a))}
        assert taken == shown, f"{who.name}: service accepts {taken}, page shows {shown}"


def test_the_badges_page_revokes_with_a_reason_and_shows_who_revoked_it(alliance, cooperative, fair):
    manager = member(cooperative, Role.MANAGER, full_name="Phạm Thu Hà")
    lan = person(fair, "Nguyễn Thị Lan")
    client = page_client(manager)
    url = reverse("frontend:fair-badge-revoke", args=[fair.slug, lan.code])
    token = client.cookies["csrftoken"].value
    client.post(url, {"reason": "", "csrfmiddlewaretoken": token})
    assert Badge.objects.get(pk=lan.pk).revoked_at is None
    response = client.post(url, {"reason": "Đã nghỉ việc", "csrfmiddlewaretoken": token}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 302
    page = client.get(reverse("frontend:fair-badges", args=[fair.slug]), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert f"Đã thu hồi thẻ {lan.code} của Nguyễn Thị Lan." in page
    assert "Phạm Thu Hà: Đã nghỉ việc" in page
    assert reverse("frontend:fair-badge-qr", args=[fair.slug, lan.code]) not in page
    with pytest.raises(NotFound):
        services.badge_revoke(
            actor=actor_for(OrganisationFactory(), Role.OWNER), fair_id=fair.pk, code=lan.code, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.badge_revoke(actor=actor_for(cooperative, Role.STAFF), fair_id=fair.pk, code=lan.code, reason="x")


def test_each_refusal_to_revoke_or_reissue_says_why(alliance, cooperative, fair, english):
    """Revoking and issuing again share one shape of rules (fairs.policy._badge_rules): each refusal names the
    badge's own state first, then a fair that is over, then whose badge it is."""
    manager = actor_for(cooperative, Role.MANAGER)
    staff = actor_for(alliance, Role.STAFF)
    lan, hung = person(fair, "Nguyễn Thị Lan"), person(fair, "Trần Văn Hùng")
    own = Badge.objects.get(fair=fair, organisation=cooperative, holder_name="")

    def refusal(press) -> str:
        with pytest.raises(Conflict) as refused:
            press()
        return refused.value.message

    def revoke(actor, badge: Badge):
        return lambda: services.badge_revoke(actor=actor, fair_id=fair.pk, code=badge.code, reason="Thử")

    def reissue(actor, badge: Badge):
        return lambda: services.badge_reissue(actor=actor, fair_id=fair.pk, code=badge.code)

    assert refusal(revoke(manager, own)) == "Only the alliance's staff revoke an organisation's own badge."
    assert refusal(reissue(manager, hung)) == "Only a revoked badge is issued again."
    assert refusal(reissue(staff, own)) == "Only a revoked badge is issued again."
    revoke(manager, lan)()
    assert refusal(revoke(staff, lan)) == "This badge is already revoked."
    reissue(manager, lan)()
    assert refusal(reissue(manager, lan)) == "This badge was already issued again."
    revoke(staff, own)()
    assert refusal(reissue(manager, own)) == "Only the alliance's staff issue an organisation's own badge again."
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.CLOSED)
    assert refusal(revoke(staff, hung)) == "This fair is finished."
    assert refusal(reissue(staff, own)) == "This fair is finished."
    assert refusal(revoke(manager, lan)) == "This badge is already revoked."  # its own state comes first


def test_the_badges_page_issues_a_badge_again_and_says_why_when_it_cannot(alliance, cooperative, fair):
    manager = member(cooperative, Role.MANAGER)
    hung = person(fair, "Trần Văn Hùng")
    client = page_client(manager)
    token = client.cookies["csrftoken"].value
    url = reverse("frontend:fair-badge-reissue", args=[fair.slug, hung.code])
    badges = reverse("frontend:fair-badges", args=[fair.slug])

    refused = client.post(url, {"csrfmiddlewaretoken": token}, HTTP_ACCEPT_LANGUAGE="vi", follow=True)
    assert refused.redirect_chain == [(badges, 302)]
    assert "Chỉ thẻ đã bị thu hồi mới được cấp lại." in refused.content.decode()
    assert Badge.objects.filter(fair=fair, holder_name="Trần Văn Hùng").count() == 1

    services.badge_revoke(actor=actor_for(cooperative, Role.MANAGER), fair_id=fair.pk, code=hung.code, reason="Mất")
    done = client.post(url, {"csrfmiddlewaretoken": token}, HTTP_ACCEPT_LANGUAGE="vi", follow=True)
    new = person(fair, "Trần Văn Hùng")
    assert new.code != hung.code
    assert f"Đã cấp thẻ mới {new.code} cho Trần Văn Hùng." in done.content.decode()


def test_the_badges_page_prints_only_badges_in_force_and_says_when_none_is_left(alliance, cooperative, fair):
    """Every card stays on the page, but only badges in force are printable: with all of them revoked the page
    says there is nothing left to print and offers no Print button (no blank A6 sheet)."""
    owner = member(cooperative, Role.OWNER)
    client = page_client(owner)
    url = reverse("frontend:fair-badges", args=[fair.slug])
    badges = list(Badge.objects.filter(fair=fair))
    assert len(badges) == 3
    staff = actor_for(alliance, Role.STAFF)
    for badge in badges:
        services.badge_revoke(actor=staff, fair_id=fair.pk, code=badge.code, reason="Đăng ký lại")

    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert 'id="badges-nothing-to-print"' in page
    assert "Không còn thẻ nào để in" in page
    assert "data-print" not in page
    assert page.count("fair-badge-revoked no-print") == 3  # each card still shows why it was revoked

    # Issued again, Lan's new badge prints with its new QR, and says which badge it replaces.
    old = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    new = services.badge_reissue(actor=actor_for(cooperative, Role.OWNER), fair_id=fair.pk, code=old.code)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "badges-nothing-to-print" not in page
    assert "data-print" in page
    assert reverse("frontend:fair-badge-qr", args=[fair.slug, new.code]) in page
    assert reverse("frontend:fair-badge-qr", args=[fair.slug, old.code]) not in page
    assert f"Thẻ cấp lại, thay cho thẻ {old.code}" in page
    # The revoked card comes before the one issued again in its place.
    assert page.index(f'id="badge-{old.code}"') < page.index(f'id="badge-{new.code}"')


def test_a_party_with_no_badge_yet_is_told_how_to_get_one_not_that_all_are_revoked(alliance, fair):
    buyer_owner = member(OrganisationFactory(kind=OrganisationKind.BUYER), Role.OWNER)
    page = page_client(buyer_owner).get(reverse("frontend:fair-badges", args=[fair.slug])).content.decode()
    assert "badges-nothing-to-print" not in page
    assert 'class="empty"' in page


@pytest.mark.parametrize("state", ["open", "fair closed", "organisation badge revoked"])
def test_the_form_naming_a_person_is_offered_exactly_when_the_service_takes_it(alliance, cooperative, fair, state):
    """A person's badge hangs on the organisation's own badge in force, at a fair that is not over: the badges
    page offers the form exactly then, and the service refuses otherwise and makes nothing."""
    manager = member(cooperative, Role.MANAGER)
    if state == "fair closed":
        Fair.objects.filter(pk=fair.pk).update(status=FairStatus.CLOSED)
    if state == "organisation badge revoked":
        own = Badge.objects.get(fair=fair, organisation=cooperative, holder_name="")
        services.badge_revoke(actor=actor_for(alliance, Role.STAFF), fair_id=fair.pk, code=own.code, reason="Cấp sai")
    page = page_client(manager).get(reverse("frontend:fair-badges", args=[fair.slug])).content.decode()
    offered = 'id="badge-person-form"' in page

    taken = accepted(
        lambda: services.badge_issue_person(
            actor=actor_for(cooperative, Role.MANAGER), fair_id=fair.pk, name="Lê Văn Tư"
        )
    )

    assert offered == taken == (state == "open")
