"""The exports page in chromium at phone width with a Vietnamese browser: a person picks orders, types the
dates as dd/mm/yyyy, gets a job whose progress bar the page follows (htmx) until the file downloads."""

import io

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from market.exports.models import ExportJob, JobStatus
from market.exports.services import export_job_run
from market.organisations.models import Role
from tests.browser.conftest import assert_accessible, assert_fits_phone, log_in
from tests.catalog.factories import actor_for
from tests.orders.factories import place, stocked_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_buyer_exports_orders_and_follows_the_job_to_its_file(
    page: Page, live_server, settings, tmp_path, buyer, cooperative
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EXPORTS_STREAM_MAX_ROWS = 0  # the one order makes a job, as a large range would
    buying = actor_for(buyer, Role.OWNER)
    place(buying, [(stocked_product(cooperative), "1000")])

    log_in(page, live_server.url, buying.user.email)
    page.get_by_role("link", name="Xuất dữ liệu").first.click()
    expect(page.get_by_role("heading", name="Xuất dữ liệu", exact=True)).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)

    day = timezone.localdate().strftime("%d/%m/%Y")
    page.locator("[name=kind]").select_option("orders")
    for name in ("date_from", "date_to"):  # typed as a person in Vietnam writes a date
        page.locator(f"[name={name}]").focus()
        page.keyboard.type(day)
    page.locator("[name=file_format]").select_option("xlsx")
    page.get_by_label("Tiêu đề cột").select_option("vi")
    page.get_by_role("button", name="Xuất dữ liệu").click()

    progress = page.locator("#export-progress")
    expect(progress).to_be_visible()
    assert_accessible(page)
    assert_fits_phone(page)

    export_job_run(job_id=ExportJob.objects.get().pk)  # the worker's part
    download_link = page.get_by_role("link", name="Tải về")
    expect(download_link).to_be_visible(timeout=10_000)  # the page's next poll shows it
    expect(progress).to_have_count(0)
    with page.expect_download() as download:
        download_link.click()
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Số đơn hàng"
    assert len(rows) == 2


def test_a_buyer_cancels_an_export_that_is_still_waiting(
    page: Page, live_server, settings, tmp_path, buyer, cooperative
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.EXPORTS_STREAM_MAX_ROWS = 0
    buying = actor_for(buyer, Role.OWNER)
    place(buying, [(stocked_product(cooperative), "1000")])

    log_in(page, live_server.url, buying.user.email)
    page.goto(f"{live_server.url}/exports/")
    day = timezone.localdate().strftime("%d/%m/%Y")
    page.locator("[name=kind]").select_option("orders")
    for name in ("date_from", "date_to"):
        page.locator(f"[name={name}]").focus()
        page.keyboard.type(day)
    page.get_by_role("button", name="Xuất dữ liệu").click()
    expect(page.locator("#export-progress")).to_be_visible()

    page.get_by_role("button", name="Hủy xuất dữ liệu").click()
    expect(page.get_by_text("Bạn đã hủy lần xuất này: không giữ tệp nào.")).to_be_visible()
    expect(page.locator("#export-progress")).to_have_count(0)
    expect(page.get_by_role("button", name="Hủy xuất dữ liệu")).to_have_count(0)
    assert_accessible(page)
    assert_fits_phone(page)
    assert ExportJob.objects.get().status == JobStatus.CANCELLED
    assert export_job_run(job_id=ExportJob.objects.get().pk) is None  # the worker's late message writes nothing
