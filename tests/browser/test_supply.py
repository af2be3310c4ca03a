"""At the field on a phone, in Vietnamese: the cooperative's gate staff record an intake ("1.250,5" kg,
moisture "14,5"), build a lot from three households' intakes, publish it, and its public trace page goes one
step back to the three plots, naming only the households that agreed. Every page is axe-checked."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from catalog.models import HarvestLot
from catalog.supply.models import Intake
from tests.browser.conftest import check, log_in
from tests.factories import TEST_PASSWORD, OrganisationFactory
from tests.supply.conftest import TAN_HIEP, THANH_DONG, build_world, record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "vi-VN"}


def test_gate_staff_record_an_intake_build_a_lot_and_the_trace_page_goes_back_to_the_plots(page: Page, live_server):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=30850)
    OrganisationFactory(kind="alliance", name="Liên minh HTX")
    world = build_world(cooperative)
    for index, kg in ((1, "980"), (2, "1500")):
        record(world, index, kg)

    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(world.staff.user.email)
    page.get_by_label("Mật khẩu").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="Vùng nguyên liệu").first.click()
    expect(page.get_by_role("heading", name="Vùng nguyên liệu")).to_be_visible()
    check(page)

    page.get_by_role("link", name="TH-K8 · Cánh đồng lớn Kênh 8").click()
    expect(page.locator("svg .map-plot path")).to_have_count(3)
    check(page)

    page.get_by_role("link", name="Vùng nguyên liệu").first.click()
    page.get_by_role("link", name="Ghi lượt thu mua").click()
    check(page)
    page.get_by_label("Thửa").select_option(str(world.plots[0].pk))
    # Choosing the plot chose the household that farms it.
    expect(page.locator("#id_household")).to_have_value(str(world.households[0].pk))
    page.get_by_label("Ngày nhận").fill(world.harvest.isoformat())
    page.get_by_label("Khối lượng (kg)").fill("1.250,5")
    page.get_by_label("Loại", exact=True).fill("Loại 1")
    page.get_by_label("Độ ẩm (%)").fill("14,5")
    page.get_by_role("button", name="Ghi lại").click()
    expect(page.get_by_text("Đã ghi: 1.250,5 kg của Nguyễn Văn Bé.")).to_be_visible()
    intake = Intake.objects.get(household=world.households[0])
    assert intake.weight_kg == Decimal("1250.5")
    assert intake.moisture_percent == Decimal("14.5")
    assert intake.season == world.season
    check(page)

    page.get_by_role("link", name="Lượt thu mua", exact=True).click()
    check(page)
    for household in world.households:
        page.locator(f'input[name="lot-intakes"][value="{Intake.objects.get(household=household).pk}"]').check()
    page.get_by_label("Sản phẩm").select_option(str(world.product.pk))
    page.get_by_label("Mã lô").fill("LT-DX27-01")
    page.get_by_role("button", name="Lập lô").click()
    expect(page.get_by_text("Lô LT-DX27-01 hiện gồm 3 lượt thu mua.")).to_be_visible()
    lot = HarvestLot.objects.get(code="LT-DX27-01")
    assert lot.quantity_produced == Decimal("3730.5")
    page.get_by_role("button", name="Công bố lô").click()
    expect(page.get_by_text("Đã công bố", exact=False).first).to_be_visible()

    page.goto(f"{base}/trace/{lot.public_id}/")
    expect(page.get_by_role("heading", name="Thửa ruộng và hộ thành viên")).to_be_visible()
    for code in ("K8-001", "K8-002", "K8-003"):
        expect(page.get_by_text(f"Thửa {code}")).to_be_visible()
    expect(page.get_by_text("Hộ Nguyễn Văn Bé")).to_be_visible()
    expect(page.get_by_text("Hộ Trần Thị Lệ")).to_be_visible()
    assert "Lê Văn Út" not in page.content()
    expect(page.get_by_text("Một hộ thành viên")).to_have_count(1)
    check(page)


def test_a_manager_draws_a_plot_checks_a_register_and_reads_the_statement_a_buyer_the_outlook(
    page: Page, live_server, tmp_path
):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=30850)
    OrganisationFactory(kind="alliance", name="Liên minh HTX")
    world = build_world(cooperative)
    record(world, 0, "1250.5")
    plot = world.plots[2]

    log_in(page, base, world.owner.user.email)
    # Draw an outline by tapping three corners of the field on the map.
    page.goto(f"{base}/supply/plots/{plot.pk}/outline/")
    check(page)
    canvas = page.locator("#outline-canvas")
    box = canvas.bounding_box()
    assert box is not None
    for dx, dy in ((0.2, 0.2), (0.8, 0.2), (0.5, 0.8)):
        canvas.click(position={"x": box["width"] * dx, "y": box["height"] * dy})
    expect(page.locator("#outline-status")).to_have_text("Số góc đã vẽ: 3")
    page.get_by_role("button", name="Lưu ranh giới").click()
    expect(page.get_by_text("Đã lưu ranh giới.")).to_be_visible()
    plot.refresh_from_db()
    ring = plot.polygon["coordinates"][0]
    assert len(ring) == 4
    assert ring[0] == ring[-1]
    assert all(105 < lon < 106 and 10 < lat < 11 for lon, lat in ring)

    # The member register: a dry run lists the bad row and changes nothing.
    sheet = tmp_path / "ho.csv"
    sheet.write_text("Mã thành viên,Chủ hộ,Xã,Đồng ý công khai tên\nTV-900,Bùi Văn Tám,Xã Không Có,có\n", "utf-8")
    page.goto(f"{base}/supply/households/")
    check(page)
    page.get_by_role("link", name="Nhập từ bảng tính").click()
    check(page)
    page.get_by_label("Tệp CSV hoặc Excel (.xlsx)").set_input_files(str(sheet))
    page.get_by_role("button", name="Kiểm tra file").click()
    expect(page.get_by_text("“Xã Không Có” không phải xã/phường của An Giang.", exact=False)).to_be_visible()
    check(page)

    page.goto(f"{base}/supply/households/{world.households[2].pk}/")
    check(page)
    page.goto(f"{base}/supply/seasons/{world.season.pk}/")
    expect(page.get_by_role("cell", name="9.503.800\u00a0₫").first).to_be_visible()  # 1 250,5 kg × 7 600 ₫
    check(page)
    page.goto(f"{base}/supply/demand/")
    check(page)

    page.get_by_role("button", name="Đăng xuất").click()
    buyer = OrganisationFactory(kind="buyer", name="Nhà máy Xay xát Kiên Giang")
    from tests.factories import member

    log_in(page, base, member(buyer).email)
    page.get_by_role("link", name="Triển vọng nguồn cung").first.click()
    expect(page.get_by_role("heading", name="Triển vọng nguồn cung")).to_be_visible()
    check(page)


def test_a_manager_changes_a_plots_area_typing_1_5_and_its_commune_stays(page: Page, live_server):
    base = live_server.url
    cooperative = OrganisationFactory(name="HTX Lúa gạo Tân Hiệp", province_code=91, commune_code=TAN_HIEP)
    world = build_world(cooperative)
    plot, household = world.plots[1], world.households[0]
    assert (plot.commune_code, household.commune_code) == (THANH_DONG, TAN_HIEP)

    log_in(page, base, world.owner.user.email)
    # The edit forms start on the commune stored (a commune code of five digits is no number to group).
    page.goto(f"{base}/supply/households/{household.pk}/")
    expect(page.locator("#id_commune_code")).to_have_value(str(TAN_HIEP))
    page.goto(f"{base}/supply/plots/{plot.pk}/")
    expect(page.get_by_label("Xã/phường")).to_have_value(str(THANH_DONG))
    page.get_by_label("Diện tích (ha)").fill("1,5")
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu.")).to_be_visible()
    plot.refresh_from_db()
    assert (plot.hectares, plot.commune_code) == (Decimal("1.5"), THANH_DONG)
    check(page)
