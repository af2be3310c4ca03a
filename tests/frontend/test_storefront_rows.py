"""The storefront's certificate rows written by hand (frontend.views.storefront.certificate_rows_html) are exactly
what the template's loop renders (partials/certificate_rows.html, the storefront's own loop moved there): every
branch, both languages, and text that needs escaping."""

from __future__ import annotations

from datetime import date

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from catalog.models import Certificate, CertificateScope
from frontend.views.storefront import CERTIFICATE_ROWS_TEMPLATE, certificate_rows_html

CERTIFICATES = [
    Certificate(id=1, kind="vietgap", number="VG-2026-001", issuer="Sở Nông nghiệp và Môi trường An Giang",
                valid_from=date(2026, 1, 5), valid_to=date(2027, 1, 4), scope=CertificateScope.COOPERATIVE),
    Certificate(id=2, kind="ocop", ocop_stars=4, number="OCOP-4", issuer="UBND tỉnh", valid_from=date(2026, 1, 5),
                valid_to=None, scope=CertificateScope.PRODUCTS),
    Certificate(id=3, kind="ocop", ocop_stars=None, number="OCOP", issuer="UBND", valid_from=date(2026, 1, 5),
                valid_to=date(2026, 12, 31), scope=CertificateScope.PRODUCTS),
    Certificate(id=4, kind='x"<y>', number="<b>&amp;</b>", issuer="HTX \"Đông\" & 'Tây'",
                valid_from=date(2026, 1, 5), valid_to=date(2030, 2, 28), scope=CertificateScope.COOPERATIVE),
]  # fmt: skip


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("count", [0, 1, len(CERTIFICATES)])
def test_written_certificate_rows_are_the_rendered_loop(language, count):
    certificates = CERTIFICATES[:count]
    with translation.override(language):
        written = certificate_rows_html(certificates)
        assert written == render_to_string(CERTIFICATE_ROWS_TEMPLATE, {"certificates": certificates})
    assert written.count("<tr>") == count
