"""An assigned booth moved (to another hall, to another place in its hall) or resized tells its exhibitor: the
cooperative whose application holds it gets a `fairs.booth_moved` notification through the outbox, written with the
change, in each member's language, with the booth's code, its hall and what changed. It used to be told nothing, and
found out at set-up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fairs import inputs, services
from fairs.models import Fair
from market.notifications.models import Notification
from market.notifications.registry import get_kind
from market.notifications.rendering import render_email, render_inbox_line
from market.organisations.models import Organisation, Role
from tests.factories import member
from tests.fairs.factories import apply, assign, booth, cooperatives, make_fair, staff_actor

pytestmark = pytest.mark.django_db
MOVED = "fairs.booth_moved"


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    """Hall "Nhà A" with booths A-01 and A-02; hall "Nhà B" (12 × 8 m)."""
    fair = make_fair(alliance, booths=2)
    services.hall_create(
        actor=staff_actor(alliance), fair_id=fair.pk, name="Nhà B", width_m=Decimal(12), depth_m=Decimal(8)
    )
    return fair


@pytest.fixture
def exhibitor(alliance: Organisation, fair: Fair) -> Organisation:
    """A cooperative holding A-01, with a Vietnamese-speaking owner and an English-speaking manager."""
    (cooperative,) = cooperatives(1)
    member(cooperative, Role.OWNER, language="vi")
    member(cooperative, Role.MANAGER, language="en")
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    return cooperative


def change(fair: Fair, code: str, /, **fields: object) -> inputs.BoothChange:
    return inputs.booth_change(fields, booth=booth(fair, code))


def told(cooperative: Organisation) -> dict[str, str]:
    """What each member's inbox says about the move, by their language."""
    kind = get_kind(MOVED)
    rows = Notification.objects.filter(kind=MOVED, organisation=cooperative, channel="in_app")
    return {row.language: render_inbox_line(kind, row.context, language=row.language) for row in rows}


def test_a_move_to_another_hall_tells_the_exhibitor_in_each_members_language(alliance, fair, exhibitor):
    a01 = booth(fair, "A-01")
    services.booth_update(
        actor=staff_actor(alliance),
        booth_id=a01.pk,
        change=change(fair, "A-01", hall=fair.halls.get(name="Nhà B").pk, x=Decimal(2), y=Decimal("1.5")),
    )

    assert told(exhibitor) == {
        "vi": "Hội chợ OCOP Rạch Giá: gian hàng A-01 đã được chuyển từ Nhà A sang Nhà B, "
        "cách tường trái 2 m và tường trước 1,5 m.",
        "en": "Hội chợ OCOP Rạch Giá: booth A-01 was moved from Nhà A to Nhà B, "
        "2 m from the left wall and 1.5 m from the front wall.",
    }
    email = Notification.objects.get(kind=MOVED, organisation=exhibitor, channel="email", language="vi")
    rendered = render_email(get_kind(MOVED), email.context, language="vi", recipient_name="An")
    assert rendered.subject == "Gian hàng A-01 tại Hội chợ OCOP Rạch Giá đã thay đổi"
    assert "Nhà B" in rendered.text
    assert (email.object_type, email.object_id) == ("fairs.application", str(a01.assignments.get().application_id))


def test_a_move_in_its_hall_and_a_new_size_are_told(alliance, fair, exhibitor):
    staff = staff_actor(alliance)
    a01 = booth(fair, "A-01")

    services.booth_update(actor=staff, booth_id=a01.pk, change=change(fair, "A-01", x=Decimal(20)))
    moved = told(exhibitor)
    Notification.objects.filter(kind=MOVED).delete()
    services.booth_update(
        actor=staff, booth_id=a01.pk, change=change(fair, "A-01", width=Decimal(6), depth=Decimal("4.5"))
    )
    resized = told(exhibitor)

    assert (
        moved["vi"]
        == "Hội chợ OCOP Rạch Giá: gian hàng A-01 (Nhà A) đã được chuyển chỗ, cách tường trái 20 m và tường trước 0 m."
    )
    assert resized == {
        "vi": "Hội chợ OCOP Rạch Giá: gian hàng A-01 (Nhà A) nay có kích thước 6 × 4,5 m (trước đây 3 × 3 m).",
        "en": "Hội chợ OCOP Rạch Giá: booth A-01 (Nhà A) is now 6 × 4.5 m (it was 3 × 3 m).",
    }


def test_the_plan_import_tells_the_exhibitor_of_a_line_that_moves_its_booth(alliance, fair, exhibitor):
    spec = inputs.booth_spec_of(booth(fair, "A-01"))
    row = inputs.PlanRow(line=2, hall="Nhà B", zone="", booth=spec)

    services.plan_import(actor=staff_actor(alliance), fair_id=fair.pk, rows=[row])

    assert "Nhà A sang Nhà B" in told(exhibitor)["vi"]


def test_changes_that_do_not_move_or_resize_and_free_booths_tell_no_one(alliance, fair, exhibitor):
    staff = staff_actor(alliance)
    services.booth_update(actor=staff, booth_id=booth(fair, "A-01").pk, change=change(fair, "A-01", water=True))
    services.booth_update(actor=staff, booth_id=booth(fair, "A-02").pk, change=change(fair, "A-02", x=Decimal(30)))
    # The line of the spreadsheet that says what the booth already is.
    row = inputs.PlanRow(line=2, hall="Nhà A", zone="", booth=inputs.booth_spec_of(booth(fair, "A-01")))
    services.plan_import(actor=staff, fair_id=fair.pk, rows=[row])

    assert not Notification.objects.filter(kind=MOVED).exists()


def test_a_new_code_alone_tells_the_exhibitor_the_booths_new_code(alliance, fair, exhibitor):
    services.booth_update(
        actor=staff_actor(alliance), booth_id=booth(fair, "A-01").pk, change=change(fair, "A-01", code="B-07")
    )

    assert told(exhibitor) == {
        "vi": "Hội chợ OCOP Rạch Giá: gian hàng A-01 (Nhà A) nay mang mã B-07.",
        "en": "Hội chợ OCOP Rạch Giá: booth A-01 (Nhà A) is now booth B-07.",
    }
    email = Notification.objects.get(kind=MOVED, organisation=exhibitor, channel="email", language="en")
    rendered = render_email(get_kind(MOVED), email.context, language="en", recipient_name="Lan")
    assert rendered.subject == "Your booth A-01 at Hội chợ OCOP Rạch Giá has changed"
    assert "is now booth B-07" in rendered.text


def test_a_new_code_with_a_move_says_both(alliance, fair, exhibitor):
    services.booth_update(
        actor=staff_actor(alliance),
        booth_id=booth(fair, "A-01").pk,
        change=change(fair, "A-01", code="B-07", hall=fair.halls.get(name="Nhà B").pk, x=Decimal(2), y=Decimal(1)),
    )

    assert told(exhibitor) == {
        "vi": "Hội chợ OCOP Rạch Giá: gian hàng A-01 đã được chuyển từ Nhà A sang Nhà B, "
        "cách tường trái 2 m và tường trước 1 m; gian hàng nay mang mã B-07.",
        "en": "Hội chợ OCOP Rạch Giá: booth A-01 was moved from Nhà A to Nhà B, "
        "2 m from the left wall and 1 m from the front wall; it is now booth B-07.",
    }
