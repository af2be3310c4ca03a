"""The CSRF token of a page on the shared shell (frontend.shell), masked once per response, as Django's
`get_token` masks it, with one read of the operating system's randomness where Django reads it once per character.

Django draws each of a token's characters with `secrets.choice` (an `os.urandom` call each): a new visitor's secret
and two maskings (the page's ETag named the secret, the shell wrote the token) cost 96 system calls, a quarter of a
kept product page's CPU. Here one draw of 384 random bits gives the 32 characters of a mask or of a secret, each
uniform within 2^-190 (the draw's remainder beyond 62^32 is spread over 2^384). The token is what Django's
`_mask_cipher_secret` makes: the mask, then each character of the secret shifted by the mask's; Django's
CsrfViewMiddleware checks it as its own. A page rendered in full (messages waiting, an organisation switcher) uses
Django's.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH

_INDEX = {char: i for i, char in enumerate(CSRF_ALLOWED_CHARS)}
_BASE = len(CSRF_ALLOWED_CHARS)
_DRAWN_BITS = 384  # >> log2(62^32) ≈ 190.5: a character's bias stays below 2^-190


def _random_string() -> str:
    """CSRF_SECRET_LENGTH characters of CSRF_ALLOWED_CHARS, uniformly at random."""
    number = secrets.randbits(_DRAWN_BITS)
    chars = []
    for _ in range(CSRF_SECRET_LENGTH):
        number, digit = divmod(number, _BASE)
        chars.append(CSRF_ALLOWED_CHARS[digit])
    return "".join(chars)


def secret(request: HttpRequest) -> str:
    """The visitor's CSRF secret; a new one for a visitor without the cookie (set on the response by Django's
    CsrfViewMiddleware, as `get_token` has it set)."""
    if not request.META.get("CSRF_COOKIE"):
        request.META.update({"CSRF_COOKIE": _random_string(), "CSRF_COOKIE_NEEDS_UPDATE": True})
    return str(request.META["CSRF_COOKIE"])


def page_token(request: HttpRequest) -> str:
    """The visitor's secret, masked afresh for this response (and the cookie renewed, as `get_token` does)."""
    visitor_secret = secret(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _random_string()
    cipher = "".join(
        CSRF_ALLOWED_CHARS[(_INDEX[s] + _INDEX[m]) % _BASE] for s, m in zip(visitor_secret, mask, strict=True)
    )
    return mask + cipher
