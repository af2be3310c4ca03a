import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from market.core.text import ascii_reference, fold, nfc


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Gạo ST25", "gao st25"),
        ("ĐẶC SẢN", "dac san"),
        ("Nước mắm Phú Quốc", "nuoc mam phu quoc"),
        ("đường", "duong"),
        ("  Hồ   tiêu\tđỏ ", "ho tieu do"),
        ("Tổ hợp tác Đan lục bình", "to hop tac dan luc binh"),
        ("Khóm Tắc Cậu", "khom tac cau"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


def test_fold_treats_composed_and_decomposed_alike():
    composed = "Mật ong U Minh"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert fold(composed) == fold(decomposed) == "mat ong u minh"


vietnamese = st.text(
    alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵĐÂĂ ST0123456789"
)


@given(vietnamese)
def test_fold_is_idempotent_and_ascii_for_vietnamese(text):
    once = fold(text)
    assert fold(once) == once
    assert once.isascii()
    assert "đ" not in once


@given(st.text())
def test_fold_never_grows_case_or_marks(text):
    folded = fold(text)
    assert folded == fold(folded)
    assert not any(unicodedata.combining(ch) for ch in folded)


def test_nfc_composes_and_collapses_space():
    assert nfc(unicodedata.normalize("NFD", "  Gạo   ST25 ")) == "Gạo ST25"
    assert unicodedata.is_normalized("NFC", nfc("Nước mắm"))


def test_ascii_reference_fits_a_transfer_note():
    assert ascii_reference("Đơn hàng #12 – Tân Hiệp", max_length=20) == "DONHANG12TANHIEP"


@pytest.mark.parametrize(
    ("text", "folded"), [("ＧＡＯ ＳＴ２５", "gao st25"), ("ｎướｃ ｍắｍ", "nuoc mam"), ("ﬁsh", "fish")]
)
def test_fold_reads_full_width_and_compatibility_characters(text, folded):
    assert fold(text) == folded
