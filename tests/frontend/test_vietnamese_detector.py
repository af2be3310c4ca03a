"""The reader behind the every-page test: it finds what a Vietnamese visitor should not see, and only that."""

import pytest

from tests.frontend.vietnamese import findings

pytestmark = pytest.mark.django_db


def kinds(html: str) -> list[str]:
    return [f"{finding.kind}: {finding.text}" for finding in findings(html)]


def test_it_finds_raw_codes_english_and_untranslated_strings():
    html = """<ul class="timeline"><li>04/12/2026 · ∅ → pending · statement</li></ul>
    <p><span class="badge">credited</span></p>
    <p>organisation.verification.rejected</p>
    <p>The card was declined.</p>
    <p>Please check the number and try again later.</p>
    <input placeholder="What you found and did">"""
    found = kinds(html)
    assert "raw code: 04/12/2026 · ∅ → pending · statement" in found
    assert "raw code: credited" in found
    assert "raw code: organisation.verification.rejected" in found
    assert "untranslated: The card was declined." in found
    assert "English: Please check the number and try again later." in found
    assert "untranslated: What you found and did" in found


def test_names_addresses_codes_and_vietnamese_pass():
    html = """<h1>HTX Lúa gạo Tân Hiệp</h1><p>Công ty TNHH An Phát · CONG TY TNHH AN PHAT</p>
    <p>chunhiem@htx-tanhiep.example · http://127.0.0.1:8000/trace/AB12/</p>
    <p>Lô ST25-2026-03 · MLDEMQR263 · FT26DEMO0001</p><p>CK tien hang thang 11 khong ghi ma</p>
    <code>orders.placed</code><p translate="no">payment_status</p>
    <script>var is_open = true; // the code of this page</script>
    <p>Market Link · API</p><p>Gạo ST25 đóng bao 25 kg, giao tại kho của người mua.</p>"""
    assert kinds(html) == []
