"""The check-in phones' copy of a fair's badges (`/fairs/{id}/check-in/copy/`) syncs like the badge list
(docs/api-sync.md) in rows of only what the check-in page uses: a whole copy from `updated_since`, then what
changed since the cursor — a check-in, a revocation, a badge issued again and the new badge — with its state; the
badge list's cursor goes on working there (a phone upgraded mid-fair keeps its copy); staff only; a fixed
number of queries per page."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs import services
from fairs.models import Badge, Fair
from market.organisations.models import Organisation, Role
from tests.catalog.factories import actor_for
from tests.fairs.factories import fair_with_two_named_badges, staff_actor
from tests.sync import pull, since

pytestmark = pytest.mark.django_db
ROW = {"code", "name", "checked_in", "revoked", "reissued_as"}


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


@pytest.fixture
def fair(alliance: Organisation, cooperative: Organisation) -> Fair:
    return fair_with_two_named_badges(alliance, cooperative)


def _url(fair: Fair) -> str:
    return reverse("fairs:fair-check-in-copy", args=[fair.pk])


def _badge(fair: Fair, name: str) -> Badge:
    return Badge.objects.get(fair=fair, holder_name=name)


def _start() -> str:
    return since(timezone.now() - timedelta(minutes=1))


def test_the_phone_takes_a_whole_copy_then_only_what_changed_in_slim_rows(api: Any, alliance, cooperative, fair):
    staff = staff_actor(alliance)
    client = api(staff.user)
    copy: dict[str, dict[str, Any]] = {}
    cursor = pull(client, _url(fair), _start(), lambda row: copy.__setitem__(row["code"], row))
    lan, hung = _badge(fair, "Nguyễn Thị Lan"), _badge(fair, "Trần Văn Hùng")
    own = Badge.objects.get(fair=fair, holder_name="")
    assert set(copy) == {lan.code, hung.code, own.code}
    assert all(set(row) == ROW for row in copy.values())
    assert copy[own.code] == {
        "code": own.code,
        "name": cooperative.name,
        "checked_in": False,
        "revoked": False,
        "reissued_as": None,
    }

    services.checkin_scan(actor=staff, fair_id=fair.pk, code=own.code)
    services.badge_revoke(actor=staff, fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")
    new = services.badge_reissue(actor=staff, fair_id=fair.pk, code=hung.code)
    changed: dict[str, dict[str, Any]] = {}
    pull(client, _url(fair), cursor, lambda row: changed.__setitem__(row["code"], row))

    assert set(changed) == {own.code, hung.code, new.code}
    assert changed[own.code]["checked_in"] is True
    assert (changed[hung.code]["revoked"], changed[hung.code]["reissued_as"]) == (True, new.code)
    assert changed[new.code] == {
        "code": new.code,
        "name": "Trần Văn Hùng",
        "checked_in": False,
        "revoked": False,
        "reissued_as": None,
    }


def test_a_cursor_of_the_badge_list_goes_on_in_the_copy(api: Any, alliance, fair):
    """A phone that kept the badge list's cursor before this deploy carries on from it, with no whole copy."""
    staff = staff_actor(alliance)
    client = api(staff.user)
    cursor = pull(client, reverse("fairs:badge-list", args=[fair.pk]), _start(), lambda row: None)
    lan = _badge(fair, "Nguyễn Thị Lan")
    services.badge_revoke(actor=staff, fair_id=fair.pk, code=lan.code, reason="Đã nghỉ việc")

    rows: list[dict[str, Any]] = []
    pull(client, _url(fair), cursor, rows.append)
    assert rows == [
        {"code": lan.code, "name": "Nguyễn Thị Lan", "checked_in": False, "revoked": True, "reissued_as": None}
    ]


def test_a_row_of_the_copy_is_under_half_the_bytes_of_the_badge_list_row(api: Any, alliance, fair):
    client = api(staff_actor(alliance).user)
    listed = client.get(f"{reverse('fairs:badge-list', args=[fair.pk])}?{_start()}").json()["results"]
    kept = client.get(f"{_url(fair)}?{_start()}").json()["results"]
    assert [row["code"] for row in kept] == [row["code"] for row in listed]
    assert 2 * len(json.dumps(kept, ensure_ascii=False)) < len(json.dumps(listed, ensure_ascii=False))


def test_only_staff_take_the_copy(api: Any, cooperative, fair):
    """A cooperative's owner sees its own badges on the badges page, but keeps no check-in copy."""
    answer = api(actor_for(cooperative, Role.OWNER).user).get(f"{_url(fair)}?{_start()}")
    assert answer.status_code == 403


def test_a_page_of_the_copy_reads_a_fixed_number_of_queries(
    api: Any, alliance, cooperative, fair, django_assert_max_num_queries
):
    owner = actor_for(cooperative, Role.OWNER)
    for n in range(20):
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name=f"Người {n}")
    hung = _badge(fair, "Trần Văn Hùng")
    staff = staff_actor(alliance)
    services.badge_revoke(actor=staff, fair_id=fair.pk, code=hung.code, reason="Thẻ bị mất")
    services.badge_reissue(actor=staff, fair_id=fair.pk, code=hung.code)
    client = api(staff.user)
    with django_assert_max_num_queries(5):
        body = client.get(f"{_url(fair)}?{_start()}&page_size=200").json()
    assert len(body["results"]) == 24
