"""Compresses the site's own responses — HTML, JSON, SVG and other text — with brotli when the client
accepts it, else gzip. WhiteNoise serves static files already compressed (it answers before this runs).

Left alone: responses that already have a Content-Encoding, types that are compressed already (images,
PDF, archives, fonts), bodies under 200 bytes, and async streams (this site runs under WSGI). Every
compressible response says `Vary: Accept-Encoding`; a strong ETag becomes weak (RFC 9110 §8.8.1).

Compression side channels (BREACH): an attacker who can put text into a page that also carries a secret,
and can watch the compressed sizes of many responses, learns the secret a character at a time (a guess that
matches compresses better). Django's documented protections, kept here:
- the CSRF token is masked afresh in every response (Django's default; nothing turns it off), so the token
  never repeats from one response to the next for a guess to match;
- random-length padding ("Heal the BREACH"): Django's gzip writes 0–99 random bytes into the gzip header's
  file name. Brotli has no such header field, so `brotli_compress` inserts a metadata block (RFC 7932 §9.2:
  bytes every decoder skips) of a random 0–99 bytes before the end of the stream. Either way the size of a
  response no longer tells a one-byte difference in the content without averaging many more requests.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable, Iterable, Iterator

import brotli
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.text import compress_sequence, compress_string

from market.core.vary import add_vary

MIN_SIZE = 200
MAX_RANDOM_BYTES = 100  # as Django's GZipMiddleware
# Quality 5 of 11: most of brotli's gain over gzip for the time of gzip -6 (pages are compressed per request).
BROTLI_QUALITY = 5
COMPRESSIBLE = re.compile(r"text/.+|application/(json|javascript|xml|.+\+json|.+\+xml)|image/svg\+xml")


def _padding() -> bytes:
    """A brotli metadata meta-block of 0–99 random bytes, byte-aligned (it follows a flush)."""
    length = secrets.randbelow(MAX_RANDOM_BYTES)
    if not length:
        return b""
    # ISLAST=0, MNIBBLES=0 (code 3), reserved 0, MSKIPBYTES=1, MSKIPLEN-1 on 8 bits; 14 bits, padded to 2 bytes.
    header = (3 << 1) | (1 << 4) | ((length - 1) << 6)
    return header.to_bytes(2, "little") + secrets.token_bytes(length)


def brotli_compress(data: bytes) -> bytes:
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    return compressor.process(data) + compressor.flush() + _padding() + compressor.finish()


def brotli_compress_sequence(chunks: Iterable[bytes]) -> Iterator[bytes]:
    compressor = brotli.Compressor(quality=BROTLI_QUALITY)
    for chunk in chunks:
        # Flushed per chunk, so that a streamed page reaches the client as it is produced.
        if out := compressor.process(chunk) + compressor.flush():
            yield out
    yield compressor.flush() + _padding() + compressor.finish()


def accepted_codings(header: str) -> set[str]:
    """The content codings an Accept-Encoding header allows (q > 0)."""
    accepted = set()
    for item in header.lower().split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding and quality > 0:
            accepted.add(coding)
    return accepted


# The few Content-Type and Accept-Encoding values a site meets are each worked out once per process; a bound, since
# a client writes Accept-Encoding as it likes.
_KEPT = 256


@functools.lru_cache(maxsize=_KEPT)
def compressible(content_type: str) -> bool:
    """Whether a response of this Content-Type (parameters such as the charset included) is text worth compressing."""
    return COMPRESSIBLE.fullmatch(content_type.partition(";")[0].strip().lower()) is not None


@functools.lru_cache(maxsize=_KEPT)
def chosen_coding(accept_encoding: str) -> str | None:
    """The coding to answer a request with this Accept-Encoding header in: brotli, else gzip, else none."""
    accepted = accepted_codings(accept_encoding)
    return "br" if "br" in accepted else "gzip" if "gzip" in accepted else None


class CompressionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.process_response(request, self.get_response(request))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # The size first: it is the cheapest test, and it turns away most small answers (a ping, a 304, a redirect).
        if isinstance(response, HttpResponse) and len(response.content) < MIN_SIZE:
            return response
        if response.has_header("Content-Encoding") or not compressible(response.get("Content-Type", "")):
            return response
        add_vary(response, ("Accept-Encoding",))
        coding = chosen_coding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        if coding is None:
            return response
        if isinstance(response, StreamingHttpResponse):
            if response.is_async or not isinstance(content := response.streaming_content, Iterator):
                return response
            response.streaming_content = (
                brotli_compress_sequence(content)
                if coding == "br"
                else compress_sequence(content, max_random_bytes=MAX_RANDOM_BYTES)
            )
            del response.headers["Content-Length"]
        elif isinstance(response, HttpResponse):
            body = response.content
            compressed = (
                brotli_compress(body) if coding == "br" else compress_string(body, max_random_bytes=MAX_RANDOM_BYTES)
            )
            if len(compressed) >= len(body):
                return response
            response.content = compressed
            response.headers["Content-Length"] = str(len(compressed))
        else:
            return response
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = coding
        return response
