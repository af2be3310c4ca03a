"""The public catalogue is rate limited per address (anonymous) or per user, in fixed windows."""

import pytest
from django.contrib.auth.models import AnonymousUser

from market.core.throttling import AnonWindowThrottle, UserWindowThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(monkeypatch):
    """DRF reads the rates into the throttle classes at import; lower them on ours for this test."""
    rates = {"anon": "3/minute", "user": "5/minute"}
    monkeypatch.setattr(AnonWindowThrottle, "THROTTLE_RATES", rates)
    monkeypatch.setattr(UserWindowThrottle, "THROTTLE_RATES", rates)


def test_anonymous_and_users_are_counted_separately(api, low_rates, coop_owner):
    anonymous = api(None)
    statuses = [anonymous.get("/api/v1/products/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert 0 < int(anonymous.get("/api/v1/products/facets/")["Retry-After"]) <= 61
    user = api(coop_owner)
    assert [user.get("/api/v1/products/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_every_api_view_is_limited_once_per_request(api, low_rates, coop_owner):
    user = api(coop_owner)
    assert [user.get("/api/v1/me/").status_code for _ in range(6)] == [200] * 5 + [429]


def test_the_public_fast_paths_window_is_the_anonymous_users_without_asking_for_the_user(rf):
    request = rf.get("/api/v1/products/", REMOTE_ADDR="203.0.113.7")  # no `user`: the fast path never sets one up
    throttle = AnonWindowThrottle()
    window = throttle.anonymous_window(request)
    request.user = AnonymousUser()
    assert window is not None
    assert window == throttle.window(request, None)
