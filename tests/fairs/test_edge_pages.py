"""The fairs' edge, tried as people and programs use it: list filters that answer 400 (never 500),
Vietnamese numbers read the same on pages and in the API, numbers the browser reads written unlocalised,
what a booth costs shown before applying, and words — not codes — on Vietnamese pages."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fairs import services
from fairs.inputs import ApplicationRequest
from fairs.models import Application, Booth, BoothType, FairStatus, SubsidyLedger
from frontend.views.fairs.report import bars
from market.core.once import new_key
from market.organisations.models import OrganisationKind, Role, User, VerificationStatus
from tests.factories import OrganisationFactory, member
from tests.fairs.factories import apply, assign, booth, make_fair, make_programme, publish, staff_actor
from tests.forms import once_key

pytestmark = pytest.mark.django_db

# Attributes the browser reads as numbers; a comma in one of them is a localised number it cannot read.
NUMERIC_ATTRIBUTES = re.compile(
    r'\s(x|y|cx|cy|width|height|viewBox|data-(?:x|y|width|depth|price|scale|top|free|held|assigned|blocked))="([^"]*)"'
)


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def assert_machine_numbers(html: str) -> None:
    found = NUMERIC_ATTRIBUTES.findall(html)
    assert found, "no numeric attribute found"
    localised = [(name, value) for name, value in found if "," in value]
    assert not localised, f"numbers the browser reads written localised: {localised[:5]}"


@pytest.fixture
def staff_vi(alliance) -> User:
    return member(alliance, Role.STAFF, language="vi")


# --- list filters ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("fairs:application-list", "status=abc", "status"),
        ("fairs:application-list", "zone=99999999999999999999", "zone"),
        ("fairs:application-list", "booth_type=huge", "booth_type"),
        ("fairs:application-list", "province=-1", "province"),
        ("fairs:application-list", "q=" + "x" * 101, "q"),
        ("fairs:booth-list", "status=taken", "status"),
        ("fairs:booth-list", "hall=abc", "hall"),
        ("fairs:fair-plan", "booth_type=tent", "booth_type"),
        ("fairs:meeting-list", "status=maybe", "status"),
    ],
)
def test_api_list_filters_refuse_bad_values_with_a_400_naming_the_parameter(api, alliance, name, query, field):
    fair = make_fair(alliance, booths=1)
    response = api(member(alliance, Role.STAFF)).get(f"{reverse(name, args=[fair.pk])}?{query}")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("fair-review", "status=abc"),
        ("fair-review", "zone=99999999999999999999"),
        ("fair-review", "province=tinh"),
        ("fair-detail", "q=" + "x" * 101),
    ],
)
def test_page_filters_refuse_bad_values_with_a_400_page(staff_vi, alliance, page, query):
    fair = make_fair(alliance, booths=1)
    response = client_for(staff_vi).get(f"{reverse(f'frontend:{page}', args=[fair.slug])}?{query}")
    assert response.status_code == 400
    assert "<html" in response.content.decode()


def test_meeting_list_page_filters(alliance):
    buyer = member(OrganisationFactory(kind=OrganisationKind.BUYER), language="vi")
    assert client_for(buyer).get(reverse("frontend:fair-meetings") + "?status=maybe").status_code == 400
    assert client_for(buyer).get(reverse("frontend:fair-meetings") + "?fair=abc").status_code == 400
    assert client_for(buyer).get(reverse("frontend:fair-meetings") + "?status=held").status_code == 200


def test_good_filters_filter(api, alliance, staff_vi):
    fair = make_fair(alliance, booths=2)
    kept, other = (OrganisationFactory(kind=OrganisationKind.COOPERATIVE, name=n) for n in ("HTX Lúa", "HTX Cá"))
    assign(alliance, apply(kept, fair), fair, "A-01")
    apply(other, fair)
    api_rows = api(staff_vi).get(reverse("fairs:application-list", args=[fair.pk]) + "?status=approved").json()
    assert [row["cooperative"] for row in api_rows["results"]] == ["HTX Lúa"]
    page = client_for(staff_vi).get(reverse("frontend:fair-review", args=[fair.slug]) + "?status=submitted")
    assert "HTX Cá" in page.content.decode()
    assert "HTX Lúa" not in page.content.decode()
    booths = api(staff_vi).get(reverse("fairs:booth-list", args=[fair.pk]) + "?status=free").json()
    assert [b["code"] for b in booths] == ["A-02"]


# --- booths: Vietnamese numbers in, machine numbers out ---------------------------------------------
def test_the_booth_form_shows_and_reads_vietnamese_numbers(alliance, staff_vi):
    fair = make_fair(alliance, booths=1)
    subject = booth(fair, "A-01")
    Booth.objects.filter(pk=subject.pk).update(x=Decimal("3.5"), width=Decimal("2.5"))
    client = client_for(staff_vi)
    panel = client.get(reverse("frontend:fair-booth", args=[fair.slug, subject.pk])).content.decode()
    # A text input the person can type "3,5" into; never a number input holding "3,00".
    assert re.search(r'<input type="text" name="booth-x" value="3,5" inputmode="decimal"', panel), panel
    assert 'type="number"' not in panel

    url = reverse("frontend:fair-booth-act", args=[fair.slug, subject.pk, "edit"])
    form = {
        "booth-code": "a-01",
        "booth-booth_type": "corner",
        "booth-x": "12,5",
        "booth-y": "0",
        "booth-width": "3,5",
        "booth-depth": "3",
        "booth-price": "4.500.000",
        "booth-power": "on",
        "once_key": once_key(panel),
    }
    saved = client.post(url, form, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200, saved.content.decode()
    assert saved["HX-Trigger"] == "plan-changed"
    subject.refresh_from_db()
    assert (subject.code, subject.x, subject.width, subject.price, subject.booth_type) == (
        "A-01",
        Decimal("12.5"),
        Decimal("3.5"),
        4_500_000,
        BoothType.CORNER,
    )

    form["once_key"] = once_key(saved.content.decode())  # the panel comes back with its form, for the next change
    wrong = client.post(url, {**form, "booth-x": "mười", "booth-width": "58"}, HTTP_HX_REQUEST="true")
    assert wrong.status_code == 400
    text = wrong.content.decode()
    assert "“mười” không phải là số" in text
    assert 'value="mười"' in text  # what was typed stays
    past = client.post(url, {**form, "booth-x": "58,5"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Gian hàng vượt quá chiều rộng nhà triển lãm (60 m)." in past
    subject.refresh_from_db()
    assert subject.x == Decimal("12.5")


def test_the_api_reads_json_canonically_and_form_bodies_as_typed(api, alliance, staff_vi):
    fair = make_fair(alliance, booths=1)
    subject = booth(fair, "A-01")
    url = reverse("fairs:booth-detail", args=[fair.pk, subject.pk])
    refused = api(staff_vi).patch(url, {"x": "3,5"}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["x"]
    moved = api(staff_vi).patch(url, {"x": 3.5, "y": 0.5}, format="json")
    assert (moved.json()["x"], moved.json()["y"]) == ("3.50", "0.50")
    assert "edit" in moved.json()["allowed_actions"]
    typed = api(staff_vi).patch(url, "x=4%2C5", content_type="application/x-www-form-urlencoded")
    assert typed.status_code == 200, typed.content
    subject.refresh_from_db()
    assert (subject.x, subject.y) == (Decimal("4.5"), Decimal("0.5"))


def test_the_plan_writes_every_number_the_browser_reads_unlocalised(alliance, staff_vi):
    fair = make_fair(alliance, booths=2)
    Booth.objects.filter(fair=fair, code="A-01").update(x=Decimal("3.5"), width=Decimal("2.25"), price=4_500_000)
    with translation.override("vi"):
        svg = client_for(staff_vi).get(reverse("frontend:fair-plan-svg", args=[fair.slug])).content.decode()
        editor = client_for(staff_vi).get(reverse("frontend:fair-plan-editor", args=[fair.slug])).content.decode()
    assert 'data-x="3.5"' in svg
    assert 'data-width="2.25"' in svg
    assert 'data-price="4500000"' in svg
    assert_machine_numbers(svg)
    assert_machine_numbers(editor)


def test_the_hall_name_sits_above_the_hall_where_no_booth_can_cover_it(alliance, staff_vi):
    fair = make_fair(alliance, booths=3)  # booths in the hall's top-left corner, at y = 0
    svg = client_for(staff_vi).get(reverse("frontend:fair-plan-svg", args=[fair.slug])).content.decode()
    label_y = int(re.search(r'<text class="hall-name" x="6" y="(\d+)"', svg).group(1))
    hall_y = int(re.search(r'<rect class="hall" x="0" y="(\d+)"', svg).group(1))
    booth_ys = [
        int(y) for y in re.findall(r'<g class="booth[^>]*>\s*<title>[^<]*</title>\s*<rect x="\d+" y="(\d+)"', svg)
    ]
    assert len(booth_ys) == 3
    assert label_y <= hall_y
    assert min(booth_ys) >= hall_y


def test_the_report_draws_bars_the_browser_can_read(alliance, staff_vi):
    chart = bars([("An Giang", 7), ("Cần Thơ", 1)])
    with translation.override("vi"):
        svg = render_to_string("frontend/fairs/_bars.svg", {"chart": chart, "chart_label": "x", "suffix": ""})
    assert 'width="42.9"' in svg
    assert_machine_numbers(svg)
    fair = make_fair(alliance, booths=3, programme=make_programme())
    assign(alliance, apply(OrganisationFactory(kind=OrganisationKind.COOPERATIVE), fair), fair, "A-01")
    page = client_for(staff_vi).get(reverse("frontend:fair-report", args=[fair.slug])).content.decode()
    assert_machine_numbers(page)


# --- applying --------------------------------------------------------------------------------------
@pytest.fixture
def coop_vi(cooperative) -> User:
    return member(cooperative, Role.OWNER, language="vi")


def test_the_apply_page_shows_price_subsidy_and_what_the_cooperative_would_pay(alliance, cooperative, coop_vi):
    programme = make_programme(rate_standard=70, yearly_cap=10_000_000)
    fair = make_fair(alliance, booths=2, programme=programme)
    page = client_for(coop_vi).get(reverse("frontend:fair-apply", args=[fair.slug])).content.decode()
    row = re.search(r'<tr data-booth="\d+">\s*<th scope="row">A-01.*?</tr>', page, re.S).group(0)
    assert "4.000.000\u00a0₫" in row
    assert "2.800.000\u00a0₫" in row
    assert "1.200.000\u00a0₫" in row
    assert "bạn trả 1.200.000\u00a0₫ trên 4.000.000\u00a0₫" in page  # in the ranked choices too

    # What is left of the yearly cap limits the subsidy, before applying as after.
    SubsidyLedger.objects.create(programme=programme, cooperative=cooperative, used=9_000_000, cap=10_000_000)
    page = client_for(coop_vi).get(reverse("frontend:fair-apply", args=[fair.slug])).content.decode()
    assert "bạn trả 3.000.000\u00a0₫ trên 4.000.000\u00a0₫" in page
    application = apply(cooperative, fair)
    assigned = assign(alliance, application, fair, "A-01")
    assert (assigned.subsidy, assigned.amount_due) == (1_000_000, 3_000_000)


def test_an_ineligible_cooperative_is_told_why_it_pays_the_full_price(alliance):
    cooperative = OrganisationFactory(kind=OrganisationKind.COOPERATIVE, verification_status=VerificationStatus.PENDING)
    fair = make_fair(alliance, booths=1, programme=make_programme())
    page = client_for(member(cooperative, language="vi")).get(reverse("frontend:fair-apply", args=[fair.slug]))
    text = page.content.decode()
    assert "Chỉ HTX đã được Liên minh xác minh mới nhận khoản hỗ trợ này." in text
    assert "bạn trả 4.000.000" not in text
    assert "trên 4.000.000" not in text


def test_the_same_booth_cannot_be_first_and_second_choice(alliance, cooperative, coop_vi):
    fair = make_fair(alliance, booths=2)
    a01 = str(booth(fair, "A-01").pk)
    response = client_for(coop_vi).post(
        reverse("frontend:fair-apply", args=[fair.slug]),
        {"booth_type": "standard", "preferences": [a01, a01, ""], "samples": "Nước mắm 40 độ đạm"},
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Hãy chọn một gian hàng khác cho mỗi lựa chọn." in text
    assert 'value="Nước mắm 40 độ đạm"' in text
    assert text.count(f'<option value="{a01}" selected>') == 2  # both choices kept as typed, to correct one
    assert not Application.objects.filter(fair=fair).exists()


def test_the_api_refuses_the_same_booth_twice_too(api, alliance, coop_owner):
    fair = make_fair(alliance, booths=2)
    a01 = booth(fair, "A-01").pk
    response = api(coop_owner).post(
        reverse("fairs:application-list", args=[fair.pk]), {"preferences": [a01, a01]}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["preferences"]


def test_a_second_application_is_refused_before_the_form(alliance, cooperative, coop_vi):
    fair = make_fair(alliance, booths=2)
    application = apply(cooperative, fair)
    client = client_for(coop_vi)
    page = client.get(reverse("frontend:fair-apply", args=[fair.slug])).content.decode()
    assert "HTX của bạn đã đăng ký hội chợ này" in page
    assert reverse("frontend:fair-application", args=[application.pk]) in page
    assert 'name="preferences"' not in page  # no form to fill in again
    detail = client.get(reverse("frontend:fair-detail", args=[fair.slug])).content.decode()
    assert 'data-action="apply"' not in detail
    # After a refusal the cooperative may apply again.
    services.application_reject(
        actor=staff_actor(alliance), application_id=application.pk, reason="Thiếu giấy chứng nhận ATTP"
    )
    assert 'data-action="apply"' in client.get(reverse("frontend:fair-detail", args=[fair.slug])).content.decode()
    assert 'name="preferences"' in client.get(reverse("frontend:fair-apply", args=[fair.slug])).content.decode()


def test_applying_typed_the_vietnamese_way(alliance, cooperative, coop_vi):
    fair = make_fair(alliance, booths=3)
    a02, a03 = (str(booth(fair, code).pk) for code in ("A-02", "A-03"))
    client = client_for(coop_vi)
    url = reverse("frontend:fair-apply", args=[fair.slug])
    key = once_key(client.get(url).content.decode())
    response = client.post(
        url,
        {
            "booth_type": "standard",
            "preferences": ["", a03, a02],
            "needs_power": "on",
            "note": "Cần 2 bàn",
            "once_key": key,
        },
    )
    assert response.status_code == 302
    application = Application.objects.get(fair=fair, cooperative=cooperative)
    assert [p.booth.code for p in application.preferences.select_related("booth")] == ["A-03", "A-02"]
    assert (application.needs_power, application.note) == (True, "Cần 2 bàn")


def test_the_review_offers_the_applicants_first_choice_first(alliance, cooperative, staff_vi):
    fair = make_fair(alliance, booths=4)
    application = apply(cooperative, fair, preferences=(booth(fair, "A-03").pk, booth(fair, "A-02").pk))
    assign(alliance, apply(OrganisationFactory(kind=OrganisationKind.COOPERATIVE), fair), fair, "A-03")
    page = client_for(staff_vi).get(reverse("frontend:fair-application", args=[application.pk])).content.decode()
    select = re.search(r'<select name="assign_booth-booth".*?</select>', page, re.S).group(0)
    codes = re.findall(r"<option value=\"\d+\"( selected)?>(A-\d\d)", select)
    assert codes[0] == (" selected", "A-02")  # A-03 is taken: the next choice, not A-01
    assert [code for _sel, code in codes] == ["A-02", "A-01", "A-04"]


# --- words, not codes, on Vietnamese pages -----------------------------------------------------------
RAW_CODES = re.compile(r"\b(submitted|approved|waitlisted|rejected|withdrawn|fee_paid|assigned|released|free|held)\b")


def test_the_application_history_is_told_in_words(alliance, cooperative, staff_vi):
    fair = make_fair(alliance, booths=1)
    application = assign(alliance, apply(cooperative, fair), fair, "A-01")
    services.fee_mark_paid(application_id=application.pk, fully_paid=True)
    page = client_for(staff_vi).get(reverse("frontend:fair-application", args=[application.pk])).content.decode()
    history = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert "Đã gửi đơn" in history
    assert "Đã xếp gian hàng" in history
    assert "Đã nộp phí gian hàng" in history
    assert not RAW_CODES.findall(history), RAW_CODES.findall(history)


def test_the_report_and_the_plan_speak_vietnamese(alliance, cooperative, staff_vi):
    fair = make_fair(alliance, booths=2, programme=make_programme())
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    apply(OrganisationFactory(kind=OrganisationKind.COOPERATIVE), fair)
    publish(fair)
    client = client_for(staff_vi)
    report = client.get(reverse("frontend:fair-report", args=[fair.slug])).content.decode()
    body = report.split("<main", 1)[1]
    assert "Đã nộp" in body or "Đã gửi" in body
    assert not RAW_CODES.findall(re.sub(r"<[^>]+>", " ", body)), RAW_CODES.findall(re.sub(r"<[^>]+>", " ", body))
    svg = client.get(reverse("frontend:fair-plan-svg", args=[fair.slug])).content.decode()
    titles = " ".join(re.findall(r"<title[^>]*>([^<]*)</title>", svg))
    assert "còn trống" in titles
    assert not RAW_CODES.findall(titles), titles


# --- the plan editor -------------------------------------------------------------------------------
def test_the_plan_editor_of_a_fair_without_a_hall_says_what_to_do(alliance, staff_vi):
    fair = make_fair(alliance, halls=0, status=FairStatus.DRAFT)
    page = client_for(staff_vi).get(reverse("frontend:fair-plan-editor", args=[fair.slug])).content.decode()
    assert "Hội chợ chưa có nhà triển lãm" in page
    assert 'id="add-mode"' not in page


def test_the_legend_is_redrawn_with_the_plan(alliance, cooperative, staff_vi):
    fair = make_fair(alliance, booths=3)
    url = reverse("frontend:fair-plan-editor", args=[fair.slug]) + "?partial=plan"
    client = client_for(staff_vi)
    assert '<span data-count="free">3</span>' in client.get(url).content.decode()
    assign(alliance, apply(cooperative, fair), fair, "A-02")
    redrawn = client.get(url).content.decode()
    assert '<span data-count="free">2</span>' in redrawn
    assert '<span data-count="held">1</span>' in redrawn
    assert 'data-free="2"' in redrawn


def test_a_booth_in_a_running_fair_offers_nothing_to_change(alliance, cooperative, staff_vi):
    fair = make_fair(alliance, booths=1, status=FairStatus.RUNNING)
    subject = booth(fair, "A-01")
    panel = client_for(staff_vi).get(reverse("frontend:fair-booth", args=[fair.slug, subject.pk])).content.decode()
    assert 'data-action="edit"' not in panel
    edit = client_for(staff_vi).post(
        reverse("frontend:fair-booth-act", args=[fair.slug, subject.pk, "edit"]),
        {"booth-code": "A-01", "booth-x": "1", "booth-y": "1", "once_key": new_key()},
        HTTP_HX_REQUEST="true",
    )
    assert edit.status_code == 409
    subject.refresh_from_db()
    assert subject.x == 0


def test_application_request_dataclass_matches_the_schema():
    from fairs.inputs import ApplicationInput

    assert set(ApplicationInput().fields) == set(ApplicationRequest.__dataclass_fields__)
