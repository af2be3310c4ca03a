"""HTML, JSON and SVG go out compressed (brotli when accepted, else gzip), padded to a random length against
compression side channels; compressed types, tiny bodies and clients that do not ask stay as they are."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from typing import Any

import brotli
import pytest
from django.http import StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from catalog.models import HarvestLot, LotStatus
from fairs.models import Fair
from market.core.compression import CompressionMiddleware, accepted_codings, brotli_compress
from market.organisations.models import Membership, OrganisationKind
from tests.module_data import seeded_once

BROWSER = "gzip, deflate, br, zstd"


def decoded(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    coding = response.get("Content-Encoding")
    return {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding](body)


def varies_on_encoding(response) -> bool:
    return "accept-encoding" in response.get("Vary", "").lower()


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The demo, seeded once for the module's tests (each reads it and rolls back its own changes)."""
    with seeded_once(django_db_blocker, tmp_path_factory.mktemp("private")):
        yield


@pytest.mark.slow
def test_pages_json_and_svg_are_compressed(demo, db):
    client = Client()
    plan = reverse("frontend:fair-plan-svg", args=[Fair.objects.get().slug])
    for url, marker in [
        ("/catalogue/", b"<!doctype html>"),
        (f"/fairs/{Fair.objects.get().slug}/", b"<!doctype html>"),
        ("/api/v1/products/", b'{"next"'),
        (plan, b"<?xml"),
    ]:
        plain = client.get(url)
        assert plain.status_code == 200, url
        assert "Content-Encoding" not in plain, "a client that does not ask gets no compression"
        assert varies_on_encoding(plain), url
        for accept, coding in [(BROWSER, "br"), ("gzip, deflate", "gzip"), ("br;q=0, gzip;q=0.5", "gzip")]:
            response = client.get(url, HTTP_ACCEPT_ENCODING=accept)
            assert response["Content-Encoding"] == coding, (url, accept)
            assert varies_on_encoding(response)
            assert int(response["Content-Length"]) == len(response.content) < len(plain.content) / 3, url
            assert decoded(response).startswith(marker), url
    assert decoded(client.get(plan, HTTP_ACCEPT_ENCODING=BROWSER)) == client.get(plan).content
    products = json.loads(decoded(client.get("/api/v1/products/", HTTP_ACCEPT_ENCODING=BROWSER)))
    assert products["results"]


@pytest.mark.slow
def test_compressed_types_and_tiny_bodies_are_left_alone(demo, db):
    client = Client()
    lot = HarvestLot.objects.exclude(status=LotStatus.DRAFT).first()
    for url in (f"/trace/{lot.public_id}/qr.png", "/healthz"):
        response = client.get(url, HTTP_ACCEPT_ENCODING=BROWSER)
        assert response.status_code == 200, url
        assert "Content-Encoding" not in response, url
    report = reverse("frontend:fair-report-pdf", args=[Fair.objects.get().slug])
    staff = Client()
    staff.force_login(Membership.objects.filter(organisation__kind=OrganisationKind.ALLIANCE).first().user)
    pdf = staff.get(report, HTTP_ACCEPT_ENCODING=BROWSER)
    assert pdf.content.startswith(b"%PDF")
    assert "Content-Encoding" not in pdf
    assert not varies_on_encoding(pdf)


@pytest.mark.parametrize(("accept", "coding"), [(BROWSER, "br"), ("gzip", "gzip")])
def test_streaming_responses_are_compressed_as_they_stream(accept, coding):
    rows = [f"<tr><td>Lô {n}</td><td>Gạo ST25</td></tr>\n".encode() for n in range(500)]
    middleware = CompressionMiddleware(lambda request: StreamingHttpResponse(iter(rows), content_type="text/html"))
    response = middleware(RequestFactory().get("/", HTTP_ACCEPT_ENCODING=accept))
    assert response["Content-Encoding"] == coding
    assert "Content-Length" not in response
    assert varies_on_encoding(response)
    chunks = list(response.streaming_content)
    if coding == "br":
        assert len(chunks) > 2, "sent as it is produced, not gathered first"
    body = b"".join(chunks)
    assert (brotli.decompress(body) if coding == "br" else gzip.decompress(body)) == b"".join(rows)


@pytest.mark.django_db
def test_the_compressed_length_is_random_for_both_codings(client):
    body = b"<p>" + "Hợp tác xã Tân Hiệp, gạo ST25 ".encode() * 300 + b"</p>"
    lengths = {len(brotli_compress(body)) for _ in range(40)}
    assert len(lengths) > 10, "brotli gets a random-length metadata block"
    assert all(brotli.decompress(brotli_compress(body)) == body for _ in range(20))
    gzip_lengths = {len(client.get("/login/", HTTP_ACCEPT_ENCODING="gzip").content) for _ in range(20)}
    assert len(gzip_lengths) > 5, "gzip gets Django's random-length file name"


@pytest.mark.django_db
def test_the_csrf_token_is_masked_afresh_in_every_compressed_page(client):
    tokens = {
        re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', decoded(page)).group(1)
        for page in (client.get("/login/", HTTP_ACCEPT_ENCODING=BROWSER) for _ in range(3))
    }
    assert len(tokens) == 3


def test_accept_encoding_is_read_with_its_weights():
    assert accepted_codings("gzip, deflate, br") == {"gzip", "deflate", "br"}
    assert accepted_codings("br;q=0, gzip;q=0.8") == {"gzip"}
    assert accepted_codings("BR ; q=1.0") == {"br"}
    assert accepted_codings("identity;q=bad, gzip") == {"gzip"}
    assert accepted_codings("") == set()
