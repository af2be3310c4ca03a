"""Scale data for the benchmark: N products across M cooperatives, with price tiers, one to three harvest
lots each, cooperative-wide and product certificates (some expired, some pending), loaded with PostgreSQL
COPY in chunks, with the big tables' secondary indexes and foreign keys dropped during the load and
rebuilt after it (one sort per index instead of one insertion per row), then ANALYZE.

Proportions, after the alliance's own catalogue: one product in seven is fragrant rice; a few
cooperatives list most of the products (a skewed distribution, as in real alliances); 2 % of products are
drafts; one lot in five of the newest is sold out and older lots are mostly sold out; 40 % of cooperatives
hold VietGAP for all their products (a tenth of those expired), a third a food-safety certificate (some
pending), and OCOP stars cover a share of each cooperative's products.

Deterministic (seeded): the same arguments give the same catalogue. 1,000,000 products load in a few
minutes on two cores (`python -m bench catalog generate --products 1000000`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.vn import mst

from catalog.models import Category, Certificate, HarvestLot, PriceTier, Product, SearchRow, VatCategory
from catalog.services.products import search_document
from catalog.services.search_rows import search_rows_rebuild
from market.core.quantity import price_per_base_unit
from market.organisations import geo
from market.organisations.models import Organisation, OrganisationKind, VerificationStatus

CHUNK = 20_000  # products per COPY round: bounded memory at any size

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


def _filler(field: models.Field, now: datetime) -> Callable[[], Any] | None:
    """What a column the rows leave out gets: a timestamp, the field's default, NULL, or nothing (required)."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda: now
    if field.has_default() or (field.blank and field.empty_strings_allowed):
        return lambda: field.get_db_prep_save(field.get_default(), connection)
    if field.null:
        return lambda: None
    return None


class Table:
    """COPY rows of one model given as {attname: value}. A column the rows leave out gets the field's
    default (so a column added later with a default needs no change here), an auto-increment key its
    sequence; a required column without a default is named in a clear error."""

    def __init__(self, model: type[models.Model], now: datetime) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.generated]
        self.fillers = {field.attname: _filler(field, now) for field in self.fields}

    def copy(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        given = rows[0].keys()
        # An auto-increment key the rows leave out is filled by its sequence: leave its column out too.
        fields = [f for f in self.fields if f.attname in given or not isinstance(f, models.AutoField)]
        missing = [
            f"{self.model.__name__}.{f.attname}"
            for f in fields
            if f.attname not in given and self.fillers[f.attname] is None
        ]
        if missing:
            raise RuntimeError(f"bench/generate.py does not fill {', '.join(missing)}: add it to the generator")
        plan = [(f.attname, self.fillers[f.attname]) for f in fields]
        columns = ", ".join(str(f.column) for f in fields)
        sql = f"COPY {self.model._meta.db_table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([row[name] if name in row else filler() for name, filler in plan])  # type: ignore[misc]


@contextmanager
def indexes_deferred(models_: list[type[models.Model]]) -> Iterator[None]:
    """Drop the tables' secondary indexes and foreign keys, and build them again on exit (same transaction)."""
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks pending would block ALTER TABLE
        cursor.execute(
            """
            SELECT i.schemaname, i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' ||
                quote_ident(i.indexname))::regclass)
            """,
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
            """,
            [tables],
        )
        foreign_keys = cursor.fetchall()
        for schema, name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{schema}"."{name}"')
        for table, name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _schema, _name, definition in indexes:
            # A partitioned table's index reads "ON ONLY": built as such it would cover none of its partitions.
            cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def bench_tax_code(serial: int) -> str:
    """A valid-looking MST (correct check digit) for the n-th bench cooperative, up to 9,999 of them;
    prefix 18 keeps them apart from the demo's (17)."""
    for suffix in range(1000):
        body = f"18{serial:04d}{suffix:03d}"
        check = mst.calc_check_digit(body)
        if len(check) == 1:
            return body + check
    raise ValueError(serial)


def public_lot_id(lot_id: int) -> str:
    """A unique, unguessable-looking public id per lot: an odd multiplier is a bijection modulo 2**40."""
    return f"{(lot_id * 0x9E3779B97) % (1 << 40):010x}"


def _cooperatives(rng: random.Random, count: int) -> list[Organisation]:
    provinces = [p.code for p in geo.provinces()]
    rows = []
    for n in range(count):
        province = 91 if n % 5 == 0 else rng.choice(provinces)  # An Giang is over-represented, as in the alliance
        communes = geo.communes(province)
        commune = communes[n % len(communes)] if communes else None
        place = commune.name.split(" ", 1)[-1] if commune else str(n)
        rows.append(
            Organisation(
                kind=OrganisationKind.COOPERATIVE,
                name=f"HTX {rng.choice(['Nông nghiệp', 'Thủy sản', 'Dịch vụ', 'Lúa gạo', 'Trái cây'])} {place} {n}",
                legal_name=f"Hợp tác xã thử tải số {n}",
                tax_code=bench_tax_code(n),
                province_code=province,
                commune_code=commune.code if commune else None,
                verification_status=VerificationStatus.PENDING if n % 20 == 19 else VerificationStatus.VERIFIED,
            )
        )
    Organisation.objects.bulk_create(rows, batch_size=1000)
    return list(Organisation.objects.filter(kind=OrganisationKind.COOPERATIVE).order_by("id"))


def _next_id(model: type[models.Model]) -> int:
    return (model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def _reset_sequence(model: type[models.Model]) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}")  # noqa: S608


class Catalogue:
    """Generates the rows chunk by chunk; keeps only what certificates need between chunks."""

    def __init__(self, *, rng: random.Random, coops: list[Organisation], total: int, now: datetime) -> None:
        self.rng, self.coops, self.total, self.now = rng, coops, total, now
        self.today: date = timezone.localdate()
        self.categories = {c.slug: c for c in Category.objects.select_related("parent")}
        self.vat = {v.code: v for v in VatCategory.objects.all()}
        self.slugs = list(CATALOGUE)
        self.product_id, self.tier_id, self.lot_id = _next_id(Product), _next_id(PriceTier), _next_id(HarvestLot)
        self.first_product_id = self.product_id
        self.by_coop: dict[int, list[int]] = {}  # the first products of each cooperative (OCOP links)
        self.newest_lot: dict[int, int] = {}  # product id -> its newest lot (lot certificates)
        self.counts = {"products": 0, "price_tiers": 0, "lots": 0}

    def cooperative_for(self) -> Organisation:
        # Skewed: the first cooperatives list far more products than the last ones.
        return self.coops[int(len(self.coops) * self.rng.random() ** 1.6)]

    def chunk(self, start: int, size: int) -> tuple[list[dict], list[dict], list[dict]]:
        rng, now, today = self.rng, self.now, self.today
        products: list[dict[str, Any]] = []
        tiers: list[dict[str, Any]] = []
        lots: list[dict[str, Any]] = []
        for index in range(start, start + size):
            pk = self.product_id
            self.product_id += 1
            coop = self.cooperative_for()
            slug = self.slugs[rng.randrange(len(self.slugs))] if index % 7 else "gao-thom"  # rice is the staple
            names, variants, unit, moq, multiple, (low, high) = CATALOGUE[slug]
            name = f"{rng.choice(names)} {rng.choice(variants)}"
            price = rng.randrange(low, high, 500)
            steps = [(Decimal(moq), price)]
            for step in range(rng.randrange(1, 3)):
                steps.append((Decimal(moq * (10 ** (step + 1))), int(price * (0.95 - 0.04 * step))))
            published = index % 50 != 49
            values: dict[str, Any] = {
                "id": pk,
                "cooperative_id": coop.pk,
                "category_id": self.categories[slug].pk,
                "sku": f"B{pk}",
                "name_vi": name,
                "description_vi": f"{name} của {coop.name}, sản xuất theo quy trình của hợp tác xã.",
                "unit": unit,
                "moq": Decimal(moq),
                "order_multiple": Decimal(multiple),
                "vat_category_id": self.vat["vat-5" if unit == "kg" else "vat-10"].pk,
                "origin_province_code": coop.province_code,
                "origin_commune_code": coop.commune_code,
                "status": "published" if published else "draft",
                "published_at": now - timedelta(minutes=self.total - index) if published else None,
                "price_from": min(p for _q, p in steps),
                "price_at_moq": steps[0][1],
                # As the services write it (products._set_base_price): what the price filters and sorts read.
                "price_per_base_unit": price_per_base_unit(min(p for _q, p in steps), unit),
            }
            product = Product(**values)
            product.category = self.categories[slug]
            values["search_text"] = search_document(product, coop)
            products.append(values)
            mine = self.by_coop.setdefault(coop.pk, [])
            if len(mine) < 60:
                mine.append(pk)
            for quantity, unit_price in steps:
                tiers.append({"id": self.tier_id, "product_id": pk, "min_quantity": quantity, "unit_price": unit_price})
                self.tier_id += 1
            # One lot per season: 1 to 3 (1.6 on average), the older ones mostly sold out.
            seasons = 1 + (rng.random() < 0.45) + (rng.random() < 0.15)
            for season in range(seasons, 0, -1):
                newest = season == 1
                harvest = today - timedelta(days=rng.randrange(1, 120) + 120 * (season - 1))
                produced = Decimal(moq * rng.randrange(5, 200))
                if newest:
                    available = produced if index % 5 else Decimal(0)
                else:
                    available = produced if rng.random() < 0.2 else Decimal(0)
                lots.append(
                    {
                        "id": self.lot_id,
                        "product_id": pk,
                        "code": f"L{pk}-{season}",
                        "public_id": public_lot_id(self.lot_id),
                        "status": "published" if published else "draft",
                        "quantity_produced": produced,
                        "quantity_available": available,
                        "harvest_date": harvest,
                        "expiry_date": harvest + timedelta(days=rng.randrange(30, 700)),
                        "origin_province_code": coop.province_code,
                        "origin_commune_code": coop.commune_code,
                        "published_at": now if published else None,
                    }
                )
                if newest:
                    self.newest_lot[pk] = self.lot_id
                self.lot_id += 1
        self.counts["products"] += len(products)
        self.counts["price_tiers"] += len(tiers)
        self.counts["lots"] += len(lots)
        return products, tiers, lots

    def certificates(self) -> tuple[list[dict], list[dict], list[dict]]:
        rng, today = self.rng, self.today
        rows: list[dict[str, Any]] = []
        product_links: list[dict[str, Any]] = []
        lot_links: list[dict[str, Any]] = []
        cert_id = _next_id(Certificate)

        def certificate(coop_id: int, kind: str, scope: str, stars: int | None, status: str, expired: bool) -> int:
            nonlocal cert_id
            valid_to = (
                today - timedelta(days=rng.randrange(1, 30))
                if expired
                else today + timedelta(days=rng.randrange(5, 900))
            )
            rows.append(
                {
                    "id": cert_id,
                    "cooperative_id": coop_id,
                    "kind": kind,
                    "number": f"{kind.upper()}-{cert_id}",
                    "issuer": "Sở Nông nghiệp và Môi trường",
                    "valid_from": today - timedelta(days=rng.randrange(30, 600)),
                    "valid_to": valid_to,
                    "ocop_stars": stars,
                    "scope": scope,
                    "scan": "bench.pdf",
                    "scan_content_type": "application/pdf",
                    "status": status,
                }
            )
            cert_id += 1
            return cert_id - 1

        for n, coop in enumerate(self.coops):
            mine = self.by_coop.get(coop.pk, [])
            if n % 5 < 2:  # 40 % VietGAP for the whole cooperative, a tenth of them expired
                vietgap = certificate(coop.pk, "vietgap", "cooperative", None, "verified", expired=n % 10 == 0)
                lot_links += [
                    {"harvestlot_id": self.newest_lot[pid], "certificate_id": vietgap}
                    for pid in mine[:20]
                    if pid in self.newest_lot
                ]
            if n % 3 == 0:
                certificate(coop.pk, "food_safety", "cooperative", None, "verified" if n % 9 else "pending", False)
            for chunk in range(0, len(mine), 10):  # OCOP for a share of each cooperative's first products
                cid = certificate(coop.pk, "ocop", "products", 3 + (chunk // 10) % 3, "verified", expired=False)
                product_links += [{"certificate_id": cid, "product_id": pid} for pid in mine[chunk : chunk + 3]]
        return rows, product_links, lot_links


def generate(*, products: int, cooperatives: int, seed: int = 25, progress: bool = True) -> dict[str, int]:
    started = time.monotonic()
    now = timezone.now()

    def say(message: str) -> None:
        if progress:
            print(f"  [{time.monotonic() - started:6.1f}s] {message}", flush=True)

    product_links_model = Certificate.products.through
    lot_links_model = HarvestLot.certificates.through
    bulk: list[type[models.Model]] = [Product, PriceTier, HarvestLot, Certificate, product_links_model, lot_links_model]
    tables = {model: Table(model, now) for model in bulk}
    with transaction.atomic():
        say(f"{cooperatives} cooperatives")
        rng = random.Random(seed)
        catalogue = Catalogue(rng=rng, coops=_cooperatives(rng, cooperatives), total=products, now=now)
        with indexes_deferred([*bulk, SearchRow]):
            for start in range(0, products, CHUNK):
                product_rows, tier_rows, lot_rows = catalogue.chunk(start, min(CHUNK, products - start))
                tables[Product].copy(product_rows)
                tables[PriceTier].copy(tier_rows)
                tables[HarvestLot].copy(lot_rows)
                if start // CHUNK % 10 == 0 or start + CHUNK >= products:
                    say(f"{start + len(product_rows):>9,} products with price tiers and lots")
            certificates, product_links, lot_links = catalogue.certificates()
            tables[Certificate].copy(certificates)
            tables[product_links_model].copy(product_links)
            tables[lot_links_model].copy(lot_links)
            say("certificates; search rows")
            with connection.cursor() as cursor:  # statistics for the join that picks the rows (none after COPY)
                cursor.execute(f"ANALYZE {Product._meta.db_table}, {Organisation._meta.db_table}")
            search_rows_rebuild()  # as the services keep them for the products they publish
            say("building indexes and foreign keys")
        for model in bulk:
            _reset_sequence(model)
    say("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say("done")
    return {
        "cooperatives": len(catalogue.coops),
        **catalogue.counts,
        "certificates": len(certificates),
        "certificate_products": len(product_links),
        "lot_certificates": len(lot_links),
        "seconds": round(time.monotonic() - started),
    }


def analyse(app_label: str) -> None:
    """ANALYZE the tables of an app whose rows a bench wrote after `generate`'s ANALYZE (the fair, the checkouts'
    orders). Why: `generate` analysed them empty, and where autovacuum is off (this bench's PostgreSQL) nothing
    analyses them again, so the planner planned the storefront's reads of fairs and orders as if they had no rows."""
    tables = [model._meta.db_table for model in apps.get_app_config(app_label).get_models() if model._meta.managed]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(connection.ops.quote_name(table) for table in tables)}")


def existing_size() -> int:
    return Product.objects.count()
