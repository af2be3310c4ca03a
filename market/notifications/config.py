"""Reading the notification settings at call time (so that tests and operators can change them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from market.notifications.models import Channel


@dataclass(frozen=True)
class RelaySettings:
    batch_size: int
    time_budget: float
    claim_lease: float
    max_attempts: int
    phone_max_attempts: int
    retry_base: float
    retry_max: float


def relay_settings() -> RelaySettings:
    return RelaySettings(
        batch_size=int(getattr(settings, "NOTIFICATIONS_BATCH_SIZE", 50)),
        time_budget=float(getattr(settings, "NOTIFICATIONS_RELAY_TIME_BUDGET_SECONDS", 25)),
        claim_lease=float(getattr(settings, "NOTIFICATIONS_CLAIM_LEASE_SECONDS", 120)),
        max_attempts=int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 10)),
        phone_max_attempts=int(getattr(settings, "NOTIFICATIONS_PHONE_MAX_ATTEMPTS", 4)),
        retry_base=float(getattr(settings, "NOTIFICATIONS_RETRY_BASE_SECONDS", 30)),
        retry_max=float(getattr(settings, "NOTIFICATIONS_RETRY_MAX_SECONDS", 6 * 3600)),
    )


def max_attempts_for(channel: str) -> int:
    relay = relay_settings()
    return relay.phone_max_attempts if channel in (Channel.ZALO, Channel.SMS) else relay.max_attempts


# --- Zalo ZNS ------------------------------------------------------------------------------------
def zalo_templates() -> dict[str, str]:
    """ZALO_ZNS_TEMPLATES="organisations.verified=231456,orders.placed=231457" -> {kind: template id}."""
    mapping: dict[str, str] = {}
    for item in str(getattr(settings, "ZALO_ZNS_TEMPLATES", "")).split(","):
        kind, _sep, template_id = item.partition("=")
        if kind.strip() and template_id.strip():
            mapping[kind.strip()] = template_id.strip()
    return mapping


def zalo_configured() -> bool:
    return bool(getattr(settings, "ZALO_APP_ID", "") and getattr(settings, "ZALO_APP_SECRET", "") and zalo_templates())


# --- SMS (eSMS.vn) -------------------------------------------------------------------------------
def sms_configured() -> bool:
    return bool(
        getattr(settings, "ESMS_API_KEY", "")
        and getattr(settings, "ESMS_SECRET_KEY", "")
        and getattr(settings, "ESMS_BRANDNAME", "")
    )


def channel_configured(channel: str) -> bool:
    if channel == Channel.ZALO:
        return zalo_configured()
    if channel == Channel.SMS:
        return sms_configured()
    return True


def channel_available_for(channel: str, kind_name: str) -> bool:
    """Whether `channel` can carry `kind_name` on this installation (Zalo needs an approved template)."""
    if channel == Channel.ZALO:
        return zalo_configured() and kind_name in zalo_templates()
    return channel_configured(channel)
