"""Scale data for the benchmark: N products across M cooperatives, with price tiers, a harvest lot each,
cooperative-wide and product certificates (some expired, some pending), written with PostgreSQL COPY.

Deterministic (seeded): the same arguments give the same catalogue.
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Category, Certificate, HarvestLot, PriceTier, Product, VatCategory
from catalog.services.products import search_document
from market.organisations import geo
from market.organisations.demo import demo_tax_code
from market.organisations.models import Organisation, OrganisationKind, VerificationStatus

# Product names per category slug: (base names, variants, unit, moq, multiple, price range)
CATALOGUE: dict[str, tuple[list[str], list[str], str, int, int, tuple[int, int]]] = {
    "gao-thom": (
        ["Gạo ST25", "Gạo ST24", "Gạo Jasmine 85", "Gạo Đài Thơm 8", "Gạo Nàng Hoa", "Gạo thơm Lài"],
        ["túi 5 kg", "bao 25 kg", "bao 50 kg", "loại 1", "xuất khẩu", "vụ Đông Xuân"],
        "kg",
        100,
        10,
        (18000, 42000),
    ),
    "gao-huu-co": (
        ["Gạo hữu cơ ST25", "Gạo lứt hữu cơ", "Gạo hữu cơ Jasmine"],
        ["túi 2 kg", "hộp 1 kg"],
        "kg",
        50,
        5,
        (40000, 70000),
    ),
    "gao-nep": (["Nếp sáp", "Nếp cái hoa vàng", "Nếp than"], ["bao 25 kg", "túi 2 kg"], "kg", 100, 10, (25000, 40000)),
    "tom": (["Tôm sú sinh thái", "Tôm càng xanh", "Tôm thẻ"], ["cấp đông", "tươi sống"], "kg", 20, 5, (180000, 420000)),
    "cua": (["Cua gạch", "Cua thịt", "Ba khía muối"], ["Năm Căn", "Cà Mau"], "kg", 10, 1, (250000, 650000)),
    "ca": (["Cá tra phi lê", "Cá lóc đồng", "Cá basa"], ["cấp đông", "tươi"], "kg", 50, 10, (45000, 120000)),
    "hai-san-kho": (
        ["Tôm khô", "Mực một nắng", "Khô cá dứa", "Khô cá sặc"],
        ["loại 1", "túi 500 g"],
        "kg",
        5,
        1,
        (150000, 950000),
    ),
    "khom-dua": (
        ["Khóm Tắc Cậu", "Khóm sấy dẻo", "Nước ép khóm"],
        ["loại 1", "túi 250 g"],
        "kg",
        100,
        50,
        (9000, 45000),
    ),
    "xoai": (
        ["Xoài cát Hòa Lộc", "Xoài cát Chu", "Xoài sấy dẻo"],
        ["loại 1", "xuất khẩu"],
        "kg",
        100,
        10,
        (20000, 70000),
    ),
    "trai-cay-khac": (
        ["Bưởi Năm Roi", "Sầu riêng Ri6", "Chôm chôm", "Thanh long"],
        ["loại 1", "VietGAP"],
        "kg",
        200,
        50,
        (15000, 90000),
    ),
    "nuoc-mam": (
        ["Nước mắm Phú Quốc 40 độ đạm", "Nước mắm cá cơm", "Nước mắm nhĩ"],
        ["chai 500 ml", "can 20 lít"],
        "chai",
        48,
        12,
        (45000, 190000),
    ),
    "ho-tieu": (["Tiêu đen Phú Quốc", "Tiêu đỏ", "Tiêu sọ"], ["loại 1", "hũ 100 g"], "kg", 20, 1, (150000, 420000)),
    "mat-ong": (
        ["Mật ong rừng tràm U Minh", "Mật ong hoa nhãn", "Phấn hoa"],
        ["chai 500 ml", "can 5 kg"],
        "kg",
        10,
        1,
        (180000, 320000),
    ),
    "rau-cu": (
        ["Rau muống hữu cơ", "Khoai lang tím", "Hành tím Vĩnh Châu"],
        ["loại 1", "bó"],
        "kg",
        50,
        10,
        (12000, 40000),
    ),
    "dua": (["Dừa xiêm xanh", "Dầu dừa", "Kẹo dừa"], ["loại 1", "hộp quà"], "cai", 100, 50, (9000, 60000)),
    "thuc-pham-che-bien": (
        ["Chuối sấy dẻo", "Bánh pía", "Lạp xưởng"],
        ["túi 250 g", "hộp 500 g"],
        "cai",
        100,
        50,
        (30000, 120000),
    ),
    "dan-lat": (["Giỏ lục bình", "Thảm cói", "Hộp tre"], ["đan tay", "bộ 3"], "cai", 20, 10, (90000, 320000)),
    "det-may": (["Khăn thổ cẩm", "Túi thổ cẩm"], ["dệt tay", "hoa văn Khmer"], "cai", 10, 5, (150000, 400000)),
}


def _copy(table: str, columns: list[str], rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _reset_sequence(model: type) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")  # noqa: S608


def generate(*, products: int, cooperatives: int, seed: int = 25, progress: bool = True) -> dict[str, int]:
    started = time.monotonic()
    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()

    def say(message: str) -> None:
        if progress:
            print(f"  [{time.monotonic() - started:6.1f}s] {message}", flush=True)

    categories = {c.slug: c for c in Category.objects.select_related("parent")}
    vat = {v.code: v for v in VatCategory.objects.all()}
    provinces = [p.code for p in geo.provinces()]
    with transaction.atomic():
        say(f"{cooperatives} cooperatives")
        coops = []
        for n in range(cooperatives):
            province = 91 if n % 5 == 0 else rng.choice(provinces)  # An Giang is over-represented, as in the alliance
            communes = geo.communes(province)
            coops.append(
                Organisation(
                    kind=OrganisationKind.COOPERATIVE,
                    name=f"HTX {rng.choice(['Nông nghiệp', 'Thủy sản', 'Dịch vụ', 'Lúa gạo', 'Trái cây'])} "
                    f"{communes[n % len(communes)].name.split(' ', 1)[-1] if communes else n} {n}",
                    legal_name=f"Hợp tác xã thử tải số {n}",
                    tax_code=demo_tax_code(100 + n),
                    province_code=province,
                    commune_code=communes[n % len(communes)].code if communes else None,
                    verification_status=VerificationStatus.PENDING if n % 20 == 19 else VerificationStatus.VERIFIED,
                )
            )
        Organisation.objects.bulk_create(coops, batch_size=1000)
        coops = list(Organisation.objects.filter(kind=OrganisationKind.COOPERATIVE).order_by("id"))

        say(f"{products} products with price tiers and lots")
        start_id = (Product.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        product_rows, tier_rows, lot_rows = [], [], []
        lot_id = (HarvestLot.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        slugs = list(CATALOGUE)
        tier_id = (PriceTier.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        for index in range(products):
            pk = start_id + index
            coop = coops[index % len(coops)]
            slug = slugs[rng.randrange(len(slugs))] if index % 7 else "gao-thom"  # rice is the alliance's staple
            names, variants, unit, moq, multiple, (low, high) = CATALOGUE[slug]
            name = f"{rng.choice(names)} {rng.choice(variants)}"
            price = rng.randrange(low, high, 500)
            tiers = [(Decimal(moq), price)]
            for step in range(rng.randrange(1, 3)):
                tiers.append((Decimal(moq * (10 ** (step + 1))), int(price * (0.95 - 0.04 * step))))
            category = categories[slug]
            product = Product(
                id=pk,
                cooperative=coop,
                category=category,
                name_vi=name,
                name_en="",
                sku=f"B{pk}",
                description_vi=f"{name} của {coop.name}, sản xuất theo quy trình của hợp tác xã.",
                unit=unit,
                origin_province_code=coop.province_code,
                origin_commune_code=coop.commune_code,
                origin_note="",
                gtin="",
            )
            published = index % 50 != 49
            published_at = now - timedelta(minutes=products - index)
            product_rows.append(
                (
                    pk,
                    coop.pk,
                    category.pk,
                    f"B{pk}",
                    name,
                    "",
                    product.description_vi,
                    "",
                    unit,
                    Decimal(moq),
                    Decimal(multiple),
                    "",
                    vat["vat-5" if unit == "kg" else "vat-10"].pk,
                    "",
                    "",
                    "",
                    "",
                    "",
                    None,
                    coop.province_code,
                    coop.commune_code,
                    "",
                    "published" if published else "draft",
                    published_at if published else None,
                    min(t[1] for t in tiers),
                    tiers[0][1],
                    "",
                    search_document(product, coop),
                    now,
                    now,
                )
            )
            for start, unit_price in tiers:
                tier_rows.append((tier_id, pk, start, unit_price))
                tier_id += 1
            quantity = Decimal(moq * rng.randrange(5, 200))
            available = quantity if index % 5 else Decimal(0)
            harvest = today - timedelta(days=rng.randrange(1, 200))
            expiry = harvest + timedelta(days=rng.randrange(30, 700))
            lot_rows.append(
                (
                    lot_id,
                    pk,
                    f"L{pk}",
                    secrets.token_hex(5),
                    "published" if published else "draft",
                    quantity,
                    available,
                    harvest,
                    expiry,
                    coop.province_code,
                    coop.commune_code,
                    "",
                    "",
                    now if published else None,
                    now,
                    now,
                )
            )
            lot_id += 1
        _copy(
            Product._meta.db_table,
            [
                "id",
                "cooperative_id",
                "category_id",
                "sku",
                "name_vi",
                "name_en",
                "description_vi",
                "description_en",
                "unit",
                "moq",
                "order_multiple",
                "gtin",
                "vat_category_id",
                "packaging",
                "net_content",
                "ingredients",
                "storage_instructions",
                "usage_instructions",
                "shelf_life_days",
                "origin_province_code",
                "origin_commune_code",
                "origin_note",
                "status",
                "published_at",
                "price_from",
                "price_at_moq",
                "cover_thumbnail",
                "search_text",
                "created_at",
                "updated_at",
            ],
            product_rows,
        )
        _copy(PriceTier._meta.db_table, ["id", "product_id", "min_quantity", "unit_price"], tier_rows)
        _copy(
            HarvestLot._meta.db_table,
            [
                "id",
                "product_id",
                "code",
                "public_id",
                "status",
                "quantity_produced",
                "quantity_available",
                "harvest_date",
                "expiry_date",
                "origin_province_code",
                "origin_commune_code",
                "plot",
                "note",
                "published_at",
                "created_at",
                "updated_at",
            ],
            lot_rows,
        )

        say("certificates")
        cert_rows, links = [], []
        cert_id = (Certificate.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        by_coop: dict[int, list[int]] = {}
        for index in range(products):
            by_coop.setdefault(coops[index % len(coops)].pk, []).append(start_id + index)

        def certificate(coop_id: int, kind: str, scope: str, stars: int | None, status: str, expired: bool) -> int:
            nonlocal cert_id
            valid_from = today - timedelta(days=rng.randrange(30, 600))
            valid_to = (
                today - timedelta(days=rng.randrange(1, 30))
                if expired
                else today + timedelta(days=rng.randrange(5, 900))
            )
            cert_rows.append(
                (
                    cert_id,
                    coop_id,
                    kind,
                    f"{kind.upper()}-{cert_id}",
                    "Sở Nông nghiệp và Môi trường",
                    valid_from,
                    valid_to,
                    stars,
                    scope,
                    "bench.pdf",
                    "application/pdf",
                    status,
                    "",
                    now,
                    now,
                )
            )
            cert_id += 1
            return cert_id - 1

        for n, coop in enumerate(coops):
            if n % 5 < 2:  # 40 % VietGAP for the whole cooperative, a tenth of them expired
                certificate(coop.pk, "vietgap", "cooperative", None, "verified", expired=n % 10 == 0)
            if n % 3 == 0:
                certificate(coop.pk, "food_safety", "cooperative", None, "verified" if n % 9 else "pending", False)
            mine = by_coop.get(coop.pk, [])
            for chunk in range(0, min(len(mine), 60), 10):  # OCOP for a share of each cooperative's products
                cid = certificate(coop.pk, "ocop", "products", 3 + (chunk // 10) % 3, "verified", expired=False)
                links += [(cid, pid) for pid in mine[chunk : chunk + 3]]
        _copy(
            Certificate._meta.db_table,
            [
                "id",
                "cooperative_id",
                "kind",
                "number",
                "issuer",
                "valid_from",
                "valid_to",
                "ocop_stars",
                "scope",
                "scan",
                "scan_content_type",
                "status",
                "review_note",
                "created_at",
                "updated_at",
            ],
            cert_rows,
        )
        _copy(Certificate.products.through._meta.db_table, ["certificate_id", "product_id"], links)
        for model in (Product, PriceTier, HarvestLot, Certificate):
            _reset_sequence(model)
    say("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say("done")
    return {
        "cooperatives": len(coops),
        "products": len(product_rows),
        "price_tiers": len(tier_rows),
        "lots": len(lot_rows),
        "certificates": len(cert_rows),
        "certificate_products": len(links),
        "seconds": round(time.monotonic() - started),
    }


def existing_size() -> int:
    return Product.objects.count()
