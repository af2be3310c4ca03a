"""Call-offs become orders through the orders placement at the contract's price rule; the intake grades
them and re-prices the order and its invoice; force majeure and termination refuse call-offs; the beat
announces due call-offs and flags late and short deliveries once."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from linkage import services
from linkage.grading import DeliveryDetails
from linkage.models import CallOff, CallOffStatus, HazardKind, LinkageContract, PriceRule
from market.core.errors import Conflict, PermissionDenied, ValidationFailed
from market.notifications.models import Notification
from market.organisations.models import Role
from orders.models import Invoice, Order, OrderSource, OrderStatus
from orders.services.lifecycle import order_cancel, order_deliver
from tests.catalog.factories import MINIMAL_PDF, actor_for
from tests.linkage import factories
from tests.linkage.factories import D

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_call_off_becomes_an_order_at_the_contract_price_without_taking_stock(contract):
    call = factories.call_off(contract, "25000")
    order = Order.objects.get(pk=call.order_id)
    assert order.source == OrderSource.CONTRACT
    assert order.buyer_id == contract.buyer_id
    assert order.payment_due_at is None  # the contract sets when to pay: it never expires unpaid
    line = order.lines.get()
    assert (line.quantity_ordered, line.unit_price) == (D(25000), 7000)
    assert order.total == 175_000_000
    assert line.allocations.count() == 0
    contract.refresh_from_db()
    assert contract.called_quantity == D(25000)
    assert Notification.objects.filter(kind="orders.received", organisation=contract.cooperative).exists()


def test_the_reference_price_in_force_on_the_call_off_date_sets_the_price(processor, cooperative, alliance):
    reference = factories.series(alliance, name="Lúa tươi tại ruộng An Giang")
    today = timezone.localdate()
    factories.publish(reference, 6800, on=today - timedelta(days=7))
    factories.publish(reference, 7300, on=today + timedelta(days=6))
    contract = factories.contract_in_force(
        processor, cooperative, price_rule=PriceRule.HIGHER_OF, base_price=7000, premium=100,
        reference_series_id=reference.pk,
    )  # fmt: skip
    early = factories.call_off(contract, "10000", days=3)  # 6.800 + 100 < floor 7.000
    late = factories.call_off(contract, "10000", days=8)  # 7.300 + 100
    assert early.unit_price == 7000
    assert early.price_basis["reference_price"] == 6800
    assert late.unit_price == 7400
    assert late.price_basis["reference_on"] == (today + timedelta(days=6)).isoformat()


def test_a_market_price_needs_a_reference_price_in_force(processor, cooperative, alliance):
    reference = factories.series(alliance)
    contract = factories.contract_in_force(
        processor, cooperative, price_rule=PriceRule.MARKET, base_price=None, reference_series_id=reference.pk
    )
    with pytest.raises(Conflict, match="reference price"):
        factories.call_off(contract)
    assert not CallOff.objects.filter(contract=contract, status=CallOffStatus.PLACED).exists()
    assert LinkageContract.objects.get(pk=contract.pk).called_quantity == 0


def test_the_intake_grades_the_delivery_and_reprices_the_order_and_invoice(contract):
    call = factories.dispatch(factories.call_off(contract, "12500"))
    delivery = factories.weigh(call, "12500", moisture="14.5", impurities="1", unfilled="2")
    assert (delivery.deduction, delivery.net_quantity, delivery.amount) == (D(75), D(12425), 86_975_000)
    order = Order.objects.get(pk=call.order_id)
    assert order.status == OrderStatus.DELIVERED
    assert order.total == 86_975_000
    invoice = Invoice.objects.get(order=order)
    assert invoice.total == 86_975_000
    assert invoice.lines[0]["quantity"] == "12425"
    contract.refresh_from_db()
    assert contract.delivered_quantity == D(12425)
    assert contract.delivered_value == 86_975_000
    # What was called for the delivery is replaced by what was accepted.
    assert contract.called_quantity == D(12425)
    assert Notification.objects.filter(kind="linkage.delivery_recorded", organisation=contract.cooperative).exists()


def test_the_intake_needs_every_measure_of_the_table_and_a_shipped_order(contract):
    call = factories.call_off(contract, "10000")
    with pytest.raises(Conflict, match="dispatched"):
        factories.weigh(call, "10000", moisture="14", impurities="1", unfilled="1")
    call = factories.dispatch(call)
    with pytest.raises(ValidationFailed) as error:
        factories.weigh(call, "10000", moisture="14")
    assert set(error.value.fields) == {"impurities"}


def test_the_cooperative_cannot_record_a_contract_delivery_itself(contract):
    call = factories.dispatch(factories.call_off(contract, "10000"))
    with pytest.raises(Conflict, match="intake"):
        order_deliver(actor=actor_for(contract.cooperative), order_id=call.order_id)


def test_only_the_processor_weighs(contract):
    call = factories.dispatch(factories.call_off(contract, "10000"))
    with pytest.raises(PermissionDenied):
        services.delivery_record(
            actor=actor_for(contract.cooperative), call_off_id=call.pk, details=DeliveryDetails(
                received_on=timezone.localdate(), gross_quantity=D(10000),
                measurements={"moisture": D(14), "impurities": D(1), "unfilled": D(1)},
            ),
        )  # fmt: skip


def test_force_majeure_suspends_planned_call_offs_and_refuses_new_ones_until_it_ends(contract):
    planned = contract.call_offs.get(status=CallOffStatus.PLANNED)
    evidence = SimpleUploadedFile("cong-van.pdf", MINIMAL_PDF, content_type="application/pdf")
    event = services.force_majeure_declare(
        actor=factories.coop_actor(contract), contract_id=contract.pk, kind=HazardKind.SALINITY,
        starts_on=timezone.localdate(), ends_on=None, description="Mặn xâm nhập sâu 60 km, lúa chết.",
        evidence=evidence,
    )  # fmt: skip
    planned.refresh_from_db()
    assert planned.status == CallOffStatus.SUSPENDED
    assert planned.suspended_by == event
    with pytest.raises(Conflict, match="Force majeure"):
        factories.call_off(contract, "10000")
    assert Notification.objects.filter(kind="linkage.force_majeure", organisation=contract.buyer).exists()

    services.force_majeure_acknowledge(actor=factories.buyer_actor(contract), event_id=event.pk)
    services.force_majeure_end(actor=factories.buyer_actor(contract), event_id=event.pk)
    planned.refresh_from_db()
    assert planned.status == CallOffStatus.PLANNED
    assert factories.call_off(contract, "10000", days=3).status == CallOffStatus.PLACED


def test_an_order_cancelled_in_orders_gives_its_volume_back(contract):
    call = factories.call_off(contract, "400000")
    order_cancel(actor=factories.buyer_actor(contract), order_id=call.order_id, reason="Đổi lịch")
    assert services.call_offs_release_cancelled() == 1
    contract.refresh_from_db()
    assert contract.called_quantity == 0
    assert CallOff.objects.get(pk=call.pk).status == CallOffStatus.CANCELLED


def test_the_beat_announces_due_call_offs_and_flags_late_and_short_once(contract, settings):
    settings.LINKAGE_LATE_AFTER_DAYS = 1
    today = timezone.localdate()
    due = factories.call_off(contract, "10000", days=2)
    assert services.call_off_due_notices(today=today) >= 1
    assert Notification.objects.filter(kind="linkage.call_off_due", object_id=str(due.pk)).exists()

    short = factories.dispatch(factories.call_off(contract, "20000", days=1))
    factories.weigh(short, "15000", moisture="14", impurities="1", unfilled="1")  # 75 % of the call
    later = today + timedelta(days=25)
    flagged = services.deliveries_flag(today=later)
    assert flagged == {"late": 2, "short": 1}  # `due` and the planned 300 tấn are past their date
    assert services.deliveries_flag(today=later) == {"late": 0, "short": 0}
    assert Notification.objects.filter(kind="linkage.delivery_short").exists()
    assert CallOff.objects.get(pk=due.pk).flagged_late_on == later


def test_input_advances_stay_within_the_limit_and_the_cooperative_confirms_them(contract):
    buyer = factories.buyer_actor(contract)
    advance = services.advance_record(
        actor=buyer, contract_id=contract.pk, kind="seed", description="Giống Đài Thơm 8, 24 tấn",
        supplied_on=timezone.localdate(), value=150_000_000,
    ).value  # fmt: skip
    with pytest.raises(ValidationFailed):
        services.advance_record(
            actor=buyer, contract_id=contract.pk, kind="fertiliser", description="Phân NPK",
            supplied_on=timezone.localdate(), value=60_000_000,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.advance_acknowledge(actor=buyer, advance_id=advance.pk)
    services.advance_acknowledge(actor=factories.coop_actor(contract, Role.MANAGER), advance_id=advance.pk)
    advance.refresh_from_db()
    assert advance.acknowledged_at is not None


def test_a_dispute_keeps_its_trail_and_staff_may_mediate(contract, alliance):
    dispute = services.dispute_open(
        actor=factories.coop_actor(contract), contract_id=contract.pk, subject="Độ ẩm chuyến 3",
        text="Máy đo của nhà máy lệch 1 %.",
    )  # fmt: skip
    services.dispute_reply(actor=actor_for(alliance, Role.MANAGER), dispute_id=dispute.pk, text="Đề nghị đo lại.")
    services.dispute_resolve(actor=factories.buyer_actor(contract), dispute_id=dispute.pk, resolution="Đo lại: 14,6 %.")
    dispute.refresh_from_db()
    assert dispute.status == "resolved"
    assert dispute.messages.count() == 2
    with pytest.raises(Conflict):
        services.dispute_reply(actor=factories.coop_actor(contract), dispute_id=dispute.pk, text="Thêm")


def test_a_new_reference_price_is_announced_and_the_same_one_again_is_not(processor, cooperative, alliance):
    reference = factories.series(processor)
    factories.publish(reference, 7200)  # before any contract follows it: nobody to tell
    contract = factories.contract_in_force(
        processor, cooperative, price_rule=PriceRule.HIGHER_OF, base_price=7000, reference_series_id=reference.pk
    )
    told = Notification.objects.filter(kind="linkage.reference_price", organisation=contract.cooperative)
    factories.publish(reference, 7200)  # published again unchanged (the demo does on every run)
    assert not told.exists()
    factories.publish(reference, 7300)
    assert told.exists()
    assert not Notification.objects.filter(kind="linkage.reference_price", organisation=processor).exists()
