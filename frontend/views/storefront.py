"""A cooperative's public storefront: the page a buyer opens first. Its story, photos, certificates in force,
products, raw-material areas on a map, the fairs it exhibited at and its record (response times, on-time
deliveries). Every part is one read from its app's selectors, whatever its size: two queries in all (the record,
the certificates, the fairs, the photos and the plots are read with the cooperative's own row, on PostgreSQL; then a
page of its products). Conditional
GET: the ETag is the cooperative's storefront version (frontend.conditional), so a kept page is answered 304 until
a service changes what it shows."""

from __future__ import annotations

import functools
import json
import unicodedata
from datetime import datetime, timedelta
from html import escape, unescape
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from rest_framework import serializers

from catalog import selectors as catalog
from catalog.models import Certificate, badge_text
from catalog.selectors.browse import badge_labels_in, scope_labels_in
from catalog.supply import selectors as supply
from fairs import selectors as fairs
from frontend import shell
from frontend.conditional import conditional_page
from frontend.fragments import product_cards
from frontend.storefront_content import StorefrontContent, content_html
from frontend.written import day_html, path_around, value_html
from market.core import inputs as core_inputs
from market.core import read_ahead
from market.core.conditional import deploy_version
from market.core.parsing import format_decimal
from market.organisations import selectors as organisations
from market.organisations.http import ActorRequest
from market.organisations.models import Organisation
from market.organisations.storefront import storefront_key, storefront_version
from orders import selectors as orders

DESCRIPTION_CHARS = 160
PARTS_SECONDS = 3600  # stamped with the storefront version: this only bounds the memory of pages no one reads again
# The characters JSON may hold that would end or confuse the <script> element holding it.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


class StorefrontQuery(serializers.Serializer):
    page = core_inputs.IntegerInput(required=False, min_value=1, max_value=1000)


def duration_text(value: timedelta | None) -> str:
    """ "3 hours", "2 days": a median rounded to what a buyer plans with."""
    if value is None:
        return ""
    hours = value.total_seconds() / 3600
    if hours < 1:
        minutes = max(1, round(value.total_seconds() / 60))
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": format_decimal(minutes)}
    if hours < 48:
        whole = round(hours)
        return ngettext("%(n)s hour", "%(n)s hours", whole) % {"n": format_decimal(whole)}
    days = round(hours / 24)
    return ngettext("%(n)s day", "%(n)s days", days) % {"n": format_decimal(days)}


def organisation_ld(organisation: Organisation, url: str, certificates: list[Certificate]) -> SafeString:
    """schema.org Organization data for search engines, as JSON safe inside <script type="application/ld+json">
    (data, not code: a Content-Security-Policy does not execute it)."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": organisation.name,
        "legalName": organisation.legal_name,
        "url": url,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": organisation.address_line,
            "addressLocality": organisation.commune_name,
            "addressRegion": organisation.province_name,
            "addressCountry": "VN",
        },
    }
    if organisation.tax_code:
        data["taxID"] = organisation.tax_code
    if organisation.description:
        data["description"] = organisation.description
    if organisation.phone:
        data["telephone"] = organisation.phone
    if organisation.website:
        data["sameAs"] = [organisation.website]
    if certificates:
        labels = badge_labels_in(get_language())
        data["hasCredential"] = [
            {"@type": "EducationalOccupationalCredential", "name": _badge(c, labels), "identifier": c.number}
            for c in certificates
        ]
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES))  # noqa: S308 (escaped above)


# The certificate table's rows: written by hand (`certificate_rows_html`), held to this template by
# tests/frontend/test_storefront_rows.py. A cooperative shows a dozen certificates or more, and the template's loop
# was the larger half of rendering a storefront (~1 ms of CPU).
CERTIFICATE_ROWS_TEMPLATE = "frontend/organisation/partials/certificate_rows.html"


@functools.lru_cache(maxsize=16)
def _row_words(_language: str) -> tuple[str, str, str, str, str, str]:
    """The rows' words in the language, escaped: the five column labels and "No end date"."""
    words = ("Certificate", "Number", "Issued by", "Valid until", "Covers", "No end date")
    return tuple(escape(_(word)) for word in words)  # type: ignore[return-value]  # six words


def _badge(certificate: Certificate, labels: dict[str, str]) -> str:
    """`certificate.badge_label` from the kinds' labels in the active language (`badge_labels_in`): the
    model's `get_kind_display()` translated and hashed every kind's label on each call, ~0.1 ms of CPU."""
    kind = certificate.kind
    return badge_text(kind, certificate.ocop_stars, labels.get(kind, kind))


def certificate_rows_html(certificates: list[Certificate]) -> SafeString:
    """The `<tr>`s of the storefront's certificate table, exactly as CERTIFICATE_ROWS_TEMPLATE renders them."""
    language = get_language()
    certificate, number, issuer, valid_until, covers, no_end = _row_words(language)
    kinds, scopes = badge_labels_in(language), scope_labels_in(language)
    return mark_safe(  # noqa: S308 (every value escaped by value_html and day_html; the words escaped above)
        "".join(
            "<tr>\n"
            f'        <td data-label="{certificate}"><span class="badge cert cert-{value_html(c.kind)}">'
            f"{value_html(_badge(c, kinds))}</span></td>\n"
            f'        <td data-label="{number}" class="break">{value_html(c.number)}</td>\n'
            f'        <td data-label="{issuer}">{value_html(c.issuer)}</td>\n'
            f'        <td data-label="{valid_until}">{day_html(c.valid_to, language) if c.valid_to else no_end}</td>\n'
            f'        <td data-label="{covers}">{value_html(scopes.get(c.scope, c.scope))}</td>\n'
            "      </tr>"
            for c in certificates
        )
    )


def _version(request: ActorRequest, organisation_id: int) -> tuple[object, ...]:
    """What the storefront shows, by version (market.organisations.storefront): the cooperative's, kept by
    every service that changes a part of it, and today (certificates expire, orders fall due, by date). Read once
    per request: the ETag and the kept parts share it."""
    if "storefront_versions" not in request.__dict__:
        today = timezone.localdate().isoformat()
        request.__dict__["storefront_versions"] = (storefront_version(organisation_id), today)
    return request.__dict__["storefront_versions"]


def _page_number(request: ActorRequest) -> int:
    """The page asked for, parsed once per request: the kept parts' key is built twice (read ahead, then read)
    and the serializer that reads it cost ~0.3 ms of CPU each time. With no query at all (the storefront as linked),
    the first page, without building the serializer."""
    if "storefront_page" not in request.__dict__:
        query = core_inputs.read_query(StorefrontQuery, request.GET) if request.GET else {}
        request.__dict__["storefront_page"] = query.get("page") or 1
    return request.__dict__["storefront_page"]


def _kept_key(request: ActorRequest, organisation_id: int) -> str:
    return f"storefront:{organisation_id}:{_page_number(request)}:{get_language()}:{deploy_version()}"


def _reads(request: ActorRequest, organisation_id: int) -> list[str]:
    """What the storefront reads from Redis before it knows its answer: its version and its kept parts."""
    return [storefront_key(organisation_id), _kept_key(request, organisation_id)]


@require_safe
@conditional_page(_version, ahead=_reads)
def storefront(request: ActorRequest, organisation_id: int) -> HttpResponse:
    """A verified cooperative's storefront; anyone may read it and search engines may index it."""
    # What the page shows is the same for everyone until its storefront version moves (or the day: certificates
    # expire, orders fall due), as the ETag says: kept rendered, in the visitor's language, stamped with both
    # (market.core.read_ahead.kept). Nothing of the visitor's is in it; the page shell around it is theirs. A
    # cooperative no longer public has a new version, under which nothing is kept: seller_public_get answers
    # 404. The deploy is in the key too: another deploy's templates render the parts differently.
    key, stamp = _kept_key(request, organisation_id), _version(request, organisation_id)
    parts = read_ahead.kept(key, stamp)
    if parts is None:
        parts = _storefront_parts(organisation_id, _page_number(request))
        read_ahead.keep(key, stamp, parts, PARTS_SECONDS)
    return shell.page(request, "frontend/organisation/storefront.html", _shown(parts))


def _shown(parts: dict[str, str]) -> dict[str, str]:
    """The kept parts as the page shows them: its head and content HTML, marked safe. They are kept as plain text:
    unpickling a SafeString looked its class up anew (~10 µs of CPU on every kept storefront)."""
    return {**parts, "head": SafeString(parts["head"]), "content": SafeString(parts["content"])}


def _plain(html: SafeString) -> str:
    """The HTML as a plain str, to keep (str() of a SafeString is the SafeString itself)."""
    return str.__str__(html)


def _storefront_parts(organisation_id: int, page_number: int) -> dict[str, str]:
    """The page's title and description (text) and its head links and content (HTML, as plain text: `_shown`)."""
    content = storefront_content(organisation_id, page_number, now=timezone.now())
    organisation, products, path = content.organisation, content.products, content.path
    canonical = settings.SITE_URL + path + (f"?page={products.number}" if products.number > 1 else "")
    description = page_description(
        organisation.description
        or _("%(name)s, a cooperative in %(province)s: its products, certificates and record on Market Link.")
        % {"name": organisation.name, "province": organisation.province_name}
    )
    return {
        "title": organisation.name,
        "description": description,
        "head": _plain(
            head_html(canonical, organisation_ld(organisation, settings.SITE_URL + path, content.certificates))
        ),
        "content": _plain(content_html(content)),
    }


def page_description(text: str) -> str:
    """`Truncator(text).chars(DESCRIPTION_CHARS)`: a text no longer than that is only normalised (NFC), as
    Truncator does before counting; Truncator looked at each of its characters to count them (~40 µs of CPU)."""
    normal = unicodedata.normalize("NFC", text)
    return normal if len(normal) <= DESCRIPTION_CHARS else Truncator(normal).chars(DESCRIPTION_CHARS)


# The head's links and data, written by hand (`head_html`), held to this template by tests/frontend/test_storefront.py
# (rendering it cost ~0.1 ms of CPU per storefront not kept).
HEAD_TEMPLATE = "frontend/organisation/storefront_head.html"


def head_html(canonical: str, organisation_ld: SafeString) -> SafeString:
    """HEAD_TEMPLATE rendered with `canonical` and `organisation_ld`."""
    return mark_safe(  # noqa: S308 (the link escaped; the data escaped for a <script> by organisation_ld)
        f'<link rel="canonical" href="{escape(canonical)}">\n'
        '  <meta name="robots" content="index, follow">\n'
        f'  <script type="application/ld+json">{organisation_ld}</script>'
    )


@functools.lru_cache(maxsize=16)
def _path_around(_language: str | None, _prefix: str, _urlconf: str | None) -> tuple[str, str]:
    """A storefront's path before and after its cooperative's id, as text (frontend.written.path_around, unescaped:
    the exact inverse of its escaping): reverse() cost ~40 µs of CPU per storefront not kept."""
    head, tail = path_around("frontend:cooperative")
    return unescape(head), unescape(tail)


def storefront_content(organisation_id: int, page_number: int, *, now: datetime) -> StorefrontContent:
    """What the storefront's content shows, read: the record, the certificates in force, the fairs, the photos and
    the plots with the cooperative's own row (on PostgreSQL: one statement where there were five), then a page of its
    products."""
    today = timezone.localdate(now)  # asked once: each localdate() looks the time zone up
    values = {
        **orders.seller_record_values(now=now),
        **catalog.certificates_in_force_values(on=today),
        **fairs.fairs_exhibited_values(),
        **catalog.photos_values(),
        **supply.public_plots_values(),
    }
    organisation = organisations.seller_public_get(organisation_id=organisation_id, values=values)
    certificates = catalog.certificates_in_force_of(organisation, on=today)
    products = catalog.storefront_products(cooperative_id=organisation.pk, page=page_number, on=today)
    language = get_language()
    head, tail = _path_around(language, get_script_prefix(), get_urlconf())
    path = f"{head}{int(organisation.pk)}{tail}"
    record = orders.seller_record_of(organisation, now=now)
    # Category.name in the active language, asked once rather than once a card.
    english = (language or "vi").startswith("en")
    return StorefrontContent(
        organisation=organisation,
        path=path,
        certificates=certificates,
        certificate_rows=certificate_rows_html(certificates),
        products=products,
        cards=product_cards(
            [(p, [], (english and p.category.name_en) or p.category.name_vi) for p in products.products]
        ),
        previous_link=f"{path}?page={products.number - 1}" if products.number > 2 else path,
        next_link=f"{path}?page={products.number + 1}",
        photos=catalog.photos_of(organisation),
        supply=supply.public_supply_of(organisation),
        fairs=fairs.fairs_exhibited_of(organisation),
        today=today,
        record=record,
        order_response=duration_text(record.order_response),
        quote_response=duration_text(record.quote_response),
        min_samples=orders.RECORD_MIN_SAMPLES,
    )
