"""SMS through eSMS.vn (ViHAT), a brandname SMS gateway used by Vietnamese businesses.

Request (POST {ESMS_API_URL}/MainService.svc/json/SendMultipleMessage_V4_post_json/, JSON):
    {"ApiKey": "...", "SecretKey": "...", "Phone": "0912345678", "Content": "...", "Brandname": "LIENMINHHTX",
     "SmsType": "2", "IsUnicode": "0", "Sandbox": "0", "RequestId": "ml-4711", "CallbackUrl": "..."}
Answer: {"CodeResult": "100", "CountRegenerate": 0, "SMSID": "..."} or {"CodeResult": "108", "ErrorMessage": ...}.

SmsType 2 is a customer-care brandname message; its content must match a template registered with the
operator, so each kind's sms.txt is what you register. RequestId makes the gateway drop a repeated request
(answer 124, "Duplicate RequestId"): a message whose worker died after the hand-over is simply asked for
again and cannot arrive twice. Settings: ESMS_API_KEY, ESMS_SECRET_KEY, ESMS_BRANDNAME, ESMS_API_URL,
ESMS_SANDBOX, ESMS_UNICODE, ESMS_CALLBACK_URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from market.notifications.channels import http
from market.notifications.channels.base import HandOver, PermanentError, TransientError
from market.notifications.config import sms_configured
from market.notifications.models import Notification
from market.notifications.registry import NotificationKind
from market.notifications.rendering import RenderError, render_sms

SUCCESS = "100"
DUPLICATE_REQUEST = "124"  # the gateway already has this RequestId: it was accepted before
# Codes that clear up by themselves (account balance topped up, price list published).
TRANSIENT_CODES = {"102", "103"}


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    content: str
    request_id: str


def national_phone(phone: str) -> str:
    """+84912345678 -> 0912345678."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("84") and len(digits) >= 11:
        return "0" + digits[2:]
    return digits


class SmsChannel:
    name = "sms"
    idempotent = True

    @property
    def timeout(self) -> float:
        return float(getattr(settings, "ESMS_TIMEOUT_SECONDS", 15))

    def prepare(self, row: Notification, kind: NotificationKind) -> SmsMessage:
        if not sms_configured():
            raise PermanentError("SMS is not configured on this installation")
        user = row.recipient_user
        phone = user.phone if user is not None else row.recipient_address
        if not phone:
            raise PermanentError("the recipient has no phone number")
        language = user.language if user is not None else row.language
        try:
            content = render_sms(kind, row.context, language=language, unicode=bool(settings.ESMS_UNICODE))
        except RenderError as exc:
            raise PermanentError(f"template problem: {exc}") from exc
        return SmsMessage(phone=national_phone(phone), content=content, request_id=f"ml-{row.pk}")

    def open(self) -> SmsSession:
        return SmsSession(self.timeout)


class SmsSession:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def send(self, message: SmsMessage, hand_over: HandOver) -> str:
        body = {
            "ApiKey": settings.ESMS_API_KEY,
            "SecretKey": settings.ESMS_SECRET_KEY,
            "Phone": message.phone,
            "Content": message.content,
            "Brandname": settings.ESMS_BRANDNAME,
            "SmsType": "2",
            "IsUnicode": "1" if settings.ESMS_UNICODE else "0",
            "Sandbox": "1" if settings.ESMS_SANDBOX else "0",
            "RequestId": message.request_id,
        }
        if getattr(settings, "ESMS_CALLBACK_URL", ""):
            body["CallbackUrl"] = settings.ESMS_CALLBACK_URL
        url = f"{settings.ESMS_API_URL.rstrip('/')}/MainService.svc/json/SendMultipleMessage_V4_post_json/"
        status, data = http.post(url, json_body=body, timeout=self.timeout, hand_over=hand_over)
        if status >= 500 or status == 429:
            raise TransientError(f"eSMS answered HTTP {status}")
        if status >= 400:
            raise PermanentError(f"eSMS answered HTTP {status}: {data[:200].decode(errors='replace')}")
        answer = http.json_answer(status, data, "eSMS")
        code = str(answer.get("CodeResult", ""))
        if code == SUCCESS:
            return str(answer.get("SMSID", ""))
        if code == DUPLICATE_REQUEST:
            return f"RequestId {message.request_id}"
        error = f"eSMS code {code}: {answer.get('ErrorMessage', '')}".strip()
        if code in TRANSIENT_CODES:
            raise TransientError(error)
        raise PermanentError(error)

    def close(self) -> None:
        return None
