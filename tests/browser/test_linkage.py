"""A season under a linkage contract, on phones in Vietnamese: the processor drafts the contract (numbers
typed the Vietnamese way) and signs, the cooperative signs, a call-off becomes an order the cooperative
confirms and ships, the gate clerk grades the intake typing "14,5" moisture and "12.500" kg, the progress
bar moves and the alliance's report counts it. axe and the 360 px check on every page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from linkage.models import CallOff, ContractStatus, Delivery, InputAdvance, LinkageContract
from market.organisations.models import OrganisationKind, Role
from tests.browser.conftest import PHONE, check, log_in
from tests.factories import OrganisationFactory, member
from tests.linkage.factories import area, contract_in_force, paddy, processor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "locale": "vi-VN"}


def test_draft_sign_call_off_grade_at_the_gate_and_report(page: Page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    base = live_server.url
    today = timezone.localdate()
    alliance = OrganisationFactory(kind=OrganisationKind.ALLIANCE, name="Liên minh HTX An Giang")
    staff = member(alliance, Role.STAFF, email="baocao@lienminh.test")
    processor = OrganisationFactory(kind=OrganisationKind.BUYER, name="Lương thực Kiên Giang")
    buyer = member(processor, Role.OWNER, email="thumua@luongthuc.test")
    clerk = member(processor, Role.STAFF, email="kcs@luongthuc.test")
    coop = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp")
    chair = member(coop, Role.OWNER, email="chunhiem@tanhiep.test")
    product = paddy(coop)
    field = area(coop, code="K8", plots=4, hectares="2.5")

    # The processor drafts the contract.
    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/contracts/")
    check(page)
    page.locator("[data-action=draft]").click()
    page.locator("#with").select_option(str(coop.pk))
    page.get_by_role("button", name="Tiếp tục").click()
    check(page)
    page.locator("#id_title").fill("Lúa Đông Xuân – cánh đồng lớn K8")
    page.locator("#id_product").select_option(str(product.pk))
    page.locator("#id_grade_spec").fill("Lúa tươi Đài Thơm 8, độ ẩm chuẩn 14 %")
    page.locator("#id_committed_quantity").fill("1.200.000")
    page.locator("#id_tolerance_percent").fill("5")
    page.get_by_label(f"{field.code} · {field.name}").check()
    page.locator("#id_delivery_province_code").select_option("91")
    page.locator("#id_price_rule").select_option("fixed")
    page.locator("#id_base_price").fill("7.000")
    page.locator("#id_starts_on").fill((today - timedelta(days=5)).isoformat())
    page.locator("#id_ends_on").fill((today + timedelta(days=120)).isoformat())
    page.locator("input[name='schedule[0]due_on']").fill((today + timedelta(days=30)).isoformat())
    page.locator("input[name='schedule[0]quantity']").fill("300.000")
    page.locator("select[name='grading[0]measure']").select_option("moisture")
    page.locator("input[name='grading[0]threshold']").fill("14")
    page.locator("input[name='grading[0]limit']").fill("17")
    page.locator("select[name='grading[0]effect']").select_option("weight")
    page.locator("input[name='grading[0]rate']").fill("1,2")
    page.locator("select[name='grading[1]measure']").select_option("impurities")
    page.locator("input[name='grading[1]threshold']").fill("2")
    page.locator("select[name='grading[1]effect']").select_option("weight")
    page.locator("input[name='grading[1]rate']").fill("1")
    page.locator(".terms-form button[type=submit]").click()
    expect(page.locator(".page-head h1")).to_contain_text("Lúa Đông Xuân")
    check(page)
    contract = LinkageContract.objects.get()
    version = contract.versions.get()
    assert version.committed_quantity == Decimal(1_200_000)
    assert version.base_price == 7000
    assert [(r.measure, r.threshold, r.limit, r.rate) for r in version.grading_rules.all()] == [
        ("moisture", Decimal(14), Decimal(17), Decimal("1.2")),
        ("impurities", Decimal(2), None, Decimal(1)),
    ]
    assert [a.pk for a in version.areas.all()] == [field.pk]
    page.locator("[data-action=sign_as_buyer]").click()
    expect(page.locator(".messages")).to_contain_text("Đã ký")

    # The cooperative signs: the contract is in force.
    log_in(page, base, chair.email, switching=True)
    page.goto(f"{base}/contracts/{contract.pk}/")
    check(page)
    page.locator("[data-action=sign_as_cooperative]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-active")
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert (contract.hectares, contract.households) == (Decimal(10), 4)

    # The processor calls off 25 tấn (typed in tấn for a kg contract): an order at the contract price.
    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/contracts/{contract.pk}/")
    page.locator("summary[data-action=add_call_off]").click()
    page.locator("#id_co-due_on").fill((today + timedelta(days=2)).isoformat())
    page.locator("#id_co-quantity").fill("25 tấn")
    page.locator(".call-off-form button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("đợt giao số 2")
    check(page)
    call_off = CallOff.objects.get(contract=contract, number=2)
    assert call_off.quantity == Decimal(25_000)
    assert call_off.order is not None
    assert call_off.order.total == 175_000_000

    # The cooperative confirms and ships its order.
    log_in(page, base, chair.email, switching=True)
    page.goto(f"{base}/orders/{call_off.order_id}/")
    page.locator("form[action$='/confirm/'] button[type=submit]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-confirmed")
    page.locator("#id_ship-vehicle").fill("Ghe 68T-0457")
    page.locator(".shipment-form button[type=submit]").click()
    expect(page.locator(".page-head .badge")).to_have_class("badge status-shipped")

    # At the gate, on a phone: 12.500 kg at 14,5 % moisture and 1 % impurities.
    log_in(page, base, clerk.email, switching=True)
    page.goto(f"{base}/contracts/{contract.pk}/")
    page.locator("#call-off-2 [data-action=record_delivery]").click()
    check(page)
    page.locator("#id_gross_quantity").fill("12.500")
    page.locator("#id_moisture").fill("14,5")
    page.locator("#id_impurities").fill("1")
    page.locator("#id_weigh_ticket").fill("PC-0002")
    page.locator("button[data-action=record_delivery]").click()
    expect(page.locator(".slip .net")).to_contain_text("12.425")
    check(page)
    delivery = Delivery.objects.get()
    assert (delivery.gross_quantity, delivery.deduction, delivery.net_quantity) == (
        Decimal(12500),
        Decimal(75),
        Decimal(12425),
    )
    assert delivery.measurements == {"moisture": "14.5", "impurities": "1"}
    assert delivery.amount == 86_975_000

    # The progress bar moved.
    page.goto(f"{base}/contracts/{contract.pk}/")
    expect(page.locator("progress.volume")).to_have_attribute("value", "12425")
    expect(page.locator("progress.volume")).to_have_attribute("max", "1200000")
    check(page)

    # The alliance's report counts it.
    log_in(page, base, staff.email, switching=True)
    page.goto(f"{base}/staff/linkage/report/")
    expect(page.locator(".report-total .contracts")).to_have_text("1")
    expect(page.locator(".report-total .delivered")).to_contain_text("12,425")
    expect(page.locator(".report-total .hectares")).to_contain_text("10")
    check(page)


def test_an_input_advance_mistyped_comes_back_with_what_was_typed_and_nothing_recorded(page: Page, live_server):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Nông nghiệp Tân Hiệp")
    contract = contract_in_force(processor(), cooperative)
    buyer = member(contract.buyer, Role.OWNER, language="vi")

    log_in(page, base, buyer.email, switching=True)
    page.goto(f"{base}/contracts/{contract.pk}/")
    page.locator("summary[data-action=record_advance]").click()
    form = page.locator("details:has(summary[data-action=record_advance]) form")
    form.get_by_label("Loại").select_option("fertiliser")
    form.get_by_label("Đã ứng gì").fill("Phân bón NPK 20-20-15, 50 bao")
    form.get_by_label("Ngày ứng").fill(timezone.localdate().isoformat())
    form.get_by_label("Giá trị").fill("mười hai triệu")
    form.get_by_role("button", name="Ghi khoản ứng").click()

    # The error next to the value, the form open with what was typed; nothing recorded.
    form = page.locator("details:has(summary[data-action=record_advance]) form")
    expect(form.get_by_label("Đã ứng gì")).to_be_visible()
    expect(form.locator(".field.has-error")).to_contain_text("Giá trị")
    expect(form.get_by_label("Đã ứng gì")).to_have_value("Phân bón NPK 20-20-15, 50 bao")
    expect(form.get_by_label("Loại")).to_have_value("fertiliser")
    assert not InputAdvance.objects.filter(contract=contract).exists()
    check(page)

    form.get_by_label("Giá trị").fill("12.500.000")
    form.get_by_role("button", name="Ghi khoản ứng").click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi khoản ứng vật tư.")
    advance = InputAdvance.objects.get(contract=contract)
    assert (advance.kind, advance.description, advance.value) == (
        "fertiliser",
        "Phân bón NPK 20-20-15, 50 bao",
        12_500_000,
    )
