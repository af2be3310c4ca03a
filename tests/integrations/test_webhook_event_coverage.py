"""Every webhook event type that may be chosen is emitted by the service that makes its change. The other event
tests (tests/orders, tests/linkage, tests/fairs, tests/payments test_webhook_events.py) cover the rest; these
two had no test: a contract amended (a second version signed by both) and a card payment refunded (each refund
an event of its own). The last test holds the list together: a new event type with no test of its emission
fails it."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from linkage import services as linkage
from market.integrations.registry import subscribable_event_types
from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services as payments
from market.payments.models import Payment
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.integrations.helpers import events_for, listen
from tests.linkage import factories
from tests.payments.fixtures import card_token

pytestmark = pytest.mark.django_db
TESTS = Path(__file__).parents[1]


def test_an_amendment_signed_by_both_emits_contract_amended_to_both_parties(cooperative):
    processor = factories.processor()
    listen(processor, cooperative)
    product = factories.paddy(cooperative)
    contract = factories.sign_both(factories.draft(processor, cooperative, product))
    amended = replace(factories.rice_terms(product), committed_quantity=Decimal(1_300_000), change_note="Thêm 100 tấn.")
    linkage.contract_amend(actor=actor_for(cooperative, Role.OWNER), contract_id=contract.pk, terms=amended)
    linkage.version_sign(actor=actor_for(cooperative, Role.OWNER), contract_id=contract.pk)
    assert events_for(processor, "contract.amended") == []  # one signature: not amended yet

    linkage.version_sign(actor=actor_for(processor, Role.OWNER), contract_id=contract.pk)

    for organisation in (processor, cooperative):
        [signed] = events_for(organisation, "contract.signed")
        [amendment] = events_for(organisation, "contract.amended")
        assert amendment.data["id"] == contract.pk
        assert amendment.data["committed_quantity"] == "1300000"
        assert amendment.pk != signed.pk


def test_each_refund_of_a_card_payment_emits_payment_refunded(
    localstripe, make_invoice, payer, payee, payer_user, alliance
):
    listen(payer, payee)
    payable = make_invoice(1_500_000)
    payment, _ = payments.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=payable.pk, token_id=card_token(localstripe)
    )
    staff = resolve_actor(member(alliance, Role.MANAGER))
    payments.refund_create(actor=staff, payment_id=payment.pk, amount=500_000, reason="Thiếu 1 bao gạo")
    payments.refund_create(actor=staff, payment_id=payment.pk, amount=1_000_000, reason="Hủy đơn")

    for organisation in (payer, payee):
        refunds = events_for(organisation, "payment.refunded")
        assert [event.data["amount_refunded"] for event in refunds] == [500_000, 1_500_000]
        assert {event.data["id"] for event in refunds} == {payment.pk}
        assert len({event.pk for event in refunds}) == 2  # two refunds, two events (not one deduplicated)
    assert Payment.objects.get().state == "refunded"


def test_every_event_type_that_may_be_chosen_has_a_test_of_its_emission():
    """A test of emission reads the queued events with `events_for`: every subscribable type is named in a test
    file that does."""
    named = set()
    for path in TESTS.rglob("test_*.py"):
        text = path.read_text()
        if "events_for(" in text:
            named |= set(re.findall(r'"([a-z_]+\.[a-z_]+)"', text))
    assert {t.name for t in subscribable_event_types()} - named == set()
