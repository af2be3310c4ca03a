"""Zalo Notification Service (ZNS): pre-approved templates sent to a phone number by the alliance's
Official Account.

Request (https://business.openapi.zalo.me/message/template, header `access_token`):
    {"phone": "84912345678", "template_id": "231456", "template_data": {"ten_htx": "..."},
     "tracking_id": "4711"}
Answer: {"error": 0, "message": "Success", "data": {"msg_id": "...", "sent_time": "...", "quota": {...}}}
        or {"error": -118, "message": "Zalo account not existed"}.

The access token lives about 25 hours and is refreshed with the OA's refresh token
(POST https://oauth.zaloapp.com/v4/oa/access_token, header `secret_key`, form app_id, grant_type=refresh_token,
refresh_token); refresh tokens are single-use, so the newest pair is kept in the database (ZaloToken) under a
row lock. Settings: ZALO_APP_ID, ZALO_APP_SECRET, ZALO_REFRESH_TOKEN (seeds the first refresh),
ZALO_ZNS_TEMPLATES (kind=template id, ...), ZALO_ZNS_API_URL, ZALO_OAUTH_URL, ZALO_ZNS_DEVELOPMENT_MODE.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from market.notifications.channels import http
from market.notifications.channels.base import HandOver, PermanentError, TransientError
from market.notifications.config import zalo_configured, zalo_templates
from market.notifications.models import Notification, ZaloToken
from market.notifications.registry import NotificationKind

# ZNS error codes (zalo.cloud/zns/guidelines/handle-error-code) that clear up by themselves.
TRANSIENT_CODES = {
    -100,  # unknown error, try again
    -115,  # out of quota (the OA's balance; topped up by the operator)
    -124,  # access token invalid (refreshed once within the attempt, then retried later)
    -133,  # outside the hours this template may be sent
    -144,  # the OA's daily quota is used up
}
TOKEN_INVALID = -124
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class ZnsMessage:
    phone: str
    template_id: str
    template_data: dict[str, str]
    tracking_id: str


def zalo_phone(phone: str) -> str:
    """+84912345678 / 0912345678 -> 84912345678 (the format ZNS documents)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("84"):
        return digits
    if digits.startswith("0"):
        return "84" + digits[1:]
    return digits


class ZaloChannel:
    name = "zalo"
    idempotent = False

    @property
    def timeout(self) -> float:
        return float(getattr(settings, "ZALO_TIMEOUT_SECONDS", 15))

    def prepare(self, row: Notification, kind: NotificationKind) -> ZnsMessage:
        if not zalo_configured():
            raise PermanentError("Zalo ZNS is not configured on this installation")
        template_id = zalo_templates().get(kind.name)
        if not template_id:
            raise PermanentError(f"no approved ZNS template for {kind.name} (ZALO_ZNS_TEMPLATES)")
        user = row.recipient_user
        phone = user.phone if user is not None else row.recipient_address
        if not phone:
            raise PermanentError("the recipient has no phone number")
        data: dict[str, str] = {}
        for param, key in kind.zalo_params.items():
            if key not in row.context:
                raise PermanentError(f"the context lacks {key!r} for ZNS parameter {param!r}")
            data[param] = str(row.context[key])
        return ZnsMessage(phone=zalo_phone(phone), template_id=template_id, template_data=data, tracking_id=str(row.pk))

    def open(self) -> ZaloSession:
        return ZaloSession(self.timeout)


class ZaloSession:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def send(self, message: ZnsMessage, hand_over: HandOver) -> str:
        token = access_token(timeout=self.timeout)
        body: dict[str, object] = {
            "phone": message.phone,
            "template_id": message.template_id,
            "template_data": message.template_data,
            "tracking_id": message.tracking_id,
        }
        if getattr(settings, "ZALO_ZNS_DEVELOPMENT_MODE", False):
            body["mode"] = "development"
        url = f"{settings.ZALO_ZNS_API_URL.rstrip('/')}/message/template"
        answer = self._post(url, body, token, hand_over)
        if answer.get("error") == TOKEN_INVALID:
            # Zalo rejected the token before doing anything: refresh once and ask again.
            token = access_token(timeout=self.timeout, stale=token)
            answer = self._post(url, body, token, None)  # already handed over
        return _result(answer)

    def _post(self, url: str, body: dict[str, object], token: str, hand_over: HandOver | None) -> dict:
        status, data = http.post(
            url, json_body=body, headers={"access_token": token}, timeout=self.timeout, hand_over=hand_over
        )
        if status >= 500 or status == 429:
            raise TransientError(f"Zalo answered HTTP {status}")
        if status >= 400:
            raise PermanentError(f"Zalo answered HTTP {status}: {data[:200].decode(errors='replace')}")
        return http.json_answer(status, data, "Zalo")

    def close(self) -> None:
        return None


def _result(answer: dict) -> str:
    try:
        code = int(answer.get("error", -100))
    except (TypeError, ValueError):
        code = -100
    if code == 0:
        data = answer.get("data") or {}
        return str(data.get("msg_id", ""))
    message = f"Zalo error {code}: {answer.get('message', '')}"
    if code in TRANSIENT_CODES:
        raise TransientError(message)
    raise PermanentError(message)


# --- the OA's tokens -----------------------------------------------------------------------------
def _seed_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def access_token(*, timeout: float = 15, stale: str | None = None) -> str:
    """A valid access token, refreshing it (once, under a row lock) when it is about to expire or when
    Zalo has just refused `stale`."""
    app_id = settings.ZALO_APP_ID
    now = timezone.now()
    row = ZaloToken.objects.filter(app_id=app_id).first()
    if row and row.access_token and stale is None and row.expires_at and row.expires_at - REFRESH_MARGIN > now:
        return row.access_token
    with transaction.atomic():
        row = _locked_token(app_id)
        fresh = row.access_token and row.expires_at and row.expires_at - REFRESH_MARGIN > now
        if fresh and (stale is None or row.access_token != stale):
            return row.access_token  # another worker refreshed it meanwhile
        status, data = http.post(
            f"{settings.ZALO_OAUTH_URL.rstrip('/')}/v4/oa/access_token",
            form={"app_id": app_id, "grant_type": "refresh_token", "refresh_token": row.refresh_token},
            headers={"secret_key": settings.ZALO_APP_SECRET},
            timeout=timeout,
        )
        if status >= 500:
            raise TransientError(f"Zalo OAuth answered HTTP {status}")
        answer = http.json_answer(status, data, "Zalo OAuth")
        if not answer.get("access_token") or not answer.get("refresh_token"):
            raise TransientError(
                f"Zalo refused to refresh the OA token ({answer.get('error')}: {answer.get('error_name', '')} "
                f"{answer.get('error_description', '')}); authorise the Official Account again and set "
                f"ZALO_REFRESH_TOKEN"
            )
        row.access_token = str(answer["access_token"])
        row.refresh_token = str(answer["refresh_token"])
        row.expires_at = now + timedelta(seconds=int(answer.get("expires_in") or 3600))
        row.save(update_fields=["access_token", "refresh_token", "expires_at", "updated_at"])
        return row.access_token


def _locked_token(app_id: str) -> ZaloToken:
    seed = getattr(settings, "ZALO_REFRESH_TOKEN", "")
    row = ZaloToken.objects.select_for_update().filter(app_id=app_id).first()
    if row is None:
        if not seed:
            raise PermanentError("ZALO_REFRESH_TOKEN is not set: authorise the Official Account first")
        try:
            with transaction.atomic():
                ZaloToken.objects.create(app_id=app_id, refresh_token=seed, seed_hash=_seed_hash(seed))
        except IntegrityError:
            pass  # created by another worker at the same moment
        return ZaloToken.objects.select_for_update().get(app_id=app_id)
    if seed and row.seed_hash != _seed_hash(seed):
        # The operator authorised the OA again and put the new refresh token in the environment.
        row.refresh_token = seed
        row.seed_hash = _seed_hash(seed)
        row.access_token = ""
        row.expires_at = None
        row.save(update_fields=["refresh_token", "seed_hash", "access_token", "expires_at", "updated_at"])
    return row
