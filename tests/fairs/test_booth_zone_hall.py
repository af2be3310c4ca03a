"""A zone is an area of one hall (Zone.hall): a booth's zone must be of the booth's hall. It used to be checked only
against the fair, so a booth of hall A could be given a zone of hall B on every path (the API's create and PATCH, the
booth's form in the plan editor, a plan spreadsheet line), and a booth moved to another hall kept its old hall's zone.

A zone of another hall is refused at the `zone` field, naming both halls. A booth moved to another hall leaves its zone
(it has left that area of the floor) unless the change names a zone of the new hall: staff who move a booth expect it
to stand where they put it, not to be refused for a zone they did not touch, and a zone of the old hall would be wrong
there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fairs import inputs, services
from fairs.models import Fair, Hall, Zone
from market.core.errors import ValidationFailed
from market.organisations.models import Organisation, Role, User
from tests.factories import member
from tests.fairs.factories import booth, hall_of, make_fair, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db
VI = {"HTTP_ACCEPT_LANGUAGE": "vi"}
ELSEWHERE = "Khu Thủ công nằm ở Nhà B; hãy chọn một khu của Nhà A, hoặc không chọn khu nào."


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    """Hall "Nhà A" with booths A-01, A-02 and the zone "Nông sản tươi"; hall "Nhà B" (12 × 8 m) with the zones
    "Thủ công" and "OCOP"."""
    fair = make_fair(alliance, booths=2)
    staff = staff_actor(alliance)
    hall_b = services.hall_create(actor=staff, fair_id=fair.pk, name="Nhà B", width_m=Decimal(12), depth_m=Decimal(8))
    services.zone_create(actor=staff, fair_id=fair.pk, hall_id=hall_of(fair).pk, name="Nông sản tươi")
    services.zone_create(actor=staff, fair_id=fair.pk, hall_id=hall_b.pk, name="Thủ công")
    services.zone_create(actor=staff, fair_id=fair.pk, hall_id=hall_b.pk, name="OCOP")
    return fair


def hall(fair: Fair, name: str) -> Hall:
    return fair.halls.get(name=name)


def zone(fair: Fair, name: str) -> Zone:
    return fair.zones.get(name=name)


def booth_url(fair: Fair, code: str) -> str:
    return reverse("fairs:booth-detail", args=[fair.pk, booth(fair, code).pk])


def test_the_api_refuses_a_zone_of_another_hall_on_create_and_on_change(api, fair, staff_user: User):
    client = api(staff_user)
    created = client.post(
        reverse("fairs:booth-list", args=[fair.pk]),
        {"hall": hall(fair, "Nhà A").pk, "code": "A-09", "x": 40, "y": 20, "zone": zone(fair, "Thủ công").pk},
        format="json",
        **VI,
    )
    changed = client.patch(booth_url(fair, "A-01"), {"zone": zone(fair, "Thủ công").pk}, format="json", **VI)

    for refused in (created, changed):
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["fields"] == {"zone": [ELSEWHERE]}
    assert not fair.booths.filter(code="A-09").exists()
    assert booth(fair, "A-01").zone is None
    # A zone of the booth's own hall is taken.
    fresh = client.patch(booth_url(fair, "A-01"), {"zone": zone(fair, "Nông sản tươi").pk}, format="json", **VI)
    assert fresh.status_code == 200, fresh.content
    assert booth(fair, "A-01").zone == zone(fair, "Nông sản tươi")


def test_a_booth_moved_to_another_hall_leaves_its_zone_unless_one_of_the_new_hall_is_named(api, fair, staff_user: User):
    client = api(staff_user)
    fresh = zone(fair, "Nông sản tươi").pk
    for code in ("A-01", "A-02"):
        assert client.patch(booth_url(fair, code), {"zone": fresh}, format="json").status_code == 200

    moved = client.patch(booth_url(fair, "A-01"), {"hall": hall(fair, "Nhà B").pk}, format="json", **VI)
    named = client.patch(
        booth_url(fair, "A-02"), {"hall": hall(fair, "Nhà B").pk, "x": 4, "zone": zone(fair, "OCOP").pk}, format="json"
    )

    assert (moved.status_code, moved.json()["zone"]) == (200, "")
    assert (booth(fair, "A-01").hall.name, booth(fair, "A-01").zone) == ("Nhà B", None)
    assert named.status_code == 200, named.content
    assert booth(fair, "A-02").zone == zone(fair, "OCOP")
    kept_old = client.patch(booth_url(fair, "A-02"), {"hall": hall(fair, "Nhà A").pk, "zone": fresh}, format="json")
    assert kept_old.status_code == 200, kept_old.content  # back to Nhà A, in a zone of Nhà A
    assert (booth(fair, "A-02").hall.name, booth(fair, "A-02").zone_id) == ("Nhà A", fresh)
    # Moved back to Nhà B with no zone named: it leaves "Nông sản tươi". Moved to Nhà A naming a zone of Nhà B: refused,
    # and the booth stays where it was.
    assert client.patch(booth_url(fair, "A-02"), {"hall": hall(fair, "Nhà B").pk}, format="json").status_code == 200
    assert booth(fair, "A-02").zone is None
    back_with_b_zone = client.patch(
        booth_url(fair, "A-02"),
        {"hall": hall(fair, "Nhà A").pk, "zone": zone(fair, "Thủ công").pk},
        format="json",
        **VI,
    )
    assert back_with_b_zone.status_code == 400
    assert back_with_b_zone.json()["error"]["fields"]["zone"] == [ELSEWHERE]
    assert booth(fair, "A-02").hall.name == "Nhà B"


def test_the_booth_form_offers_its_halls_zones_and_refuses_another_halls_at_the_field(alliance, fair):
    client = Client()
    client.force_login(member(alliance, Role.STAFF, language="vi"))
    a01 = booth(fair, "A-01")
    panel = client.get(reverse("frontend:fair-booth", args=[fair.slug, a01.pk])).content.decode()
    assert f'<option value="{zone(fair, "Nông sản tươi").pk}">Nông sản tươi</option>' in panel
    assert "Thủ công" not in panel
    assert "OCOP" not in panel
    url = reverse("frontend:fair-booth-act", args=[fair.slug, a01.pk, "edit"])
    form = {
        "once_key": once_key(panel, action=url),
        "booth-code": "A-01",
        "booth-booth_type": "standard",
        "booth-zone": str(zone(fair, "Thủ công").pk),  # a zone list read before the zone was given to Nhà B
        "booth-x": "0",
        "booth-y": "0",
        "booth-width": "3",
        "booth-depth": "3",
        "booth-price": "4.000.000",
        "booth-power": "on",
    }

    refused = client.post(url, form, HTTP_HX_REQUEST="true")

    assert refused.status_code == 400
    assert ELSEWHERE in refused.content.decode()
    assert booth(fair, "A-01").zone is None


def test_a_plan_line_with_a_zone_of_another_hall_is_refused_at_its_line(alliance, fair):
    staff = staff_actor(alliance)
    a01 = inputs.booth_spec_of(booth(fair, "A-01"))
    rows = [
        inputs.PlanRow(line=2, hall="Nhà A", zone="Thủ công", booth=a01),
        inputs.PlanRow(line=3, hall="Nhà A", zone="", booth=inputs.BoothSpec(code="A-05", x=Decimal(30), y=Decimal(0))),
    ]

    with pytest.raises(ValidationFailed) as refused:
        services.plan_import(actor=staff, fair_id=fair.pk, rows=rows)

    assert refused.value.fields == {"dòng 2": [f"zone: {ELSEWHERE}"]}
    assert booth(fair, "A-01").zone is None
    assert not fair.booths.filter(code="A-05").exists()
    # A booth moved to Nhà B by its line, in a zone of Nhà B that the line names (made there when missing): taken.
    moved = inputs.PlanRow(line=2, hall="Nhà B", zone="Hải sản", booth=a01)
    assert services.plan_import(actor=staff, fair_id=fair.pk, rows=[moved]) == {"created": 0, "updated": 1}
    assert (booth(fair, "A-01").hall.name, booth(fair, "A-01").zone.hall.name) == ("Nhà B", "Nhà B")
