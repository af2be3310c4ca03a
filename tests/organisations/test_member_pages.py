"""The members page as its users use it: odd input, double clicks, only the choices the service accepts."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from market.notifications.models import Notification
from market.organisations import services
from market.organisations.models import Invitation, Membership, Role, User
from market.organisations.notifications import INVITATION
from market.organisations.permissions import Actor
from tests.factories import member
from tests.forms import once_key

pytestmark = pytest.mark.django_db


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_address_too_long_for_an_account_is_refused_at_its_field_with_what_was_typed(coop_owner):
    address = "a" * 300 + "@htx.example"
    response = logged_in(coop_owner).post("/organisation/members/", {"email": address, "role": "staff"})
    assert response.status_code == 400
    assert "254" in response.content.decode()
    assert response.context["invite_form"]["email"].value() == address
    assert not Invitation.objects.exists()


def membership_of(user: User) -> Membership:
    return Membership.objects.get(user=user)


def form_key(client: Client, path: str) -> str:
    return once_key(client.get(path).content.decode())


def test_an_invitation_sent_twice_makes_one_whose_emailed_link_keeps_working(coop_owner):
    client = logged_in(coop_owner)
    form = {"email": "moi@htx.example", "role": "staff", "once_key": form_key(client, "/organisation/members/")}
    first = client.post("/organisation/members/", form, follow=True)
    second = client.post("/organisation/members/", form, follow=True)
    assert first.status_code == second.status_code == 200
    invitation = Invitation.objects.get()
    assert invitation.is_open
    assert "moi@htx.example" in str(next(iter(second.context["messages"])))
    assert Notification.objects.filter(kind=INVITATION).count() == 1


def test_a_manager_is_offered_only_the_roles_a_manager_may_give(coop_owner, coop_manager, coop_staff):
    page = logged_in(coop_manager).get("/organisation/members/")
    invite_roles = [value for value, _label in page.context["invite_form"].fields["role"].choices]
    assert invite_roles == ["manager", "staff"]
    row = re.search(rf'id="membership-{membership_of(coop_staff).pk}".*?</tr>', page.content.decode(), re.S)
    assert row
    assert 'data-action="change_role"' in row.group(0)
    assert 'value="owner"' not in row.group(0)
    owner_page = logged_in(coop_owner).get("/organisation/members/")
    assert "owner" in [value for value, _label in owner_page.context["invite_form"].fields["role"].choices]


def test_join_sent_twice_joins_once_and_answers_both_sends_with_success(coop_owner, cooperative, buyer):
    newcomer = member(buyer, Role.STAFF)
    actor = Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER)
    _invitation, token = services.invitation_create(
        actor=actor, organisation_id=cooperative.pk, email=newcomer.email, role=Role.STAFF
    )
    client = logged_in(newcomer)
    first = client.post(f"/invitations/{token}/")
    second = client.post(f"/invitations/{token}/")
    assert first.status_code == second.status_code == 302
    assert second["Location"] == "/dashboard/"
    assert Membership.objects.filter(user=newcomer, organisation=cooperative).count() == 1


# --- refusals answer on the members page, not on the error page ------------------------------------
def members_page_after(response) -> str:
    """The page a refused button led back to: the members page, whole (every row, the invitation form)."""
    assert response.redirect_chain[-1] == ("/organisation/members/", 302)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-action="invite"' in page
    return page


def test_the_last_owner_demoting_themself_is_told_why_on_the_members_page(coop_owner, coop_staff):
    """Given a page opened while there were two owners, the other one has left meanwhile."""
    client = logged_in(coop_owner)
    own = membership_of(coop_owner)
    refused = client.post(
        f"/organisation/members/{own.pk}/role/", {"role": "manager"}, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
    )
    page = members_page_after(refused)
    said = [str(m) for m in refused.context["messages"]]
    assert said == [
        f"{coop_owner.full_name}: Tổ chức cần ít nhất một chủ sở hữu. Hãy chỉ định người khác làm chủ sở hữu trước."
    ]
    assert said[0] in page
    assert f'id="membership-{membership_of(coop_staff).pk}"' in page
    own.refresh_from_db()
    assert own.role == Role.OWNER


def test_the_last_owner_cannot_be_removed_and_a_manager_is_told_why(coop_owner, coop_manager):
    refused = logged_in(coop_manager).post(
        f"/organisation/members/{membership_of(coop_owner).pk}/remove/", follow=True, HTTP_ACCEPT_LANGUAGE="vi"
    )
    page = members_page_after(refused)
    assert f"{coop_owner.full_name}: " in page
    assert Membership.objects.filter(user=coop_owner, role=Role.OWNER).exists()


def test_a_member_who_left_meanwhile_is_neither_removed_nor_changed_and_the_page_says_so(
    coop_owner, coop_staff, cooperative
):
    client = logged_in(coop_owner)
    gone = membership_of(coop_staff)
    services.membership_remove(
        actor=Actor(user=coop_staff, organisation=cooperative, role=Role.STAFF), membership_id=gone.pk
    )
    for path, body in (
        (f"/organisation/members/{gone.pk}/remove/", {}),
        (f"/organisation/members/{gone.pk}/role/", {"role": "manager"}),
    ):
        refused = client.post(path, body, follow=True, HTTP_ACCEPT_LANGUAGE="vi")
        members_page_after(refused)
        assert [str(m) for m in refused.context["messages"]] == [
            "Người này không còn là thành viên của tổ chức: danh sách dưới đây đã được cập nhật."
        ]
    assert list(Membership.objects.values_list("user_id", "role")) == [(coop_owner.pk, Role.OWNER)]


def test_withdrawing_another_organisations_or_a_missing_invitation_answers_on_the_members_page_alike(
    coop_owner, cooperative, other_cooperative
):
    """Given a members page kept open while its user switched, in another tab, to another organisation they own."""
    invitation, _token = services.invitation_create(
        actor=Actor(user=coop_owner, organisation=cooperative, role=Role.OWNER),
        organisation_id=cooperative.pk,
        email="moi@htx.example",
        role=Role.STAFF,
    )
    Membership.objects.create(user=coop_owner, organisation=other_cooperative, role=Role.OWNER)
    services.acting_organisation_switch(user=coop_owner, organisation_id=other_cooperative.pk)
    client = logged_in(coop_owner)

    said = []
    for invitation_id in (invitation.pk, invitation.pk + 1000):
        refused = client.post(f"/organisation/invitations/{invitation_id}/revoke/", follow=True)
        page = members_page_after(refused)
        said += [str(m) for m in refused.context["messages"]]
        assert said[-1] in page
    assert said[0] == said[1]
    assert said[0].startswith("Lời mời này không thuộc tổ chức bạn đang đại diện")
    invitation.refresh_from_db()
    assert invitation.is_open
