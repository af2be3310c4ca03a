"""docs/api-recipes.md runs: each `python` block, exactly as written, against a live server over HTTP."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from linkage.models import Delivery
from market.organisations import services as organisation_services
from market.organisations.models import ApiScope, Organisation, Role
from orders import services as order_services
from orders.models import CartLine, Checkout, Invoice
from tests.catalog.factories import actor_for
from tests.linkage import factories as linkage
from tests.orders.factories import only_order, place, stocked_product

pytestmark = pytest.mark.django_db(transaction=True)
RECIPES = re.findall(
    r"```python\n(.*?)```", (Path(django_settings.BASE_DIR) / "docs" / "api-recipes.md").read_text(), re.DOTALL
)


def run(recipe: int, capsys: Any) -> str:
    # The documentation's own code, run as a reader would run it: that is the point of this test.
    code = compile(RECIPES[recipe], f"docs/api-recipes.md (recipe {recipe + 1})", "exec")
    exec(code, {"__name__": "recipe"})  # noqa: S102
    return capsys.readouterr().out


def token(organisation: Organisation, scopes: set[ApiScope]) -> str:
    owner = actor_for(organisation, Role.OWNER)
    _token, secret = organisation_services.api_token_create(
        actor=owner, name="ERP", scopes=frozenset(scopes), expires_on=None
    )
    return secret


@pytest.fixture
def environment(live_server, monkeypatch, tmp_path, settings):
    settings.SYNC_SAFETY_LAG_SECONDS = 0  # the recipes run right after the writes they read
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MARKET_API", f"{live_server.url}/api/v1")
    return monkeypatch


def test_the_page_has_the_three_recipes():
    assert len(RECIPES) == 3


def test_the_weekly_order_is_placed_once_however_often_the_erp_runs(environment, buyer, cooperative, capsys):
    rice, _lot = stocked_product(cooperative)
    environment.setenv("MARKET_TOKEN", token(buyer, {ApiScope.ORDERS_PLACE}))
    environment.setenv("WEEKLY_PLAN", json.dumps([{"product": rice.pk, "quantity": "500"}]))

    first = run(0, capsys)
    again = run(0, capsys)

    checkout = Checkout.objects.get()
    assert first.startswith(f"placed {checkout.number} {checkout.total} VND")
    assert again.startswith(f"already placed {checkout.number}")
    assert checkout.orders.get().lines.get().quantity_ordered == 500
    assert not CartLine.objects.exists()


def test_the_processor_pulls_each_delivery_once_and_then_only_new_ones(environment, buyer, cooperative, capsys):
    contract = linkage.contract_in_force(buyer, cooperative)
    environment.setenv("MARKET_TOKEN", token(buyer, {ApiScope.CONTRACTS}))
    first_call = linkage.call_off(contract, "10000")
    linkage.dispatch(first_call)
    linkage.weigh(first_call, "10000", moisture="15", impurities="1", unfilled="1")

    assert run(1, capsys).strip() == "1 deliveries on file"
    cursor = Path("deliveries.cursor").read_text()

    second_call = linkage.call_off(contract, "8000", days=6)
    linkage.dispatch(second_call)
    linkage.weigh(second_call, "8000", moisture="14", impurities="1", unfilled="1")
    assert run(1, capsys).strip() == "2 deliveries on file"
    assert Path("deliveries.cursor").read_text() != cursor

    stored = json.loads(Path("deliveries.json").read_text())
    for delivery in Delivery.objects.all():
        row = stored[str(delivery.pk)]
        assert row["contract"] == contract.number
        assert row["amount"] == delivery.amount
        assert row["accepted"] == f"{delivery.net_quantity.normalize():f}"


def test_the_accounting_system_hands_each_issued_invoice_to_its_provider(environment, buyer, cooperative, capsys):
    seller = actor_for(cooperative, Role.OWNER)
    environment.setenv("MARKET_TOKEN", token(buyer, {ApiScope.ORDERS_READ}))
    order = only_order(place(actor_for(buyer, Role.OWNER), [(stocked_product(cooperative), "500")]))
    order_services.order_confirm(actor=seller, order_id=order.pk)
    line = order.lines.get()
    order_services.shipment_create(actor=seller, order_id=order.pk, quantities={line.pk: line.quantity_confirmed})
    order_services.order_deliver(actor=seller, order_id=order.pk)

    assert run(2, capsys).strip() == "1 invoices handed to the provider"
    invoice = Invoice.objects.get()
    document = json.loads(Path(f"einvoice-outbox/{invoice.symbol}-{invoice.number}.json").read_text())
    assert document["total"] == invoice.total
    assert document["buyer"]["tax_code"] == buyer.tax_code
    assert len(document["lines"]) == 1
    # Nothing new: a second run hands nothing more over.
    assert run(2, capsys).strip() == "1 invoices handed to the provider"
