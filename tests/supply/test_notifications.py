"""What supply tells the cooperative's managers through the outbox: one summary of the day's intakes, and
each lot built from intakes. Households are not users and are never messaged."""

from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.supply import services
from catalog.supply.notifications import INTAKES_DAILY, LOT_BUILT
from catalog.supply.tasks import send_intake_summaries
from market.notifications.models import Channel, Notification
from market.notifications.registry import get_kind
from market.notifications.rendering import render_email, render_inbox_line
from market.organisations.models import Role
from tests.factories import member
from tests.supply.conftest import record

pytestmark = pytest.mark.django_db


def in_app(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, channel=Channel.IN_APP).order_by("pk"))


def test_one_summary_a_day_to_the_managers_only(world):
    manager = member(world.cooperative, Role.MANAGER)
    record(world, 0, "1250.5")
    record(world, 1, "980", grade="Loại 3")  # no price for Loại 3 … but the season's default prices it
    record(world, 1, "20", unit_price=8000)
    assert send_intake_summaries() == 1
    assert send_intake_summaries() == 1  # again the same day: the outbox writes nothing new
    rows = in_app(INTAKES_DAILY)
    assert {row.recipient_user for row in rows} == {world.owner.user, manager}
    context = rows[0].context
    assert context["intake_count"] == 3
    assert context["household_count"] == 2
    assert Decimal(context["total_kg"]) == Decimal("2250.5")
    assert context["unpriced_count"] == 0
    assert context["day"] == timezone.localdate().isoformat()
    assert world.staff.user not in {row.recipient_user for row in rows}


def test_the_summary_counts_intakes_without_any_price(world):
    services.season_price_remove(actor=world.owner, price_id=world.season.prices.get(grade="").pk)
    record(world, 0, "100", grade="Loại 3")
    send_intake_summaries()
    assert in_app(INTAKES_DAILY)[0].context["unpriced_count"] == 1


def test_a_lot_built_from_intakes_is_announced_once_per_addition(world):
    first = record(world, 0, "1000")
    lot = services.lot_build_from_intakes(actor=world.staff, intakes=[first.pk], product=world.product.pk, code="A1")
    services.lot_build_from_intakes(actor=world.staff, intakes=[record(world, 1, "5").pk], lot=lot.pk)
    rows = in_app(LOT_BUILT)
    assert [row.context["intake_count"] for row in rows] == [1, 1]
    assert [row.occurrence for row in rows] == ["1", "2"]
    assert rows[0].context["lot_code"] == "A1"


def test_the_templates_render_in_both_languages(world):
    record(world, 0, "18250.5")
    send_intake_summaries()
    context = in_app(INTAKES_DAILY)[0].context
    kind = get_kind(INTAKES_DAILY)
    assert "18.250,5 kg" in render_email(kind, context, language="vi").subject
    assert "18,250.5 kg" in render_email(kind, context, language="en").subject
    assert "1 hộ" in render_inbox_line(kind, context, language="vi")
    lot = services.lot_build_from_intakes(actor=world.staff, intakes=[record(world, 1, "5").pk],
                                          product=world.product.pk, code="A1")  # fmt: skip
    built = get_kind(LOT_BUILT)
    email = render_email(built, in_app(LOT_BUILT)[0].context, language="vi")
    assert email.subject == "1 lượt thu mua đã vào lô A1"
    assert f"/my/lots/{lot.pk}/" in email.text


def test_the_quantity_filter_writes_kilograms_the_locale_way_without_trailing_zeros():
    from django.utils import translation

    from market.notifications.templatetags.notification_format import quantity

    with translation.override("vi"):
        assert quantity("18250.500") == "18.250,5"
        assert quantity("1000") == "1.000"
    with translation.override("en"):
        assert quantity(Decimal("0.250")) == "0.25"
    assert quantity("not a number") == ""
