"""A rename reaches an ERP that syncs with `updated_since` (docs/api-sync.md): renaming an organisation or a
person moves the change-tracked rows whose API answer shows that name (market.organisations.names), so the
next poll hands them out again with the new name — a fair's badges (their organisation, who revoked them),
orders, contracts — and nothing else."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from fairs import services as fairs
from fairs.models import Badge, Fair
from market.organisations import services as organisations
from market.organisations.inputs import OrganisationProfile
from market.organisations.models import Organisation, Role, User
from tests.catalog.factories import actor_for
from tests.fairs.factories import apply, assign, make_fair, publish, staff_actor
from tests.linkage import factories as linkage
from tests.orders.factories import place, stocked_product
from tests.sync import pull, since

pytestmark = pytest.mark.django_db
LONG_AGO = "updated_since=2000-01-01T00:00:00%2B00:00"


@pytest.fixture(autouse=True)
def _no_lag(settings: Any) -> None:
    settings.SYNC_SAFETY_LAG_SECONDS = 0


def _rename(organisation: Organisation, name: str) -> None:
    organisation.refresh_from_db()
    organisations.organisation_update(
        actor=actor_for(organisation, Role.OWNER),
        organisation_id=organisation.pk,
        profile=replace(OrganisationProfile.of(organisation), name=name),
    )


def _poll(client: Any, url: str, start: str) -> tuple[list[dict[str, Any]], str]:
    rows: list[dict[str, Any]] = []
    cursor = pull(client, url, start, rows.append, page_size=50)
    return rows, cursor


@pytest.fixture
def fair(alliance, cooperative, other_cooperative) -> Fair:
    """Two exhibitors; the first names two people, and one of them had her badge revoked by staff."""
    fair = make_fair(alliance, booths=2, starts_in=1)
    assign(alliance, apply(cooperative, fair), fair, "A-01")
    assign(alliance, apply(other_cooperative, fair), fair, "A-02")
    publish(fair)
    for name in ("Nguyễn Thị Lan", "Trần Văn Hùng"):
        fairs.badge_issue_person(actor=actor_for(cooperative, Role.OWNER), fair_id=fair.pk, name=name)
    lan = Badge.objects.get(fair=fair, holder_name="Nguyễn Thị Lan")
    fairs.badge_revoke(actor=staff_actor(alliance), fair_id=fair.pk, code=lan.code, reason="Thẻ bị mất")
    return fair


def test_renaming_an_exhibitor_sends_its_badges_again_with_the_new_name(api, alliance, cooperative, fair):
    erp = api(staff_actor(alliance).user)
    url = reverse("fairs:badge-list", args=[fair.pk])
    first, cursor = _poll(erp, url, LONG_AGO)
    assert first

    _rename(cooperative, "HTX Nông nghiệp Đồng Xanh")

    again, _cursor = _poll(erp, url, cursor)
    ours = set(Badge.objects.filter(fair=fair, organisation=cooperative).values_list("pk", flat=True))
    assert {row["id"] for row in again} == ours  # its badges, revoked one included; not the other exhibitor's
    assert {row["organisation"] for row in again} == {"HTX Nông nghiệp Đồng Xanh"}


def test_renaming_the_staff_member_who_revoked_a_badge_sends_that_badge_again(api, alliance, fair):
    erp = api(staff_actor(alliance).user)
    url = reverse("fairs:badge-list", args=[fair.pk])
    revoked = Badge.objects.get(fair=fair, revoked_at__isnull=False)
    _rows, cursor = _poll(erp, url, LONG_AGO)

    organisations.user_update(user=revoked.revoked_by, full_name="Lê Thị Thu Trang")

    again, _cursor = _poll(erp, url, cursor)
    assert [(row["id"], row["revoked_by"]) for row in again] == [(revoked.pk, "Lê Thị Thu Trang")]


def test_a_change_that_keeps_the_name_moves_nothing(api, alliance, cooperative, fair):
    erp = api(staff_actor(alliance).user)
    url = reverse("fairs:badge-list", args=[fair.pk])
    _rows, cursor = _poll(erp, url, LONG_AGO)
    cooperative.refresh_from_db()
    organisations.organisation_update(
        actor=actor_for(cooperative, Role.OWNER),
        organisation_id=cooperative.pk,
        profile=replace(OrganisationProfile.of(cooperative), description="Gạo sạch từ vùng U Minh Thượng."),
    )
    assert _poll(erp, url, cursor)[0] == []


def test_renaming_a_party_sends_its_orders_and_contracts_again(api, buyer, cooperative, other_cooperative):
    order = place(actor_for(buyer, Role.OWNER), [(stocked_product(cooperative), "1000")]).orders.get()
    other = place(actor_for(buyer, Role.OWNER), [(stocked_product(other_cooperative), "1000")]).orders.get()
    contract = linkage.contract_in_force(linkage.processor(), cooperative)
    buyer_client = api(actor_for(buyer, Role.OWNER).user)
    coop_client = api(actor_for(cooperative, Role.OWNER).user)
    orders_url, contracts_url = reverse("orders:order-list"), reverse("linkage:contract-list")
    _rows, orders_cursor = _poll(buyer_client, orders_url, LONG_AGO)
    _rows, contracts_cursor = _poll(coop_client, contracts_url, LONG_AGO)

    _rename(cooperative, "HTX Lúa gạo Thạnh Lợi")

    orders, _cursor = _poll(buyer_client, orders_url, orders_cursor)
    assert [(row["id"], row["cooperative_name"]) for row in orders] == [(order.pk, "HTX Lúa gạo Thạnh Lợi")]
    assert other.pk not in {row["id"] for row in orders}
    contracts, _cursor = _poll(coop_client, contracts_url, contracts_cursor)
    assert [(row["id"], row["cooperative_name"]) for row in contracts] == [(contract.pk, "HTX Lúa gạo Thạnh Lợi")]


def test_since_a_time_before_the_rename_finds_the_renamed_rows(api, alliance, cooperative, fair):
    """The first poll of a new integration, by time rather than cursor, sees the same."""
    erp = api(staff_actor(alliance).user)
    url = reverse("fairs:badge-list", args=[fair.pk])
    before = timezone.now()
    _rename(cooperative, "HTX Đồng Xanh")
    rows, _cursor = _poll(erp, url, since(before))
    assert rows
    assert {row["organisation"] for row in rows} == {"HTX Đồng Xanh"}


def _rename_in_admin(rf: Any, organisation: Organisation, name: str) -> None:
    """The Django admin's change form, as a superuser saves it: the form the admin builds, its save_model."""
    from django.contrib import admin
    from django.forms.models import model_to_dict

    model_admin = admin.site._registry[Organisation]
    request = rf.post("/admin/")
    request.user = User.objects.create_superuser(email="quantri@lienminh.vn", password="Mật-khẩu-dài-2026")
    organisation.refresh_from_db()
    form_class = model_admin.get_form(request, organisation, change=True)
    data = {key: value for key, value in model_to_dict(organisation).items() if value is not None}
    form = form_class(data={**data, "name": name}, instance=organisation)
    assert form.is_valid(), form.errors
    assert form.changed_data == ["name"]
    model_admin.save_model(request, form.save(commit=False), form, change=True)


def test_a_rename_in_the_admin_moves_what_a_service_rename_moves(api, rf, alliance, cooperative, fair):
    """Staff correcting a name in the admin: the badges go out again and the products are found by it."""
    from catalog.selectors import ProductQuery, product_page
    from tests.catalog.factories import make_product

    rice = make_product(cooperative, name="Gạo ST25")
    erp = api(staff_actor(alliance).user)
    url = reverse("fairs:badge-list", args=[fair.pk])
    _rows, cursor = _poll(erp, url, LONG_AGO)

    _rename_in_admin(rf, cooperative, "HTX Nông sản Mỹ Xuyên")

    again, _cursor = _poll(erp, url, cursor)
    assert {row["organisation"] for row in again} == {"HTX Nông sản Mỹ Xuyên"}
    assert [p.pk for p in product_page(query=ProductQuery(search="my xuyen")).products] == [rice.pk]


def test_a_hook_on_a_field_organisations_do_not_have_is_refused_at_start():
    from django.core.exceptions import ImproperlyConfigured

    from market.organisations.changes import register_organisation_hook

    with pytest.raises(ImproperlyConfigured, match="tên"):
        register_organisation_hook("tên", print)
