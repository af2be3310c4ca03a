"""E-mail through Django's SMTP backend, HTML + text, in the recipient's language.

The backend's SMTP connection class is extended in one place: DATA is sent in two steps, the message body
and then the final ".", the second inside the hand-over (base.py). An SMTP server discards a transaction
whose "." never arrived, so anything that goes wrong before the "." is written is safe to retry — and the
database records "delivering" only after it was written. The one ambiguous window left is between the "."
and the server's reply.

Other backends (console in development, locmem in unit tests) are used as they are, inside the hand-over.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import socket
from collections.abc import Iterator
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend
from django.core.mail.utils import DNS_NAME

from market.notifications.channels.base import HandOver, LostClaim, PermanentError, TransientError
from market.notifications.models import Notification
from market.notifications.registry import NotificationKind
from market.notifications.rendering import RenderError, header_safe, preferences_url, render_email

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_LEADING_DOT = re.compile(rb"(?m)^\.")


class _HandOverData(smtplib.SMTP):
    """smtplib's DATA, with the hand-over between the body and the terminating dot."""

    hand_over: HandOver | None = None

    def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> tuple[int, bytes]:
        reply = super().connect(host, port, source_address)
        # The final "." is a tiny write of its own: without TCP_NODELAY, Nagle's algorithm holds it until the
        # server acknowledges the body (a delayed ACK, ~40 ms per message).
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        raw = msg.encode("ascii") if isinstance(msg, str) else bytes(msg)
        body = _LEADING_DOT.sub(b"..", raw)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body)
        if self.hand_over is None:
            self.send(b".\r\n")
        else:
            # Entering raises LostClaim to abandon the message: the caller then drops the connection without
            # the ".", and the server throws the incomplete message away. Leaving commits "delivering".
            with self.hand_over():
                self.send(b".\r\n")
        return self.getreply()


class HandOverSMTP(_HandOverData):
    pass


class HandOverSMTPSSL(_HandOverData, smtplib.SMTP_SSL):
    pass


class HandOverEmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend (same settings: EMAIL_HOST, EMAIL_PORT, TLS, login) with the hand-over DATA."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return HandOverSMTPSSL if self.use_ssl else HandOverSMTP


def message_domain() -> str:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return address.rpartition("@")[2] or DNS_NAME.get_fqdn()


class EmailChannel:
    name = "email"
    idempotent = False

    @property
    def timeout(self) -> float:
        return float(settings.EMAIL_TIMEOUT or 20)

    def prepare(self, row: Notification, kind: NotificationKind) -> EmailMultiAlternatives:
        user = row.recipient_user
        address = user.email if user is not None else row.recipient_address
        if not address or "@" not in address:
            raise PermanentError("no e-mail address for this recipient")
        language = user.language if user is not None else row.language
        try:
            rendered = render_email(
                kind,
                row.context,
                language=language,
                recipient_name=user.full_name if user is not None else "",
                organisation_name=row.organisation.name if row.organisation_id and row.organisation else "",
            )
        except RenderError as exc:
            raise PermanentError(f"template problem: {exc}") from exc
        message = EmailMultiAlternatives(
            subject=header_safe(rendered.subject),
            body=rendered.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={
                # The same id on every attempt: a mailbox that gets a staff resend of an unconfirmed message
                # can tell it is the same one.
                "Message-ID": f"<notification-{row.pk}@{message_domain()}>",
                "Auto-Submitted": "auto-generated",
                "X-Auto-Response-Suppress": "All",
                "X-Market-Notification": str(row.pk),
                "X-Market-Kind": row.kind,
                "List-Unsubscribe": f"<{preferences_url()}>",
                "Content-Language": language,
            },
        )
        message.attach_alternative(rendered.html, "text/html")
        return message

    def open(self) -> EmailSession:
        return EmailSession()


class EmailSession:
    """One SMTP connection reused for a batch; dropped (without QUIT) whenever its state is in doubt."""

    def __init__(self) -> None:
        self.smtp = settings.EMAIL_BACKEND == SMTP_BACKEND
        self.backend: Any = HandOverEmailBackend(fail_silently=False) if self.smtp else None

    def send(self, message: EmailMultiAlternatives, hand_over: HandOver) -> str:
        message_id = message.extra_headers["Message-ID"]
        if not self.smtp:
            try:
                with hand_over():
                    get_connection(fail_silently=False).send_messages([message])
            except LostClaim:
                raise
            except Exception as exc:  # an arbitrary backend: whatever it raises, we cannot tell
                raise TransientError(f"e-mail backend failed: {exc}", definite=False) from exc
            return message_id

        handed = False

        @contextlib.contextmanager
        def mark() -> Iterator[None]:
            nonlocal handed
            with hand_over():
                yield
            handed = True

        for try_number in (1, 2):
            try:
                fresh = self._ensure_open()
                self.backend.connection.hand_over = mark
                self.backend.send_messages([message])
                return message_id
            except LostClaim:
                self._drop()
                raise
            except smtplib.SMTPRecipientsRefused as exc:
                code, reply = next(iter(exc.recipients.values()))
                raise _reply_error("recipient refused", code, reply) from exc
            except smtplib.SMTPSenderRefused as exc:
                self._drop()
                # A sender refusal is the server's policy or our configuration: worth retrying after a fix.
                raise TransientError(f"sender refused: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
            except smtplib.SMTPResponseException as exc:
                # A definite reply: DATA refused, or the message refused after the "." (SMTPDataError).
                self._drop()
                raise _reply_error("message refused", exc.smtp_code, exc.smtp_error) from exc
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                if not handed and try_number == 1 and not fresh:
                    continue  # the server closed an idle connection: nothing left us, reconnect once
                raise TransientError(f"SMTP connection failed: {exc}", definite=not handed) from exc
            except BaseException:
                # Anything else (the database failing inside the hand-over): the connection may be
                # half-way through DATA; drop it so that the server discards the message.
                self._drop()
                raise
            finally:
                if self.backend.connection is not None:
                    self.backend.connection.hand_over = None
        raise TransientError("SMTP connection failed twice")  # pragma: no cover (loop always returns/raises)

    def _ensure_open(self) -> bool:
        try:
            return bool(self.backend.open())
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            if isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600:
                raise TransientError(f"SMTP server refused us: {exc.smtp_code} {_text(exc.smtp_error)}") from exc
            raise TransientError(f"cannot reach the SMTP server: {exc}") from exc

    def _drop(self) -> None:
        for connection in (self.backend.connection, self.backend._partial_connection):
            if connection is not None:
                with contextlib.suppress(OSError):
                    connection.close()
        self.backend.connection = None
        self.backend._partial_connection = None

    def close(self) -> None:
        if self.smtp:
            try:
                self.backend.close()
            except (OSError, smtplib.SMTPException):
                self._drop()


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _reply_error(what: str, code: int, reply: bytes | str) -> TransientError | PermanentError:
    message = f"{what}: {code} {_text(reply)}"
    if 500 <= code < 600:
        return PermanentError(message)
    return TransientError(message)
