"""A new payable's random reference can meet an existing one (one in ~27,000 at a million payables): the
services that open payables in one INSERT (checkout, quote acceptance, call-offs) then place everything again
in a fresh transaction instead of answering 500."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError

from market.organisations.models import Organisation
from market.payments import references, services
from market.payments.models import Payable
from tests.payables.models import TestInvoice

pytestmark = pytest.mark.django_db(transaction=True)


def open_with_reference(invoice: TestInvoice, reference: str) -> Payable:
    return Payable.objects.create(
        kind="test.invoice",
        object_id=str(invoice.pk),
        reference=reference,
        description=invoice.number,
        amount=invoice.amount,
        payer=invoice.payer,
        payee=invoice.payee,
    )


def placing(payer: Organisation, payee: Organisation, references_in_turn: list[str]) -> Callable[[], TestInvoice]:
    """A service that writes an invoice and opens its payable with the next reference of the list."""

    @services.placed_again_on_reference_collision
    def place() -> TestInvoice:
        attempt = len(references_in_turn)
        invoice = TestInvoice.objects.create(number=f"HD-TRY-{attempt}", payer=payer, payee=payee, amount=90_000)
        open_with_reference(invoice, references_in_turn.pop(0))
        return invoice

    return place


def test_a_collision_places_the_whole_transaction_again(make_invoice, payer, payee) -> None:
    taken = make_invoice()
    fresh = references.new_reference()
    invoice = placing(payer, payee, [taken.reference, fresh])()
    assert Payable.objects.get(object_id=str(invoice.pk)).reference == fresh
    # The first attempt's invoice went with its transaction: only the second one is written.
    assert list(TestInvoice.objects.filter(number__startswith="HD-TRY-").values_list("number", flat=True)) == [
        invoice.number
    ]


def test_collisions_every_time_end_in_the_error(make_invoice, payer, payee) -> None:
    taken = make_invoice()
    tries = [taken.reference] * 3
    with pytest.raises(IntegrityError):
        placing(payer, payee, tries)()
    assert tries == []  # three attempts
    assert not TestInvoice.objects.filter(number__startswith="HD-TRY-").exists()


def test_other_integrity_errors_are_not_retried(make_invoice, payer, payee) -> None:
    existing = make_invoice()
    calls: list[int] = []

    @services.placed_again_on_reference_collision
    def open_twice() -> None:
        calls.append(1)
        open_with_reference(TestInvoice.objects.get(pk=existing.object_id), references.new_reference())

    with pytest.raises(IntegrityError) as raised:
        open_twice()
    assert "payable_kind_object_unique" in str(raised.value)
    assert calls == [1]
