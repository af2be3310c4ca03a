"""Where a webhook may be sent: no SSRF.

Checked twice: when an endpoint is registered (so a person hears at once that the address cannot work) and
at every delivery after resolving the name, connecting to the very address that was checked (a name that
resolved to a public address yesterday and to 10.0.0.1 today — DNS rebinding — is refused, and no second
lookup happens between the check and the connection).

HTTPS only. Plain HTTP, and loopback addresses, only where WEBHOOKS_ALLOW_LOOPBACK is on (development and
tests); it is refused in production.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from market.core.errors import ValidationFailed
from market.integrations.config import webhook_settings

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeAddress(Exception):
    """The URL cannot be used for a webhook; the message says why (shown to the person and in the log)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written: the Host header and the TLS server name
    port: int
    path: str  # path and query, as the request line carries it
    addresses: tuple[str, ...] = ()  # resolved and checked; connect to these only


def parse_url(url: str) -> Target:
    """The URL's parts, or UnsafeAddress for anything but https (or http to loopback where allowed)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UnsafeAddress(_("This is not a valid URL.")) from None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host or parts.scheme not in {"https", "http"}:
        raise UnsafeAddress(_("The URL must start with https:// and name a host."))
    if parts.username or parts.password:
        raise UnsafeAddress(_("The URL must not contain a user name or password; sign-in is by the signature."))
    if parts.fragment:
        raise UnsafeAddress(_("The URL must not contain a #fragment."))
    if parts.scheme == "http" and not (webhook_settings().allow_loopback and host in LOOPBACK_NAMES):
        raise UnsafeAddress(_("The URL must use https:// (plain http:// only reaches this computer in development)."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme, host=host, port=port or (443 if parts.scheme == "https" else 80), path=path)


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not go to this address, or None when it may."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if webhook_settings().allow_loopback else _("it is this server itself (loopback)")
    if address.is_link_local:
        return _("it is a link-local address (such as a cloud metadata service)")
    if address.is_multicast:
        return _("it is a multicast address")
    if address.is_unspecified or address.is_reserved:
        return _("it is a reserved address")
    if address.is_private or not address.is_global:
        return _("it is a private network address")
    return None


def resolve(target: Target) -> Target:
    """The target with every address its host resolves to, each checked; UnsafeAddress when the name does not
    resolve or any address is refused (a name pointing partly inside is refused whole)."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(target.host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise UnsafeAddress(_("The host %(host)s could not be found.") % {"host": target.host}) from None
        found = [ipaddress.ip_address(info[4][0]) for info in infos]
    addresses: list[str] = []
    for address in found:
        refusal = address_refusal(address)
        if refusal is not None:
            raise UnsafeAddress(
                _("Webhooks cannot be sent to %(host)s: %(reason)s.") % {"host": target.host, "reason": refusal}
            )
        if str(address) not in addresses:
            addresses.append(str(address))
    return Target(
        scheme=target.scheme, host=target.host, port=target.port, path=target.path, addresses=tuple(addresses)
    )


def validate_endpoint_url(url: str) -> str:
    """For registration: the URL, or ValidationFailed on `url` with the reason."""
    try:
        resolve(parse_url(url))
    except UnsafeAddress as exc:
        raise ValidationFailed(fields={"url": [str(exc)]}) from None
    return url.strip()
