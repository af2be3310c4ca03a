"""A lot's trace page written by hand (frontend.trace_content) is exactly what catalog/trace_title.html and
catalog/trace_content.html render with their partials from the same trace: every branch (withdrawn, expired,
certificates no longer in force, events with and without their details and corrections, steps forward seen in full
or by province), both languages, and text that needs escaping; tests/supply/test_origin_reads.py adds a lot built
from intakes (plots and households named or not)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from catalog.models import Certificate, HarvestLot, LotStatus, Product, ProductStatus, TraceEvent
from catalog.selectors import Badge
from catalog.selectors.lots import CertificateView, ForwardStep, TraceView
from catalog.supply.selectors import Origin, lot_origins
from frontend import trace_content
from market.core import rows
from market.organisations.models import Organisation

pytestmark = pytest.mark.django_db
MARKUP = "<b>\"x\" & 'y'</b>"


def written_as_rendered(view: TraceView, origins: list[Origin] | None = None) -> None:
    """The title and the content written by hand are what the templates render, in vi and en; with the lot's
    origins as the templates read them (`lot_origins`) unless others are given (read otherwise: they must be the
    same)."""
    if origins is None:
        origins = lot_origins(lot=view.lot)
    for language in ("vi", "en"):
        with translation.override(language):
            context = {"trace": view}
            assert trace_content.title_text(view) == render_to_string("frontend/catalog/trace_title.html", context)
            written = trace_content.content_html(view, origins)
            assert written == render_to_string("frontend/catalog/trace_content.html", context)


def _event(pk: int, kind: str, *, corrections: tuple[TraceEvent, ...] = (), **fields: Any) -> TraceEvent:
    event = TraceEvent(
        id=pk,
        lot_id=0,
        kind=kind,
        occurred_at=datetime(2026, 11, 3, 20, 30, tzinfo=UTC),
        description=f"{kind} <1>",
        **fields,
    )
    rows.prefetched(event, "corrections", list(corrections))
    return event


def _view(**changes: Any) -> TraceView:
    cooperative = Organisation(id=7, name="HTX <Tân Hiệp> & Co")
    product = Product(
        id=12, cooperative_id=7, name_vi=MARKUP, unit="tan", status=ProductStatus.PUBLISHED, gtin="08936012345678"
    )
    product.cooperative = cooperative
    lot = HarvestLot(
        id=0,
        product_id=12,
        code="ST25-<01>",
        public_id="aB3",
        plot="Kênh 8",
        origin_province_code=91,
        harvest_date=date(2026, 11, 2),
        expiry_date=date(2027, 5, 2),
        quantity_produced=Decimal("12.500"),
        status=LotStatus.PUBLISHED,
    )
    lot.product = product
    fixed = _event(3, "harvest", quantity=Decimal("4800"), unit="kg")
    correction = _event(4, "correction", corrects_id=3)
    rows.prefetched(fixed, "corrections", [correction])
    view = TraceView(
        lot=lot,
        product=product,
        qr_url="https://example.test/01/08936012345678/10/ST25?x=1&y=<2>",
        badges=[Badge(kind="vietgap", label="VietGAP"), Badge(kind='o"<c>', label=MARKUP)],
        certificates=[
            CertificateView(Certificate(id=1, kind="vietgap", number="VG-1", issuer=MARKUP, valid_to=None), True, True),
            CertificateView(
                Certificate(id=2, kind="ocop", ocop_stars=4, number="O-4", issuer="UBND", valid_to=date(2026, 1, 1)),
                False,
                True,
            ),
        ],
        back=[
            _event(
                1, "input", party=MARKUP, quantity=Decimal("12.5"), unit="kg", location="Kho", document_reference="D-1"
            ),
            _event(2, "supply"),
        ],
        # A kind no longer among the choices is written as it is stored (escaped), as get_kind_display() gives it.
        internal=[fixed, correction, _event(5, "note", quantity=Decimal(0)), _event(8, 'retired "<kind>"')],
        forward=[
            ForwardStep(shipped_at=datetime(2026, 11, 30, 17, 1, tzinfo=UTC), province="An Giang", event=None),
            ForwardStep(shipped_at=datetime(2026, 12, 1, tzinfo=UTC), province="", event=None),
            ForwardStep(
                shipped_at=datetime(2026, 12, 2, tzinfo=UTC),
                province="Cần Thơ",
                event=_event(6, "shipment", party="Công ty <Lúa Vàng>", party_reference="DH-1"),
            ),
        ],
    )
    for name, value in changes.items():
        setattr(view, name, value)
    return view


CASES: dict[str, dict[str, Any]] = {
    "everything": {},
    "withdrawn": {"withdrawn": True, "expired": True},
    "expired": {"expired": True},
    "nothing recorded": {"badges": [], "certificates": [], "back": [], "internal": [], "forward": []},
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_written_trace_is_the_rendered_template(case):
    written_as_rendered(_view(**CASES[case]))


def test_a_draft_product_without_gtin_or_expiry_is_written_as_rendered():
    view = _view()
    view.product.status, view.product.gtin, view.lot.expiry_date = ProductStatus.DRAFT, "", None
    written_as_rendered(view)
