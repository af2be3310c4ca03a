"""One HTTP POST to a checked address, with short timeouts and no redirects.

The name is resolved once (addresses.resolve) and the socket connects to the address that passed the
check; TLS still verifies the certificate against the host name (server_hostname), so pinning the address
costs no security.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from time import monotonic

from market.integrations.addresses import Target

EXCERPT_BYTES = 2000
USER_AGENT = "MarketLink-Webhooks/1"


@dataclass(frozen=True)
class Response:
    status: int
    excerpt: str
    duration_ms: int


class TransportError(Exception):
    def __init__(self, message: str, *, duration_ms: int) -> None:
        super().__init__(message)
        self.duration_ms = duration_ms


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout)
        self._address = address
        self._read_timeout = read_timeout

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.settimeout(self._read_timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, connect_timeout: float, read_timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=connect_timeout, context=ssl.create_default_context())
        self._address = address
        self._read_timeout = read_timeout

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]
        self.sock.settimeout(self._read_timeout)


def post(
    target: Target, *, body: bytes, headers: dict[str, str], connect_timeout: float, read_timeout: float
) -> Response:
    """POST `body` to the first checked address that accepts a connection."""
    started = monotonic()
    last_error = "no address to connect to"
    for address in target.addresses:
        kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
        connection = kind(target, address, connect_timeout, read_timeout)
        try:
            connection.putrequest("POST", target.path, skip_accept_encoding=True)
            for name, value in {
                **headers,
                "Content-Type": "application/json",
                "Content-Length": str(len(body)),
                "User-Agent": USER_AGENT,
            }.items():
                connection.putheader(name, value)
            connection.endheaders(body)
            answer = connection.getresponse()
            excerpt = answer.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
            return Response(status=answer.status, excerpt=excerpt, duration_ms=_ms(started))
        except ConnectionRefusedError as exc:
            last_error = f"connection refused ({exc})"
            continue  # another address of the name may answer
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(_describe(exc), duration_ms=_ms(started)) from None
        finally:
            connection.close()
    raise TransportError(last_error, duration_ms=_ms(started))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _ms(started: float) -> int:
    return int((monotonic() - started) * 1000)
