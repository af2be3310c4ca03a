"""Amounts in Vietnamese words, as invoices write them ("Bằng chữ: Một triệu không trăm linh năm nghìn đồng").

num2words reads 1.005.000 as "một triệu năm nghìn"; an invoice must say "không trăm linh năm nghìn" so that no
digit can be slipped in, hence this small reader.
"""

from __future__ import annotations

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
GROUPS = ("", "nghìn", "triệu")  # below a billion; tỷ repeats ("nghìn tỷ", "triệu tỷ")
BILLION = 1_000_000_000


def _hundreds(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000. `full` when a higher group precedes it, so every place is read ("không trăm linh năm")."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += (["linh"] if words else []) + [DIGITS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _below_billion(n: int, *, full: bool) -> list[str]:
    words: list[str] = []
    for power in (2, 1, 0):
        group = n // 1000**power % 1000
        if group:
            words += _hundreds(group, full=full or bool(words))
            if GROUPS[power]:
                words.append(GROUPS[power])
    return words


def _number(n: int, *, full: bool = False) -> list[str]:
    if n >= BILLION:
        head, rest = divmod(n, BILLION)
        return [*_number(head, full=full), "tỷ", *(_below_billion(rest, full=True) if rest else [])]
    return _below_billion(n, full=full)


def number_in_words(n: int) -> str:
    """An integer in Vietnamese words, lower case: 1005000 → "một triệu không trăm linh năm nghìn"."""
    if n == 0:
        return DIGITS[0]
    words = _number(abs(n))
    return " ".join(["âm", *words] if n < 0 else words)


def vnd_in_words(amount: int) -> str:
    """An amount of đồng as an invoice writes it: 1500000 → "Một triệu năm trăm nghìn đồng"."""
    text = f"{number_in_words(amount)} đồng"
    return text[0].upper() + text[1:]
