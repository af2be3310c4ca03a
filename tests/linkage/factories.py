"""Linkage test data, made through the services (drafted, signed, called off, weighed) so that every
running figure is right. The demo's rice contract is the model: a processor buys a cooperative's paddy for
a winter-spring season at a floor price or the market, with a moisture deduction table."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog.models import Category, Product
from catalog.supply.models import MemberHousehold, Plot, RawMaterialArea
from linkage import services
from linkage.grading import Band, DeliveryDetails
from linkage.models import CallOff, Effect, LinkageContract, Measure, PriceRule, ReferenceSeries, SeasonKind
from linkage.terms import ScheduledDelivery, Terms
from market.organisations.models import Organisation, OrganisationKind, Role
from market.organisations.permissions import Actor
from orders.services.lifecycle import order_confirm, shipment_create
from tests.catalog.factories import actor_for, make_product
from tests.factories import OrganisationFactory

D = Decimal

# The demo contract's moisture table (hand-checked in test_grading): above 14 % up to 17 %: 1,2 kg per
# 100 kg per point; 17–20 %: 1,5; above 20 %: 2. Impurities above 2 %: 1 kg per 100 kg per point.
# Unfilled grains above 5 %: 50 đồng per kg per point.
RICE_TABLE = (
    Band(Measure.MOISTURE, D(14), D(17), Effect.WEIGHT, D("1.2")),
    Band(Measure.MOISTURE, D(17), D(20), Effect.WEIGHT, D("1.5")),
    Band(Measure.MOISTURE, D(20), None, Effect.WEIGHT, D(2)),
    Band(Measure.IMPURITIES, D(2), None, Effect.WEIGHT, D(1)),
    Band(Measure.UNFILLED, D(5), None, Effect.PRICE, D(50)),
)


def processor(name: str = "Công ty CP Lương thực Kiên Giang") -> Organisation:
    return OrganisationFactory(kind=OrganisationKind.BUYER, name=name)


def paddy(cooperative: Organisation, *, name: str = "Lúa tươi Đài Thơm 8", unit: str = "kg") -> Product:
    return make_product(
        cooperative,
        name=name,
        category="gao",
        unit=unit,
        moq="1",
        order_multiple="1",
        vat_category="khong-chiu-thue",
        tiers=[("1", 7000)],
        publish=False,
    )


def area(cooperative: Organisation, *, code: str = "VNL-01", plots: int = 3, hectares: str = "2.5") -> RawMaterialArea:
    """An area with `plots` plots, each farmed by its own household."""
    raw = RawMaterialArea.objects.create(
        cooperative=cooperative,
        code=code,
        name=f"Cánh đồng lớn {code}",
        category=Category.objects.get(slug="gao"),
        crop="Lúa Đài Thơm 8",
        province_code=91,
    )
    for index in range(plots):
        household = MemberHousehold.objects.create(
            cooperative=cooperative,
            code=f"{code}-H{index}",
            name=f"Hộ Nguyễn Văn {index}",
            province_code=91,
            commune_code=30850,
        )
        Plot.objects.create(
            area=raw, code=f"{code}-P{index}", province_code=91, commune_code=30850, hectares=D(hectares),
            household=household,
        )  # fmt: skip
    return raw


def series(publisher: Organisation, *, name: str = "Lúa tươi Đài Thơm 8 tại ruộng") -> ReferenceSeries:
    return services.series_create(
        actor=actor_for(publisher, Role.OWNER),
        name=name,
        category_id=Category.objects.get(slug="gao").pk,
        province_code=91,
        unit="kg",
    )


def publish(reference: ReferenceSeries, price: int, *, on: date | None = None) -> None:
    services.price_publish(
        actor=actor_for(reference.publisher, Role.OWNER),
        series_id=reference.pk,
        effective_on=on or timezone.localdate() - timedelta(days=1),
        price=price,
    )


def rice_terms(product: Product, **overrides: Any) -> Terms:
    today = timezone.localdate()
    terms = Terms(
        product_id=product.pk,
        grade_spec="Lúa tươi Đài Thơm 8, hạt chắc, tạp chất ≤ 2 %, độ ẩm chuẩn 14 %",
        committed_quantity=D(1_200_000),
        tolerance_percent=D(5),
        delivery_place="Nhà máy Lương thực Kiên Giang, Rạch Giá",
        delivery_province_code=91,
        price_rule=PriceRule.FIXED,
        base_price=7000,
        premium=0,
        reference_series_id=None,
        payment_days=7,
        deposit=0,
        advance_limit=200_000_000,
        starts_on=today - timedelta(days=10),
        ends_on=today + timedelta(days=120),
        grading=RICE_TABLE,
        schedule=(ScheduledDelivery(today + timedelta(days=20), D(300_000)),),
    )
    return replace(terms, **overrides)


def draft(buyer: Organisation, cooperative: Organisation, product: Product, **overrides: Any) -> LinkageContract:
    terms = rice_terms(product, **overrides)
    return services.contract_draft(
        actor=actor_for(buyer, Role.OWNER),
        counterparty_id=cooperative.pk,
        title="Lúa Đông Xuân, cánh đồng lớn Kênh 8",
        season_kind=SeasonKind.WINTER_SPRING,
        season_year=terms.ends_on.year,  # the harvest's year, within the term
        terms=terms,
    )


def sign_both(contract: LinkageContract) -> LinkageContract:
    services.version_sign(actor=actor_for(contract.buyer, Role.OWNER), contract_id=contract.pk)
    services.version_sign(actor=actor_for(contract.cooperative, Role.OWNER), contract_id=contract.pk)
    return LinkageContract.objects.get(pk=contract.pk)


def contract_in_force(buyer: Organisation, cooperative: Organisation, **overrides: Any) -> LinkageContract:
    return sign_both(draft(buyer, cooperative, paddy(cooperative), **overrides))


def buyer_actor(contract: LinkageContract, role: str = Role.OWNER) -> Actor:
    return actor_for(contract.buyer, role)


def coop_actor(contract: LinkageContract, role: str = Role.OWNER) -> Actor:
    return actor_for(contract.cooperative, role)


def call_off(contract: LinkageContract, quantity: str = "25000", *, days: int = 5) -> CallOff:
    """An ad-hoc call-off ordered at once."""
    return services.call_off_add(
        actor=buyer_actor(contract),
        contract_id=contract.pk,
        due_on=timezone.localdate() + timedelta(days=days),
        quantity=D(quantity),
        place=True,
    )


def dispatch(call: CallOff) -> CallOff:
    """The cooperative confirms and ships the call-off's order."""
    call.refresh_from_db()
    assert call.order is not None
    seller = actor_for(call.contract.cooperative, Role.STAFF)
    order_confirm(actor=seller, order_id=call.order_id)
    line = call.order.lines.get()
    shipment_create(actor=seller, order_id=call.order_id, quantities={line.pk: line.quantity_confirmed})
    return CallOff.objects.get(pk=call.pk)


def weigh(call: CallOff, gross: str, **measured: str) -> Any:
    return services.delivery_record(
        actor=actor_for(call.contract.buyer, Role.STAFF),
        call_off_id=call.pk,
        details=DeliveryDetails(
            received_on=timezone.localdate(),
            gross_quantity=D(gross),
            measurements={key: D(value) for key, value in measured.items()},
            weigh_ticket="PC-001",
        ),
    )


def terms_body(product: Product, **extra: Any) -> dict[str, Any]:
    """A rice contract's terms as the API and the pages take them (JSON), with `extra` over them."""
    today = timezone.localdate()
    return {
        "product": product.pk,
        "grade_spec": "Lúa tươi OM 18, độ ẩm chuẩn 14 %",
        "committed_quantity": "1200000",
        "tolerance_percent": "5",
        "delivery_place": "Nhà máy Thạnh Lộc",
        "delivery_province_code": 91,
        "price_rule": "fixed",
        "base_price": 7000,
        "starts_on": (today - timedelta(days=1)).isoformat(),
        "ends_on": (today + timedelta(days=90)).isoformat(),
        "grading": [
            {"measure": "moisture", "threshold": "14", "limit": "17", "effect": "weight", "rate": "1.2"},
            {"measure": "impurities", "threshold": "2", "limit": None, "effect": "weight", "rate": "1"},
        ],
        "schedule": [{"due_on": (today + timedelta(days=30)).isoformat(), "quantity": "300000"}],
        **extra,
    }


def draft_body(product: Product, counterparty: Organisation, **extra: Any) -> dict[str, Any]:
    """A new contract's draft as the API takes it: parties and season over `terms_body`."""
    return {
        "counterparty": counterparty.pk,
        "title": "Lúa Đông Xuân",
        "season_kind": "winter_spring",
        "season_year": (timezone.localdate() + timedelta(days=90)).year,
        **terms_body(product, **extra),
    }
