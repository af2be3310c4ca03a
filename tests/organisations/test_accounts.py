"""Accounts: e-mail addresses without case, and a password reset by e-mail that tells nobody who has an account."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection
from django.db.migrations.loader import MigrationLoader
from django.http import HttpResponse
from django.test import Client, override_settings

from market.notifications.models import Channel, Notification
from market.organisations import services
from market.organisations.models import Organisation, User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lua-thom-mua-moi-2026"


def test_login_with_the_address_in_other_case(coop_owner):
    """'Muahang@…' logs in the account 'muahang@…' (it was refused before)."""
    client = Client()
    typed = coop_owner.email[0].upper() + coop_owner.email[1:].replace("example", "EXAMPLE")
    response = client.post("/login/", {"username": f"  {typed} ", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coop_owner.pk)


def test_sign_up_with_an_existing_address_in_other_case_makes_no_second_account(coop_owner):
    from tests.frontend.test_pages import SIGN_UP

    response = Client().post("/sign-up/", SIGN_UP | {"email": coop_owner.email.upper()})
    assert response.status_code == 200  # the same answer as a new address (tests/hostile)
    assert User.objects.filter(email=coop_owner.email).count() == 1
    assert not Organisation.objects.filter(tax_code=SIGN_UP["tax_code"]).exists()


def test_the_database_refuses_an_address_with_capitals(db):
    with pytest.raises(IntegrityError):
        User.objects.filter(pk=UserFactory().pk).update(email="Muahang@Example.VN")


def test_the_migration_lower_cases_existing_addresses():
    """Migration 0002's own operations, run against the user table alone (as the legacy-token test of
    test_api_token_scopes.py runs 0003's): undone (its constraint dropped), a mixed-case address inserted as 0001
    allowed, 0002 applied again from the historical state of the 0001 node. The test's transaction rolls it back."""
    loader = MigrationLoader(connection)
    migration = loader.get_migration("organisations", "0002_user_email_lower_case")
    before = loader.project_state(("organisations", "0001_users_organisations_memberships"))
    with connection.schema_editor(atomic=False) as editor:
        migration.unapply(before, editor)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO organisations_user (password, is_superuser, email, full_name, phone, language, is_active,"
            " is_staff, date_joined) VALUES ('', false, 'MuaHang@SaiGonXanh.example', 'Mua hàng', '', 'vi', true,"
            " false, now())"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks while the table is altered
    with connection.schema_editor(atomic=False) as editor:
        migration.apply(before, editor)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert User.objects.get(full_name="Mua hàng").email == "muahang@saigonxanh.example"


# --- password reset ------------------------------------------------------------------------------
def reset_rows(user: User) -> list[Notification]:
    return list(Notification.objects.filter(kind="organisations.password_reset", recipient_user=user))


def reset_path(row: Notification) -> str:
    match = re.search(r"/password-reset/[^/]+/[^/]+/", row.context["reset_url"])
    assert match is not None
    return match.group(0)


def test_asking_for_a_reset_emails_a_link_and_says_the_same_for_unknown_addresses(coop_owner):
    client = Client()
    known = client.post("/password-reset/", {"email": coop_owner.email.upper()})
    unknown = client.post("/password-reset/", {"email": "khong-co@test.example"})
    assert known.status_code == unknown.status_code == 200

    def main(response: HttpResponse) -> str:
        page = response.content.decode()
        text = page[page.index("<main") : page.index("</main>")]
        return text.replace(coop_owner.email, "@").replace("khong-co@test.example", "@")

    assert main(known) == main(unknown)
    (row,) = reset_rows(coop_owner)
    assert row.channel == Channel.EMAIL
    assert Notification.objects.filter(kind="organisations.password_reset").count() == 1


def test_asking_again_at_once_sends_nothing_more(coop_owner):
    services.password_reset_request(email=coop_owner.email)
    services.password_reset_request(email=coop_owner.email)
    assert len(reset_rows(coop_owner)) == 1


def test_the_link_sets_a_new_password_logs_in_and_works_once(coop_owner):
    services.password_reset_request(email=coop_owner.email)
    path = reset_path(reset_rows(coop_owner)[0])
    client = Client()
    assert coop_owner.email in client.get(path).content.decode()
    weak = client.post(path, {"password": "123"})
    assert weak.status_code == 400
    response = client.post(path, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coop_owner.pk)
    coop_owner.refresh_from_db()
    assert coop_owner.check_password(NEW_PASSWORD)
    again = Client().get(path)
    assert again.status_code == 404
    assert "không còn hiệu lực" in again.content.decode()


@override_settings(PASSWORD_RESET_TIMEOUT=-1)
def test_an_expired_link_is_refused(coop_owner):
    services.password_reset_request(email=coop_owner.email)
    response = Client().post(reset_path(reset_rows(coop_owner)[0]), {"password": NEW_PASSWORD})
    assert response.status_code == 404
    coop_owner.refresh_from_db()
    assert coop_owner.check_password(TEST_PASSWORD)


@pytest.mark.parametrize("path", ["/password-reset/x/y/", "/password-reset/OTk5OTk5OTk5OTk5OTk5OTk5OTk5/abc/"])
def test_a_made_up_link_is_a_404_not_an_error(path):
    assert Client().get(path).status_code == 404


def test_the_api_resets_the_same_way(api, coop_owner):
    client = api(None)
    assert client.post("/api/v1/password-reset/", {"email": "nobody@test.example"}).status_code == 202
    assert client.post("/api/v1/password-reset/", {"email": coop_owner.email}).status_code == 202
    uid, token = reset_path(reset_rows(coop_owner)[0]).strip("/").split("/")[1:]
    response = client.post("/api/v1/password-reset/confirm/", {"uid": uid, "token": token, "password": NEW_PASSWORD})
    assert response.status_code == 204
    replay = client.post("/api/v1/password-reset/confirm/", {"uid": uid, "token": token, "password": NEW_PASSWORD})
    assert replay.status_code == 404


@pytest.mark.parametrize(
    ("full_name", "short"),
    [
        ("Nguyễn Thị Hiệp", "Hiệp"),
        ("Nguyễn Văn Hiệp (kế toán)", "Hiệp"),  # the note's last word with its bracket, before
        ("Trần Minh (HTX Tân Hiệp) Tuấn", "Tuấn"),
        ("Lê Văn Tám (thủ kho", "Tám"),
        ("  Hoa  ", "Hoa"),
        ("(kế toán)", "(kế toán)"),
        ("", "hoa@example.vn"),
    ],
)
def test_the_short_name_is_the_given_name_written_last_without_a_note_in_brackets(full_name, short):
    assert User(email="hoa@example.vn", full_name=full_name).get_short_name() == short
