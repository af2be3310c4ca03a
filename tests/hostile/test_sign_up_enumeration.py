"""Sign-up said "An account with this e-mail already exists", so anyone could learn who has an account. A
taken address now gets the same answer as a new one; the account's owner is told by e-mail instead."""

import re

import pytest
from django.test import Client

from market.notifications.models import Notification
from market.organisations.models import Organisation, User
from tests.frontend.test_pages import SIGN_UP

pytestmark = pytest.mark.django_db


def _comparable(response, email: str) -> str:
    page = re.sub(re.escape(email), "<email>", response.content.decode(), flags=re.IGNORECASE)
    page = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+"', "<csrf>", page)  # per session
    return re.sub(r'nonce="[^"]+"', 'nonce="<nonce>"', page)  # per response (Content-Security-Policy)


def test_a_taken_address_gets_the_same_answer_as_a_new_one_and_its_owner_an_e_mail(coop_owner):
    taken_email = coop_owner.email.upper()
    taken = Client().post("/sign-up/", SIGN_UP | {"email": taken_email})
    new = Client().post("/sign-up/", SIGN_UP)
    assert (new.status_code, taken.status_code) == (200, 200)
    assert _comparable(new, SIGN_UP["email"]) == _comparable(taken, taken_email)
    assert "Hãy kiểm tra e-mail" in new.content.decode()

    assert Organisation.objects.filter(tax_code="0100109106").count() == 1  # only the new address's
    assert User.objects.filter(email=coop_owner.email).count() == 1
    told = Notification.objects.get(recipient_user=coop_owner)
    assert (told.kind, told.channel) == ("organisations.sign_up_existing", "email")
    welcomed = Notification.objects.get(recipient_user__email=SIGN_UP["email"])
    assert welcomed.kind == "organisations.signed_up"


def test_a_taken_address_still_hears_about_its_other_mistakes(coop_owner):
    response = Client().post("/sign-up/", SIGN_UP | {"email": coop_owner.email, "password": "123"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "đã có tài khoản" not in page
    assert not Notification.objects.exists()


def test_signing_up_again_and_again_sends_the_owner_one_e_mail(coop_owner):
    for _ in range(3):
        assert Client().post("/sign-up/", SIGN_UP | {"email": coop_owner.email}).status_code == 200
    assert Notification.objects.filter(recipient_user=coop_owner).count() == 1
