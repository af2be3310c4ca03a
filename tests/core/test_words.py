"""Amounts in Vietnamese words, read the way invoices write them."""

import pytest

from market.core.words import number_in_words, vnd_in_words


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1_005, "một nghìn không trăm linh năm"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (1_000_005, "một triệu không trăm linh năm"),
        (2_050_000, "hai triệu không trăm năm mươi nghìn"),
        (1_000_000_000, "một tỷ"),
        (3_215_400_000, "ba tỷ hai trăm mười lăm triệu bốn trăm nghìn"),
        (1_000_000_000_000, "một nghìn tỷ"),
        (1_000_000_001_000, "một nghìn tỷ không trăm linh một nghìn"),
        (-250_000, "âm hai trăm năm mươi nghìn"),
    ],
)
def test_numbers_read_every_place_after_the_first_group(number, words):
    assert number_in_words(number) == words


def test_an_amount_is_a_sentence_in_dong():
    assert vnd_in_words(9_860_000) == "Chín triệu tám trăm sáu mươi nghìn đồng"
    assert vnd_in_words(0) == "Không đồng"
