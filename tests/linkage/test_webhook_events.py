"""Linkage contracts emit their webhook events: signed, amended, call-off due, delivery graded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from linkage import services
from tests.integrations.helpers import events_for, listen
from tests.linkage.factories import call_off, contract_in_force, dispatch, weigh

pytestmark = pytest.mark.django_db


def test_contract_events_reach_both_parties(processor, cooperative):
    listen(processor, cooperative)
    contract = contract_in_force(processor, cooperative)
    call = call_off(contract, days=2)
    services.call_off_due_notices(today=timezone.localdate())
    services.call_off_due_notices(today=timezone.localdate())  # the same day again: no second event
    dispatch(call)
    weigh(call, "25000", moisture="14", impurities="1", unfilled="2")

    for organisation in (processor, cooperative):
        [signed] = events_for(organisation, "contract.signed")
        assert signed.data["id"] == contract.pk
        assert signed.data["status"] == "active"
        [due] = events_for(organisation, "calloff.due")
        assert (due.data["contract"], due.data["id"]) == (contract.pk, call.pk)
        [graded] = events_for(organisation, "delivery.graded")
        assert graded.data["delivery"]["gross_quantity"] == "25000"
    assert (timezone.localdate() + timedelta(days=2)).isoformat() == due.data["due_on"]
