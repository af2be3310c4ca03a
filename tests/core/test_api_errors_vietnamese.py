"""API errors speak the request's language: Django REST framework's own messages (a missing field, a number it
cannot read, no credentials, a method not allowed, too many requests) reach a Vietnamese client in Vietnamese."""

from __future__ import annotations

import pytest
from django.utils import translation
from rest_framework import serializers

from market.core.throttling import AnonWindowThrottle, UserWindowThrottle

pytestmark = pytest.mark.django_db


def message(response) -> str:
    return response.json()["error"]["message"]


def test_drf_field_messages_are_vietnamese_in_vietnamese():
    class Rfq(serializers.Serializer):
        quantity = serializers.DecimalField(max_digits=10, decimal_places=2)
        note = serializers.CharField(max_length=5)

    with translation.override("vi"):
        bound = Rfq(data={"quantity": "nhiều", "note": "quá dài"})
        assert not bound.is_valid()
        assert [str(e) for e in bound.errors["quantity"]] == ["Cần một số hợp lệ."]
        assert [str(e) for e in bound.errors["note"]] == ["Trường này có tối đa 5 ký tự."]
    with translation.override("en"):
        bound = Rfq(data={})
        assert not bound.is_valid()
        assert str(bound.errors["quantity"][0]) == "This field is required."


def test_a_missing_field_is_named_in_vietnamese(api, coop_owner):
    response = api(coop_owner).post("/api/v1/tokens/", {}, format="json", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"] == ["Trường này là bắt buộc."]


def test_unreadable_json_says_what_to_send(api, coop_owner):
    response = api(coop_owner).post(
        "/api/v1/tokens/", data="{không phải json", content_type="application/json", HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert response.status_code == 400
    assert message(response) == "Không đọc được nội dung yêu cầu: hãy gửi JSON hợp lệ hoặc một biểu mẫu."
    english = api(coop_owner).post(
        "/api/v1/tokens/", data="{", content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert message(english) == "The request body could not be read: send valid JSON, or a form."


def test_authentication_and_method_errors_are_vietnamese(api, coop_owner):
    assert message(api(None).get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="vi")).startswith("Chưa có thông tin xác thực")
    response = api(coop_owner).delete("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 405
    assert message(response) == "Không hỗ trợ phương thức “DELETE”."


def test_the_anonymous_throttle_answers_in_vietnamese(api, monkeypatch):
    """It answered "Request was throttled. Expected available in 42 seconds." to Vietnamese visitors."""
    rates = {"anon": "2/minute", "user": "5/minute"}
    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserWindowThrottle, "THROTTLE_RATES", rates)
    client = api(None)
    statuses = [client.get("/api/v1/banks/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    text = message(client.get("/api/v1/banks/"))  # no Accept-Language: Vietnamese, the default
    assert text.startswith("Có quá nhiều yêu cầu trong thời gian ngắn. Hãy thử lại sau ")
    assert text.endswith(" giây.")
    assert "throttled" not in text
