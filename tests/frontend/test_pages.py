"""Pages through Django's test client: access, language, forms that keep what was typed."""

import pytest
from django.test import Client, override_settings

from market.organisations.models import Organisation, User, VerificationStatus
from tests.factories import TEST_PASSWORD
from tests.forms import once_key

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "kind": "cooperative",
    "name": "HTX Lúa gạo Giồng Riềng",
    "legal_name": "Hợp tác xã Nông nghiệp Giồng Riềng",
    "tax_code": "0100109106",
    "province_code": "91",
    "commune_code": "30904",
    "address_line": "Ấp Ngọc Thạnh",
    "phone": "0912345678",
    "full_name": "Trần Văn Bình",
    "email": "binh@htx-giongrieng.example",
    "password": "lua-gao-thom-2026",
}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", ["/", "/login/", "/sign-up/", "/healthz", "/api/docs/"])
def test_public_pages(path):
    assert Client().get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/organisation/", "/organisation/members/", "/account/", "/staff/verification/"]
)
def test_private_pages_send_anonymous_to_login(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_vietnamese_is_the_default_even_for_an_english_browser():
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


def test_language_switch_sets_cookie_and_saves_user_choice(coop_owner):
    client = logged_in(coop_owner)
    response = client.post("/language/", {"language": "en", "next": "/dashboard/"})
    assert response.status_code == 302
    coop_owner.refresh_from_db()
    assert coop_owner.language == "en"
    assert "Log out" in client.get("/dashboard/").content.decode()


def test_language_switch_refuses_foreign_redirects():
    response = Client().post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_sign_up_then_log_in_and_the_dashboard_shows_pending():
    client = Client()
    response = client.post("/sign-up/", SIGN_UP)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Hãy kiểm tra e-mail" in response.content.decode()
    assert client.post("/login/", {"username": SIGN_UP["email"], "password": SIGN_UP["password"]}).status_code == 302
    organisation = Organisation.objects.get(tax_code="0100109106")
    assert organisation.commune_code == 30904
    assert organisation.phone == "+84912345678"
    page = client.get("/dashboard/").content.decode()
    assert "Liên minh đang kiểm tra" in page


def test_sign_up_errors_keep_what_was_typed():
    response = Client().post("/sign-up/", SIGN_UP | {"tax_code": "0100109107", "password": "123"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chữ số kiểm tra" in page
    assert 'value="HTX Lúa gạo Giồng Riềng"' in page
    assert not User.objects.filter(email=SIGN_UP["email"]).exists()


def test_communes_follow_the_province():
    page = Client().get("/geo/communes/", {"province_code": "91"}).content.decode()
    assert "Đặc khu Phú Quốc" in page
    assert "Phường Bến Thành" not in page


def test_staff_verifies_from_the_queue(staff_user, cooperative):
    Organisation.objects.filter(pk=cooperative.pk).update(verification_status=VerificationStatus.PENDING)
    client = logged_in(staff_user)
    assert cooperative.name in client.get("/staff/verification/").content.decode()
    response = client.post(f"/staff/verification/{cooperative.pk}/verify/")
    assert response.status_code == 302
    cooperative.refresh_from_db()
    assert cooperative.verification_status == VerificationStatus.VERIFIED


def test_staff_reject_needs_reason(staff_user, cooperative):
    Organisation.objects.filter(pk=cooperative.pk).update(verification_status=VerificationStatus.PENDING)
    response = logged_in(staff_user).post(f"/staff/verification/{cooperative.pk}/reject/", {"reason": ""})
    assert response.status_code == 400
    cooperative.refresh_from_db()
    assert cooperative.verification_status == VerificationStatus.PENDING


def test_cooperative_cannot_open_the_staff_queue(coop_owner):
    response = logged_in(coop_owner).get("/staff/verification/")
    assert response.status_code == 403
    assert "Không được phép" in response.content.decode()


def test_staff_member_cannot_edit_profile(coop_staff):
    assert logged_in(coop_staff).get("/organisation/edit/").status_code == 403


def test_owner_edits_profile_and_bank(coop_owner, cooperative):
    response = logged_in(coop_owner).post(
        "/organisation/edit/",
        {
            "name": "HTX Tên mới",
            "legal_name": cooperative.legal_name,
            "tax_code": cooperative.tax_code,
            "province_code": "91",
            "commune_code": "31078",
            "bank-bank_bin": "970452",
            "bank-bank_account_number": "200011223344",
            "bank-bank_account_holder": "HTX TEN MOI",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    cooperative.refresh_from_db()
    assert (cooperative.name, cooperative.bank_bin) == ("HTX Tên mới", "970452")


def test_members_page_invites(coop_owner):
    client = logged_in(coop_owner)
    key = once_key(client.get("/organisation/members/").content.decode())
    form = {"email": "moi@test.example", "role": "staff", "once_key": key}
    response = client.post("/organisation/members/", form, follow=True)
    assert "/invitations/" in response.content.decode()


def test_invitation_link_creates_account_and_joins(coop_owner, cooperative):
    from market.organisations import services
    from market.organisations.permissions import Actor

    _inv, token = services.invitation_create(
        actor=Actor(user=coop_owner, organisation=cooperative, role="owner"),
        organisation_id=cooperative.pk,
        email="moi@test.example",
        role="staff",
    )
    client = Client()
    assert "moi@test.example" in client.get(f"/invitations/{token}/").content.decode()
    response = client.post(f"/invitations/{token}/", {"full_name": "Người Mới", "password": "mat-khau-dai-2026"})
    assert response.status_code == 302
    assert User.objects.get(email="moi@test.example").memberships.get().organisation == cooperative
    assert Client().get(f"/invitations/{token}/").status_code == 404


def test_user_without_organisation_is_guided(db):
    user = User.objects.create_user("lone@test.example", TEST_PASSWORD, full_name="Lone")
    response = logged_in(user).get("/dashboard/")
    assert response["Location"] == "/no-organisation/"


@override_settings(AXES_FAILURE_LIMIT=3)
def test_login_is_throttled_after_repeated_failures(coop_owner):
    client = Client()
    for _ in range(3):
        client.post("/login/", {"username": coop_owner.email, "password": "wrong-password"})
    response = client.post("/login/", {"username": coop_owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_works(coop_owner):
    client = Client()
    response = client.post("/login/", {"username": coop_owner.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coop_owner.pk)


def test_money_and_quantity_filters_follow_locale():
    from decimal import Decimal

    from django.utils import translation

    from frontend.templatetags.market import qty, vnd

    with translation.override("vi"):
        assert vnd(1_500_000) == "1.500.000\u00a0₫"
        assert qty(Decimal("9860.000"), "kg") == "9.860\u00a0kg"
        assert qty(Decimal("9.86"), "tan") == "9,86\u00a0tấn"
    with translation.override("en"):
        assert vnd(1_500_000) == "1,500,000\u00a0₫"
