"""The supply pages: the offline map, forms read as people type in Vietnamese, the lot built from ticked
intakes, the demand board and the outlook."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from catalog.models import Category, HarvestLot
from catalog.supply.models import Intake, Plot
from market.core.quantity import Unit
from orders.commands import RfqRequest
from orders.services.rfq import rfq_create
from tests.catalog.factories import actor_for
from tests.factories import member
from tests.supply.conftest import record

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_map_draws_every_outline_with_machine_numbers_and_a_table_beside_it(world):
    html = logged_in(world.owner.user).get(f"/supply/areas/{world.area.pk}/").content.decode()
    paths = re.findall(r'<path d="([^"]+)" fill-rule="evenodd">', html)
    assert len(paths) == 3
    for d in paths:
        assert "," not in d  # never "12,5" in Vietnamese: SVG reads a dot
        numbers = re.findall(r"-?\d+(?:\.\d+)?", d)
        assert len(numbers) == 8  # four corners, x and y each
        assert any("." in n for n in numbers)
    assert re.search(r'viewBox="0 0 1000 [\d.]+"', html)
    for code in ("K8-001", "K8-002", "K8-003"):
        assert f'text-anchor="middle" dominant-baseline="middle">{code}</text>' in html
    assert "<table" in html and html.count("/supply/plots/") >= 6  # noqa: PT018 (map links and table rows)
    assert "http://" not in html.split("<main")[1] and "https://" not in html.split("<main")[1]  # noqa: PT018


def test_recording_an_intake_reads_vietnamese_numbers(world):
    client = logged_in(world.staff.user)
    response = client.post("/supply/intakes/new/", {
        "household": world.households[1].pk, "plot": world.plots[1].pk,
        "received_on": world.harvest.strftime("%d/%m/%Y"), "weight_kg": "1.250,5", "moisture_percent": "14,5",
        "impurity_percent": "", "grade": "Loại 1", "unit_price": "",
    })  # fmt: skip
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.weight_kg == Decimal("1250.5")
    assert intake.moisture_percent == Decimal("14.5")
    assert intake.unit_price is None
    assert intake.recorded_by == world.staff.user
    # An ambiguous or impossible number is refused next to its field, and what was typed stays.
    response = client.post("/supply/intakes/new/", {
        "household": world.households[1].pk, "plot": world.plots[1].pk, "received_on": "31/02/2026",
        "weight_kg": "1,500", "moisture_percent": "145",
    })  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="1,500"' in html
    assert "1,500" in html.split('id="id_weight_kg_error"')[1][:300]  # the ambiguity, explained at the field
    assert Intake.objects.count() == 1


def test_the_intake_form_offers_the_priced_grades_and_the_plots_farmers(world):
    html = logged_in(world.staff.user).get("/supply/intakes/new/").content.decode()
    assert 'list="grade-options"' in html
    assert '<option value="Loại 1">' in html
    farmers = json.loads(html.split('id="plot-households" type="application/json">')[1].split("</script>")[0])
    assert farmers == {str(p.pk): h.pk for p, h in zip(world.plots, world.households, strict=True)}


def test_a_weight_in_tonnes_is_read_as_kilograms(world):
    logged_in(world.owner.user).post("/supply/intakes/new/", {
        "household": world.households[0].pk, "plot": world.plots[0].pk,
        "received_on": world.harvest.isoformat(), "weight_kg": "1,2 tấn",
    })  # fmt: skip
    assert Intake.objects.get().weight_kg == Decimal(1200)


def test_ticked_intakes_become_a_lot_from_the_list(world):
    first, second = record(world, 0, "1000"), record(world, 1, "500.5")
    client = logged_in(world.staff.user)
    page = client.get("/supply/intakes/?in_lot=no").content.decode()
    assert f'value="{first.pk}"' in page
    response = client.post("/supply/intakes/", {
        "lot-intakes": [first.pk, second.pk], "lot-product": world.product.pk, "lot-code": "lt-01",
        "lot-harvest_date": "",
    })  # fmt: skip
    lot = HarvestLot.objects.get(code="LT-01")
    assert response.status_code == 302
    assert response["Location"] == f"/my/lots/{lot.pk}/"
    assert lot.quantity_produced == Decimal("1500.5")
    assert lot.harvest_date == world.harvest
    # Nothing ticked: said next to the form, nothing built.
    response = client.post("/supply/intakes/", {"lot-product": world.product.pk, "lot-code": "LT-02"})
    assert response.status_code == 400
    assert "Hãy đánh dấu các lượt thu mua để lập lô." in response.content.decode()
    assert not HarvestLot.objects.filter(code="LT-02").exists()


def test_the_filter_refuses_a_bad_date_clearly(world):
    response = logged_in(world.owner.user).get("/supply/intakes/?received_from=32/13/2026")
    assert response.status_code == 200
    assert "dd/mm/yyyy" in response.content.decode()


def test_drawing_an_outline_on_the_page_saves_geojson_text(world):
    client = logged_in(world.owner.user)
    plot = world.plots[2]
    page = client.get(f"/supply/plots/{plot.pk}/outline/").content.decode()
    assert 'id="outline-canvas"' in page
    assert 'data-cos-lat="' in page
    ring = [[105.27, 10.11], [105.271, 10.11], [105.271, 10.111]]
    response = client.post(f"/supply/plots/{plot.pk}/outline/",
                           {"polygon": json.dumps({"type": "Polygon", "coordinates": [ring]})})  # fmt: skip
    assert response.status_code == 302
    assert Plot.objects.get(pk=plot.pk).polygon["coordinates"][0][-1] == [105.27, 10.11]
    swapped = {"type": "Polygon", "coordinates": [[[10.11, 105.27], [10.2, 105.3], [10.3, 105.2]]]}
    response = client.post(f"/supply/plots/{plot.pk}/outline/", {"polygon": json.dumps(swapped)})
    assert response.status_code == 400
    assert "ngoài Việt Nam" in response.content.decode()
    assert client.post(f"/supply/plots/{plot.pk}/outline/", {"polygon": ""}).status_code == 302
    assert Plot.objects.get(pk=plot.pk).polygon is None


def test_the_demand_board_shows_matching_requests_and_the_certificates_asked_for(world, buyer):
    buyer_actor = actor_for(buyer)
    today = timezone.localdate()
    window = {"quantity": Decimal("200"), "unit": Unit.TAN, "delivery_from": today + timedelta(days=30),
              "delivery_to": today + timedelta(days=60)}  # fmt: skip
    paddy = RfqRequest(title="Lúa tươi cho nhà máy, yêu cầu VietGAP", category_id=world.rice.pk,
                       delivery_province_code=91, **window)  # fmt: skip
    rfq_create(actor=buyer_actor, request=paddy)
    organic = RfqRequest(title="Gạo hữu cơ", note="Cần chứng nhận hữu cơ TCVN 11041", category_id=world.rice.parent_id,
                         delivery_province_code=79, **window)  # fmt: skip
    rfq_create(actor=buyer_actor, request=organic)
    shrimp = Category.objects.get(slug="tom").pk
    rfq_create(
        actor=buyer_actor, request=RfqRequest(title="Tôm sú", category_id=shrimp, delivery_province_code=91, **window)
    )
    html = logged_in(world.staff.user).get("/supply/demand/").content.decode()
    assert "Lúa tươi cho nhà máy" in html
    assert "Gạo hữu cơ" in html
    assert "Tôm sú" not in html  # no area grows shrimp
    assert "yêu cầu VietGAP: vùng của HTX đã có" in html
    assert "chưa vùng nào của HTX có" in html
    assert html.index("Lúa tươi cho nhà máy") < html.index("Gạo hữu cơ")  # same province first


def test_the_outlook_page_charts_and_tabulates_for_a_buyer(world, buyer):
    html = logged_in(member(buyer)).get("/supply/outlook/?months=3").content.decode()
    assert "<svg" in html
    heights = re.findall(r'class="bar-expected" x="[\d.]+" y="[\d.]+" width="6" height="([\d.]+)"', html)
    assert len(heights) == 3
    response = logged_in(member(buyer)).get("/supply/outlook/?months=99")
    assert response.status_code == 400
