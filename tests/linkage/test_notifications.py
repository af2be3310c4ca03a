"""What the parties read: the graded delivery's news in Vietnamese, with Vietnamese numbers and money."""

import pytest

from market.notifications.models import Notification
from market.notifications.registry import get_kind
from market.notifications.rendering import render_email
from tests.linkage import factories

pytestmark = pytest.mark.django_db


def test_the_graded_delivery_reads_in_vietnamese(contract):
    call = factories.dispatch(factories.call_off(contract, "12500"))
    factories.weigh(call, "12500", moisture="14.5", impurities="1", unfilled="2")
    row = Notification.objects.filter(kind="linkage.delivery_recorded", organisation=contract.cooperative).first()
    assert row is not None
    email = render_email(get_kind(row.kind), row.context, language="vi")
    assert contract.number in email.subject
    assert "cân 12.500 kg" in email.text
    assert "trừ 75 kg, nhận 12.425 kg × 7.000\u00a0₫ = 86.975.000\u00a0₫" in email.text
