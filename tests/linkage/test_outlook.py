"""The supply outlook subtracts what linkage contracts still expect: planned and ordered call-offs not yet
delivered, in kilograms, by category, the cooperative's province and month."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.supply.registry import OutlookKey, contracted_volume_by
from catalog.supply.selectors.outlook import month_start
from tests.linkage import factories
from tests.linkage.factories import D

pytestmark = pytest.mark.django_db


def test_contracts_tell_the_outlook_what_is_still_to_come(contract):
    planned = contract.call_offs.get()  # 300 tấn, scheduled 20 days ahead
    delivered = factories.dispatch(factories.call_off(contract, "10000", days=1))
    factories.weigh(delivered, "10000", moisture="14", impurities="1", unfilled="1")
    ordered = factories.call_off(contract, "25000", days=2)
    month = month_start(planned.due_on)
    answer = contracted_volume_by(months=[month_start(timezone.localdate()), month])
    key = OutlookKey(contract.category_id, contract.cooperative.province_code, month)
    expected = D(300_000) + (D(25_000) if month_start(ordered.due_on) == month else 0)
    assert answer[key] == expected
    # Another province asks for nothing of it.
    assert contracted_volume_by(province_codes=[1], months=[month]) == {}
    later = month_start(planned.due_on + timedelta(days=62))
    assert contracted_volume_by(months=[later]) == {}
