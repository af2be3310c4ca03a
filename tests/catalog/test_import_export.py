"""Spreadsheet import (dry run, then all rows or none) and export, in CSV and XLSX."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from catalog import services, spreadsheets
from catalog.models import ImportBatch, Product
from market.core.errors import Conflict, NotFound, ValidationFailed
from tests.catalog.factories import actor_for, make_product, vat

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

HEADER = [
    "sku",
    "name_vi",
    "name_en",
    "category",
    "unit",
    "moq",
    "order_multiple",
    "vat_category",
    "tier_1_from",
    "tier_1_price",
    "tier_2_from",
    "tier_2_price",
]


def row(n: int) -> list[str]:
    return [
        f"SP-{n:04d}",
        f"Gạo thơm lô {n}",
        f"Fragrant rice {n}",
        "gao-thom",
        "kg",
        "100",
        "50",
        "vat-5",
        "100",
        str(30000 + n),
        "1000",
        str(28000 + n),
    ]


def csv_file(rows: list[list[str]], name: str = "products.csv", delimiter: str = ",") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode(), content_type="text/csv")


def xlsx_file(rows: list[list[object]]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("products.xlsx", out.getvalue())


def test_three_bad_rows_out_of_500_apply_nothing_and_are_listed(cooperative, coop_owner, api):
    rows = [row(n) for n in range(500)]
    rows[41][6] = "30"  # moq 100 is not a multiple of 30
    rows[250][9] = "ba mươi nghìn"  # not a price
    rows[499][3] = "khong-co"  # unknown category
    client = api(coop_owner)
    response = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["row_count"], body["error_count"]) == (500, 3)
    bad = {r["row"]: r["errors"] for r in body["rows"] if r["errors"]}
    assert sorted(bad) == [43, 252, 501]  # spreadsheet rows: the header is row 1
    assert any("multiple" in e for e in bad[43])
    assert any("ba mươi nghìn" in e for e in bad[252])
    assert any("category" in e and "khong-co" in e for e in bad[501])
    assert not Product.objects.exists()

    applied = client.post(f"/api/v1/catalogue-imports/{body['id']}/apply/")
    assert applied.status_code == 400
    assert sorted(applied.json()["error"]["fields"]) == ["row 252", "row 43", "row 501"]
    assert not Product.objects.exists()


def test_errors_are_in_the_reader_s_language(cooperative, coop_owner, api):
    rows = [row(1)]
    rows[0][4] = "thùng gỗ"
    client = api(coop_owner)
    english = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert english["rows"][0]["errors"] == ["unit: Choose a unit from the list: “thùng gỗ” is not one."]
    vietnamese = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file(rows)}, format="multipart", HTTP_ACCEPT_LANGUAGE="vi"
    ).json()
    assert "Choose a unit" not in vietnamese["rows"][0]["errors"][0]
    assert "thùng gỗ" in vietnamese["rows"][0]["errors"][0]


def test_a_good_file_is_checked_then_applied_once(cooperative, coop_owner, api):
    client = api(coop_owner)
    preview = client.post(
        "/api/v1/catalogue-imports/", {"file": csv_file([row(1), row(2)], delimiter=";")}, format="multipart"
    ).json()
    assert preview["error_count"] == 0
    assert not Product.objects.exists()  # a dry run
    applied = client.post(f"/api/v1/catalogue-imports/{preview['id']}/apply/").json()
    assert (applied["created_count"], applied["updated_count"]) == (2, 0)
    product = Product.objects.get(sku="SP-0001")
    assert product.status == "draft"
    assert [(t.min_quantity, t.unit_price) for t in product.price_tiers.order_by("min_quantity")] == [
        (100, 30001),
        (1000, 28001),
    ]
    assert client.post(f"/api/v1/catalogue-imports/{preview['id']}/apply/").status_code == 409


def test_xlsx_numbers_and_vietnamese_headers(cooperative, coop_owner):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Mã sản phẩm",
            "Tên sản phẩm",
            "Danh mục",
            "Đơn vị",
            "Đặt hàng tối thiểu",
            "Thuế GTGT",
            "Bậc 1 từ",
            "Bậc 1 giá",
        ]
    )
    sheet.append(["TS-1", "Tiêu đen Phú Quốc", "Hồ tiêu", "kg", 20, "vat-5", 20, 185000.0])
    sheet.append(["TS-2", "Nước mắm 40 độ đạm", "nuoc-mam", "chai", 48.0, "vat-10", 48, "98.000 ₫"])
    out = io.BytesIO()
    workbook.save(out)
    with translation.override("vi"):  # a Vietnamese sheet, read by a Vietnamese page
        batch, results = services.import_preview(
            actor=actor_for(cooperative), upload=SimpleUploadedFile("x.xlsx", out.getvalue()), file_name="x.xlsx"
        )
        assert [r.errors for r in results] == [[], []]
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    assert Product.objects.get(sku="TS-2").price_from == 98000
    assert Product.objects.get(sku="TS-1").category.slug == "ho-tieu"


def test_export_then_import_round_trips(cooperative, coop_owner, api):
    make_product(cooperative, sku="ST25", gtin="8935049500018")
    make_product(
        cooperative,
        sku="MO",
        name="Mật ong",
        category="mat-ong",
        moq="0.5",
        order_multiple="0.5",
        tiers=[("0.5", 300000), ("10", 280000)],
    )
    for fmt in ("csv", "xlsx"):
        exported = api(coop_owner).get(f"/api/v1/catalogue-export/?type={fmt}")
        assert exported.status_code == 200
        name = f"catalogue.{fmt}"
        batch, results = services.import_preview(
            actor=actor_for(cooperative), upload=SimpleUploadedFile(name, exported.content), file_name=name
        )
        assert [(r.action, r.errors) for r in results] == [("update", []), ("update", [])]
        before = list(Product.objects.order_by("pk").values())
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
        after = list(Product.objects.order_by("pk").values())
        assert [{k: v for k, v in p.items() if k != "updated_at"} for p in after] == [
            {k: v for k, v in p.items() if k != "updated_at"} for p in before
        ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 not really a zip", "x.xlsx", "could not be read"),
        (b"name_vi,unit\nGao,kg\n", "x.csv", "Missing columns"),
        (b"sku,name_vi,category,unit,moq\n", "x.csv", "no products"),
        (b"", "x.csv", "empty"),
    ],
)
def test_unreadable_files_say_why(cooperative, coop_owner, content, name, message):
    with pytest.raises(ValidationFailed) as error:
        services.import_preview(actor=actor_for(cooperative), upload=SimpleUploadedFile(name, content), file_name=name)
    assert message in " ".join([error.value.message, *error.value.fields.get("file", [])])
    assert not ImportBatch.objects.exists()


def test_duplicate_codes_in_one_file_are_errors(cooperative, coop_owner):
    batch, results = services.import_preview(
        actor=actor_for(cooperative), upload=csv_file([row(1), row(1)]), file_name="dup.csv"
    )
    assert results[0].errors == []
    assert "row 2" in results[1].errors[0] or "2" in results[1].errors[0]
    with pytest.raises(ValidationFailed):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)


def test_another_cooperative_cannot_apply_my_file(cooperative, coop_owner, other_cooperative):
    batch, _rows = services.import_preview(actor=actor_for(cooperative), upload=csv_file([row(1)]), file_name="a.csv")
    with pytest.raises(NotFound):
        services.import_apply(actor=actor_for(other_cooperative), batch_id=batch.pk)
    assert not Product.objects.exists()
    services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    with pytest.raises(Conflict):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)


def test_headers_are_the_documented_columns():
    assert spreadsheets.HEADERS[:3] == ["sku", "name_vi", "name_en"]
    assert spreadsheets.HEADERS[-2:] == ["tier_5_from", "tier_5_price"]


def vi_csv(lines: list[str]) -> SimpleUploadedFile:
    """A cooperative's own sheet: its own headers, Vietnamese numbers, semicolons (Excel in Vietnam)."""
    return SimpleUploadedFile("hang.csv", ("\ufeff" + "\n".join(lines) + "\n").encode(), content_type="text/csv")


def preview_vi(cooperative, upload, **options):
    with translation.override("vi"):
        return services.import_preview(actor=actor_for(cooperative), upload=upload, file_name=upload.name, **options)


def test_a_cooperative_s_own_sheet_is_read_with_vietnamese_numbers(cooperative, coop_owner):
    sheet = vi_csv([
        "Mã SP;Tên sản phẩm;Danh mục;ĐVT;Đặt hàng tối thiểu;Thuế GTGT;Giá;Giá bán lẻ;Tỉnh",
        "MO-1;Mật ong rừng tràm;Mật ong;hũ;1.000;5%;125.000 ₫;150.000;Cà Mau",
        "NM-1;Nước mắm 40 độ đạm;nuoc-mam;chai 500 ml;24;vat-10;45.000;55.000;An Giang",
    ])  # fmt: skip
    batch, results = preview_vi(cooperative, sheet)
    assert [r.errors for r in results] == [[], []]
    # The retail price column could not be read: the preview says so instead of ignoring it silently.
    assert batch.ignored_columns == ["Giá bán lẻ"]
    with translation.override("vi"):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    honey = Product.objects.get(sku="MO-1")
    assert (honey.unit, honey.moq, honey.price_from) == ("hu", Decimal(1000), 125000)
    assert honey.origin_province_code == 96  # its own province, not the cooperative's (An Giang)
    sauce = Product.objects.get(sku="NM-1")
    assert (sauce.unit, sauce.vat_category.code, sauce.price_per_base_unit) == ("chai500", "vat-10", 90000)


def test_a_price_with_decimals_is_refused_not_multiplied(cooperative, coop_owner):
    """ "25000,5" ₫ became 250.005 ₫ (the comma dropped); đồng have no decimals."""
    sheet = vi_csv(["sku;name_vi;category;unit;moq;vat_category;price", "G-1;Gạo;gao-thom;kg;100;vat-5;25000,5"])
    _batch, results = preview_vi(cooperative, sheet)
    assert len(results[0].errors) == 1
    assert "25000,5" in results[0].errors[0]
    assert "price" in results[0].errors[0]


def test_the_vat_category_is_asked_once_with_the_choices_and_a_default_can_be_given(cooperative, coop_owner):
    sheet = vi_csv(["Mã SP;Tên sản phẩm;Danh mục;ĐVT;Đặt hàng tối thiểu;Giá", "G-1;Gạo ST25;gao-thom;kg;100;30.000"])
    _batch, results = preview_vi(cooperative, sheet)
    errors = results[0].errors
    assert len(errors) == 1  # not "Give the VAT category" and "Choose a VAT category from the list"
    assert "vat-5" in errors[0]
    assert "vat_category" not in errors[0]  # the column's label, not a raw field name
    _batch, results = preview_vi(cooperative, vi_csv_again(sheet), default_vat_category_id=vat("vat-5").pk)
    assert results[0].errors == []


def vi_csv_again(upload: SimpleUploadedFile) -> SimpleUploadedFile:
    upload.seek(0)
    return SimpleUploadedFile(upload.name, upload.read(), content_type="text/csv")


def test_a_bad_vat_category_is_repeated_and_names_are_accepted(cooperative, coop_owner):
    sheet = vi_csv([
        "Mã SP;Tên sản phẩm;Danh mục;ĐVT;Đặt hàng tối thiểu;Thuế GTGT;Giá",
        "G-1;Gạo;gao-thom;kg;100;7%;30.000",
        "G-2;Gạo;gao-thom;kg;100;Không chịu thuế GTGT;30.000",
        "G-3;Gạo;gao-thom;kg;100;KCT;30.000",
    ])  # fmt: skip
    _batch, results = preview_vi(cooperative, sheet)
    assert len(results[0].errors) == 1
    assert results[0].errors[0].startswith("Thuế GTGT")
    assert "7%" in results[0].errors[0]
    assert results[1].errors == results[2].errors == []


def test_publishing_on_import_publishes_the_new_products(cooperative, coop_owner):
    rows = [row(n) for n in range(25)]
    batch, results = services.import_preview(
        actor=actor_for(cooperative), upload=csv_file(rows), file_name="a.csv", publish=True
    )
    assert not any(r.errors for r in results)
    batch = services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    assert (batch.created_count, batch.published_count) == (25, 25)
    assert Product.objects.filter(status="published").count() == 25


def test_only_who_may_publish_asks_to_publish_on_import():
    from market.organisations.models import VerificationStatus
    from tests.factories import OrganisationFactory

    pending = OrganisationFactory(verification_status=VerificationStatus.PENDING)
    with pytest.raises(ValidationFailed) as error:
        services.import_preview(actor=actor_for(pending), upload=csv_file([row(1)]), file_name="a.csv", publish=True)
    assert "publish" in error.value.fields
    assert not ImportBatch.objects.exists()


def test_new_units_are_read_by_name(cooperative, coop_owner):
    lines = ["sku;name_vi;category;unit;moq;vat_category;price"]
    names = {"hũ": "hu", "hộp": "hop", "gói": "goi", "lít": "lit", "chai 1 lít": "chai1l", "chai 250ml": "chai250"}
    for n, name in enumerate(names):
        lines.append(f"U-{n};Sản phẩm {n};thuc-pham-che-bien;{name};10;vat-10;20.000")
    batch, results = preview_vi(cooperative, vi_csv(lines))
    assert not any(r.errors for r in results), [r.errors for r in results]
    with translation.override("vi"):
        services.import_apply(actor=actor_for(cooperative), batch_id=batch.pk)
    assert sorted(Product.objects.values_list("unit", flat=True)) == sorted(names.values())
