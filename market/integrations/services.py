"""Writes of the integrations app: webhook endpoints, their secrets, test pings and "send again"."""

from __future__ import annotations

import secrets as secrets_module
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from market.core.errors import NotFound, ValidationFailed
from market.core.models import AuditEvent
from market.core.once import Once, Reuse, once, once_step, reused_elsewhere
from market.core.parsing import format_decimal
from market.core.services import audit_record, deletion_record
from market.integrations.addresses import validate_endpoint_url
from market.integrations.config import webhook_settings
from market.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from market.integrations.notifications import ENDPOINT_DISABLED
from market.integrations.outbox import queue_event
from market.integrations.policy import DELIVERY_POLICY, ENDPOINT_POLICY, DeliveryAction, EndpointAction
from market.integrations.registry import PING, get_event_type, json_data, subscribable_event_types
from market.integrations.secret_box import reseal, seal, unseal
from market.integrations.selectors import acting_organisation_id
from market.notifications.services import notify
from market.organisations.models import ApiScope, Role, User
from market.organisations.permissions import Actor

# An organisation's systems rarely need more; a cap keeps a runaway script from registering thousands.
MAX_ENDPOINTS_PER_ORGANISATION = 20


def new_secret() -> str:
    return "whsec_" + secrets_module.token_urlsafe(32)


def _checked_events(events: Collection[str]) -> list[str]:
    known = {t.name for t in subscribable_event_types()}
    unknown = sorted(set(events) - known)
    if unknown or not events:
        raise ValidationFailed(fields={"events": [_("Choose at least one event from the list.")]})
    return sorted(set(events))


@transaction.atomic
def endpoint_create(
    *, actor: Actor, url: str, description: str, events: Collection[str]
) -> tuple[WebhookEndpoint, str]:
    """Returns the endpoint and its signing secret (shown once; rotate it to get a new one)."""
    organisation_id = acting_organisation_id(actor)
    checked_url = validate_endpoint_url(url)
    chosen = _checked_events(events)
    if WebhookEndpoint.objects.filter(organisation_id=organisation_id).count() >= MAX_ENDPOINTS_PER_ORGANISATION:
        raise ValidationFailed(
            _("An organisation may register at most %(count)s endpoints; remove one first.")
            % {"count": format_decimal(MAX_ENDPOINTS_PER_ORGANISATION)}
        )
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        organisation_id=organisation_id,
        url=checked_url,
        description=description,
        events=chosen,
        secret_sealed=seal(secret),
        created_by=actor.user,
    )
    audit_record(
        actor=actor, action="webhook_endpoint.created", target=endpoint, data={"url": checked_url, "events": chosen}
    )
    return endpoint, secret


def endpoint_create_once(
    *, actor: Actor, once_key: str, url: str, description: str, events: Collection[str]
) -> tuple[WebhookEndpoint, str]:
    """endpoint_create under the key of the page's form (sent twice by a double click on its button) or the API
    request's Idempotency-Key (a client's retry after a lost answer): the same key answers with the endpoint the
    first send registered and its secret, not a second endpoint that would receive every event twice. The key sent
    again for another organisation or with other values is refused."""
    organisation_id = acting_organisation_id(actor)
    done = once(
        action="integrations.endpoint_created",
        key=once_key,
        actor=actor,
        model=WebhookEndpoint,
        make=lambda: endpoint_create(actor=actor, url=url, description=description, events=events)[0],
        reuse=Reuse(
            lambda first: first.organisation_id == organisation_id,
            reused_elsewhere(),
            asked=(organisation_id, url, description, sorted(set(events))),
        ),
    )
    return done.value, unseal(done.value.secret_sealed)


def _locked(actor: Actor, endpoint_id: int, action: EndpointAction) -> WebhookEndpoint:
    ENDPOINT_POLICY.require_capability(actor=actor, action=action)
    organisation_id = acting_organisation_id(actor)
    endpoint = (
        WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, organisation_id=organisation_id).first()
    )
    if endpoint is None:
        raise NotFound()
    ENDPOINT_POLICY.authorize(actor=actor, obj=endpoint, action=action)
    return endpoint


@transaction.atomic
def endpoint_update(
    *, actor: Actor, endpoint_id: int, url: str, description: str, events: Collection[str]
) -> WebhookEndpoint:
    endpoint = _locked(actor, endpoint_id, EndpointAction.UPDATE)
    endpoint.url = validate_endpoint_url(url)
    endpoint.description = description
    endpoint.events = _checked_events(events)
    endpoint.save(update_fields=["url", "description", "events", "updated_at"])
    audit_record(
        actor=actor,
        action="webhook_endpoint.updated",
        target=endpoint,
        data={"url": endpoint.url, "events": endpoint.events},
    )
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(
    *, actor: Actor, endpoint_id: int, grace_hours: int | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new secret signs from now on; the old one keeps signing too (a second v1=) for `grace_hours`
    (WEBHOOKS_SECRET_GRACE_HOURS by default, 0 to stop it at once, e.g. after a leak)."""
    endpoint = _locked(actor, endpoint_id, EndpointAction.ROTATE_SECRET)
    grace = webhook_settings().secret_grace if grace_hours is None else timedelta(hours=grace_hours)
    secret = new_secret()
    if grace > timedelta(0):
        endpoint.previous_secret_sealed = endpoint.secret_sealed
        endpoint.previous_secret_expires_at = timezone.now() + grace
    else:
        endpoint.previous_secret_sealed = ""
        endpoint.previous_secret_expires_at = None
    endpoint.secret_sealed = seal(secret)
    endpoint.save(update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_expires_at", "updated_at"])
    audit_record(
        actor=actor,
        action="webhook_endpoint.secret_rotated",
        target=endpoint,
        data={"grace_hours": grace.total_seconds() / 3600},
    )
    return endpoint, secret


def endpoint_rotate_secret_once(
    *, actor: Actor, once_key: str, endpoint_id: int, grace_hours: int | None = None
) -> tuple[WebhookEndpoint, str]:
    """endpoint_rotate_secret under the key of the page's form (sent twice by a double click on its button) or the
    API request's Idempotency-Key (a client's retry after a lost answer): the same key answers with the endpoint's
    secret, not a second rotation that would make the first new secret, never received, the old one and stop the
    one the receiver still checks. The key sent again for another endpoint or another grace is refused."""
    done = once(
        action="integrations.endpoint_secret_rotated",
        key=once_key,
        actor=actor,
        model=WebhookEndpoint,
        make=lambda: endpoint_rotate_secret(actor=actor, endpoint_id=endpoint_id, grace_hours=grace_hours)[0],
        reuse=Reuse(
            lambda first: first.pk == endpoint_id and first.organisation_id == acting_organisation_id(actor),
            reused_elsewhere(),
            asked=(endpoint_id, grace_hours),
        ),
    )
    return done.value, unseal(done.value.secret_sealed)


@transaction.atomic
def endpoint_enable(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Deliveries still inside their retry window resume; the failing streak starts over."""
    endpoint = _locked(actor, endpoint_id, EndpointAction.ENABLE)
    endpoint.is_active = True
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.failing_since = None
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "failing_since", "updated_at"])
    audit_record(actor=actor, action="webhook_endpoint.enabled", target=endpoint)
    return endpoint


def _endpoint_step_once(
    *, action: str, actor: Actor, endpoint_id: int, once_key: str, make: Callable[[], WebhookEndpoint]
) -> Once[WebhookEndpoint]:
    """A step on one endpoint under the API request's Idempotency-Key: a retry after a lost answer is answered with
    the endpoint, as the first send was, not "already enabled/disabled"."""
    return once_step(
        action=action,
        key=once_key,
        actor=actor,
        model=WebhookEndpoint,
        object_id=endpoint_id,
        make=make,
        asked=(acting_organisation_id(actor),),
    )


def endpoint_enable_once(*, actor: Actor, endpoint_id: int, once_key: str) -> Once[WebhookEndpoint]:
    return _endpoint_step_once(
        action="integrations.endpoint_enabled",
        actor=actor,
        endpoint_id=endpoint_id,
        once_key=once_key,
        make=lambda: endpoint_enable(actor=actor, endpoint_id=endpoint_id),
    )


@transaction.atomic
def endpoint_disable(*, actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Nothing more is sent (new events are not queued for it) until it is enabled again."""
    endpoint = _locked(actor, endpoint_id, EndpointAction.DISABLE)
    _switch_off(endpoint, reason=_("Disabled by %(who)s.") % {"who": actor.user.email if actor.user else "?"})
    audit_record(actor=actor, action="webhook_endpoint.disabled", target=endpoint)
    return endpoint


def endpoint_disable_once(*, actor: Actor, endpoint_id: int, once_key: str) -> Once[WebhookEndpoint]:
    return _endpoint_step_once(
        action="integrations.endpoint_disabled",
        actor=actor,
        endpoint_id=endpoint_id,
        once_key=once_key,
        make=lambda: endpoint_disable(actor=actor, endpoint_id=endpoint_id),
    )


# What a deleted endpoint's tombstone names (GET /api/v1/deletions/, docs/api-sync.md).
ENDPOINT_RESOURCE = "integrations.webhook_endpoint"


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint_id: int) -> AuditEvent:
    """Returns the record of the removal (what a retry under the same key is answered with)."""
    endpoint = _locked(actor, endpoint_id, EndpointAction.DELETE)
    removal = audit_record(actor=actor, action="webhook_endpoint.deleted", target=endpoint, data={"url": endpoint.url})
    deletion_record(
        resource=ENDPOINT_RESOURCE,
        obj=endpoint,
        organisation_id=endpoint.organisation_id,
        scope=ApiScope.WEBHOOKS_MANAGE,
    )
    endpoint.delete()
    return removal


def endpoint_delete_once(*, actor: Actor, endpoint_id: int, once_key: str) -> Once[AuditEvent]:
    """endpoint_delete under the API request's Idempotency-Key: a retry after a lost answer learns the endpoint was
    removed, not that it is not found. The endpoint row is gone, so the key remembers the record of its removal."""
    organisation_id = acting_organisation_id(actor)
    return once(
        action="integrations.endpoint_deleted",
        key=once_key,
        actor=actor,
        model=AuditEvent,
        make=lambda: endpoint_delete(actor=actor, endpoint_id=endpoint_id),
        reuse=Reuse(
            lambda first: first.target_id == str(endpoint_id), reused_elsewhere(), asked=(endpoint_id, organisation_id)
        ),
    )


def _switch_off(endpoint: WebhookEndpoint, *, reason: str, now: datetime | None = None) -> None:
    endpoint.is_active = False
    endpoint.disabled_at = now or timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])


def endpoint_disable_failing(*, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Called by the relay (in its transaction, the endpoint locked) when the endpoint accepted nothing for a
    whole retry window: it is switched off and the organisation's owners are told."""
    hours = int(webhook_settings().retry_window.total_seconds() // 3600)
    _switch_off(
        endpoint,
        reason=_("Switched off: no delivery was accepted for %(hours)s hours.") % {"hours": format_decimal(hours)},
        now=now,
    )
    audit_record(actor=Actor.system(), action="webhook_endpoint.disabled_failing", target=endpoint)
    owners = User.objects.filter(
        memberships__organisation_id=endpoint.organisation_id, memberships__role=Role.OWNER
    ).distinct()
    notify(
        kind=ENDPOINT_DISABLED,
        recipients=list(owners),
        context={
            "endpoint_id": endpoint.pk,
            "url": endpoint.url,
            "hours": hours,
            "last_error": endpoint.deliveries.order_by("-updated_at").values_list("last_error", flat=True).first()
            or "",
        },
        object_ref=endpoint,
        occurrence=now.isoformat()[:64],
    )


@transaction.atomic
def endpoint_ping(*, actor: Actor, endpoint_id: int) -> WebhookDelivery:
    """Queue a "ping" event for this endpoint alone; the relay sends it within seconds."""
    endpoint = _locked(actor, endpoint_id, EndpointAction.PING)
    now = timezone.now()
    queue_event(
        organisation_id=endpoint.organisation_id,
        type=PING,
        object_type=endpoint._meta.label_lower,
        object_id=str(endpoint.pk),
        occurrence=now.isoformat(),
        data=json_data(get_event_type(PING).serialize(endpoint)),
        created_at=now,
        endpoints=[endpoint],
    )
    audit_record(actor=actor, action="webhook_endpoint.pinged", target=endpoint)
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint, event__type=PING).select_related("event").latest("created_at")
    )


def endpoint_ping_once(*, actor: Actor, endpoint_id: int, once_key: str) -> Once[WebhookDelivery]:
    """endpoint_ping under the API request's Idempotency-Key: a retry after a lost answer is answered with the
    delivery of the first test event (as it is now), not a second test event."""
    organisation_id = acting_organisation_id(actor)
    return once(
        action="integrations.endpoint_pinged",
        key=once_key,
        actor=actor,
        model=WebhookDelivery,
        make=lambda: endpoint_ping(actor=actor, endpoint_id=endpoint_id),
        reuse=Reuse(
            lambda first: first.endpoint_id == endpoint_id, reused_elsewhere(), asked=(endpoint_id, organisation_id)
        ),
    )


@transaction.atomic
def delivery_send_again(*, actor: Actor, delivery_id: int) -> WebhookDelivery:
    """The same event (same id, same data) once more, with a fresh retry window: a receiver that lost it, or
    was fixed after it failed, gets it again and de-duplicates by id."""
    DELIVERY_POLICY.require_capability(actor=actor, action=DeliveryAction.SEND_AGAIN)
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint", "event")
        .filter(pk=delivery_id, endpoint__organisation_id=acting_organisation_id(actor))
        .first()
    )
    if delivery is None:
        raise NotFound()
    DELIVERY_POLICY.authorize(actor=actor, obj=delivery, action=DeliveryAction.SEND_AGAIN)
    now = timezone.now()
    previous = delivery.status
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = now
    delivery.retry_until = now + webhook_settings().retry_window
    delivery.claim_token = ""
    delivery.lease_expires_at = None
    delivery.save(
        update_fields=["status", "next_attempt_at", "retry_until", "claim_token", "lease_expires_at", "updated_at"]
    )
    audit_record(actor=actor, action="webhook_delivery.sent_again", target=delivery, data={"from": previous})
    return delivery


def delivery_send_again_once(*, actor: Actor, delivery_id: int, once_key: str) -> Once[WebhookDelivery]:
    """delivery_send_again under the API request's Idempotency-Key: a retry after a lost answer is answered with the
    delivery (as it is now), not queued a third time with a new retry window, nor refused while it is being sent."""
    return once_step(
        action="integrations.delivery_sent_again",
        key=once_key,
        actor=actor,
        model=WebhookDelivery,
        object_id=delivery_id,
        make=lambda: delivery_send_again(actor=actor, delivery_id=delivery_id),
        asked=(acting_organisation_id(actor),),
    )


def endpoint_secrets_reseal(*, batch: int = 200) -> int:
    """Seal every endpoint's secrets with the first key of WEBHOOK_SECRET_KEYS (after a key rotation, before
    the old key is dropped). Short transactions of `batch` rows; returns the endpoints resealed."""
    resealed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(WebhookEndpoint.objects.select_for_update().filter(pk__gt=last_id).order_by("pk")[:batch])
            if not rows:
                return resealed
            for endpoint in rows:
                endpoint.secret_sealed = reseal(endpoint.secret_sealed)
                if endpoint.previous_secret_sealed:
                    endpoint.previous_secret_sealed = reseal(endpoint.previous_secret_sealed)
            WebhookEndpoint.objects.bulk_update(rows, ["secret_sealed", "previous_secret_sealed"])
        resealed += len(rows)
        last_id = rows[-1].pk
