"""A cooperative's storefront content written by hand (`content_html`), exactly as
organisation/storefront_content.html renders it with its partials (the verification badge, the cards):
tests/frontend/test_storefront_content.py holds the two equal over every branch, in both languages. Rendering the
template was the largest part of the CPU of a storefront not kept (~0.6 ms of ~2.2 ms for its parts). The template
stays as the reference the tests hold this to: a change to the page is made in both. The raw-material areas' map,
drawn for the few cooperatives that outline their plots, is still its partial's.

Escaped as the template escapes (frontend.written)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from datetime import date
from html import escape
from typing import Any

from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from catalog.models import ProductImage
from catalog.selectors.storefront import StorefrontPage
from catalog.supply.selectors import PublicSupply
from fairs.models import Fair
from frontend.navigation import fixed_path
from frontend.templatetags.market import qty
from frontend.written import day_html, path_around, value_html
from market.organisations.models import Organisation, OrganisationKind, VerificationStatus
from orders.selectors import SellerRecord

TEMPLATE = "frontend/organisation/storefront_content.html"
MAP_TEMPLATE = "frontend/supply/partials/public_map.html"
# `{% translate %}`s of the template, by their message.
_WORDS = (
    "Search its products", "Our story", "The cooperative has not told its story yet.", "Legal name",
    "Tax code (MST)", "Address", "Phone", "Website", "Record over the last 12 months", "Confirms orders in",
    "Answers requests for quotation in", "Delivered on time", "Certificates in force", "Certificate", "Number",
    "Issued by", "Valid until", "Covers", "No verified certificate in force today.", "Photos", "Products",
    "Pages of products", "Previous page", "Next page", "No more products on this page.", "Back to the first page",
    "This cooperative has no product on sale right now.", "Browse the catalogue", "Raw-material areas",
    "planting-area code", "The cooperative has not listed its raw-material areas yet.", "Trade fairs", "coming",
    "No trade fair on record yet.",
)  # fmt: skip


@dataclass(frozen=True)
class StorefrontContent:
    """What the content shows: the template's context, by its names."""

    organisation: Organisation
    path: str  # the storefront's, unescaped
    certificates: list[Any]
    certificate_rows: SafeString
    products: StorefrontPage
    cards: list[SafeString]
    previous_link: str
    next_link: str
    photos: list[ProductImage]
    supply: PublicSupply
    fairs: list[Fair]
    today: date
    record: SellerRecord
    order_response: str
    quote_response: str
    min_samples: int

    def context(self) -> dict[str, Any]:
        """The template's context (the reference rendering)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Setting:
    words: dict[str, str]  # escaped
    catalogue: str  # escaped
    cooperative: tuple[str, str]  # a path's head and tail, escaped
    product: tuple[str, str]
    fair: tuple[str, str]
    # Each organisation kind's and verification status's label, escaped (`get_kind_display()` and
    # `get_verification_status_display()` translated and hashed every choice's label on each call).
    kinds: dict[str, str]
    statuses: dict[str, str]


@functools.lru_cache(maxsize=16)
def _setting(_language: str, _prefix: str, _urlconf: str | None) -> _Setting:
    return _Setting(
        words={word: escape(_(word)) for word in _WORDS},
        kinds={kind: escape(str(label)) for kind, label in OrganisationKind.choices},
        statuses={status: escape(str(label)) for status, label in VerificationStatus.choices},
        catalogue=escape(fixed_path("frontend:catalogue")),
        cooperative=path_around("frontend:cooperative"),
        product=path_around("frontend:product"),
        fair=path_around("frontend:fair-detail"),
    )


def _label(labels: dict[str, str], value: str) -> str:
    """A choice's label, escaped, from `labels` (`_Setting.kinds`, `.statuses`): as `get_FOO_display()` writes it,
    the value itself when it is not a choice."""
    return labels[value] if value in labels else value_html(value)


def content_html(content: StorefrontContent) -> SafeString:
    """The page's content (organisation/storefront_content.html)."""
    s = _setting(get_language(), get_script_prefix(), get_urlconf())
    w = s.words
    organisation = content.organisation
    return mark_safe(  # noqa: S308 (every value escaped by value_html, the words above)
        "\n"
        '<div class="page-head storefront-head">\n'
        "  <div>\n"
        f"    <h1>{value_html(organisation.name)}</h1>\n"
        f"    <p>{_label(s.kinds, organisation.kind)} · {value_html(organisation.province_name)} · "
        f'<span class="badge {value_html(organisation.verification_status)}">'
        f"{_label(s.statuses, organisation.verification_status)}</span>\n"
        "</p>\n"
        "  </div>\n"
        f'  <p class="actions"><a class="button" href="{s.catalogue}?cooperative={value_html(organisation.pk)}">'
        f"{w['Search its products']}</a></p>\n"
        "</div>\n"
        "\n"
        '<div class="storefront">\n'
        f"{_story(organisation, w)}\n"
        "\n"
        f"{_record(content, w)}\n"
        "\n"
        f"{_certificates(content, w)}\n"
        "\n"
        f"  {_photos(content.photos, s)}\n"
        "\n"
        f"{_products(content, s)}\n"
        "\n"
        f"{_areas(content.supply, organisation, w)}\n"
        "\n"
        f"{_fairs(content, s)}\n"
        "</div>\n"
    )


def _story(organisation: Organisation, w: dict[str, str]) -> str:
    if organisation.description:
        story = f'<p class="prose">{linebreaksbr(organisation.description, autoescape=True)}</p>\n    '
    else:
        story = f'<p class="muted">{w["The cooperative has not told its story yet."]}</p>'
    phone = website = ""
    if organisation.phone:
        number = value_html(organisation.phone)
        phone = f'<dt>{w["Phone"]}</dt><dd><a href="tel:{number}">{number}</a></dd>'
    if organisation.website:
        site = value_html(organisation.website)
        website = f'<dt>{w["Website"]}</dt><dd class="break"><a href="{site}" rel="nofollow noopener">{site}</a></dd>'
    return (
        '  <section class="card storefront-story" aria-labelledby="story">\n'
        f'    <h2 id="story">{w["Our story"]}</h2>\n'
        f"    {story}\n"
        '    <dl class="facts">\n'
        f"      <dt>{w['Legal name']}</dt><dd>{value_html(organisation.legal_name)}</dd>\n"
        f"      <dt>{w['Tax code (MST)']}</dt><dd>{value_html(organisation.tax_code or '—')}</dd>\n"
        f"      <dt>{w['Address']}</dt><dd>{value_html(organisation.full_address)}</dd>\n"
        f"      {phone}\n"
        f"      {website}\n"
        "    </dl>\n"
        "  </section>"
    )


def _figure(name: str, label: str, shown: str, note: str, not_enough: str) -> str:
    """One figure of the record: its value and note, or a dash and what it needs."""
    if shown:
        body = f'<span class="stat">{shown}</span>\n        <span class="figure-note">{note}</span>\n        '
    else:
        body = f'<span class="stat muted">—</span><span class="figure-note">{not_enough}</span>'
    return (
        f'      <li><div class="card figure" data-figure="{name}">\n'
        f'        <span class="figure-label">{label}</span>\n'
        f"        {body}\n"
        "      </div></li>"
    )


def _record(content: StorefrontContent, w: dict[str, str]) -> str:
    record, least = content.record, content.min_samples
    n = qty(least)
    percent = record.on_time_percent
    orders = ngettext("median of %(n)s order", "median of %(n)s orders", record.orders_answered)
    requests = ngettext("median of %(n)s request", "median of %(n)s requests", record.rfqs_answered)
    on_time = _("%(on_time)s of %(due)s orders by the agreed date") % {
        "on_time": qty(record.deliveries_on_time),
        "due": qty(record.deliveries_due),
    }
    figures = (
        _figure(
            "order-response",
            w["Confirms orders in"],
            value_html(content.order_response) if content.order_response else "",
            orders % {"n": qty(record.orders_answered)},
            ngettext(
                "Not enough data yet: shown from %(n)s confirmed order.",
                "Not enough data yet: shown from %(n)s confirmed orders.",
                least,
            )
            % {"n": n},
        ),
        _figure(
            "quote-response",
            w["Answers requests for quotation in"],
            value_html(content.quote_response) if content.quote_response else "",
            requests % {"n": qty(record.rfqs_answered)},
            ngettext(
                "Not enough data yet: shown from %(n)s quote.", "Not enough data yet: shown from %(n)s quotes.", least
            )
            % {"n": n},
        ),
        _figure(
            "on-time",
            w["Delivered on time"],
            "" if percent is None else f"{value_html(percent)} %",
            on_time,
            ngettext(
                "Not enough data yet: shown from %(n)s delivery.",
                "Not enough data yet: shown from %(n)s deliveries.",
                least,
            )
            % {"n": n},
        ),
    )
    return (
        '  <section class="storefront-record" aria-labelledby="record">\n'
        f'    <h2 id="record">{w["Record over the last 12 months"]}</h2>\n'
        '    <ul class="grid stats figures">\n' + "\n".join(figures) + "\n    </ul>\n  </section>"
    )


def _certificates(content: StorefrontContent, w: dict[str, str]) -> str:
    if content.certificates:
        heads = "".join(
            f'<th scope="col">{w[word]}</th>'
            for word in ("Certificate", "Number", "Issued by", "Valid until", "Covers")
        )
        table = (
            '\n    <div class="table-wrap"><table class="responsive">\n'
            f"      <thead><tr>{heads}</tr></thead>\n"
            f"      <tbody>{content.certificate_rows}</tbody>\n"
            "    </table></div>\n    "
        )
    else:
        table = f'<p class="muted">{w["No verified certificate in force today."]}</p>'
    return (
        '  <section class="card" aria-labelledby="certificates">\n'
        f'    <h2 id="certificates">{w["Certificates in force"]}</h2>\n'
        f"    {table}\n"
        "  </section>"
    )


def _photos(photos: list[ProductImage], s: _Setting) -> str:
    if not photos:
        return ""
    head, tail = s.product
    items = "".join(
        f'\n      <li><a href="{head}{int(photo.product_id)}{tail}">'
        f'<img src="{escape(reverse("catalog-media", args=[photo.thumbnail.name]))}" '
        f'alt="{value_html(photo.alt_text or photo.product.name)}" width="400" height="400" loading="lazy">'
        "</a></li>\n    "
        for photo in photos
    )
    return (
        '\n  <section aria-labelledby="photos">\n'
        f'    <h2 id="photos">{s.words["Photos"]}</h2>\n'
        f'    <ul class="gallery">{items}</ul>\n'
        "  </section>\n  "
    )


def _products(content: StorefrontContent, s: _Setting) -> str:
    w, page = s.words, content.products
    if page.products:
        pager = ""
        if page.has_previous or page.has_next:
            button = '<a class="button secondary" rel="{}" href="{}">{}</a>'
            previous = button.format("prev", value_html(content.previous_link), w["Previous page"])
            following = button.format("next", value_html(content.next_link), w["Next page"])
            previous, following = (previous if page.has_previous else ""), (following if page.has_next else "")
            pager = (
                f'\n    <nav class="pager" aria-label="{w["Pages of products"]}">\n'
                f"      {previous}\n"
                f'      <span class="muted">{_("Page %(n)s") % {"n": qty(page.number)}}</span>\n'
                f"      {following}\n"
                "    </nav>\n    "
            )
        shown = f'\n    <ul class="product-grid">{"".join(content.cards)}\n</ul>\n    {pager}\n    '
    elif page.has_previous:
        head, tail = s.cooperative
        shown = (
            f'\n    <div class="empty-state"><p>{w["No more products on this page."]}</p><p>'
            f'<a class="button secondary" href="{head}{int(content.organisation.pk)}{tail}">'
            f"{w['Back to the first page']}</a></p></div>\n    "
        )
    else:
        shown = (
            f'\n    <div class="empty-state"><p>{w["This cooperative has no product on sale right now."]}</p><p>'
            f'<a class="button secondary" href="{s.catalogue}">{w["Browse the catalogue"]}</a></p></div>\n    '
        )
    return (
        f'  <section aria-labelledby="products">\n    <h2 id="products">{w["Products"]}</h2>\n    {shown}\n  </section>'
    )


def _areas(supply: PublicSupply, organisation: Organisation, w: dict[str, str]) -> str:
    if supply.areas:
        drawn = render_to_string(MAP_TEMPLATE, {"map": supply.map, "organisation": organisation}) if supply.map else ""
        rows = "".join(_area(row, w) for row in supply.areas)
        shown = (
            f'\n    <div class="storefront-areas">\n      {drawn}\n      <ul class="plain">{rows}</ul>\n    </div>\n'
        )
        shown += "    "
    else:
        shown = f'<p class="muted">{w["The cooperative has not listed its raw-material areas yet."]}</p>'
    return (
        '  <section class="card" aria-labelledby="areas">\n'
        f'    <h2 id="areas">{w["Raw-material areas"]}</h2>\n'
        f"    {shown}\n"
        "  </section>"
    )


def _area(row: Any, w: dict[str, str]) -> str:
    area = row.area
    plots = ngettext("%(n)s plot, %(ha)s ha", "%(n)s plots, %(ha)s ha", row.plots) % {
        "n": qty(row.plots),
        "ha": value_html(qty(row.hectares)),
    }
    code = f" · {w['planting-area code']} {value_html(area.planting_area_code)}" if area.planting_area_code else ""
    return (
        f"\n        <li><strong>{value_html(area.name)}</strong> · {value_html(area.crop)}<br>\n"
        f'          <span class="muted small">{value_html(area.province_name)} · {plots}{code}</span></li>\n      '
    )


def _fairs(content: StorefrontContent, s: _Setting) -> str:
    w = s.words
    if content.fairs:
        head, tail = s.fair
        items = "".join(
            f'\n      <li><a href="{head}{escape(fair.slug)}{tail}">{value_html(fair.name)}</a><br>'
            f'<span class="muted small">{day_html(fair.starts_on)} – {day_html(fair.ends_on)} · '
            f"{value_html(fair.venue)}"
            f"{' · ' + w['coming'] if fair.ends_on >= content.today else ''}</span></li>\n    "
            for fair in content.fairs
        )
        shown = f'\n    <ul class="plain">{items}</ul>\n    '
    else:
        shown = f'<p class="muted">{w["No trade fair on record yet."]}</p>'
    return (
        '  <section class="card" aria-labelledby="fairs">\n'
        f'    <h2 id="fairs">{w["Trade fairs"]}</h2>\n'
        f"    {shown}\n"
        "  </section>"
    )
