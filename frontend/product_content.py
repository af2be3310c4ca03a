"""A product page's content written by hand (`content_html`), exactly as catalog/product_content.html renders it
(tests/frontend/test_product_content.py holds it to the template over every branch, in both languages, with text
that needs escaping): rendering the template was about a third of the CPU of a product page not kept (~1.5 ms). The
template stays as the reference the test holds this to: a change to the page is made in both.

Escaped as the template escapes: a value through `localize` and `conditional_escape` ({{ … }}), a `{% translate %}`
escaped, a `{% blocktranslate %}`'s translation as it is with its values escaped, a path tag's output escaped."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from urllib.parse import quote

from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog import selectors
from catalog.models import Certificate, HarvestLot, PriceTier, Product, ProductImage
from catalog.pricing import PriceQuote
from catalog.selectors import Badge
from catalog.selectors.categories import CategoryNode
from catalog.selectors.detail_pages import ProductPage
from frontend.navigation import fixed_path
from frontend.templatetags.market import machine, qty, vnd
from frontend.written import badges_html, path_around
from frontend.written import day_html as _day
from frontend.written import value_html as _value
from market.core.parsing import format_input_decimal

CONTENT_TEMPLATE = "frontend/catalog/product_content.html"
_PATH_SAFE = "!$&'()*+,;=/~:@"  # what reverse() leaves unquoted in a path argument (django.urls.resolvers)


@dataclass(frozen=True)
class ProductContent:
    """What the content shows: the product (with its cooperative, category, VAT category), its tiers by quantity,
    certificates in force and their badges, lots in stock and their stock, images, and its category's path."""

    product: Product
    tiers: list[PriceTier]
    badges: list[Badge]
    certificates: list[Certificate]
    lots: list[HarvestLot]
    stock: Decimal
    images: list[ProductImage]
    path: list[CategoryNode]

    @classmethod
    def of(cls, page: ProductPage) -> ProductContent:
        """The content of the product as `catalog.selectors.detail_pages` reads it for its page."""
        product, certificates, lots = page.product, page.certificates, page.lots
        return cls(
            product=product,
            tiers=page.tiers,
            badges=selectors.badges_of(certificates),
            certificates=certificates,
            lots=lots,
            stock=selectors.stock_of(lots),
            images=page.images,
            path=selectors.category_path(product.category_id),
        )

    @property
    def tier_rows(self) -> list[tuple[PriceTier, Decimal | None]]:
        """(tier, where the next tier starts or None): a table of ranges people read at a glance."""
        tiers = self.tiers
        return [(tier, tiers[i + 1].min_quantity if i + 1 < len(tiers) else None) for i, tier in enumerate(tiers)]


@dataclass(frozen=True)
class _Setting:
    """What every product's content shares in a language: the language (its code, as get_language() gives it: asked
    once, not for each number and day), the words (escaped) and the (head, tail) of the paths an argument is written
    into (escaped)."""

    language: str | None
    words: dict[str, str]
    catalogue: str
    media: tuple[str, str]
    trace: tuple[str, str]
    cooperative: tuple[str, str]
    product: tuple[str, str]
    cart: str


# `{% translate %}`s of the template, by their message.
_WORDS = (
    "Breadcrumbs", "Catalogue", "Prices", "Price per unit by quantity", "Quantity", "Minimum order",
    "Order in multiples of", "VAT", "Available now", "Out of stock", "About the product", "Category", "Origin",
    "Packaging", "Net content", "Ingredients", "Storage", "How to use", "Shelf life (days)", "Cooperative",
    "All products of this cooperative", "Certificates in force", "until", "Lots in stock", "Harvested / produced",
    "Best before", "Available", "Lot", "No lot in stock right now; ask the cooperative about the next harvest.",
    "Work out the price", "Add to cart",
)  # fmt: skip


@functools.lru_cache(maxsize=16)
def _setting(language: str | None, _prefix: str, _urlconf: str | None) -> _Setting:
    return _Setting(
        language=language,
        words={word: escape(_(word)) for word in _WORDS},
        catalogue=escape(fixed_path("frontend:catalogue")),
        media=path_around("catalog-media"),
        trace=path_around("frontend:trace"),
        cooperative=path_around("frontend:cooperative"),
        product=path_around("frontend:product"),
        cart=escape(fixed_path("frontend:cart")),
    )


def _path(around: tuple[str, str], argument: str | None) -> str:
    """`{% url name argument %}`: the argument quoted as reverse() quotes it, the path escaped (a file's name: a
    stored image always has one)."""
    return f"{around[0]}{escape(quote(argument or '', safe=_PATH_SAFE))}{around[1]}"


def content_html(content: ProductContent, *, manage: str, buy: str) -> str:
    """The page's content around the visitor's two parts, `manage` and `buy` (HTML, written in as they are)."""
    s = _setting(get_language(), get_script_prefix(), get_urlconf())
    w, language = s.words, s.language
    product = content.product
    crumbs = "".join(
        f' › <a href="{s.catalogue}?category={_value(node.id)}">{_value(node.name)}</a>' for node in content.path
    )
    # On a Vietnamese page the English name follows the title (a foreign buyer's search words).
    english_name = ""
    if product.name_en and language == "vi":
        english_name = f'<p class="muted" lang="en">{_value(product.name_en)}</p>'
    notice = ""
    if not product.is_published:
        status = _("Only your cooperative sees this page: the product is %(status)s.")
        notice = f'<p class="notice warning">{status % {"status": _value(product.get_status_display())}}</p>'
    return (
        "\n"
        f'<nav class="breadcrumbs" aria-label="{w["Breadcrumbs"]}">\n'
        f'  <a href="{s.catalogue}">{w["Catalogue"]}</a>\n'
        f"  {crumbs}\n"
        "</nav>\n"
        f"{notice}\n"
        f"{manage}\n"
        '<div class="product-head">\n'
        '  <div class="gallery">\n'
        f"    {_gallery(content, s)}\n"
        "  </div>\n"
        '  <div class="stack">\n'
        "    <div>\n"
        f"      <h1>{_value(product.name)}</h1>\n"
        f"      {english_name}\n"
        f"      {badges_html(content.badges)}\n"
        "    </div>\n"
        f"{_prices(content, s, buy)}"
        "  </div>\n"
        "</div>\n"
        '<div class="two-col">\n'
        f"{_about(product, w)}"
        f"{_cooperative(content, s)}"
        "</div>\n"
        f"{_lots(content, s)}"
    )


def _gallery(content: ProductContent, s: _Setting) -> str:
    product, images = content.product, content.images
    if not images:
        return f'<div class="placeholder large" aria-hidden="true">{_value(product.category.name[:1])}</div>'
    first = images[0]
    main = (
        f'<img class="main-photo" src="{_path(s.media, first.image.name)}" '
        f'alt="{_value(first.alt_text or product.name)}" width="{_value(machine(first.width))}" '
        f'height="{_value(machine(first.height))}">'
    )
    thumbs = ""
    if len(images) > 1:
        thumbs = (
            '<ul class="thumbs">'
            + "".join(
                f'<li><a href="{_path(s.media, image.image.name)}"><img src="{_path(s.media, image.thumbnail.name)}" '
                f'alt="{_value(image.alt_text or product.name)}" width="120" height="120" loading="lazy"></a></li>'
                for image in images[1:]
            )
            + "</ul>"
        )
    return f"\n      {main}\n      {thumbs}\n    "


def _prices(content: ProductContent, s: _Setting, buy: str) -> str:
    w, product, unit, language = s.words, content.product, content.product.unit, s.language
    rows = []
    for tier, upper in content.tier_rows:
        low = _value(qty(tier.min_quantity, unit, language=language))
        if upper is None:
            span = _("%(q)s or more") % {"q": low}
        else:
            span = _("%(q)s to under %(upper)s") % {"q": low, "upper": _value(qty(upper, unit, language=language))}
        price = _value(vnd(tier.unit_price, language=language))
        rows.append(f'<tr>\n          <td>{span}</td>\n          <td class="num">{price}</td></tr>')
    stock = _value(qty(content.stock, unit, language=language)) if content.stock else w["Out of stock"]
    per_base = ""
    if product.priced_per_base_unit and product.price_per_base_unit:
        words = _("From %(price)s per %(unit)s.") % {
            "price": _value(vnd(product.price_per_base_unit, language=language)),
            "unit": _value(product.base_unit_symbol),
        }
        per_base = f'<p class="muted small">{words}</p>'
    price_per = _("Price per %(unit)s") % {"unit": _value(product.unit_symbol)}
    return (
        '    <section class="card" aria-labelledby="prices-title">\n'
        f'      <h2 id="prices-title">{w["Prices"]}</h2>\n'
        '      <div class="table-wrap"><table>\n'
        f'        <caption class="visually-hidden">{w["Price per unit by quantity"]}</caption>\n'
        f'        <thead><tr><th scope="col">{w["Quantity"]}</th><th scope="col" class="num">{price_per}</th></tr>'
        "</thead>\n"
        f"        <tbody>{''.join(rows)}</tbody>\n"
        "      </table></div>\n"
        '      <dl class="facts">\n'
        f"        <dt>{w['Minimum order']}</dt><dd>{_value(qty(product.moq, unit, language=language))}</dd>\n"
        f"        <dt>{w['Order in multiples of']}</dt>"
        f"<dd>{_value(qty(product.order_multiple, unit, language=language))}</dd>\n"
        f"        <dt>{w['VAT']}</dt><dd>{_value(product.vat_category.name)}</dd>\n"
        f"        <dt>{w['Available now']}</dt><dd>{stock}</dd>\n"
        "      </dl>\n"
        f"      {per_base}\n"
        "      \n"
        f"      {buy}\n"
        "    </section>\n"
    )


# The product's optional facts, in the template's order: (field, the word naming it).
_FACTS = (
    ("packaging", "Packaging"),
    ("net_content", "Net content"),
    ("ingredients", "Ingredients"),
    ("storage_instructions", "Storage"),
    ("usage_instructions", "How to use"),
    ("shelf_life_days", "Shelf life (days)"),
)


def _about(product: Product, w: dict[str, str]) -> str:
    description = f"<p>{linebreaksbr(product.description)}</p>" if product.description else ""
    facts = []
    for name, word in _FACTS:
        value = getattr(product, name)
        shown = qty(value) if isinstance(value, int) else value  # shelf life: "3.650" days
        facts.append(f"      <dt>{w[word]}</dt><dd>{_value(shown)}</dd>\n" if value else "      \n")
    gtin = f"<dt>GTIN</dt><dd>{_value(product.gtin)}</dd>" if product.gtin else ""
    return (
        '  <section class="card" aria-labelledby="about-title">\n'
        f'    <h2 id="about-title">{w["About the product"]}</h2>\n'
        f"    {description}\n"
        '    <dl class="facts">\n'
        f"      <dt>{w['Category']}</dt><dd>{_value(product.category.name)}</dd>\n"
        f"      <dt>{w['Origin']}</dt><dd>{_value(product.origin_display)}</dd>\n"
        f"{''.join(facts)}"
        f"      {gtin}\n"
        "    </dl>\n"
        "  </section>\n"
    )


def _cooperative(content: ProductContent, s: _Setting) -> str:
    w, cooperative = s.words, content.product.cooperative
    story = f"<p>{_value(cooperative.description)}</p>" if cooperative.description else ""
    certificates = ""
    if content.certificates:
        until = w["until"]
        items = "".join(
            f'<li><span class="badge cert cert-{_value(c.kind)}">{_value(c.badge_label)}</span> {_value(c.number)} · '
            f"{_value(c.issuer)}{f' · {until} {_day(c.valid_to, s.language)}' if c.valid_to else ''}</li>"
            for c in content.certificates
        )
        certificates = f'<h3>{w["Certificates in force"]}</h3>\n    <ul class="plain">{items}</ul>'
    return (
        '  <section class="card" aria-labelledby="coop-title">\n'
        f'    <h2 id="coop-title">{w["Cooperative"]}</h2>\n'
        f'    <p><a href="{s.cooperative[0]}{int(cooperative.pk)}{s.cooperative[1]}"><strong>{_value(cooperative.name)}'
        "</strong></a><br>\n"
        f'      <span class="muted">{_value(cooperative.full_address)}</span></p>\n'
        f"    {story}\n"
        f'    <p><a href="{s.catalogue}?cooperative={_value(cooperative.pk)}">'
        f"{w['All products of this cooperative']}</a></p>\n"
        f"    {certificates}\n"
        "  </section>\n"
    )


def _lots(content: ProductContent, s: _Setting) -> str:
    w, unit, language = s.words, content.product.unit, s.language
    if content.lots:
        harvested, best_before, available = w["Harvested / produced"], w["Best before"], w["Available"]
        rows = "".join(
            "<tr>\n"
            f'      <td><a href="{_path(s.trace, lot.public_id)}">{_value(lot.code)}</a></td>\n'
            f'      <td data-label="{harvested}">{_day(lot.harvest_date, language)}</td>\n'
            f'      <td data-label="{best_before}">{_day(lot.expiry_date, language) or "—"}</td>\n'
            f'      <td data-label="{available}" class="num">'
            f"{_value(qty(lot.quantity_available, unit, language=language))}</td>\n"
            "    </tr>"
            for lot in content.lots
        )
        table = (
            "\n"
            '  <div class="table-wrap"><table class="responsive">\n'
            f'    <caption class="visually-hidden">{w["Lots in stock"]}</caption>\n'
            f'    <thead><tr><th scope="col">{w["Lot"]}</th><th scope="col">{harvested}</th><th scope="col">'
            f'{best_before}</th><th scope="col" class="num">{available}</th></tr></thead>\n'
            f"    <tbody>{rows}</tbody>\n"
            "  </table></div>\n"
            "  "
        )
    else:
        table = f'<p class="muted">{w["No lot in stock right now; ask the cooperative about the next harvest."]}</p>'
    return (
        '<section class="card spaced" aria-labelledby="lots-title">\n'
        f'  <h2 id="lots-title">{w["Lots in stock"]}</h2>\n'
        f"  {table}\n"
        "</section>\n"
    )


def pricing_box_html(product: Product, quote: str) -> str:
    """partials/product_buy.html for a visitor who does not buy here (the form only prices; a buyer's posts to
    their cart with their token), its box at the minimum order, with `quote` (`quote_html` of the price of that, or
    of why there is none): an anonymous visitor's part of the page, written for every product page not kept
    (rendering it cost ~0.3 ms of CPU)."""
    s = _setting(get_language(), get_script_prefix(), get_urlconf())
    path = f"{s.product[0]}{int(product.pk)}{s.product[1]}"
    how_much = _("How much? (in %(unit)s)") % {"unit": _value(product.unit_symbol)}
    return (
        "\n      \n"
        f'      <form class="quote-form stack" method="get" action="{path}">\n'
        "        \n"
        f'        <div class="field"><label for="quantity">{how_much}</label>\n'
        '          <div class="inline-form"><input id="quantity" name="quantity" type="text" inputmode="decimal" '
        f'autocomplete="off" value="{_value(format_input_decimal(product.moq, language=s.language))}" '
        'class="qty-input" '
        'aria-describedby="quote"\n'
        f'            hx-get="{path}" hx-trigger="input changed delay:400ms" hx-target="#quote" hx-include="this" '
        """hx-vals='{"part": "quote"}'>\n"""
        f'          <button class="button secondary" type="submit">{s.words["Work out the price"]}</button>'
        "</div></div>\n"
        f'        <div id="quote" aria-live="polite">{quote}</div>\n'
        "      </form>\n"
        "      "
    )


def cart_box_html(product: Product, quote: str, *, csrf_token: str, next_path: str) -> str:
    """partials/product_buy.html for a buyer of a product in stock (the form posts to their cart with their token
    and comes back to `next_path`), its box at the minimum order, with `quote` (as for `pricing_box_html`): what
    every buyer's page of a public product asked with no parameters shows but the token (rendering the partials
    with the request's context cost ~1 ms of CPU)."""
    s = _setting(get_language(), get_script_prefix(), get_urlconf())
    path = f"{s.product[0]}{int(product.pk)}{s.product[1]}"
    how_much = _("How much? (in %(unit)s)") % {"unit": _value(product.unit_symbol)}
    return (
        "\n      \n"
        f'      <form class="quote-form stack add-to-cart" method="post" action="{s.cart}">\n'
        f'        <input type="hidden" name="csrfmiddlewaretoken" value="{_value(csrf_token)}">'
        '<input type="hidden" name="action" value="add">'
        f'<input type="hidden" name="product" value="{int(product.pk)}">'
        f'<input type="hidden" name="next" value="{_value(next_path)}">\n'
        f'        <div class="field"><label for="cart-quantity">{how_much}</label>\n'
        '          <div class="inline-form"><input id="cart-quantity" name="quantity" type="text" inputmode="decimal" '
        f'autocomplete="off" value="{_value(format_input_decimal(product.moq, language=s.language))}" '
        'class="qty-input" '
        'aria-describedby="quote"\n'
        f'            hx-get="{path}" hx-trigger="input changed delay:400ms" hx-target="#quote" hx-include="this" '
        """hx-vals='{"part": "quote"}'>\n"""
        f'          <button class="button" type="submit">{s.words["Add to cart"]}</button>\n'
        "          </div></div>\n"
        f'        <div id="quote" aria-live="polite">{quote}</div>\n'
        "      </form>\n"
        "      "
    )


def quote_html(product: Product, quote: PriceQuote | None, quote_error: str | None, language: str | None = None) -> str:
    """partials/quote.html (its file ends with a newline): the price of a quantity (`quote`) or why there is none
    (`language`: the active one's code, when the caller knows it already)."""
    if quote is not None:
        words = _("%(q)s at %(price)s/%(unit)s = <strong>%(total)s</strong>") % {
            "q": _value(qty(quote.quantity, product.unit, language=language)),
            "price": _value(vnd(quote.unit_price, language=language)),
            "unit": _value(product.unit_symbol),
            "total": _value(vnd(quote.total, language=language)),
        }
        return f'<p class="notice success">{words}</p>\n'
    if quote_error:
        return f'<p class="notice error">{_value(quote_error)}</p>\n'
    return "\n"
