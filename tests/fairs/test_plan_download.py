"""The downloaded floor plan (plan.svg) and the plan's printed page name each exhibitor inside its booth —
wrapped or abbreviated to fit, Vietnamese diacritics intact, escaped — while the plan on screen shows booth
codes only (legible on a phone; the booth list names them)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse

from fairs.models import Booth, Fair
from frontend.booth_labels import ELLIPSIS, PADDING, booth_label, line_height, text_width
from market.organisations.models import Organisation
from tests.factories import OrganisationFactory
from tests.fairs.factories import apply, assign, make_fair, publish

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
NAMES = {
    "A-01": "HTX Nước mắm Hưng Thịnh",
    "A-02": 'Công ty "Gạo & Lúa" <Miền Tây>',
    # 80 characters, in a 3 × 3 m booth: it cannot fit whole.
    "A-03": "Hợp tác xã Nông nghiệp Dịch vụ Sản xuất Kinh doanh Tổng hợp Thạnh Lợi, Thoại Sơn",
}


@pytest.fixture
def fair(alliance: Organisation) -> Fair:
    """Three assigned booths (a 6 × 3 m, a 10 × 4 m and a 3 × 3 m one) and a free one; published."""
    assert len(NAMES["A-03"]) == 80
    fair = make_fair(alliance, booths=4)
    Booth.objects.filter(fair=fair, code="A-01").update(width=Decimal(6))
    Booth.objects.filter(fair=fair, code="A-02").update(x=Decimal(10), width=Decimal(10), depth=Decimal(4))
    Booth.objects.filter(fair=fair, code="A-03").update(x=Decimal(25))
    Booth.objects.filter(fair=fair, code="A-04").update(x=Decimal(30))
    for code, name in NAMES.items():
        assign(alliance, apply(OrganisationFactory(name=name), fair), fair, code)
    publish(fair)
    return fair


def booths_of(svg: bytes) -> dict[str, ET.Element]:
    root = ElementTree.fromstring(svg)  # well-formed XML, or this raises
    return {g.get("data-code", ""): g for g in root.iter(f"{SVG}g") if "booth" in (g.get("class") or "").split()}


def name_lines(booth: ET.Element) -> list[str]:
    name = booth.find(f"{SVG}g[@class='booth-label']/{SVG}text[@class='name']")
    return [] if name is None else [tspan.text or "" for tspan in name.iter(f"{SVG}tspan")]


def test_the_downloaded_plan_names_each_exhibitor_inside_its_booth(fair: Fair):
    response = Client().get(reverse("frontend:fair-plan-svg", args=[fair.slug]))
    assert response.status_code == 200
    booths = booths_of(response.content)

    assert set(booths) == {"A-01", "A-02", "A-03", "A-04"}
    assert " ".join(name_lines(booths["A-01"])) == "HTX Nước mắm Hưng Thịnh"  # whole, diacritics intact
    # <, & and " come back as typed: they were escaped in the file (which parsed).
    assert " ".join(name_lines(booths["A-02"])) == 'Công ty "Gạo & Lúa" <Miền Tây>'
    assert 'data-exhibitor="Công ty &quot;Gạo &amp; Lúa&quot; &lt;Miền Tây&gt;"' in response.content.decode()
    assert name_lines(booths["A-04"]) == []  # a free booth: its code only
    for code, booth in booths.items():
        label = booth.find(f"{SVG}g[@class='booth-label']/{SVG}text[@class='label-code']")
        assert label is not None
        assert label.text == code
        assert booth.find(f"{SVG}text[@class='code']") is None  # the download has no centred code under the name


def test_a_name_too_long_for_its_booth_is_cut_with_an_ellipsis_and_kept_whole_in_the_title(fair: Fair):
    booth = booths_of(Client().get(reverse("frontend:fair-plan-svg", args=[fair.slug])).content)["A-03"]

    lines = name_lines(booth)
    assert lines
    assert lines[-1].endswith(ELLIPSIS)
    assert lines[0].startswith("HTX")  # abbreviated before it was cut
    title = booth.find(f"{SVG}title")
    assert title is not None
    assert NAMES["A-03"] in (title.text or "")
    # Inside the booth's walls: every line's width, and the lines' height below the code.
    rect = booth.find(f"{SVG}rect")
    assert rect is not None
    x, y, w, h = (int(rect.get(a, "0")) for a in ("x", "y", "width", "height"))
    name = booth.find(f"{SVG}g[@class='booth-label']/{SVG}text[@class='name']")
    assert name is not None
    size = int(name.get("font-size", "0"))
    for tspan in name.iter(f"{SVG}tspan"):
        assert text_width(tspan.text or "", size) <= w - 2 * PADDING
        assert int(tspan.get("x", "0")) == x + w // 2
    last_baseline = int(list(name.iter(f"{SVG}tspan"))[-1].get("y", "0"))
    assert last_baseline + line_height(size) - size <= y + h


def test_the_plan_on_screen_keeps_its_codes_and_its_printed_page_carries_the_names_for_print(fair: Fair):
    detail = Client().get(reverse("frontend:fair-detail", args=[fair.slug])).content.decode()
    assert "booth-label" not in detail  # the fair's page: codes only, as on a phone
    printed = Client().get(reverse("frontend:fair-plan", args=[fair.slug])).content.decode()
    assert 'class="fair-plan names-in-print"' in printed  # names shown by the print style sheet only
    assert '<text class="name"' in printed
    assert ">HTX Nước" in printed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("HTX Khóm Tắc Cậu", ["HTX Khóm Tắc Cậu"]),  # fits on one line of a wide booth
        ("Hợp tác xã Nông nghiệp Dịch vụ Thạnh Lợi Thoại Sơn An Giang", None),  # abbreviated to fit
        ("Đặng" * 20, None),  # one word longer than a line: broken between letters, then cut
    ],
)
def test_labels_fit_the_booth_at_every_size(name: str, expected: list[str] | None):
    for width, height in ((30, 30), (60, 30), (20, 20), (100, 40)):
        label = booth_label(code="B-12", name=name, x=0, y=0, width=width, height=height)
        for baseline, line in label.lines:
            assert text_width(line, label.name_size) <= width - 2 * PADDING, (width, line)
            assert baseline <= height - PADDING
        assert text_width("B-12", label.code_size) <= width - 2 * PADDING
        if not label.shortened:  # every letter is there (a word too long for a line goes on over the next)
            assert "".join(line for _, line in label.lines).replace(" ", "") == name.replace(" ", "")
    if expected is not None:
        wide = booth_label(code="B-12", name=name, x=0, y=0, width=100, height=40)
        assert [line for _, line in wide.lines] == expected
    cramped = booth_label(code="B-12", name=name, x=0, y=0, width=30, height=30)
    if len(name) > 40:
        assert cramped.shortened
