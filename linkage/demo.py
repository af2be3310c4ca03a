"""Demo linkage contracts, made through the real services (drafted, signed by both parties, called off,
dispatched, weighed and graded), dated around today so that the schedule, the flags and the progress look
alive:

- a Kiên Giang rice processor (Công ty CP Lương thực Kiên Giang) contracts HTX Lúa gạo Tân Hiệp for the
  winter–spring season: the 200 ha of the Kênh 8 large field (the supply demo's area), 1.200 tấn ± 5 %, the higher of a
  floor price and the processor's weekly reference price, the moisture deduction table, seed and fertiliser
  advanced on credit, a deposit; four loads weighed, one at the gate, one dispute about moisture, and an
  amendment (+100 tấn) the processor signed and the cooperative has still to sign;
- a shrimp-rice contract (ST25 from rice–shrimp fields) between Mekong Agri Export and HTX Lúa gạo Mỹ Xuyên
  at a fixed price;
- a Phú Quốc pepper contract between a spice processor and HTX Hồ tiêu Phú Quốc following the alliance's
  reference price, graded by density.

Idempotent: each contract is keyed by its title and parties; what exists is left as it is.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalog import services as catalog_services
from catalog.commands import ProductDetails
from catalog.models import Category, Product, VatCategory
from catalog.supply.models import RawMaterialArea
from linkage import services
from linkage.grading import Band, DeliveryDetails
from linkage.models import (
    AdvanceKind,
    CallOff,
    CallOffStatus,
    Effect,
    HazardKind,
    LinkageContract,
    Measure,
    PriceRule,
    ReferenceSeries,
    SeasonKind,
)
from linkage.terms import ScheduledDelivery, Terms
from market.core.demo import DemoContext, demo_password_hash
from market.core.quantity import Unit
from market.organisations.demo import demo_tax_code
from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User, VerificationStatus
from market.organisations.permissions import Actor
from orders.services.lifecycle import order_confirm, shipment_create

D = Decimal
RICE_TABLE = (
    Band(Measure.MOISTURE, D(14), D(17), Effect.WEIGHT, D("1.2")),
    Band(Measure.MOISTURE, D(17), D(20), Effect.WEIGHT, D("1.5")),
    Band(Measure.MOISTURE, D(20), None, Effect.WEIGHT, D(2)),
    Band(Measure.IMPURITIES, D(2), None, Effect.WEIGHT, D(1)),
    Band(Measure.UNFILLED, D(5), None, Effect.PRICE, D(50)),
)
PEPPER_TABLE = (
    Band(Measure.DENSITY, D(550), D(500), Effect.PRICE, D(300)),
    Band(Measure.MOISTURE, D(13), None, Effect.WEIGHT, D(1)),
)
# (key, name, legal name, serial, province, commune, owner e-mail, owner, gate clerk e-mail, clerk)
PROCESSORS = (
    ("processor_kiengiang", "Lương thực Kiên Giang", "Công ty Cổ phần Lương thực Kiên Giang", 41, 91, 30742,
     "thumua@luongthuc-kiengiang.example", "Lâm Quốc Thái", "kcs@luongthuc-kiengiang.example", "Huỳnh Thị Bé"),
    ("processor_pepper", "Gia vị Phú Quốc Spice", "Công ty TNHH Chế biến Gia vị Phú Quốc", 42, 91, 31078,
     "muahang@phuquocspice.example", "Ngô Minh Trí", "kho@phuquocspice.example", "Trần Văn Sáu"),
)  # fmt: skip


def _user(email: str, name: str) -> User:
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": name, "language": "vi"})
    if created:
        user.password = demo_password_hash()
        user.save()
    return user


def _member(user: User, organisation: Organisation, role: str) -> None:
    Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    if user.acting_organisation_id is None:
        user.acting_organisation = organisation
        user.save(update_fields=["acting_organisation"])


def _processors(context: DemoContext) -> None:
    for key, name, legal, serial, province, commune, email, owner, clerk_email, clerk in PROCESSORS:
        organisation, _created = Organisation.objects.update_or_create(
            tax_code=demo_tax_code(serial),
            defaults={
                "kind": OrganisationKind.BUYER,
                "name": name,
                "legal_name": legal,
                "province_code": province,
                "commune_code": commune,
                "address_line": "Khu công nghiệp Thạnh Lộc" if serial == 41 else "Khu phố 5, Dương Đông",
                "email": email,
                "verification_status": VerificationStatus.VERIFIED,
                "verified_at": timezone.now(),
            },
        )
        _member(_user(email, owner), organisation, Role.OWNER)
        _member(_user(clerk_email, clerk), organisation, Role.STAFF)
        context.objects[key] = organisation
        context.logins.append((email, f"owner · {name} (processor)"))
        context.logins.append((clerk_email, f"staff · {name} (intake at the gate)"))


def _actor(organisation: Organisation, role: str = Role.OWNER) -> Actor:
    membership = Membership.objects.filter(organisation=organisation, role=role).select_related("user").first()
    if membership is None:
        membership = Membership.objects.filter(organisation=organisation).select_related("user").first()
    assert membership is not None, organisation
    return Actor(user=membership.user, organisation=organisation, role=membership.role)


def _product(cooperative: Organisation, sku: str, name: str, category: str) -> Product:
    existing = Product.objects.filter(cooperative=cooperative, sku=sku).first()
    if existing is not None:
        return existing
    details = ProductDetails(
        sku=sku,
        category_id=Category.objects.get(slug=category).pk,
        name_vi=name,
        unit=Unit.KG,
        moq=Decimal(1000),
        order_multiple=Decimal(1),
        vat_category_id=VatCategory.objects.get(code="khong-chiu-thue").pk,
        description_vi="Nguyên liệu bán theo hợp đồng liên kết, không bán lẻ.",
    )
    return catalog_services.product_create(actor=_actor(cooperative), details=details, tiers=[])


def _area(cooperative: Organisation, code: str) -> RawMaterialArea:
    """The raw-material area the supply demo recorded for the cooperative (its plots and households)."""
    return RawMaterialArea.objects.get(cooperative=cooperative, code=code)


def _series(publisher: Organisation, name: str, category: str, prices: list[tuple[date, int]]) -> ReferenceSeries:
    series = ReferenceSeries.objects.filter(publisher=publisher, name=name).first()
    if series is None:
        series = services.series_create(
            actor=_actor(publisher),
            name=name,
            category_id=Category.objects.get(slug=category).pk,
            province_code=publisher.province_code,
            unit=Unit.KG,
        )
    for day, price in prices:
        services.price_publish(actor=_actor(publisher), series_id=series.pk, effective_on=day, price=price)
    return series


def _contract(
    *, buyer: Organisation, cooperative: Organisation, title: str, season: SeasonKind, year: int, terms: Terms
) -> LinkageContract | None:
    """A new contract signed by both parties, or None when the demo already has it."""
    if LinkageContract.objects.filter(title=title, buyer=buyer, cooperative=cooperative).exists():
        return None
    contract = services.contract_draft(
        actor=_actor(buyer), counterparty_id=cooperative.pk, title=title, season_kind=season, season_year=year,
        terms=terms,
    )  # fmt: skip
    services.version_sign(actor=_actor(buyer), contract_id=contract.pk)
    services.version_sign(actor=_actor(cooperative), contract_id=contract.pk)
    return LinkageContract.objects.get(pk=contract.pk)


def _deliver(contract: LinkageContract, number: int, gross: str = "", **measured: str) -> CallOff:
    """Order the planned call-off `number`, let the cooperative dispatch it and (given a weight) grade it."""
    call_off = contract.call_offs.get(number=number)
    buyer, cooperative = _actor(contract.buyer), _actor(contract.cooperative)
    if call_off.status == CallOffStatus.PLANNED:
        call_off = services.call_off_place(actor=buyer, call_off_id=call_off.pk)
    assert call_off.order_id is not None
    order_confirm(actor=cooperative, order_id=call_off.order_id)
    line = call_off.order.lines.get() if call_off.order else None
    assert line is not None
    shipment_create(
        actor=cooperative, order_id=call_off.order_id, quantities={line.pk: line.quantity_confirmed}, vehicle="KG-1234"
    )
    if gross:
        services.delivery_record(
            actor=_actor(contract.buyer, Role.STAFF),
            call_off_id=call_off.pk,
            details=DeliveryDetails(
                received_on=call_off.due_on,
                gross_quantity=D(gross),
                measurements={key: D(value) for key, value in measured.items()},
                weigh_ticket=f"PC-{contract.pk:03d}-{number:02d}",
                vehicle="Ghe 68T-0457",
            ),
        )
    return CallOff.objects.get(pk=call_off.pk)


def _rice(context: DemoContext, today: date) -> None:
    processor, tanhiep = context.objects["processor_kiengiang"], context.objects["coop_tanhiep"]
    # Counted by the kg like its reference price: the supply demo's "TH-LUA-DT8" is sold by the tấn.
    paddy = _product(tanhiep, "TH-LUA-DT8-HD", "Lúa tươi Đài Thơm 8 (cánh đồng lớn)", "gao")
    area = _area(tanhiep, "TH-K8")
    weeks = [(today - timedelta(days=7 * w), 6900 + 50 * (8 - w)) for w in range(8, -1, -1)]
    series = _series(processor, "Lúa tươi Đài Thơm 8 tại ruộng", "gao", weeks)
    start = today - timedelta(days=40)
    schedule = tuple(ScheduledDelivery(start + timedelta(days=8 * i), D(150_000)) for i in range(1, 9))
    terms = Terms(
        product_id=paddy.pk,
        grade_spec="Lúa tươi Đài Thơm 8, gặt bằng máy; độ ẩm chuẩn 14 %, tạp chất ≤ 2 %, hạt lép ≤ 5 %",
        committed_quantity=D(1_200_000),
        tolerance_percent=D(5),
        delivery_place="Cảng nhà máy Lương thực Kiên Giang, Khu công nghiệp Thạnh Lộc",
        delivery_province_code=91,
        price_rule=PriceRule.HIGHER_OF,
        base_price=6800,
        premium=100,
        reference_series_id=series.pk,
        payment_days=7,
        deposit=120_000_000,
        advance_limit=900_000_000,
        starts_on=start,
        ends_on=today + timedelta(days=60),
        area_ids=(area.pk,),
        grading=RICE_TABLE,
        schedule=schedule,
    )
    contract = _contract(
        buyer=processor, cooperative=tanhiep, title="Lúa Đông Xuân – cánh đồng lớn Kênh 8 (200 ha)",
        season=SeasonKind.WINTER_SPRING, year=terms.ends_on.year, terms=terms,
    )  # fmt: skip
    if contract is None:
        return
    buyer = _actor(processor)
    for kind, text, value, days in (
        (AdvanceKind.SEED, "Giống Đài Thơm 8 xác nhận, 24 tấn (120 kg/ha)", 432_000_000, 70),
        (AdvanceKind.FERTILISER, "Phân NPK 20-20-15, 40 tấn", 436_000_000, 45),
    ):
        advance = services.advance_record(
            actor=buyer, contract_id=contract.pk, kind=kind, description=text,
            supplied_on=today - timedelta(days=days), value=value,
        ).value  # fmt: skip
        if kind == AdvanceKind.SEED:
            services.advance_acknowledge(actor=_actor(tanhiep), advance_id=advance.pk)
    _deliver(contract, 1, "148350", moisture="14.6", impurities="1.4", unfilled="3.2")
    second = _deliver(contract, 2, "152100", moisture="17.8", impurities="2.6", unfilled="5.5")
    _deliver(contract, 3, "149800", moisture="15.2", impurities="1.8", unfilled="4")
    _deliver(contract, 4, "96500", moisture="16.1", impurities="1.2", unfilled="2.5")  # short: flood on the field
    _deliver(contract, 5)  # at the gate, waiting to be weighed
    services.dispute_open(
        actor=_actor(tanhiep), contract_id=contract.pk, subject="Độ ẩm lô giao số 2",
        text="Máy đo của HTX đo 16,9 %, nhà máy ghi 17,8 %: đề nghị đo lại mẫu lưu có mặt hai bên.",
        call_off_id=second.pk,
    )  # fmt: skip
    services.contract_amend(
        actor=buyer,
        contract_id=contract.pk,
        terms=replace(terms, committed_quantity=D(1_300_000), change_note="Tăng sản lượng cam kết thêm 100 tấn."),
    )
    services.version_sign(actor=buyer, contract_id=contract.pk)
    services.deliveries_flag()


def _shrimp_rice(context: DemoContext, today: date) -> None:
    buyer, myxuyen = context.objects["buyer_mekongexport"], context.objects["coop_mayxuyen_st25"]
    paddy = _product(myxuyen, "MX-LUA-ST25-TOM", "Lúa ST25 lúa – tôm (khô)", "gao-thom")
    area = _area(myxuyen, "MX-LT")
    start = today - timedelta(days=20)
    terms = Terms(
        product_id=paddy.pk,
        grade_spec="Lúa ST25 trồng luân canh trên ruộng nuôi tôm, không dùng thuốc bảo vệ thực vật hóa học",
        committed_quantity=D(300_000),
        tolerance_percent=D(10),
        delivery_place="Kho Mekong Agri Export, Khu công nghiệp Trà Nóc",
        delivery_province_code=92,
        price_rule=PriceRule.FIXED,
        base_price=9500,
        premium=0,
        reference_series_id=None,
        payment_days=10,
        deposit=0,
        advance_limit=0,
        starts_on=start,
        ends_on=today + timedelta(days=90),
        area_ids=(area.pk,),
        grading=RICE_TABLE[:4],
        schedule=(
            ScheduledDelivery(start + timedelta(days=10), D(100_000)),
            ScheduledDelivery(today + timedelta(days=20), D(100_000)),
            ScheduledDelivery(today + timedelta(days=50), D(100_000)),
        ),
    )
    contract = _contract(
        buyer=buyer, cooperative=myxuyen, title="Lúa ST25 lúa – tôm, vụ Thu Đông", season=SeasonKind.AUTUMN_WINTER,
        year=today.year, terms=terms,
    )  # fmt: skip
    if contract is None:
        return
    _deliver(contract, 1, "101200", moisture="14.3", impurities="1")
    services.force_majeure_declare(
        actor=_actor(myxuyen), contract_id=contract.pk, kind=HazardKind.SALINITY,
        starts_on=today + timedelta(days=40), ends_on=today + timedelta(days=60),
        description="Dự báo mặn xâm nhập sâu 50–60 km trên sông Hậu; ruộng lúa – tôm Hòa Tú không lấy được nước ngọt.",
        evidence=_evidence(),
    )  # fmt: skip


def _pepper(context: DemoContext, today: date) -> None:
    processor, pepper = context.objects["processor_pepper"], context.objects["coop_phuquoc_pepper"]
    alliance = context.objects["alliance"]
    beans = _product(pepper, "HTPQ-NL-DEN", "Tiêu đen Phú Quốc nguyên liệu (chưa phân loại)", "ho-tieu")
    area = _area(pepper, "PQ-KT")
    weeks = [(today - timedelta(days=7 * w), 148_000 + 1000 * (6 - w)) for w in range(6, -1, -1)]
    series = _series(alliance, "Tiêu đen Phú Quốc 550 g/l tại vườn", "ho-tieu", weeks)
    start = today - timedelta(days=30)
    terms = Terms(
        product_id=beans.pk,
        grade_spec="Tiêu đen hạt, dung trọng chuẩn 550 g/l, độ ẩm ≤ 13 %, chỉ dẫn địa lý Phú Quốc",
        committed_quantity=D(40_000),
        tolerance_percent=D(5),
        delivery_place="Xưởng chế biến Phú Quốc Spice, Dương Đông",
        delivery_province_code=91,
        price_rule=PriceRule.MARKET,
        base_price=None,
        premium=3000,
        reference_series_id=series.pk,
        payment_days=5,
        deposit=50_000_000,
        advance_limit=100_000_000,
        starts_on=start,
        ends_on=today + timedelta(days=240),
        area_ids=(area.pk,),
        grading=PEPPER_TABLE,
        schedule=(
            ScheduledDelivery(start + timedelta(days=15), D(10_000)),
            ScheduledDelivery(today + timedelta(days=30), D(10_000)),
            ScheduledDelivery(today + timedelta(days=90), D(10_000)),
            ScheduledDelivery(today + timedelta(days=150), D(10_000)),
        ),
    )
    contract = _contract(
        buyer=processor, cooperative=pepper, title="Tiêu đen Phú Quốc niên vụ", season=SeasonKind.YEAR,
        year=today.year, terms=terms,
    )  # fmt: skip
    if contract is not None:
        _deliver(contract, 1, "9870", density="540", moisture="13.4")


def _evidence() -> SimpleUploadedFile:
    """A one-page PDF standing for the provincial salinity warning."""
    pdf = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile("canh-bao-xam-nhap-man.pdf", pdf, content_type="application/pdf")


def seed_linkage(context: DemoContext) -> None:
    today = timezone.localdate()
    _processors(context)
    _rice(context, today)
    _shrimp_rice(context, today)
    _pepper(context, today)
    context.notes.append(
        "Linkage contracts: /contracts/ (processor thumua@luongthuc-kiengiang.example, gate clerk "
        "kcs@luongthuc-kiengiang.example, cooperative chunhiem@htx-tanhiep.example); the alliance's report at "
        "/staff/linkage/report/."
    )
