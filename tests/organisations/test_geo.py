from market.organisations import geo


def test_the_2025_units():
    assert len(geo.provinces()) == 34
    assert geo.province(91).name == "An Giang"
    assert geo.commune(31078).name == "Đặc khu Phú Quốc"
    assert geo.commune_province_code(30742) == 91  # Phường Rạch Giá
    assert len(geo.communes(91)) == 102
    assert geo.communes(999) == ()
