"""A lot's trace page written by hand (`title_text`, `content_html`), exactly as catalog/trace_title.html and
catalog/trace_content.html render it with their partials (events, one step back to plots and households, one step
forward): tests/frontend/test_trace_content.py holds the two equal over every branch, in both languages. Rendering
the templates was about half of the CPU of a trace page not kept (~1 ms). The templates stay as the reference the
tests hold this to: a change to the page is made in both.

Escaped as the templates escape (frontend.written); a date or time through the `date` filter is shown in the
current time zone, as the filter shows it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from catalog.models import TraceEvent, TraceEventKind
from catalog.selectors.lots import ForwardStep, TraceView
from catalog.supply.selectors import Origin
from frontend.templatetags.market import qty
from frontend.written import badges_html, path_around
from frontend.written import day_html as _day
from frontend.written import value_html as _value

CONSENT = (
    "Where the raw material of this lot was grown and who delivered it. Households are named only with their consent."
)
# `{% translate %}`s of the templates, by their message.
_WORDS = (
    "Traceability", "lot", "This lot was withdrawn.",
    "Do not eat or sell it; see the note below and contact the cooperative.",
    "This lot is past its best-before date.", "Cooperative", "Lot", "Harvested / produced", "Best before", "Origin",
    "Quantity of the lot", "See the product and its prices", "Certificates of this lot", "valid until",
    "no longer in force", "One step back", "Inputs and the member households who supplied the raw material.",
    "At the cooperative", "One step forward", "Where the lot went.",
    "This page is what the QR code on the package opens:", "Nothing recorded.", "Corrected",
    "Corrects an earlier event.", "Shipped", "To a buyer.", "Plots and member households",
    CONSENT,
    "Plot", "A member household", "Planting-area code",
)  # fmt: skip


@dataclass(frozen=True)
class _Setting:
    words: dict[str, str]  # escaped
    cooperative: tuple[str, str]  # the path's head and tail, escaped
    product: tuple[str, str]


@functools.lru_cache(maxsize=16)
def _setting(_language: str, _prefix: str, _urlconf: str | None) -> _Setting:
    return _Setting(
        words={word: escape(_(word)) for word in _WORDS},
        cooperative=path_around("frontend:cooperative"),
        product=path_around("frontend:product"),
    )


@functools.lru_cache(maxsize=16)
def _kind_labels(_language: str | None) -> dict[str, str]:
    """Each event kind's label in the language, escaped: `get_kind_display()` translated and hashed every kind's
    label for each event (~25 µs of CPU an event)."""
    return {kind: escape(str(label)) for kind, label in TraceEventKind.choices}


def _moment(value: datetime) -> tuple[str, str]:
    """(`value|date:'c'`, `value|date:"SHORT_DATE_FORMAT"`), in the current time zone as the filter takes it."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return escape(date_format(local, "c")), escape(date_format(local, "SHORT_DATE_FORMAT"))


def title_text(trace: TraceView) -> str:
    """The page's title (catalog/trace_title.html)."""
    return f"{escape(_('Lot'))} {_value(trace.lot.code)} · {_value(trace.product.name)}"


def content_html(trace: TraceView, origins: list[Origin]) -> str:
    """The page's content (catalog/trace_content.html), with the lot's `origins` (`lot_origins`)."""
    s = _setting(get_language(), get_script_prefix(), get_urlconf())
    w = s.words
    lot, product = trace.lot, trace.product
    if trace.withdrawn:
        alert = (
            f'<p class="notice error" role="alert"><strong>{w["This lot was withdrawn."]}</strong> '
            f"{w['Do not eat or sell it; see the note below and contact the cooperative.']}</p>\n  "
        )
    elif trace.expired:
        alert = f'<p class="notice warning" role="alert">{w["This lot is past its best-before date."]}</p>'
    else:
        alert = ""
    cooperative = product.cooperative
    expiry = f"<dt>{w['Best before']}</dt><dd>{_day(lot.expiry_date)}</dd>" if lot.expiry_date else ""
    gtin = f"<dt>GTIN</dt><dd>{_value(product.gtin)}</dd>" if product.gtin else ""
    product_link = ""
    if product.is_published:
        head, tail = s.product
        product_link = f'<p><a href="{head}{int(product.pk)}{tail}">{w["See the product and its prices"]}</a></p>'
    return (
        "\n\n"
        '<div class="trace">\n'
        f'  <p class="muted small">{w["Traceability"]} · {w["lot"]} <strong>{_value(lot.code)}</strong></p>\n'
        f"  <h1>{_value(product.name)}</h1>\n"
        f"  {alert}\n"
        f"  {badges_html(trace.badges)}\n"
        '  <section class="card">\n'
        '    <dl class="facts">\n'
        f'      <dt>{w["Cooperative"]}</dt><dd><a href="{s.cooperative[0]}{int(cooperative.pk)}{s.cooperative[1]}">'
        f"{_value(cooperative.name)}</a></dd>\n"
        f"      <dt>{w['Lot']}</dt><dd>{_value(lot.code)}</dd>\n"
        f"      <dt>{w['Harvested / produced']}</dt><dd>{_day(lot.harvest_date)}</dd>\n"
        f"      {expiry}\n"
        f"      <dt>{w['Origin']}</dt><dd>{_value(lot.origin_display)}</dd>\n"
        f"      <dt>{w['Quantity of the lot']}</dt><dd>{_value(qty(lot.quantity_produced, product.unit))}</dd>\n"
        f"      {gtin}\n"
        "    </dl>\n"
        f"    {product_link}\n"
        "  </section>\n"
        f"  {_certificates(trace, w)}\n"
        '  <section class="card">\n'
        f"    <h2>{w['One step back']}</h2>\n"
        f'    <p class="muted small">{w["Inputs and the member households who supplied the raw material."]}</p>\n'
        f"    {_events(trace.back, w)}\n"
        f"    {_origins(origins, w)}\n"
        "  </section>\n"
        '  <section class="card">\n'
        f"    <h2>{w['At the cooperative']}</h2>\n"
        f"    {_events(trace.internal, w)}\n"
        "  </section>\n"
        '  <section class="card">\n'
        f"    <h2>{w['One step forward']}</h2>\n"
        f'    <p class="muted small">{w["Where the lot went."]}</p>\n'
        f"    {_forward(trace.forward, w)}\n"
        "  </section>\n"
        f'  <p class="muted small">{w["This page is what the QR code on the package opens:"]} '
        f'<span class="break">{_value(trace.qr_url)}</span></p>\n'
        "</div>\n"
        "\n"
    )


def _certificates(trace: TraceView, w: dict[str, str]) -> str:
    if not trace.certificates:
        return ""
    items = []
    for item in trace.certificates:
        c = item.certificate
        until = f"· {w['valid until']} {_day(c.valid_to)}" if c.valid_to else ""
        lapsed = "" if item.in_force_now else f'<span class="badge rejected">{w["no longer in force"]}</span>'
        items.append(
            "<li>\n"
            f'      <span class="badge cert cert-{_value(c.kind)}">{_value(c.badge_label)}</span>\n'
            f"      {_value(c.number)} · {_value(c.issuer)}\n"
            f"      {until}\n"
            f"      {lapsed}\n"
            "    </li>"
        )
    return (
        "\n"
        '  <section class="card">\n'
        f"    <h2>{w['Certificates of this lot']}</h2>\n"
        f'    <ul class="plain">{"".join(items)}</ul>\n'
        "  </section>\n"
        "  "
    )


def _event(e: TraceEvent, w: dict[str, str]) -> str:
    """partials/event.html."""
    iso, day = _moment(e.occurred_at)
    details = "".join(
        [
            _value(e.description),
            f" · {_value(e.party)}" if e.party else "",
            f" · {_value(qty(e.quantity, e.unit))}" if e.quantity else "",
            f" · {_value(e.location)}" if e.location else "",
            f" · {_value(e.document_reference)}" if e.document_reference else "",
        ]
    )
    corrections = "".join(
        f'<br><span class="correction">{w["Corrected"]} {_moment(c.occurred_at)[1]}: {_value(c.description)}</span>'
        for c in e.corrections.all()
    )
    corrects = f'<br><span class="muted small">{w["Corrects an earlier event."]}</span>' if e.corrects_id else ""
    return (
        f"<strong>{_kind_labels(get_language()).get(e.kind) or _value(e.kind)}</strong> · "
        f'<time datetime="{iso}">{day}</time><br>\n'
        f"  {details}\n"
        f"  {corrections}\n"
        f"  {corrects}\n"
    )


def _events(events: list[TraceEvent], w: dict[str, str]) -> str:
    """partials/events.html."""
    if not events:
        return f'<p class="muted">{w["Nothing recorded."]}</p>\n'
    return '<ol class="timeline">' + "".join(f"\n<li>{_event(e, w)}</li>" for e in events) + "</ol>\n"


def _forward(steps: list[ForwardStep], w: dict[str, str]) -> str:
    """partials/forward_steps.html."""
    if not steps:
        return f'<p class="muted">{w["Nothing recorded."]}</p>\n'
    items = []
    for step in steps:
        if step.event is not None:
            items.append(f"\n<li>{_event(step.event, w)}</li>")
            continue
        iso, day = _moment(step.shipped_at)
        where = w["To a buyer."]
        if step.province:
            where = _("To a buyer in %(province)s.") % {"province": _value(step.province)}
        items.append(f'\n<li><strong>{w["Shipped"]}</strong> · <time datetime="{iso}">{day}</time><br>\n  {where}</li>')
    return '<ol class="timeline">' + "".join(items) + "</ol>\n"


def _origins(origins: list[Origin], w: dict[str, str]) -> str:
    """supply/trace_origins.html."""
    if not origins:
        return "\n"
    items = []
    for o in origins:
        household = (
            _("Household %(name)s") % {"name": _value(o.household_name)}
            if o.household_name
            else w["A member household"]
        )
        days = ""
        if o.first_day:
            last = f" – {_day(o.last_day)}" if o.last_day != o.first_day else ""
            days = f"· {_day(o.first_day)}{last}"
        code = (
            f'<br><span class="muted">{w["Planting-area code"]}: <span class="mono">{_value(o.planting_area_code)}'
            "</span></span>"
            if o.planting_area_code
            else ""
        )
        certificates = "".join(f' <span class="badge cert">{_value(c)}</span>' for c in o.certificates)
        items.append(
            "\n"
            '    <li class="origin">\n'
            f"      <strong>{w['Plot']} {_value(o.plot_code)}</strong> · {_value(o.area_name)} · "
            f"{_value(o.commune_name)}, {_value(o.province_name)}<br>\n"
            f"      {household}\n"
            f"      · {_value(qty(o.kg, 'kg'))} · {_value(o.crop)}\n"
            f"      {days}\n"
            f"      {code}\n"
            f"      {certificates}\n"
            "    </li>"
        )
    return (
        "\n"
        '<div class="trace-origins">\n'
        f"  <h3>{w['Plots and member households']}</h3>\n"
        f'  <p class="muted small">{w[CONSENT]}</p>\n'
        f'  <ul class="plain">{"".join(items)}\n'
        "  </ul>\n"
        "</div>\n"
        "\n"
    )
