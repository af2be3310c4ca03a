"""The contract pages: who sees what, what the forms store (typed as people in Vietnam type), and the
contract page's query count pinned whatever the number of deliveries."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from linkage import services
from linkage.models import AdvanceKind, ContractStatus, Delivery, LinkageContract, ReferencePrice
from linkage.terms import terms_of
from market.core.once import FIELD_NAME, new_key
from market.organisations.models import Role
from tests.factories import member
from tests.linkage import factories
from tests.linkage.factories import D

pytestmark = pytest.mark.django_db


def _login(client, organisation, role=Role.OWNER):
    user = member(organisation, role)
    client.force_login(user)
    return user


def _deliver(contract: LinkageContract, count: int) -> None:
    for index in range(count):
        call = factories.dispatch(factories.call_off(contract, "1000", days=1 + index % 30))
        factories.weigh(call, "1000", moisture="15", impurities="1", unfilled="1")


def _page_queries(client, contract: LinkageContract) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("frontend:linkage-contract", args=[contract.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_contract_page_with_100_deliveries_has_a_pinned_query_count(client, contract):
    _login(client, contract.buyer)
    _deliver(contract, 2)
    few = _page_queries(client, contract)
    _deliver(contract, 98)
    assert Delivery.objects.filter(contract=contract).count() == 100
    many = _page_queries(client, contract)
    assert few == many == 17


def test_the_cooperative_is_not_offered_to_record_a_contract_delivery_on_the_order_page(client, contract):
    call = factories.dispatch(factories.call_off(contract, "10000"))
    _login(client, contract.cooperative, Role.STAFF)
    page = client.get(reverse("frontend:order-detail", args=[call.order_id])).content.decode()
    assert "/deliver/" not in page
    assert "/ship/" not in page  # shipped already


def test_the_intake_form_reads_vietnamese_numbers_and_keeps_what_was_typed_on_error(client, contract):
    call = factories.dispatch(factories.call_off(contract, "20000"))
    _login(client, contract.buyer, Role.STAFF)
    url = reverse("frontend:linkage-intake", args=[call.pk])
    form = client.get(url).content.decode()
    assert 'name="moisture"' in form
    assert 'name="density"' not in form
    typed = {"received_on": timezone.localdate().isoformat(), "gross_quantity": "19.800", "moisture": "15,5",
             "impurities": "1,5,"}  # fmt: skip
    again = client.post(url, typed).content.decode()
    assert 'value="15,5"' in again
    assert 'value="19.800"' in again
    assert not Delivery.objects.exists()
    response = client.post(url, {**typed, "impurities": "2,5", "unfilled": "4"})
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    # 1,5 points at 1,2 + 0,5 point of impurities at 1 = 2,3 kg per 100 kg of 19.800 kg = 455,4 kg.
    assert (delivery.gross_quantity, delivery.deduction, delivery.net_quantity) == (D(19800), D("455.4"), D("19344.6"))


def test_the_terms_form_stores_what_was_typed_the_vietnamese_way(client, processor, cooperative, product):
    _login(client, processor)
    url = reverse("frontend:linkage-contract-new") + f"?with={cooperative.pk}"
    # A new draft starts from the schema's defaults (7 days to pay), not from a copy of them in the view.
    assert re.search(r'name="payment_days"[^>]*value="7"', client.get(url).content.decode())
    today = timezone.localdate()
    data = {
        "title": "Lúa Hè Thu", "season_kind": "summer_autumn", "season_year": "2027", "counterparty": cooperative.pk,
        "product": product.pk, "grade_spec": "Lúa tươi", "committed_quantity": "800.000", "tolerance_percent": "2,5",
        "delivery_place": "Nhà máy", "delivery_province_code": "91", "price_rule": "fixed", "base_price": "7.250 ₫",
        "premium": "0", "payment_days": "10", "deposit": "50 triệu", "advance_limit": "0",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=90)).isoformat(),
        "schedule[0]due_on": (today + timedelta(days=10)).isoformat(), "schedule[0]quantity": "1,5 tấn",
        "schedule[1]due_on": "", "schedule[1]quantity": "",
        "grading[0]measure": "moisture", "grading[0]threshold": "14", "grading[0]limit": "",
        "grading[0]effect": "weight", "grading[0]rate": "1,25", "grading[1]measure": "moisture",
        "grading[1]threshold": "", "grading[1]limit": "", "grading[1]effect": "weight", "grading[1]rate": "",
    }  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302
    version = LinkageContract.objects.get().versions.get()
    assert (version.committed_quantity, version.tolerance_percent) == (D(800_000), D("2.5"))
    assert (version.base_price, version.deposit, version.payment_days) == (7250, 50_000_000, 10)
    assert [(line.due_on, line.quantity) for line in version.schedule.all()] == [(today + timedelta(days=10), D(1500))]
    assert [(r.threshold, r.limit, r.rate) for r in version.grading_rules.all()] == [(D(14), None, D("1.25"))]
    assert version.clauses.count() == 9


def test_a_grading_band_error_names_its_row(client, processor, cooperative, product):
    _login(client, processor)
    url = reverse("frontend:linkage-contract-new") + f"?with={cooperative.pk}"
    today = timezone.localdate()
    data = {
        "title": "Lúa", "season_kind": "year", "season_year": "2027", "product": product.pk, "grade_spec": "Lúa",
        "committed_quantity": "1.000", "delivery_place": "Nhà máy", "delivery_province_code": "91",
        "price_rule": "fixed", "base_price": "7.000", "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=9)).isoformat(), "grading[0]measure": "moisture",
        "grading[0]threshold": "17", "grading[0]limit": "14", "grading[0]effect": "weight", "grading[0]rate": "1",
    }  # fmt: skip
    page = client.post(url, data).content.decode()
    assert "grading.0.limit" in page
    assert 'value="17"' in page  # what was typed stays
    assert not LinkageContract.objects.exists()


def test_signing_from_the_page_takes_the_fingerprint_only_as_it_was_shown(client, processor, cooperative, product):
    contract = factories.draft(processor, cooperative, product)
    _login(client, processor)
    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "sign"])
    draft = contract.open_draft
    shown = terms_of(draft).digest()
    # One character more is not the fingerprint shown (it used to be cut to 64 characters and then accepted).
    client.post(url, {"terms_digest": shown + "0"})
    draft.refresh_from_db()
    assert draft.buyer_signed_at is None
    client.post(url, {"terms_digest": shown})
    draft.refresh_from_db()
    assert draft.buyer_signed_at is not None


def test_a_price_posted_for_no_series_says_so(client, processor):
    reference = factories.series(processor)
    _login(client, processor)
    price = {"form": "price", "effective_on": timezone.localdate().isoformat(), "price": "7.300"}
    refused = client.post(reverse("frontend:linkage-prices"), {**price, "series": "abc"}, follow=True)
    assert "Hãy chọn một mục trong danh sách." in refused.content.decode()  # it used to be dropped without a word
    assert not ReferencePrice.objects.exists()
    client.post(reverse("frontend:linkage-prices"), {**price, "series": str(reference.pk)})
    assert ReferencePrice.objects.get().price == 7300


def test_a_failed_part_command_goes_back_to_the_contracts_not_to_a_posted_address(client, processor):
    _login(client, processor)
    url = reverse("frontend:linkage-item-command", args=["advance", 999_999, "acknowledge"])
    response = client.post(url, {"back": "https://elsewhere.example/"})
    assert response["Location"] == reverse("frontend:linkage-contracts")


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value or "" for name, value in attrs if name == "id"]


def _repeated_ids(html: str) -> list[str]:
    parser = _Ids()
    parser.feed(html)
    return sorted(name for name, count in Counter(parser.ids).items() if count > 1)


ALL_FORMS = ("add_call_off", "record_advance", "declare_force_majeure", "open_dispute", "terminate")


def test_every_id_on_the_contract_page_is_unique_with_every_form_shown(client, contract):
    """The advance, force-majeure, dispute and termination forms share field names (kind, description…): their
    ids were id_kind and id_description twice, so a label focused another form's field."""
    buyer = factories.buyer_actor(contract)
    services.advance_record(actor=buyer, contract_id=contract.pk, kind=AdvanceKind.SEED, description="Giống",
                            supplied_on=timezone.localdate(), value=1_000_000)  # fmt: skip
    services.dispute_open(actor=buyer, contract_id=contract.pk, subject="Độ ẩm", text="Đo lại mẫu lưu.")
    factories.call_off(contract, "1000")
    for organisation in (contract.buyer, contract.cooperative):
        _login(client, organisation)
        html = client.get(reverse("frontend:linkage-contract", args=[contract.pk])).content.decode()
        shown = {action for action in ALL_FORMS if f'data-action="{action}"' in html}
        assert shown >= set(ALL_FORMS) - ({"add_call_off", "record_advance"} if organisation == contract.cooperative
                                          else set())  # fmt: skip
        assert _repeated_ids(html) == []
    # A form shown again with its errors keeps its own ids (and its error's).
    _login(client, contract.buyer)
    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "advance"])
    html = client.post(url, {"kind": "seed", "description": "Giống", "value": "abc"}).content.decode()
    assert 'id="advance-value_error"' in html
    assert _repeated_ids(html) == []


def test_a_dispute_and_a_termination_mistyped_come_back_with_what_was_typed(client, contract):
    """Both redirected and flashed the error at the top of the page: the text typed was lost."""
    _login(client, contract.cooperative)
    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "dispute"])
    long_text = "Máy đo của HTX đo 16,9 %. " * 200  # more than 4000 characters
    response = client.post(url, {"subject": "Độ ẩm lô giao số 2", "text": long_text})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Độ ẩm lô giao số 2"' in html
    assert 'id="dispute-text_error"' in html
    assert '<details open><summary data-action="open_dispute">' in html
    assert not contract.disputes.exists()

    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "terminate"])
    reason = "Bên mua không thanh toán ba lô giao liên tiếp. " * 30  # more than 1000 characters
    response = client.post(url, {"reason": reason})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Bên mua không thanh toán ba lô giao liên tiếp." in html.split('id="terminate-reason"')[1][:200]
    assert 'id="terminate-reason_error"' in html
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE

    response = client.post(url, {"reason": "Bên mua không thanh toán ba lô giao liên tiếp."})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED


def test_what_the_service_refuses_comes_back_on_the_form_with_what_was_typed(client, contract):
    """A call-off past the contract's volume, an advance past its ceiling: well-formed, refused by the service,
    and the page used to redirect and empty the form."""
    _login(client, contract.buyer)
    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "call-off"])
    due = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    response = client.post(url, {"co-due_on": due, "co-quantity": "2.000 tấn", "co-place": "on", FIELD_NAME: new_key()})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="2.000 tấn"' in html
    assert "1.260.000" in html.split('class="stack call-off-form"')[1].split("</form>")[0]
    assert not contract.call_offs.exclude(status="planned").exists()

    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "advance"])
    typed = {"kind": "fertiliser", "description": "Phân NPK 20-20-15, 40 tấn", "value": "250 triệu",
             "supplied_on": timezone.localdate().strftime("%d/%m/%Y"), FIELD_NAME: new_key()}  # fmt: skip
    response = client.post(url, typed)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Phân NPK 20-20-15, 40 tấn"' in html
    assert "200.000.000" in html.split('id="advance-value_error"')[1][:300]
    assert not contract.advances.exists()


def test_a_call_off_form_sent_twice_adds_and_orders_one_call_off(client, contract):
    """A double click on "Add" (or a retry after a lost answer) added two call-offs and placed two orders."""
    _login(client, contract.buyer)
    url = reverse("frontend:linkage-contract-command", args=[contract.pk, "call-off"])
    due = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    form = {"co-due_on": due, "co-quantity": "25 tấn", "co-place": "on", FIELD_NAME: new_key()}
    assert client.post(url, form).status_code == 302
    again = client.post(url, form, follow=True)
    assert "không thêm lại" in again.content.decode()
    placed = contract.call_offs.exclude(status="planned")
    assert [(c.quantity, c.order is not None) for c in placed] == [(D(25_000), True)]
    contract.refresh_from_db()
    assert contract.called_quantity == D(25_000)
    # A new form (a fresh key) adds another.
    assert client.post(url, {**form, FIELD_NAME: new_key()}).status_code == 302
    assert contract.call_offs.exclude(status="planned").count() == 2
