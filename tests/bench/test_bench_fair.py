"""The bench fair is made whole or not at all: a run stopped while it builds the fair (Ctrl-C, a killed test run)
left a half-made one, and every later run of `bench report` and `bench cpu` on that database then refused to go on
("left half made (open); delete it to rebuild")."""

from __future__ import annotations

from typing import Any

import pytest

from bench import fairs as bench_fairs
from fairs import services
from fairs.models import Fair, FairStatus

pytestmark = pytest.mark.django_db


class Stopped(Exception):
    """The run stopped part-way."""


def test_a_run_stopped_while_it_builds_the_fair_leaves_none_and_the_next_builds_it(cooperative, monkeypatch):
    assign = services.booth_assign

    def stopped(**kwargs: Any) -> Any:
        raise Stopped

    monkeypatch.setattr(services, "booth_assign", stopped)
    with pytest.raises(Stopped):
        bench_fairs.ensure_fair(booths=3, exhibitors=1)
    assert not Fair.objects.filter(slug=bench_fairs.FAIR_SLUG).exists()

    monkeypatch.setattr(services, "booth_assign", assign)
    fair = bench_fairs.ensure_fair(booths=3, exhibitors=1)
    assert fair.status == FairStatus.PUBLISHED
    assert fair.booths.count() == 3
