"""Payment references: short, ASCII, checked, and found in the notes banks actually produce."""

from market.payments import references


def test_new_references_are_short_ascii_and_valid():
    seen = {references.new_reference() for _ in range(2000)}
    assert len(seen) == 2000
    for reference in seen:
        assert len(reference) == 10
        assert reference.isascii()
        assert reference.isalnum()
        assert reference.isupper()
        assert references.is_valid(reference)
        assert not set(reference[2:]) & set("01ILO")


def test_a_typo_is_not_someone_elses_reference():
    reference = references.new_reference()
    body = reference[2:-1]
    for index, char in enumerate(body):
        for other in references.ALPHABET:
            if other != char:
                typo = reference[:2] + body[:index] + other + body[index + 1 :] + reference[-1]
                assert not references.is_valid(typo)


def test_found_in_real_looking_transfer_notes():
    reference = references.new_reference()
    notes = [
        reference,
        f"MBVCB.3278907687.{reference}.CT tu 0123456789 NGUYEN VAN A",
        f"thanh toan don hang {reference.lower()} cam on",
        f"IBFT {reference[:5]} {reference[5:]} Chuyển tiền",  # split by the bank's line wrapping
        f"Trả tiền {reference}-{reference}",  # twice counts once
    ]
    for note in notes:
        assert references.find_references(note) == [reference], note
    assert references.find_references("chuyen tien hang thang 10") == []
