"""The fairs a storefront lists (fairs.selectors.fairs_exhibited), read by a plain statement, are what the ORM's
query read: the same fairs with the fields listed, newest first, one per fair, up to the limit; and the same when
read as a value of the cooperative's own row (fairs_exhibited_values, the storefront's one statement)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fairs import selectors
from fairs.lifecycle import PLAN_PUBLIC_STATUSES
from fairs.models import Application, ApplicationStatus, BoothAssignment, Fair, FairStatus
from tests.fairs.factories import apply, assign, make_fair

pytestmark = pytest.mark.django_db


def _orm(cooperative_id: int, limit: int) -> list[Fair]:
    """What fairs_exhibited read before: the ORM's query."""
    booked = BoothAssignment.objects.filter(
        released_at__isnull=True,
        application__cooperative_id=cooperative_id,
        application__status=ApplicationStatus.APPROVED,
    ).values("fair_id")
    fairs = Fair.objects.filter(pk__in=booked, status__in=PLAN_PUBLIC_STATUSES).only(*selectors.FAIR_LISTED_FIELDS)
    return list(fairs.order_by("-starts_on", "-id")[:limit])


def _fields(fair: Fair) -> dict[str, Any]:
    """The field values the instance holds (none left to load when asked)."""
    return {name: value for name, value in vars(fair).items() if not name.startswith("_")}


def _read_with_the_cooperative(cooperative_id: int, limit: int) -> list[Fair]:
    """The fairs as the storefront reads them: a value of the cooperative's row, then instances."""
    from market.organisations.models import Organisation

    values = selectors.fairs_exhibited_values(limit=limit)
    return selectors.fairs_exhibited_of(Organisation.objects.annotate(**values).get(pk=cooperative_id), limit=limit)


def _booked(alliance, cooperative, *, status: str, name: str, starts_in: int = 30) -> Application:
    """The cooperative given booth A-01 of a new fair, which then moves to `status` and to start in `starts_in`
    days."""
    fair = make_fair(alliance, booths=1, name=name)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    starts_on = timezone.localdate() + timedelta(days=starts_in)
    Fair.objects.filter(pk=fair.pk).update(status=status, starts_on=starts_on, ends_on=starts_on + timedelta(days=3))
    return application


def test_the_fairs_exhibited_are_the_orms(alliance, cooperative, other_cooperative):
    _booked(alliance, cooperative, status=FairStatus.PUBLISHED, name="Hội chợ published")
    _booked(alliance, cooperative, status=FairStatus.RUNNING, name="Hội chợ running", starts_in=0)
    _booked(alliance, cooperative, status=FairStatus.CLOSED, name="Hội chợ closed", starts_in=-40)
    _booked(alliance, cooperative, status=FairStatus.CLOSED, name="Cùng ngày", starts_in=-40)  # the same first day
    _booked(alliance, cooperative, status=FairStatus.OPEN, name="Chưa công bố")
    released = _booked(alliance, cooperative, status=FairStatus.PUBLISHED, name="Đã trả gian")
    BoothAssignment.objects.filter(application=released).update(released_at=timezone.now())
    waiting = _booked(alliance, cooperative, status=FairStatus.PUBLISHED, name="Chờ duyệt")
    Application.objects.filter(pk=waiting.pk).update(status=ApplicationStatus.WAITLISTED)
    _booked(alliance, other_cooperative, status=FairStatus.PUBLISHED, name="HTX khác")

    for cooperative_id in (cooperative.pk, other_cooperative.pk, alliance.pk):
        for limit in (12, 2):
            plain = selectors.fairs_exhibited(cooperative_id=cooperative_id, limit=limit)
            orm = [_fields(f) for f in _orm(cooperative_id, limit)]
            assert [_fields(f) for f in plain] == orm
            assert [_fields(f) for f in _read_with_the_cooperative(cooperative_id, limit)] == orm
    names = [f.name_vi for f in selectors.fairs_exhibited(cooperative_id=cooperative.pk)]
    assert names == ["Hội chợ published", "Hội chợ running", "Cùng ngày", "Hội chợ closed"]
