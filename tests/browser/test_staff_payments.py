"""Alliance staff's payment back office in chromium at phone width: a refund form pressed twice and sent again
refunds once; provider events are read and a failed one processed again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from market.organisations.actors import resolve_actor
from market.organisations.models import Role
from market.payments import services
from market.payments.models import Refund, RefundState
from tests.browser.test_pay_page import check, log_in
from tests.factories import member
from tests.payments.fixtures import WRITES, card_token
from tests.payments.test_webhook_events_page import store_events

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refund_double_clicked_and_sent_again_refunds_once(
    page: Page, live_server, localstripe, make_invoice, payer_user, alliance
):
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    log_in(page, live_server.url, member(alliance, Role.MANAGER).email)
    url = f"{live_server.url}/staff/payments/{payment.pk}/"
    page.goto(url)
    check(page)
    form = page.locator(f"form[action$='/staff/payments/{payment.pk}/refund/']")
    form.locator("[name=amount]").fill("500000")
    form.locator("[name=reason]").fill("Thiếu 1 bao gạo")
    key = form.locator("input[name=once_key]").get_attribute("value")
    csrf = form.locator("input[name=csrfmiddlewaretoken]").get_attribute("value")
    assert key
    form.locator("button[data-action=refund]").dblclick()
    page.wait_for_url(re.compile(rf".*/staff/payments/{payment.pk}/$"))
    expect(page.locator(".notice").first).to_be_visible()
    check(page)

    # The browser sends the same form again (a retry after a timeout): the first refund's answer comes back.
    again = page.request.post(
        f"{live_server.url}/staff/payments/{payment.pk}/refund/",
        form={"csrfmiddlewaretoken": csrf or "", "amount": "500000", "reason": "Thiếu 1 bao gạo", "once_key": key},
        headers={"Referer": url},
    )
    assert again.ok
    assert "Khoản hoàn tiền này đã được thực hiện" in again.text()  # "This refund was already made"
    assert Refund.objects.filter(payment=payment).count() == 1
    assert Refund.objects.get(payment=payment).state == RefundState.SUCCEEDED
    assert [path for path, _key in WRITES if path == "/v1/refunds"] == ["/v1/refunds"]
    payment.refresh_from_db()
    assert payment.amount_refunded == 500_000
    expect(page.locator("main")).to_contain_text("500.000")


def test_staff_read_a_rejected_webhook_and_process_a_failed_one_again(
    page: Page, live_server, client, localstripe, make_invoice, payer_user, alliance, settings
):
    payment, _ = services.card_payment_start(
        actor=resolve_actor(payer_user), payable_id=make_invoice(1_500_000).pk, token_id=card_token(localstripe)
    )
    events = store_events(client, payment, settings)
    log_in(page, live_server.url, member(alliance, Role.STAFF).email)
    page.goto(f"{live_server.url}/staff/payments/events/?outcome=rejected")
    rejected = page.locator(f"#event-{events['rejected'].pk}")
    expect(rejected).to_be_visible()
    expect(page.locator("tr.webhook-event")).to_have_count(1)
    rejected.locator("summary").click()
    expect(rejected.locator("pre")).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    check(page)

    page.locator("#f-outcome").select_option("failed")
    page.locator("form.filters button[type=submit]").click()
    failed = page.locator(f"#event-{events['failed'].pk}")
    expect(failed).to_be_visible()
    check(page)
    failed.locator("button[data-action=process_again]").click()
    expect(page.locator(".notice.success")).to_be_visible()
    check(page)
    events["failed"].refresh_from_db()
    assert events["failed"].status == "processed"
