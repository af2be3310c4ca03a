"""Demo fair: the Mekong Delta OCOP fair in Rạch Giá — two halls, 120 booths, a subsidy programme,
applications in every state, check-ins, business-matching meetings and their outcomes.

Idempotent: once the fair exists, the seeder leaves it as it is.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import Product, ProductStatus
from fairs import selectors, services
from fairs.inputs import ApplicationRequest, BoothSpec, FairSpec, OutcomeSpec
from fairs.lifecycle import FairTransition
from fairs.models import (
    Application,
    ApplicationStatus,
    BoothType,
    Fair,
    Meeting,
    OutcomeKind,
    SubsidyProgramme,
    ZoneKind,
)
from market.core.demo import DemoContext, demo_password_hash
from market.core.errors import ApplicationError
from market.core.quantity import Unit
from market.organisations.demo import demo_tax_code
from market.organisations.models import Membership, Organisation, OrganisationKind, Role, User, VerificationStatus
from market.organisations.permissions import Actor
from orders import services as order_services
from orders.commands import CheckoutDetails, RfqRequest
from orders.models import Order, Rfq

FAIR_SLUG = "hoi-cho-ocop-dbscl-rach-gia"

# Extra exhibitors of the region (demo names; tax codes are made up with a valid check digit).
EXTRA_COOPERATIVES = [
    ("HTX Khô cá Rạch Giá", 91, "Phường Rạch Giá"),
    ("HTX Bánh phồng tôm Kiên Lương", 91, ""),
    ("HTX Mắm cá linh Châu Đốc", 91, ""),
    ("HTX Đường thốt nốt Tri Tôn", 91, ""),
    ("HTX Gạo Jasmine Giồng Riềng", 91, ""),
    ("HTX Rau sạch Long Xuyên", 91, ""),
    ("HTX Bưởi Năm Roi Bình Minh", 86, ""),
    ("HTX Chôm chôm Chợ Gạo", 82, ""),
    ("HTX Sầu riêng Cái Bè", 82, ""),
    ("HTX Tôm lúa An Minh", 91, ""),
    ("HTX Cá khô U Minh", 96, ""),
    ("HTX Mật hoa dừa Trà Vinh", 86, ""),
    ("HTX Nấm rơm Thoại Sơn", 91, ""),
    ("HTX Bánh tráng Mỹ Lồng", 86, ""),
    ("HTX Tinh dầu tràm Vĩnh Hưng", 91, ""),
    ("HTX Lá dừa nước Hòn Đất", 91, ""),
    ("HTX Thủ công tre trúc Gò Quao", 91, ""),
    ("HTX Bò một nắng Châu Phú", 91, ""),
    ("HTX Chuối sấy Hòa Bình", 96, ""),
    ("HTX Đậu phộng Tịnh Biên", 91, ""),
    ("HTX Gốm Vĩnh Long", 86, ""),
    ("HTX Dưa lưới Vĩnh Thuận", 91, ""),
    ("HTX Sen Đồng Tháp Mười", 82, ""),
    ("HTX Ốc hương Phú Quốc", 91, ""),
]


def _owner(organisation: Organisation) -> Actor:
    membership = Membership.objects.filter(organisation=organisation, role=Role.OWNER).select_related("user").first()
    assert membership is not None, organisation
    return Actor(user=membership.user, organisation=organisation, role=Role.OWNER)


def _outcome_links(kind: OutcomeKind, meeting: Meeting) -> dict[str, int] | None:
    """The real RFQ or order an RFQ/order outcome points at, made through the orders services as the buyer
    would after the meeting: a request for the exhibitor's first product in stock, or an order of it.
    None when there is none to be had."""
    if kind not in (OutcomeKind.RFQ, OutcomeKind.ORDER):
        return {}
    buyer = _owner(meeting.buyer)
    product = (
        Product.objects.filter(
            cooperative=meeting.exhibitor, status=ProductStatus.PUBLISHED, lots__quantity_available__gt=0
        )
        .order_by("pk")
        .first()
    )
    reference = f"HOICHO-{meeting.pk}"
    if kind == OutcomeKind.RFQ:
        rfq = Rfq.objects.filter(buyer=meeting.buyer, note=reference).first()
        if rfq is None and product is not None:
            today = timezone.localdate()
            rfq = order_services.rfq_create(
                actor=buyer,
                request=RfqRequest(
                    title=f"{product.name_vi}: 5 tấn giao tháng 3",
                    product_id=product.pk,
                    quantity=Decimal(5),
                    unit=Unit.TAN,
                    delivery_from=today + timedelta(days=60),
                    delivery_to=today + timedelta(days=90),
                    delivery_province_code=meeting.buyer.province_code,
                    note=reference,
                ),
            )
        return {"rfq_id": rfq.pk} if rfq else None
    existing = Order.objects.filter(checkout__buyer=meeting.buyer, checkout__po_number=reference).first()
    if existing is not None:
        return {"order_id": existing.pk}
    if product is None:
        return None
    try:
        with transaction.atomic():
            order_services.cart_clear(actor=buyer)
            order_services.cart_line_set(actor=buyer, product_id=product.pk, quantity=product.moq)
            checkout, _created = order_services.checkout_place(
                actor=buyer,
                details=CheckoutDetails(po_number=reference, delivery_address=meeting.buyer.full_address),
                idempotency_key=reference,
            )
    except ApplicationError:
        return None
    return {"order_id": checkout.orders.get().pk}


def _extra_cooperatives() -> list[Organisation]:
    made = []
    for i, (name, province, address) in enumerate(EXTRA_COOPERATIVES):
        organisation, _ = Organisation.objects.get_or_create(
            tax_code=demo_tax_code(300 + i),
            defaults={
                "kind": OrganisationKind.COOPERATIVE,
                "name": name,
                "legal_name": f"Hợp tác xã {name.removeprefix('HTX ')}",
                "province_code": province,
                "address_line": address,
                "verification_status": VerificationStatus.VERIFIED,
                "verified_at": timezone.now(),
            },
        )
        email = f"htx{300 + i}@hoicho-demo.example"
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": f"Chủ nhiệm {name}"})
        if created:
            user.password = demo_password_hash()
            user.acting_organisation = organisation
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": Role.OWNER})
        made.append(organisation)
    return made


def _layout(actor: Actor, fair: Fair) -> None:
    """Hall A: fresh produce and seafood; hall B: processed, OCOP and handicrafts. 60 booths each."""
    halls = [
        ("Nhà A", [("Nông sản tươi", ZoneKind.FRESH), ("Thủy sản", ZoneKind.SEAFOOD)]),
        (
            "Nhà B",
            [
                ("Sản phẩm OCOP", ZoneKind.OCOP),
                ("Chế biến", ZoneKind.PROCESSED),
                ("Thủ công mỹ nghệ", ZoneKind.HANDICRAFTS),
            ],
        ),
    ]
    for hall_index, (hall_name, zone_specs) in enumerate(halls):
        hall = services.hall_create(
            actor=actor, fair_id=fair.pk, name=hall_name, width_m=Decimal(64), depth_m=Decimal(34)
        )
        zones = [
            services.zone_create(actor=actor, fair_id=fair.pk, hall_id=hall.pk, name=n, kind=k) for n, k in zone_specs
        ]
        letter = "AB"[hall_index]
        for n in range(60):
            row, col = divmod(n, 15)
            corner = col in (0, 14)
            premium = row == 0 and 6 <= col <= 8
            booth_type = BoothType.PREMIUM if premium else BoothType.CORNER if corner else BoothType.STANDARD
            price = {BoothType.PREMIUM: 8_000_000, BoothType.CORNER: 5_000_000}.get(booth_type, 4_000_000)
            zone = zones[min(len(zones) - 1, col * len(zones) // 15)]
            spec = BoothSpec(
                code=f"{letter}-{n + 1:02d}",
                booth_type=booth_type,
                zone_id=zone.pk,
                x=Decimal(1 + col * 4),
                y=Decimal(2 + row * 8 + (0 if row % 2 == 0 else -1)),
                price=price,
                water=zone.kind == ZoneKind.SEAFOOD,
                cold_storage=zone.kind == ZoneKind.SEAFOOD and col % 2 == 0,
                blocked=(hall_index == 1 and n == 37),  # a pillar
            )
            services.booth_create(actor=actor, fair_id=fair.pk, hall_id=hall.pk, spec=spec)


def seed_fairs(context: DemoContext) -> None:
    if Fair.objects.filter(slug=FAIR_SLUG).exists():
        context.notes.append("Fairs: the demo fair exists already; left as it is.")
        return
    alliance: Organisation = context.objects["alliance"]
    staff = _owner(alliance)
    today = timezone.localdate()
    programme = SubsidyProgramme.objects.create(
        name="Chương trình xúc tiến thương mại HTX năm 2026",
        funder="Sở Công Thương tỉnh An Giang",
        year=today.year,
        budget=150_000_000,
        rate_standard=Decimal(70),
        rate_corner=Decimal(50),
        rate_premium=Decimal(30),
        rate_shared=Decimal(70),
        yearly_cap=6_000_000,
        eligible_kinds=[OrganisationKind.COOPERATIVE, OrganisationKind.COOPERATIVE_GROUP, OrganisationKind.UNION],
        requires_verified=True,
        first_time_priority=True,
    )
    spec = FairSpec(
        slug=FAIR_SLUG,
        name_vi="Hội chợ OCOP và Nông sản vùng Đồng bằng sông Cửu Long – Rạch Giá",
        name_en="Mekong Delta OCOP and Farm Produce Fair – Rạch Giá",
        venue="Quảng trường Trần Quang Khải",
        province_code=91,
        address_line="Đường Trần Quang Khải, Phường Rạch Giá",
        starts_on=today + timedelta(days=14),
        ends_on=today + timedelta(days=18),
        applications_open_on=today - timedelta(days=30),
        applications_close_on=today + timedelta(days=7),
        rules_vi=(
            "Mỗi HTX đăng ký tối đa một gian hàng. Trưng bày sản phẩm có nguồn gốc rõ ràng; hàng OCOP ghi rõ số sao."
        ),
        rules_en="One booth per cooperative. Products on show must be traceable; OCOP products show their stars.",
        payment_days=7,
        subsidy_programme_id=programme.pk,
    )
    fair = services.fair_create(actor=staff, spec=spec)
    _layout(staff, fair)
    services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.OPEN)

    demo_keys = [k for k, v in context.objects.items() if isinstance(v, Organisation) and v.is_seller and v.is_verified]
    sellers = [context.objects[k] for k in demo_keys] + _extra_cooperatives()
    products: dict[str, Any] = context.objects.get("catalog_products", {})
    applications: list[Application] = []
    for i, coop in enumerate(sellers):
        own = [p.pk for p in products.values() if p.cooperative_id == coop.pk and p.status == ProductStatus.PUBLISHED]
        booth_type = BoothType.CORNER if i % 7 == 3 else BoothType.STANDARD
        request = ApplicationRequest(
            booth_type=booth_type,
            products=tuple(own[:3]),
            samples="Hàng mẫu dùng thử cho khách" if i % 2 else "",
            needs_cold_chain="Thủy sản" in coop.name or "Tôm" in coop.name,
            needs_power=True,
        )
        applications.append(services.application_submit(actor=_owner(coop), fair_id=fair.pk, request=request))
    services.allocation_run(actor=staff, fair_id=fair.pk)
    live = list(Application.objects.filter(fair=fair, status=ApplicationStatus.APPROVED).order_by("pk"))
    for application in live[: len(live) // 2]:
        if application.amount_due:
            services.fee_mark_paid(application_id=application.pk, fully_paid=True)
    if live:
        services.application_withdraw(
            actor=_owner(live[-1].cooperative), application_id=live[-1].pk, reason="Trùng lịch thu hoạch"
        )
    late = [
        services.application_submit(actor=_owner(coop), fair_id=fair.pk, request=ApplicationRequest())
        for coop in _late_applicants(context, sellers)
    ]
    if late:
        services.application_waitlist(actor=staff, application_id=late[0].pk, note="Hết gian hàng tiêu chuẩn")
    if len(late) > 1:
        services.application_reject(
            actor=staff,
            application_id=late[1].pk,
            reason="Sản phẩm chưa có giấy chứng nhận an toàn thực phẩm còn hiệu lực.",
        )

    services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.CLOSE_APPLICATIONS)
    services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.PUBLISH)
    _matching(context, staff, fair)
    context.notes.append(
        f"Fairs: {fair.name_vi} — {fair.booths.count()} booths, {fair.applications.count()} applications, "
        f"{Meeting.objects.filter(fair=fair).count()} meetings. Staff: /staff/fairs/."
    )


def _late_applicants(context: DemoContext, sellers: list[Organisation]) -> list[Organisation]:
    """Cooperatives that apply after the allocation: three more demo ones without an application yet."""
    made = []
    for i, name in enumerate(["HTX Bánh pía Sóc Trăng", "HTX Khô mực Hà Tiên", "HTX Muối Bạc Liêu"]):
        organisation, _ = Organisation.objects.get_or_create(
            tax_code=demo_tax_code(360 + i),
            defaults={
                "kind": OrganisationKind.COOPERATIVE,
                "name": name,
                "legal_name": f"Hợp tác xã {name.removeprefix('HTX ')}",
                "province_code": 91,
                "verification_status": VerificationStatus.VERIFIED,
            },
        )
        user, created = User.objects.get_or_create(
            email=f"htx{360 + i}@hoicho-demo.example", defaults={"full_name": f"Chủ nhiệm {name}"}
        )
        if created:
            user.password = demo_password_hash()
            user.acting_organisation = organisation
            user.save()
        Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": Role.OWNER})
        made.append(organisation)
    return made


def _matching(context: DemoContext, staff: Actor, fair: Fair) -> None:
    for day in (fair.starts_on, fair.starts_on + timedelta(days=1)):
        services.slots_create(actor=staff, fair_id=fair.pk, day=day, first=time(9, 0), count=4, minutes=30)
        services.slots_create(actor=staff, fair_id=fair.pk, day=day, first=time(14, 0), count=3, minutes=30)
    slots = list(fair.slots.order_by("starts_at"))
    services.tables_create(actor=staff, fair_id=fair.pk, count=8)
    buyers = [v for v in context.objects.values() if isinstance(v, Organisation) and v.kind == OrganisationKind.BUYER]
    exhibitors = [e.application.cooperative for e in selectors.exhibitors(fair=fair)]
    outcomes = [
        (
            OutcomeKind.MOU,
            Decimal(200),
            Unit.TAN,
            3_600_000_000,
            "Biên bản ghi nhớ bao tiêu 200 tấn gạo ST25 vụ Đông Xuân",
        ),
        (OutcomeKind.RFQ, Decimal(5), Unit.TAN, 0, "Yêu cầu báo giá 5 tấn giao tháng 3"),
        (OutcomeKind.ORDER, Decimal(1200), Unit.CHAI, 96_000_000, "Đơn hàng nước mắm 40 độ đạm"),
        (OutcomeKind.INTEREST, None, None, 0, "Quan tâm, hẹn thăm vùng nguyên liệu"),
    ]
    n = 0
    for b_index, buyer in enumerate(buyers):
        actor = _owner(buyer)
        services.buyer_register(actor=actor, fair_id=fair.pk, interests="Gạo thơm, nước mắm, trái cây sấy")
        for k in range(4):
            exhibitor = exhibitors[(b_index * 5 + k) % len(exhibitors)]
            meeting = services.meeting_request(
                actor=actor,
                fair_id=fair.pk,
                exhibitor_id=exhibitor.pk,
                slot_id=slots[k + b_index].pk,
                message="Xin gặp trao đổi",
            )
            if k == 3:
                services.meeting_decline(actor=_owner(exhibitor), meeting_id=meeting.pk, reason="Bận nhận hàng mẫu")
                continue
            if k == 2 and b_index == 0:
                continue  # stays requested
            meeting = services.meeting_accept(actor=_owner(exhibitor), meeting_id=meeting.pk)
            kind, volume, unit, value, note = outcomes[n % len(outcomes)]
            n += 1
            if k == 0:
                links = _outcome_links(kind, meeting)
                outcome = OutcomeSpec(kind=kind, volume=volume, unit=unit, value=value, note=note, **(links or {}))
                if links is None:
                    outcome = OutcomeSpec(kind=OutcomeKind.INTEREST, note=note)
                services.meeting_outcome_record(actor=actor, meeting_id=meeting.pk, outcome=outcome)
