"""Endpoint signing secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

A webhook is signed with HMAC, which needs the secret itself, so it cannot be hashed like an API token; it is
encrypted instead, and a copy of the database (a backup, a replica, a leaked dump) holds no usable secret.

Keys come from WEBHOOK_SECRET_KEYS (Fernet keys, comma-separated): the first seals, every one opens, so a key
is rotated by putting a new one first, running `manage.py webhook_secrets_reseal`, then dropping the old one.
Keys derived from SECRET_KEY (and SECRET_KEY_FALLBACKS) always open too, and seal when no key is configured:
that keeps `make run` working with no setup, and lets a site move to its own keys without losing a secret.
Production settings checks warn while the derived key is the one sealing.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_DERIVATION_INFO = b"market-link webhook endpoint secrets v1"


class SecretUnreadable(Exception):
    """No configured key opens this secret (a key was dropped before its secrets were resealed)."""


def derived_key(secret_key: str) -> bytes:
    """A Fernet key from Django's SECRET_KEY (HKDF, so it reveals nothing of SECRET_KEY itself)."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> tuple[bytes, ...]:
    """The keys in order: WEBHOOK_SECRET_KEYS, then those derived from SECRET_KEY and its fallbacks."""
    own = [key.encode() for key in getattr(settings, "WEBHOOK_SECRET_KEYS", [])]
    derived = [derived_key(key) for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]]
    return tuple(dict.fromkeys([*own, *derived]))


@lru_cache(maxsize=8)
def _box(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def seal(secret: str) -> str:
    """The secret encrypted with the first key (a fresh random IV each time: equal secrets look different)."""
    return _box(configured_keys()).encrypt(secret.encode()).decode()


def unseal(sealed: str) -> str:
    try:
        return _box(configured_keys()).decrypt(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable(
            "A webhook endpoint secret cannot be decrypted with WEBHOOK_SECRET_KEYS or SECRET_KEY: was a key removed "
            "before `manage.py webhook_secrets_reseal` ran?"
        ) from exc


def reseal(sealed: str) -> str:
    """The same secret sealed with the first key (what a key rotation runs over every row)."""
    try:
        return _box(configured_keys()).rotate(sealed.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("A webhook endpoint secret cannot be decrypted with the configured keys.") from exc
