"""The folding that makes 'gao st25' find 'Gạo ST25': the same in Python (SQLite) and PostgreSQL."""

import sqlite3
import unicodedata
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.search import query_terms, register_sqlite_fold
from market.core.text import fold

VIETNAMESE_LETTERS = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
vietnamese_text = st.text(
    alphabet=st.sampled_from(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + " 0123456789-"), max_size=60
)


@given(vietnamese_text)
def test_fold_leaves_plain_ascii(text):
    assert fold(text).isascii()


@given(vietnamese_text)
def test_fold_is_idempotent_and_ignores_case_and_normalisation(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert fold(text.upper()) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded


@given(vietnamese_text)
def test_fold_keeps_the_letters_apart_from_their_marks(text):
    """Same length in letters: folding removes marks, never whole letters (đ becomes d, not nothing)."""
    letters = [ch for ch in unicodedata.normalize("NFC", text) if not ch.isspace()]
    assert len(fold(text).replace(" ", "")) == len(letters)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gạo ST25", "gao st25"),
        ("Nước mắm Phú Quốc", "nuoc mam phu quoc"),
        ("ĐẶC SẢN Đồng Tháp", "dac san dong thap"),
        ("Mật ong U Minh", "mat ong u minh"),
        ("Khóm Tắc Cậu", "khom tac cau"),
    ],
)
def test_fold_examples(text, expected):
    assert fold(text) == expected


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(vietnamese_text)
def test_postgres_folds_like_python(text):
    """market_fold() in the database (unaccent) and fold() in Python agree on Vietnamese text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT market_fold(%s)", [text])
        database = cursor.fetchone()[0]
    assert " ".join(database.split()) == fold(text)


def test_sqlite_connections_learn_the_same_folding():
    raw = sqlite3.connect(":memory:")
    register_sqlite_fold(sender=None, connection=SimpleNamespace(vendor="sqlite", connection=raw))
    assert raw.execute("SELECT market_fold(?)", ["Nước Mắm ĐẶC BIỆT"]).fetchone()[0] == "nuoc mam dac biet"
    assert raw.execute("SELECT market_fold(NULL)").fetchone()[0] is None


def test_query_terms_split_on_punctuation_and_drop_repeats():
    assert query_terms("Gạo  ST-25, gạo!") == ["gao", "st", "25"]
    assert query_terms("") == []
