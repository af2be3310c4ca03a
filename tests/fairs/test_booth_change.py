"""A booth's change: the hall it names moves it (a PATCH used to accept `hall` and ignore it, as the plan import did
a spreadsheet line's hall), checked in the new hall as a new booth is; and only the fields a PATCH sends are set, on
the booth as the service locks it (the request's values used to be merged onto the booth as read before the lock,
so a change of other fields committed in between was overwritten)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from fairs import inputs, services
from fairs.models import Booth, Fair, Hall
from fairs.plan_version import plan_version
from market.organisations.models import Organisation, User
from tests.fairs.factories import booth, hall_of, make_fair, staff_actor

pytestmark = pytest.mark.django_db
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
KEY = "erp-2026-12-08-booth-hall-0001"


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    """Hall "Nhà A" (60 × 40 m) with booths A-01, A-02, A-03 along its front wall; an empty hall "Nhà B" (12 × 8 m)."""
    fair = make_fair(alliance, booths=3)
    services.hall_create(
        actor=staff_actor(alliance), fair_id=fair.pk, name="Nhà B", width_m=Decimal(12), depth_m=Decimal(8)
    )
    return fair


def hall_b(fair: Fair) -> Hall:
    return fair.halls.get(name="Nhà B")


def booth_url(fair: Fair, code: str) -> str:
    return reverse("fairs:booth-detail", args=[fair.pk, booth(fair, code).pk])


def test_a_patch_naming_another_hall_of_the_fair_moves_the_booth_there(api, fair, staff_user: User):
    before = plan_version(fair)
    response = api(staff_user).patch(booth_url(fair, "A-02"), {"hall": hall_b(fair).pk, "x": 2}, format="json", **VI)

    assert response.status_code == 200, response.content
    assert (response.json()["hall"], response.json()["x"]) == ("Nhà B", "2.00")
    moved = booth(fair, "A-02")
    assert (moved.hall_id, moved.x, moved.y) == (hall_b(fair).pk, Decimal(2), Decimal(0))
    assert plan_version(fair) != before  # the drawn plan is drawn again


def test_a_moved_booth_is_checked_in_its_new_hall(api, alliance, fair, staff_user: User):
    client = api(staff_user)
    other_fair = make_fair(alliance, name="Hội chợ Nông sản Long Xuyên")
    refused = {
        "a hall of another fair": ({"hall": hall_of(other_fair).pk}, "hall"),
        "a hall that does not exist": ({"hall": 99_999_999}, "hall"),
        # A-03 stands at x = 8 m: in a hall 12 m wide it fits, 4 m further it reaches past the wall.
        "past the new hall's wall": ({"hall": hall_b(fair).pk, "x": 10}, "x"),
    }
    for case, (body, field) in refused.items():
        response = client.patch(booth_url(fair, "A-03"), body, format="json", **VI)
        assert response.status_code == 400, case
        assert list(response.json()["error"]["fields"]) == [field], case
    # A booth moved where another of the new hall stands overlaps it.
    assert client.patch(booth_url(fair, "A-01"), {"hall": hall_b(fair).pk}, format="json", **VI).status_code == 200
    overlapping = client.patch(booth_url(fair, "A-02"), {"hall": hall_b(fair).pk, "x": 1}, format="json", **VI)
    assert overlapping.status_code == 400
    assert "A-01" in overlapping.json()["error"]["fields"]["x"][0]
    assert booth(fair, "A-02").hall == hall_of(fair)
    assert booth(fair, "A-03").hall == hall_of(fair)


def test_the_hall_is_part_of_what_a_changes_key_remembers(api, fair, staff_user: User):
    client = api(staff_user)
    url = booth_url(fair, "A-02")
    keyed = {"HTTP_IDEMPOTENCY_KEY": KEY, **VI}
    assert client.patch(url, {"hall": hall_b(fair).pk}, format="json", **keyed).status_code == 200

    again = client.patch(url, {"hall": hall_b(fair).pk}, format="json", **keyed)
    elsewhere = client.patch(url, {"hall": hall_of(fair).pk}, format="json", **keyed)

    assert again.status_code == 200
    assert (elsewhere.status_code, elsewhere.json()["error"]["code"]) == (409, "idempotency_key_reused")
    assert booth(fair, "A-02").hall == hall_b(fair)


def test_a_plan_line_naming_another_hall_moves_the_booth(alliance, fair):
    row = inputs.PlanRow(line=2, hall="Nhà C", zone="", booth=inputs.booth_spec_of(booth(fair, "A-02")))

    assert services.plan_import(actor=staff_actor(alliance), fair_id=fair.pk, rows=[row]) == {
        "created": 0,
        "updated": 1,
    }
    assert booth(fair, "A-02").hall.name == "Nhà C"


def test_a_change_sets_only_its_fields_on_the_booth_as_locked(alliance, fair):
    """Two staff change A-01 at once: one its price, the other its depth, each request having read the booth before
    the other's change committed. Both changes stay."""
    staff = staff_actor(alliance)
    read_by_first = booth(fair, "A-01")
    read_by_second = booth(fair, "A-01")
    price_change = inputs.booth_change({"price": 5_500_000}, booth=read_by_first)
    depth_change = inputs.booth_change({"depth": Decimal(5)}, booth=read_by_second)

    services.booth_update_once(actor=staff, booth_id=read_by_first.pk, change=price_change, once_key="")
    services.booth_update_once(actor=staff, booth_id=read_by_second.pk, change=depth_change, once_key="")

    changed = Booth.objects.get(pk=read_by_first.pk)
    assert (changed.price, changed.depth) == (5_500_000, Decimal(5))
