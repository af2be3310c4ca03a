"""Fair test data, made through the services (so that derived columns and locks are the real ones)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from fairs import services
from fairs.models import Booth, BoothType, Fair, FairStatus, Hall, SubsidyProgramme
from market.organisations.models import Organisation, OrganisationKind, Role
from market.organisations.permissions import Actor
from tests.catalog.factories import actor_for
from tests.factories import OrganisationFactory


def staff_actor(alliance: Organisation) -> Actor:
    return actor_for(alliance, Role.STAFF)


def make_programme(**overrides: Any) -> SubsidyProgramme:
    data = {
        "name": "Chương trình hỗ trợ xúc tiến thương mại 2026",
        "funder": "Sở Công Thương An Giang",
        "year": 2026,
        "budget": 100_000_000,
        "rate_standard": 70,
        "rate_corner": 50,
        "rate_premium": 30,
        "rate_shared": 70,
        "yearly_cap": 10_000_000,
        "eligible_kinds": [OrganisationKind.COOPERATIVE, OrganisationKind.COOPERATIVE_GROUP, OrganisationKind.UNION],
        "eligible_provinces": [],
        "requires_verified": True,
        "first_time_priority": True,
    }
    data.update(overrides)
    return SubsidyProgramme.objects.create(**data)


def make_fair(
    alliance: Organisation,
    *,
    booths: int = 0,
    status: str = FairStatus.OPEN,
    programme: SubsidyProgramme | None = None,
    price: int = 4_000_000,
    booth_type: str = BoothType.STANDARD,
    name: str = "Hội chợ OCOP Rạch Giá",
) -> Fair:
    today = timezone.localdate()
    actor = staff_actor(alliance)
    fair = services.fair_create(
        actor=actor,
        name_vi=name,
        venue="Trung tâm Hội nghị tỉnh",
        province_code=91,
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=33),
        applications_open_on=today - timedelta(days=1),
        applications_close_on=today + timedelta(days=20),
        subsidy_programme=programme,
    )
    hall = services.hall_create(actor=actor, fair=fair, name="Nhà A", width_m=60, depth_m=40)
    for i in range(booths):
        services.booth_create(
            actor=actor,
            fair=fair,
            hall=hall,
            code=f"A-{i + 1:02d}",
            booth_type=booth_type,
            x=(i % 15) * 4,
            y=(i // 15) * 4,
            price=price,
        )
    if status != FairStatus.DRAFT:
        Fair.objects.filter(pk=fair.pk).update(status=status)
        fair.refresh_from_db()
    return fair


def hall_of(fair: Fair) -> Hall:
    return fair.halls.first()  # type: ignore[return-value]


def booth(fair: Fair, code: str) -> Booth:
    return Booth.objects.get(fair=fair, code=code)


def cooperatives(n: int, **fields: Any) -> list[Organisation]:
    return [OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name=f"HTX Mẫu {i}", **fields) for i in range(n)]


def apply(cooperative: Organisation, fair: Fair, **data: Any):
    return services.application_submit(actor=actor_for(cooperative), fair=fair, **data)


def same_day() -> date:
    return timezone.localdate()
