"""The trade fair under load: a fair with 300 booths (200 of them assigned) whose public plan is measured
against the bare view, and the meeting-booking race (`python -m bench report` runs both).

The race: 200 buyers registered for the fair's business matching each request a meeting in the same new
time slot, ten buyers per exhibitor, all released at once over the API. It must end with exactly one
meeting per exhibitor, no buyer twice, clear 409s for everyone else and no 5xx."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any

from bench.client import Answer, Client, race, server_errors, statuses
from bench.fixtures import buyers_with_tokens, member_actor

FAIR_SLUG = "hoi-cho-thu-tai-300-gian-hang"
HALLS = (("Nhà A", "Lúa gạo"), ("Nhà B", "Thủy sản"), ("Nhà C", "Trái cây và đặc sản"))


def _staff() -> Any:
    from market.organisations.models import Organisation, OrganisationKind, Role

    alliance, _created = Organisation.objects.get_or_create(
        name="Liên minh HTX thử tải",
        kind=OrganisationKind.ALLIANCE,
        defaults={"legal_name": "Liên minh Hợp tác xã thử tải", "province_code": 91, "verification_status": "verified"},
    )
    return member_actor(alliance, "nhanvien@lienminh-thutai.example", role=Role.STAFF)


def plan_csv(booths: int) -> str:
    """`booths` standard 3 × 3 m booths, 100 to a 60 × 40 m hall (10 × 10, with aisles)."""
    lines = ["hall,zone,code,type,x,y,width,depth,price,power,water,cold_storage"]
    for n in range(booths):
        hall, zone = HALLS[(n // 100) % len(HALLS)]
        place = n % 100
        code = f"{hall[-1]}{n // 100 // len(HALLS) or ''}-{place + 1:03d}"
        lines.append(f"{hall},{zone},{code},standard,{place % 10 * 5},{place // 10 * 4},3,3,2800000,1,0,0")
    return "\n".join(lines) + "\n"


def ensure_fair(*, booths: int = 300, exhibitors: int = 200) -> Any:
    """The bench fair, published, with `booths` booths and the first `exhibitors` of them assigned to
    cooperatives of the bench catalogue. Made once per database, through the fairs services."""
    from django.db import transaction
    from django.utils import timezone

    from bench.generate import analyse
    from fairs import services
    from fairs.inputs import ApplicationRequest, FairSpec, read_plan_csv
    from fairs.lifecycle import FairTransition
    from fairs.models import Booth, Fair, FairStatus
    from market.organisations.models import Organisation, OrganisationKind

    fair = Fair.objects.filter(slug=FAIR_SLUG).first()
    if fair is not None and fair.status == FairStatus.PUBLISHED:
        return fair
    if fair is not None:
        raise RuntimeError(f"the bench fair {FAIR_SLUG} was left half made ({fair.status}); delete it to rebuild")
    staff = _staff()
    today = timezone.localdate()
    spec = FairSpec(
        name_vi="Hội chợ thử tải 300 gian hàng",
        venue="Trung tâm Hội chợ Triển lãm An Giang",
        province_code=91,
        starts_on=today + timedelta(days=30),
        ends_on=today + timedelta(days=33),
        applications_open_on=today,
        applications_close_on=today + timedelta(days=20),
        slug=FAIR_SLUG,
    )
    # One transaction: a run stopped while it builds (Ctrl-C, a killed test run) leaves no half-made fair behind.
    with transaction.atomic():
        fair = services.fair_create(actor=staff, spec=spec)
        services.plan_import(actor=staff, fair_id=fair.pk, rows=read_plan_csv(plan_csv(booths).encode()))
        services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.OPEN)
        cooperatives = Organisation.objects.filter(
            kind=OrganisationKind.COOPERATIVE, verification_status="verified"
        ).order_by("pk")[:exhibitors]
        for cooperative, booth in zip(cooperatives, Booth.objects.filter(fair=fair).order_by("pk"), strict=False):
            exhibitor = member_actor(cooperative, f"hoicho-{cooperative.pk}@bench.example")
            application = services.application_submit(actor=exhibitor, fair_id=fair.pk, request=ApplicationRequest())
            services.booth_assign(actor=staff, application_id=application.pk, booth_id=booth.pk)
        services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.CLOSE_APPLICATIONS)
        services.fair_transition(actor=staff, fair_id=fair.pk, transition=FairTransition.PUBLISH)
    analyse("fairs")
    fair.refresh_from_db()
    return fair


def meeting_race(base: str, fair: Any, *, buyers: int = 200, exhibitors: int = 20) -> dict[str, Any]:
    """`buyers` buyers race for one new slot, `buyers / exhibitors` of them for each exhibitor."""
    from django.urls import reverse

    from fairs import services
    from fairs.models import BoothAssignment, Meeting, MeetingSlot

    staff = _staff()
    taken = MeetingSlot.objects.filter(fair=fair).count()  # a new slot per run: 08:00, 08:30, … of day one
    first = (datetime.combine(fair.starts_on, time(8)) + timedelta(minutes=30 * taken)).time()
    slot = services.slots_create(actor=staff, fair_id=fair.pk, day=fair.starts_on, first=first, count=1, minutes=30)[0]
    exhibitor_ids = list(
        BoothAssignment.objects.filter(fair=fair, released_at__isnull=True)
        .order_by("booth_id")
        .values_list("application__cooperative_id", flat=True)[:exhibitors]
    )
    racers = buyers_with_tokens(buyers, f"Meeting {uuid.uuid4().hex[:6]}")
    for organisation, _token in racers:
        services.buyer_register(
            actor=member_actor(organisation, f"meeting-{organisation.pk}@bench.example"), fair_id=fair.pk
        )
    path = reverse("fairs:meeting-list", args=[fair.pk])

    def request(exhibitor_id: int) -> Any:
        def job(client: Client) -> Answer:
            return client.post(path, {"exhibitor": exhibitor_id, "slot": slot.pk, "message": "Gặp để bàn giá gạo ST25"})

        return job

    jobs = [request(exhibitor_ids[i % len(exhibitor_ids)]) for i in range(len(racers))]
    answers, seconds = race(base, jobs, [token for _o, token in racers])
    booked = Meeting.objects.filter(slot=slot)
    per_exhibitor = booked.values("exhibitor").distinct().count()
    per_buyer = booked.values("buyer").distinct().count()
    created = sum(1 for a in answers if a.status == 201)
    return {
        "buyers": len(racers),
        "exhibitors": len(exhibitor_ids),
        "meetings": booked.count(),
        "created_201": created,
        "refused_409": sum(1 for a in answers if a.status == 409),
        "statuses": statuses(answers),
        "server_errors": server_errors(answers),
        "seconds": round(seconds, 2),
        "exact": booked.count() == len(exhibitor_ids) == per_exhibitor == per_buyer == created,
    }
