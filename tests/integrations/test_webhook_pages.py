"""Organisation → Webhooks pages: they call the same services as the API; the secret is shown once; the
buttons are exactly the policy's actions; Vietnamese by default."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from market.core.models import AuditEvent
from market.integrations import services
from market.integrations.config import webhook_settings
from market.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from market.integrations.relay import webhook_relay
from market.integrations.retention import webhook_log_prune
from market.organisations.models import Role
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.forms import once_key
from tests.integrations.conftest import Receiver
from tests.matrix import shown_actions_in

pytestmark = pytest.mark.django_db


def page_key(client) -> str:
    """The one-time key the endpoint form is rendered with."""
    return once_key(client.get("/organisation/webhooks/").content.decode())


@pytest.fixture
def owner(buyer):
    return actor_for(buyer, Role.OWNER).user


def test_the_page_registers_an_endpoint_and_shows_the_secret_once(client, owner, receiver: Receiver):
    client.force_login(owner)
    body = {"url": receiver.url, "description": "Phần mềm kế toán MISA", "events": ["order.placed", "invoice.issued"]}
    body["once_key"] = page_key(client)

    created = client.post("/organisation/webhooks/", body, HTTP_ACCEPT_LANGUAGE="vi")

    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    page = created.content.decode()
    assert "Hãy sao chép khóa ký ngay" in page
    secret = re.search(r'id="new-secret">([^<]+)<', page)[1]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.signing_secrets() == [secret]
    assert endpoint.events == ["invoice.issued", "order.placed"]
    assert endpoint.description == "Phần mềm kế toán MISA"
    listed = client.get("/organisation/webhooks/").content.decode()
    assert secret not in listed
    assert secret not in client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()


def test_the_form_sent_twice_registers_one_endpoint_and_shows_its_secret_both_times(client, owner, receiver):
    client.force_login(owner)
    body = {"url": receiver.url, "events": ["order.placed"], "once_key": page_key(client)}
    first = client.post("/organisation/webhooks/", body)
    second = client.post("/organisation/webhooks/", body)
    assert first.status_code == second.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    shown = [re.search(r'id="new-secret">([^<]+)<', r.content.decode())[1] for r in (first, second)]
    assert shown == endpoint.signing_secrets() * 2
    assert second["Cache-Control"] == "no-store"


def test_the_form_sent_again_after_its_endpoint_was_removed_is_told_in_a_page_s_words(client, owner, receiver):
    """The back button after the endpoint was removed: the service's refusal speaks of a key to an API client
    ("send the request again with a new key"); the page tells the person to reload the form."""
    client.force_login(owner)
    body = {"url": receiver.url, "events": ["order.placed"], "once_key": page_key(client)}
    assert client.post("/organisation/webhooks/", body).status_code == 200
    WebhookEndpoint.objects.get().delete()

    again = client.post("/organisation/webhooks/", body, HTTP_ACCEPT_LANGUAGE="vi")

    assert again.status_code == 400
    page = again.content.decode()
    assert "Thứ mà biểu mẫu này đã tạo ra vừa bị xóa: hãy tải lại trang và gửi lại." in page
    assert "khóa mới" not in page
    assert not WebhookEndpoint.objects.exists()


def test_the_page_refuses_a_private_address_in_vietnamese(client, owner, settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    client.force_login(owner)
    body = {"url": "https://192.168.1.10/hook", "events": ["order.placed"], "once_key": page_key(client)}
    refused = client.post("/organisation/webhooks/", body, HTTP_ACCEPT_LANGUAGE="vi")
    assert refused.status_code == 400
    assert "đó là địa chỉ mạng nội bộ" in refused.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_page_needs_at_least_one_event(client, owner, receiver):
    client.force_login(owner)
    refused = client.post("/organisation/webhooks/", {"url": receiver.url}, HTTP_ACCEPT_LANGUAGE="vi")
    assert refused.status_code == 400
    assert "Hãy chọn ít nhất một sự kiện." in refused.content.decode()


def test_the_log_writes_an_attempt_s_duration_the_vietnamese_way(client, owner, buyer, receiver):
    client.force_login(owner)
    endpoint, _secret = services.endpoint_create(
        actor=actor_for(buyer, Role.OWNER), url=receiver.url, description="", events={"order.placed"}
    )
    client.post(f"/organisation/webhooks/{endpoint.pk}/ping/")
    webhook_relay()
    WebhookAttempt.objects.update(duration_ms=12345)
    page = client.get(f"/organisation/webhooks/{endpoint.pk}/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "12.345 ms" in page


def test_the_log_shows_attempts_and_send_again_only_when_settled(client, owner, buyer, receiver):
    client.force_login(owner)
    endpoint, _secret = services.endpoint_create(
        actor=actor_for(buyer, Role.OWNER), url=receiver.url, description="", events={"order.placed"}
    )
    receiver.answers = [500]
    client.post(f"/organisation/webhooks/{endpoint.pk}/ping/")
    webhook_relay()
    delivery = WebhookDelivery.objects.get()

    waiting = client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    assert "HTTP 500" in waiting
    assert "receiver is having a bad day" in waiting
    assert shown_actions_in(waiting, f"delivery-{delivery.pk}") == set()

    WebhookDelivery.objects.update(status=DeliveryStatus.FAILED)
    failed = client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    assert shown_actions_in(failed, f"delivery-{delivery.pk}") == {"send_again"}
    assert client.post(f"/organisation/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/send-again/").status_code == 302
    webhook_relay()
    assert len(receiver.received) == 2


def test_disable_and_enable_from_the_page(client, owner, buyer, receiver):
    client.force_login(owner)
    endpoint, _secret = services.endpoint_create(
        actor=actor_for(buyer, Role.OWNER), url=receiver.url, description="", events={"order.placed"}
    )
    client.post(f"/organisation/webhooks/{endpoint.pk}/switch/", {"action": "disable"})
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    page = client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    assert 'data-action="enable"' in page
    assert 'data-action="ping"' not in page
    client.post(f"/organisation/webhooks/{endpoint.pk}/switch/", {"action": "enable"}, follow=True)
    endpoint.refresh_from_db()
    assert endpoint.is_active
    # Anything but the two buttons' values (a page of an older version, a mangled post) changes nothing (it used to
    # disable the endpoint), and is told on the endpoint's page, not on an error page.
    for posted in ({"action": ""}, {"action": "disabled"}, {"action": "ping"}, {}):
        refused = client.post(
            f"/organisation/webhooks/{endpoint.pk}/switch/", posted, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
        )
        assert detail_after(refused, endpoint) == ["Hãy chọn bật hoặc tắt."]
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_staff_members_cannot_open_the_pages(client, buyer):
    client.force_login(member(buyer, Role.STAFF))
    assert client.get("/organisation/webhooks/").status_code == 403


# --- a button pressed on a page older than the endpoint's state answers on the page --------------------
def detail_after(response, endpoint: WebhookEndpoint) -> list[str]:
    """The endpoint's page a refused button led back to, whole; what it says at the top."""
    assert response.redirect_chain[-1] == (f"/organisation/webhooks/{endpoint.pk}/", 302)
    assert response.status_code == 200
    assert 'id="log-retention"' in response.content.decode()
    return [str(m) for m in response.context["messages"]]


def test_a_refused_button_is_told_on_the_endpoint_page_and_changes_nothing(client, owner, buyer, receiver):
    """Pages opened before a colleague (or another tab) disabled the endpoint, or a button clicked twice."""
    client.force_login(owner)
    actor = actor_for(buyer, Role.OWNER)
    endpoint, _secret = services.endpoint_create(actor=actor, url=receiver.url, description="", events={"order.placed"})
    services.endpoint_disable(actor=actor, endpoint_id=endpoint.pk)

    ping = client.post(f"/organisation/webhooks/{endpoint.pk}/ping/", follow=True, HTTP_ACCEPT_LANGUAGE="vi")
    assert detail_after(ping, endpoint) == ["Hãy bật điểm nhận trước khi gửi sự kiện thử."]
    assert not WebhookDelivery.objects.exists()
    disable = client.post(
        f"/organisation/webhooks/{endpoint.pk}/switch/", {"action": "disable"}, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert detail_after(disable, endpoint) == ["Điểm nhận này đã tắt rồi."]

    services.endpoint_enable(actor=actor, endpoint_id=endpoint.pk)
    client.post(f"/organisation/webhooks/{endpoint.pk}/ping/", follow=True)
    delivery = WebhookDelivery.objects.get()  # waiting to be sent: its "Send again" would send it twice
    again = client.post(
        f"/organisation/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/send-again/",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert detail_after(again, endpoint) == ["Lần gửi này vẫn đang chạy; hãy chờ đến khi gửi xong hoặc thất bại."]


def test_removing_an_endpoint_twice_answers_on_the_list(client, owner, buyer, receiver):
    client.force_login(owner)
    actor = actor_for(buyer, Role.OWNER)
    endpoint, _secret = services.endpoint_create(actor=actor, url=receiver.url, description="", events={"order.placed"})
    assert client.post(f"/organisation/webhooks/{endpoint.pk}/delete/").status_code == 302
    for button in ("delete", "ping"):
        again = client.post(f"/organisation/webhooks/{endpoint.pk}/{button}/", follow=True, HTTP_ACCEPT_LANGUAGE="vi")
        assert again.redirect_chain[-1] == ("/organisation/webhooks/", 302)
        assert again.status_code == 200
        said = [str(m) for m in again.context["messages"]]
        assert said[-1] == "Điểm nhận này đã bị xóa: danh sách dưới đây đã được cập nhật."


# --- "Send again" on a delivery the log no longer keeps, and buttons of a removed endpoint ---------------
def endpoint_with_a_delivery(organisation, receiver: Receiver) -> tuple[WebhookEndpoint, WebhookDelivery]:
    """An endpoint of `organisation` whose test event was delivered: its log entry can be sent again."""
    actor = actor_for(organisation, Role.OWNER)
    endpoint, _secret = services.endpoint_create(actor=actor, url=receiver.url, description="", events={"order.placed"})
    services.endpoint_ping(actor=actor, endpoint_id=endpoint.pk)
    webhook_relay()
    return endpoint, WebhookDelivery.objects.get(endpoint=endpoint, status=DeliveryStatus.DELIVERED)


NOT_KEPT = (
    "Lần gửi này không còn được lưu trong nhật ký nên không thể gửi lại. Nếu hệ thống của bạn đã bỏ lỡ sự kiện, "
    "hãy đọc lại dữ liệu liên quan qua API; nhật ký dưới đây đã được cập nhật."
)


def test_send_again_on_a_delivery_the_log_no_longer_keeps_says_so_on_the_endpoint_page(client, owner, buyer, receiver):
    """The page was opened before the nightly prune removed the entry: back on the page, told why and what to do."""
    client.force_login(owner)
    endpoint, delivery = endpoint_with_a_delivery(buyer, receiver)
    button = f"/organisation/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/send-again/"
    assert f'action="{button}"' in client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    webhook_log_prune(now=timezone.now() + timedelta(days=webhook_settings().keep_delivered.days + 1))

    again = client.post(button, follow=True, HTTP_ACCEPT_LANGUAGE="vi")

    assert detail_after(again, endpoint) == [NOT_KEPT]
    assert not WebhookDelivery.objects.exists()
    webhook_relay()
    assert len(receiver.received) == 1


def test_send_again_on_another_organisation_s_delivery_is_told_as_one_no_longer_kept(
    client, owner, buyer, other_cooperative, receiver
):
    client.force_login(owner)
    endpoint, _own = endpoint_with_a_delivery(buyer, receiver)
    their_endpoint, theirs = endpoint_with_a_delivery(other_cooperative, receiver)

    again = client.post(
        f"/organisation/webhooks/{endpoint.pk}/deliveries/{theirs.pk}/send-again/",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert detail_after(again, endpoint) == [NOT_KEPT]
    # Their endpoint in the address answers as a removed endpoint does.
    again = client.post(
        f"/organisation/webhooks/{their_endpoint.pk}/deliveries/{theirs.pk}/send-again/",
        follow=True,
        HTTP_ACCEPT_LANGUAGE="vi",
    )
    assert again.redirect_chain[-1] == ("/organisation/webhooks/", 302)
    assert [str(m) for m in again.context["messages"]] == [REMOVED]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    webhook_relay()
    assert len(receiver.received) == 2


REMOVED = "Điểm nhận này đã bị xóa: danh sách dưới đây đã được cập nhật."


def test_buttons_of_a_removed_or_another_organisation_s_endpoint_answer_on_the_list(
    client, owner, buyer, other_cooperative, receiver
):
    """Saved, rotated or sent again from a page opened before the endpoint was removed; the same for an endpoint of
    another organisation (the person switched organisation in another tab): nothing changes, the list says so."""
    client.force_login(owner)
    removed, delivery = endpoint_with_a_delivery(buyer, receiver)
    services.endpoint_delete(actor=actor_for(buyer, Role.OWNER), endpoint_id=removed.pk)
    theirs, their_delivery = endpoint_with_a_delivery(other_cooperative, receiver)
    their_secrets = theirs.signing_secrets()
    save = {"url": "https://erp.example.vn/hooks", "events": ["invoice.issued"]}
    for endpoint_id, delivery_id in ((removed.pk, delivery.pk), (theirs.pk, their_delivery.pk)):
        presses = {
            "": save,
            "rotate/": {"grace_hours": "0"},
            f"deliveries/{delivery_id}/send-again/": {},
        }
        for button, body in presses.items():
            again = client.post(
                f"/organisation/webhooks/{endpoint_id}/{button}", body, follow=True, HTTP_ACCEPT_LANGUAGE="vi"
            )
            assert again.redirect_chain[-1] == ("/organisation/webhooks/", 302), button
            assert again.status_code == 200
            assert [str(m) for m in again.context["messages"]] == [REMOVED]
    theirs.refresh_from_db()
    assert (theirs.url, theirs.events, theirs.signing_secrets()) == (receiver.url, ["order.placed"], their_secrets)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_rotating_the_secret_sent_twice_rotates_once_and_keeps_the_old_secret_in_its_grace(
    client, owner, buyer, receiver
):
    """A double click on "Rotate the secret": a second rotation would make the first new secret (never shown) the
    old one and stop the secret the receiver still checks, losing events. The second answer shows the first's."""
    client.force_login(owner)
    actor = actor_for(buyer, Role.OWNER)
    endpoint, old_secret = services.endpoint_create(
        actor=actor, url=receiver.url, description="", events={"order.placed"}
    )
    page = client.get(f"/organisation/webhooks/{endpoint.pk}/").content.decode()
    rotate_form = re.search(r'action="/organisation/webhooks/\d+/rotate/".*?</form>', page, re.S)[0]
    body = {"grace_hours": "24", "once_key": once_key(rotate_form)}

    first = client.post(f"/organisation/webhooks/{endpoint.pk}/rotate/", body)
    second = client.post(f"/organisation/webhooks/{endpoint.pk}/rotate/", body)

    assert first.status_code == second.status_code == 200
    assert second["Cache-Control"] == "no-store"
    shown = [re.search(r'id="new-secret">([^<]+)<', r.content.decode())[1] for r in (first, second)]
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets() == [shown[0], old_secret]
    assert shown[1] == shown[0]
    assert AuditEvent.objects.filter(action="webhook_endpoint.secret_rotated").count() == 1
    # The key sent again with another grace period (the old page, edited) rotates nothing either, and says why.
    edited = client.post(
        f"/organisation/webhooks/{endpoint.pk}/rotate/", {**body, "grace_hours": "0"}, HTTP_ACCEPT_LANGUAGE="vi"
    )
    assert edited.status_code == 400
    # In a page's words (frontend.errors.page_message), not the API client's ("send this one with a new key").
    assert "Biểu mẫu này đã được gửi với giá trị khác: hãy tải lại trang." in edited.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets() == [shown[0], old_secret]
