"""The registry of notification kinds. Each app declares its kinds in its AppConfig.ready() (the organisations
app does it in market/organisations/notifications.py, called from OrganisationsConfig.ready()):

    from market.notifications.registry import NotificationKind, register_kind
    from market.notifications.models import Group

    register_kind(NotificationKind(
        name="orders.placed",                       # app label + event, used by notify(kind=...)
        group=Group.ORDERS,                          # what the person chooses channels for
        label=_("An order was placed with you"),     # shown to staff (delivery log, template previews)
        template="notifications/orders/placed",      # folder holding vi/ and en/ with the files below
        link=lambda ctx: f"/orders/{ctx['order_id']}/",
        zalo_params={"order_code": "order_reference", "customer_name": "buyer_name"},
        sample_context={"order_id": 1, "order_reference": "DH-000123", "buyer_name": "Sài Gòn Xanh"},
    ))

Optional: `channels` (default all four), `essential=True` (ignores opt-outs: invitations, security),
`digestible=False` (never waits for the daily digest), `secret_context` (keys blanked after sending).

Template files (per language folder, `vi/` and `en/`):
    subject.txt   one line, the e-mail subject
    body.txt      the plain-text e-mail
    body.html     the HTML e-mail; `{% extends "notifications/email/base.html" %}` and fill `content`
    inbox.txt     one line for the in-app inbox, the digest and (unless sms.txt exists) SMS
    sms.txt       optional: the SMS text (register it with the SMS provider: brandname SMS are templated)
`manage.py check` reports a registered kind whose files are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from market.notifications.models import Channel, Group

TEMPLATE_PARTS = ("subject.txt", "body.txt", "body.html", "inbox.txt")
OPTIONAL_TEMPLATE_PARTS = ("sms.txt",)


@dataclass(frozen=True)
class NotificationKind:
    name: str
    group: str
    label: str | Promise
    template: str
    # Channels this kind may use at all; each person's preferences choose among them.
    channels: frozenset[str] = frozenset(Channel.values)
    # Sent whatever the preferences say (in-app and e-mail): invitations, the digest itself.
    essential: bool = False
    # May wait for the daily digest when the person chose one.
    digestible: bool = True
    # Where "Open" leads: a site-relative path (or an absolute URL) built from the context.
    link: Callable[[Mapping[str, Any]], str] | None = None
    # Zalo ZNS template parameter -> context key (the template itself is approved at Zalo; its id comes
    # from ZALO_ZNS_TEMPLATES).
    zalo_params: Mapping[str, str] = field(default_factory=dict)
    # Context keys that hold secrets (an invitation link): blanked once the message is sent, hidden from staff.
    secret_context: frozenset[str] = frozenset()
    # What the staff preview renders.
    sample_context: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.group not in Group.values:
            raise ImproperlyConfigured(f"Notification kind {self.name}: unknown group {self.group!r}")
        unknown = set(self.channels) - set(Channel.values)
        if unknown or not self.channels:
            raise ImproperlyConfigured(f"Notification kind {self.name}: bad channels {sorted(unknown)}")
        object.__setattr__(self, "channels", frozenset(self.channels))
        object.__setattr__(self, "secret_context", frozenset(self.secret_context))

    def template_name(self, language: str, part: str) -> str:
        return f"{self.template}/{language}/{part}"


_KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: NotificationKind) -> NotificationKind:
    """Declare a kind; registering the same name twice with a different definition is a mistake."""
    existing = _KINDS.get(kind.name)
    if existing is not None and existing != kind:
        raise ImproperlyConfigured(f"Notification kind {kind.name!r} is registered twice, differently.")
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> NotificationKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown notification kind {name!r}: register it in your AppConfig.ready() with register_kind()."
        ) from None


def find_kind(name: str) -> NotificationKind | None:
    return _KINDS.get(name)


def registered_kinds() -> list[NotificationKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.group, k.name))
