"""The member register from a spreadsheet: a dry run lists each row's errors and changes nothing; applying
imports every row or none. Cells are read as people type them in Vietnamese."""

import io
from datetime import date

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from catalog.supply import services
from catalog.supply.models import HouseholdImport, MemberHousehold, Plot
from market.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

VIETNAMESE = (
    "Mã thành viên;Chủ hộ;Loại thành viên;Điện thoại;Xã;Ấp;Ngày vào;Đồng ý công khai tên;Ngày đồng ý;Thửa\n"
    "TV-101;Danh Sóc Kha;liên kết góp vốn;0912 345 101;Thạnh Đông;Ấp Kênh 8;15/03/2020;có;02/01/2026;K8-003\n"
    "TV-102;Thạch Thị Sa Rươl;Chính thức;;Xã Tân Hiệp;;;không;;\n"
    "TV-001;Nguyễn Văn Bé;chính thức;0912 345 671;Tân Hiệp;Ấp 3;;có;;K8-001\n"
)
BAD = (
    "ma tv,ho ten,loai,sdt,xa,ngay vao,cong khai ten,thua\n"
    "TV-201,Lê Văn Tư,thành viên danh dự,0912,Xã Không Có,31/02/2020,ừ,K8-404\n"
    ",Không mã,,,Tân Hiệp,,không,\n"
    "TV-203,Hộ trùng thửa,,,Tân Hiệp,,không,K8-002\n"
    "TV-204,Hộ trùng thửa nữa,,,Tân Hiệp,,không,K8-002\n"
    "TV-203,Mã trùng,,,Tân Hiệp,,không,\n"
)


def upload(text: str, name: str = "ho.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_dry_run_lists_every_bad_row_and_changes_nothing(world):
    before = MemberHousehold.objects.count()
    with translation.override("vi"):
        batch, rows = services.household_import_preview(actor=world.owner, upload=upload(BAD), file_name="ho.csv")
    assert MemberHousehold.objects.count() == before
    assert batch.error_count == 4
    errors = {r.row: " | ".join(r.errors) for r in rows}
    assert "không phải loại thành viên" in errors[2]
    assert "điện thoại" in errors[2].lower() or "phone:" in errors[2]
    assert "Xã Không Có" in errors[2]
    assert "31/02/2020" in errors[2]
    assert "ừ" in errors[2]
    assert "K8-404" in errors[2]
    assert "code:" in errors[3]
    assert "dòng 4" in errors[5]  # the plot is already given to row 4
    assert "dòng 4" in errors[6]  # the member code is already on row 4
    assert not next(r for r in rows if r.row == 4).errors
    with pytest.raises(ValidationFailed):
        services.household_import_apply(actor=world.owner, import_id=batch.pk)
    assert MemberHousehold.objects.count() == before


def test_apply_creates_and_updates_and_gives_plots_to_their_households(world):
    batch, rows = services.household_import_preview(actor=world.owner, upload=upload(VIETNAMESE), file_name="x.csv")
    assert [r.errors for r in rows] == [[], [], []]
    assert [r.action for r in rows] == ["create", "create", "update"]
    applied = services.household_import_apply(actor=world.owner, import_id=batch.pk)
    assert (applied.created_count, applied.updated_count) == (2, 1)
    kha = MemberHousehold.objects.get(code="TV-101")
    assert kha.kind == "capital_associate"
    assert kha.phone == "+84912345101"
    assert kha.commune_code == 30874
    assert kha.joined_on == date(2020, 3, 15)
    assert (kha.name_public, kha.name_consent_on) == (True, date(2026, 1, 2))
    assert Plot.objects.get(code="K8-003").household == kha
    assert MemberHousehold.objects.get(code="TV-102").name_public is False
    with pytest.raises(Exception, match="already applied"), translation.override("en"):
        services.household_import_apply(actor=world.owner, import_id=batch.pk)


def test_an_excel_file_with_real_dates_reads_the_same(world):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã thành viên", "Chủ hộ", "Xã", "Ngày vào", "Đồng ý công khai tên"])
    sheet.append(["TV-301", "Võ Thị Cẩm", "Tân Hiệp", date(2019, 7, 1), "x"])
    data = io.BytesIO()
    workbook.save(data)
    file = SimpleUploadedFile("ho.xlsx", data.getvalue())
    batch, rows = services.household_import_preview(actor=world.owner, upload=file, file_name="ho.xlsx")
    assert rows[0].errors == []
    services.household_import_apply(actor=world.owner, import_id=batch.pk)
    assert MemberHousehold.objects.get(code="TV-301").joined_on == date(2019, 7, 1)


def test_the_import_page_shows_the_dry_run_then_applies(world):
    client = Client()
    client.force_login(world.owner.user)
    page = client.post("/supply/households/import/", {"file": upload(BAD)})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Số dòng bị lỗi: 4 trên 5." in html
    assert 'data-action="apply_import"' not in html
    page = client.post("/supply/households/import/", {"file": upload(VIETNAMESE)})
    assert 'data-action="apply_import"' in page.content.decode()
    batch = HouseholdImport.objects.latest("pk")
    done = client.post("/supply/households/import/", {"apply": str(batch.pk)})
    assert done.status_code == 302
    assert MemberHousehold.objects.filter(code="TV-101").exists()
    # A missing file is a clear error, not a crash.
    assert client.post("/supply/households/import/", {}).status_code == 400
