"""Fair test data, made through the services (so that derived columns and locks are the real ones)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fairs import services
from fairs.inputs import ApplicationRequest, BoothSpec, FairSpec
from fairs.models import Application, Booth, BoothType, Fair, FairStatus, Hall, MeetingSlot, SubsidyProgramme
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
    booth_type: BoothType = BoothType.STANDARD,
    name: str = "Hội chợ OCOP Rạch Giá",
    starts_in: int = 30,
    halls: int = 1,
) -> Fair:
    """A fair starting in `starts_in` days (four days long), taking applications since yesterday, with a
    60 × 40 m hall "Nhà A" and `booths` booths A-01… in rows of fifteen."""
    today = timezone.localdate()
    actor = staff_actor(alliance)
    spec = FairSpec(
        name_vi=name,
        venue="Trung tâm Hội nghị tỉnh",
        province_code=91,
        starts_on=today + timedelta(days=starts_in),
        ends_on=today + timedelta(days=starts_in + 3),
        applications_open_on=today - timedelta(days=1),
        applications_close_on=today + timedelta(days=max(0, min(20, starts_in))),
        subsidy_programme_id=programme.pk if programme else None,
    )
    fair = services.fair_create(actor=actor, spec=spec)
    if halls:
        hall = services.hall_create(
            actor=actor, fair_id=fair.pk, name="Nhà A", width_m=Decimal(60), depth_m=Decimal(40)
        )
        for i in range(booths):
            booth_spec = BoothSpec(
                code=f"A-{i + 1:02d}",
                booth_type=booth_type,
                x=Decimal((i % 15) * 4),
                y=Decimal((i // 15) * 4),
                price=price,
            )
            services.booth_create(actor=actor, fair_id=fair.pk, hall_id=hall.pk, spec=booth_spec)
    if status != FairStatus.DRAFT:
        Fair.objects.filter(pk=fair.pk).update(status=status)
        fair.refresh_from_db()
    return fair


def hall_of(fair: Fair) -> Hall:
    hall = fair.halls.first()
    assert hall is not None
    return hall


def booth(fair: Fair, code: str) -> Booth:
    return Booth.objects.get(fair=fair, code=code)


def cooperatives(n: int, **fields: Any) -> list[Organisation]:
    return [OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name=f"HTX Mẫu {i}", **fields) for i in range(n)]


def apply(cooperative: Organisation, fair: Fair, **request: Any) -> Application:
    return services.application_submit(
        actor=actor_for(cooperative), fair_id=fair.pk, request=ApplicationRequest(**request)
    )


def assign(alliance: Organisation, application: Application, fair: Fair, code: str) -> Application:
    return services.booth_assign(
        actor=staff_actor(alliance), application_id=application.pk, booth_id=booth(fair, code).pk
    )


def add_slots(alliance: Organisation, fair: Fair, *, count: int = 2, first: time = time(9, 0)) -> list[MeetingSlot]:
    return services.slots_create(
        actor=staff_actor(alliance), fair_id=fair.pk, day=fair.starts_on, first=first, count=count, minutes=30
    )


def publish(fair: Fair) -> Fair:
    Fair.objects.filter(pk=fair.pk).update(status=FairStatus.PUBLISHED)
    fair.refresh_from_db()
    return fair


def same_day() -> date:
    return timezone.localdate()


def fair_with_two_named_badges(alliance: Organisation, cooperative: Organisation) -> Fair:
    """Opening tomorrow (check-in open today): the cooperative exhibits at A-01 and names two of its people."""
    fair = make_fair(alliance, booths=1, starts_in=1)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    publish(fair)
    owner = actor_for(cooperative, Role.OWNER)
    for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"):
        services.badge_issue_person(actor=owner, fair_id=fair.pk, name=name)
    return fair


@dataclass(frozen=True)
class Matching:
    fair: Fair
    exhibitor: Organisation
    buyer: Organisation
    slot: MeetingSlot


def matching_fair(alliance: Organisation) -> Matching:
    """A published fair with one exhibitor, one meeting time, a table and a registered buyer."""
    exhibitor = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name="HTX Nước mắm Hưng Thịnh")
    buyer = OrganisationFactory(kind=OrganisationKind.BUYER, name="Sài Gòn Xanh Foods")
    fair = make_fair(alliance, booths=1)
    assign(alliance, apply(exhibitor, fair), fair, "A-01")
    publish(fair)
    slot = add_slots(alliance, fair, count=1)[0]
    services.tables_create(actor=staff_actor(alliance), fair_id=fair.pk, count=1)
    services.buyer_register(actor=actor_for(buyer), fair_id=fair.pk)
    return Matching(fair, exhibitor, buyer, slot)
