"""A password reset link leaves by e-mail through the outbox, in the person's language, and is hidden afterwards."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from market.notifications.models import Notification
from market.notifications.relay import relay_outbox
from market.organisations import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(smtp_server, settings):
    for name, value in smtp_server.settings().items():
        setattr(settings, name, value)
    return smtp_server


def test_the_reset_email_carries_a_working_link_once(smtp, settings):
    person = UserFactory(email="muahang@saigonxanh.example", full_name="Lê Thị Mua", language="vi")
    services.password_reset_request(email="MuaHang@SaiGonXanh.example")

    stats = relay_outbox(worker="test")

    assert stats.sent == 1
    (message,) = smtp.messages
    assert str(message["To"]) == person.email
    assert str(message["Subject"]).strip() == "Đặt lại mật khẩu Market Link"
    text = message.get_body(("plain",)).get_content()
    assert "Xin chào Lê Thị Mua" in text
    link = re.search(rf"{re.escape(settings.SITE_URL)}(/password-reset/\S+/)", text)
    assert link is not None
    row = Notification.objects.get(kind="organisations.password_reset")
    assert "reset_url" not in row.context or not row.context["reset_url"]  # blanked once sent
    client = Client()
    assert client.post(link.group(1), {"password": "mat-khau-moi-2026"}).status_code == 302
    person.refresh_from_db()
    assert person.check_password("mat-khau-moi-2026")
