"""Supply pages: a cooperative's raw-material areas on an offline map, plots and their seasons, member
households and their import, intakes recorded on a phone and lots built from them, members' statements, the
demand board; the supply outlook for processors and staff. Every form is a command's input schema
(catalog/supply/inputs.py) rendered by SchemaForm; every write is a service call."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors
from catalog.models import CertificateStatus, HarvestLot, LotStatus, Product
from catalog.supply import inputs, policy, selectors, services
from catalog.supply.api.views import statement_response
from catalog.supply.models import MemberHousehold, Plot, RawMaterialArea, Season, SeasonPrice
from catalog.supply.permissions import (
    DEMAND_BOARD_VIEW,
    INTAKE_RECORD,
    OUTLOOK_VIEW,
    SUPPLY_MANAGE,
    SUPPLY_READ,
    SUPPLY_STATEMENTS,
)
from catalog.supply.selectors.outlook import MonthTotal
from catalog.supply.services.intakes import WEIGHED_UNITS
from catalog.supply.spreadsheets import HOUSEHOLD_COLUMNS
from frontend.decorators import actor_required
from frontend.errors import page_message, say_refused
from frontend.schema_forms import Choices, SchemaForm
from market.core.errors import ApplicationError, ValidationFailed
from market.core.inputs import ImportApplyInput, InputMode, read_input
from market.core.parsing import format_decimal, machine_number
from market.organisations import geo
from market.organisations.http import MemberRequest
from orders import selectors as orders_selectors
from orders.models import RfqStatus


def _bad(form: SchemaForm) -> int:
    return 400 if form.errors else 200


def _category_choices() -> Choices:
    return [(node.id, f"{'— ' * node.depth}{node.name}") for node in catalog_selectors.category_tree()]


def _season_choices(request: MemberRequest) -> Choices:
    return [(s.pk, s.name) for s in selectors.season_list_for(actor=request.actor)]


def _household_choices(request: MemberRequest) -> Choices:
    return [(h.pk, f"{h.code} · {h.name}") for h in selectors.household_list_for(actor=request.actor)]


# --- the supply home and areas -------------------------------------------------------------------
@actor_required(SUPPLY_READ)
def home(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    return render(
        request,
        "frontend/supply/home.html",
        {
            "areas": list(selectors.area_list_for(actor=actor).prefetch_related("certificates")),
            "seasons": list(selectors.season_list_for(actor=actor)[:6]),
            "waiting": selectors.intake_list_for(actor=actor, in_lot="no").count(),
            "can_manage": actor.can(SUPPLY_MANAGE),
            "can_record": actor.can(INTAKE_RECORD),
            "can_see_demand": actor.can(DEMAND_BOARD_VIEW),
        },
    )


def _area_form(request: MemberRequest, area: RawMaterialArea | None) -> SchemaForm:
    organisation = request.actor.organisation
    assert organisation is not None
    certificates = catalog_selectors.certificate_list_for(actor=request.actor).exclude(
        status=CertificateStatus.REJECTED
    )
    initial: dict[str, Any] = {"province_code": organisation.province_code}
    if area is not None:
        initial = {
            "code": area.code, "name": area.name, "category": area.category_id, "crop": area.crop,
            "province_code": area.province_code, "planting_area_code": area.planting_area_code,
            "description": area.description, "certificates": [c.pk for c in area.certificates.all()],
        }  # fmt: skip
    return SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.AreaInput,
        initial=initial,
        choices={
            "category": _category_choices(),
            "province_code": geo.province_choices(),
            "certificates": [(c.pk, f"{c.badge_label} · {c.number}") for c in certificates],
        },
    )


@actor_required(SUPPLY_MANAGE)
def area_new(request: MemberRequest) -> HttpResponse:
    form = _area_form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            area = services.area_create(actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Area saved. Add its plots now."))
            return redirect("frontend:supply-area", area_id=area.pk)
    return render(request, "frontend/supply/area_form.html", {"form": form, "area": None}, status=_bad(form))


@actor_required(SUPPLY_MANAGE)
def area_edit(request: MemberRequest, area_id: int) -> HttpResponse:
    area = selectors.area_get_for(actor=request.actor, area_id=area_id)
    form = _area_form(request, area)
    if request.method == "POST" and form.is_valid():
        try:
            services.area_update(actor=request.actor, area_id=area.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:supply-area", area_id=area.pk)
    return render(request, "frontend/supply/area_form.html", {"form": form, "area": area}, status=_bad(form))


def _plan_form(request: MemberRequest, data: Any = None, initial: dict[str, Any] | None = None) -> SchemaForm:
    return SchemaForm(
        data,
        schema=inputs.SeasonPlanInput,
        context=inputs.KG,
        initial=initial,
        choices={"season": _season_choices(request), "category": _category_choices()},
        prefix="plan",
    )


def _area_page(
    request: MemberRequest, area: RawMaterialArea, *, plan: SchemaForm | None = None, status: int = 200
) -> HttpResponse:
    plots = list(selectors.plot_list_for(actor=request.actor, area_id=area.pk))
    return render(
        request,
        "frontend/supply/area.html",
        {
            "area": area,
            "plots": plots,
            "map": selectors.area_map(plots=plots),
            "actions": policy.area_actions(actor=request.actor, area=area),
            "plan_form": plan or _plan_form(request, initial={"category": area.category_id, "crop": area.crop}),
            "today": timezone.localdate(),
        },
        status=status,
    )


@actor_required(SUPPLY_READ)
def area_detail(request: MemberRequest, area_id: int) -> HttpResponse:
    return _area_page(request, selectors.area_get_for(actor=request.actor, area_id=area_id))


@require_POST
@actor_required(SUPPLY_MANAGE)
def area_plan_season(request: MemberRequest, area_id: int) -> HttpResponse:
    area = selectors.area_get_for(actor=request.actor, area_id=area_id)
    form = _plan_form(request, request.POST)
    if form.is_valid():
        try:
            count = services.area_season_plan(actor=request.actor, area_id=area.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(n)s plots planned in the season.") % {"n": format_decimal(count)})
            return redirect("frontend:supply-area", area_id=area.pk)
    return _area_page(request, area, plan=form, status=400)


@require_POST
@actor_required(SUPPLY_MANAGE)
def area_import_outlines(request: MemberRequest, area_id: int) -> HttpResponse:
    area = selectors.area_get_for(actor=request.actor, area_id=area_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed(fields={"file": [_("Choose a GeoJSON file.")]})
        plots = services.area_outlines_import(actor=request.actor, area_id=area.pk, upload=upload)
    except ApplicationError as error:
        for message in [page_message(error), *(m for ms in error.fields.values() for m in ms)]:
            messages.error(request, message)
    else:
        messages.success(request, _("Outlines imported for %(n)s plots.") % {"n": format_decimal(len(plots))})
    return redirect("frontend:supply-area", area_id=area.pk)


# --- plots ---------------------------------------------------------------------------------------
def _plot_form(request: MemberRequest, area: RawMaterialArea, plot: Plot | None) -> SchemaForm:
    initial: dict[str, Any] = {}
    if plot is not None:
        initial = {"code": plot.code, "commune_code": plot.commune_code, "hectares": plot.hectares,
                   "household": plot.household_id, "note": plot.note}  # fmt: skip
    return SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.PlotInput,
        initial=initial,
        choices={
            "commune_code": geo.commune_choices(area.province_code),
            "household": _household_choices(request),
        },
    )


@actor_required(SUPPLY_MANAGE)
def plot_new(request: MemberRequest, area_id: int) -> HttpResponse:
    area = selectors.area_get_for(actor=request.actor, area_id=area_id)
    form = _plot_form(request, area, None)
    if request.method == "POST" and form.is_valid():
        try:
            plot = services.plot_create(actor=request.actor, area_id=area.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Plot %(code)s added.") % {"code": plot.code})
            return redirect("frontend:supply-area", area_id=area.pk)
    return render(request, "frontend/supply/plot_form.html", {"form": form, "area": area, "plot": None},
                  status=_bad(form))  # fmt: skip


def _plot_page(
    request: MemberRequest, plot: Plot, *, form: SchemaForm | None = None, plan: SchemaForm | None = None
) -> HttpResponse:
    area = plot.area
    return render(
        request,
        "frontend/supply/plot.html",
        {
            "plot": plot,
            "area": area,
            "form": form or _plot_form(request, area, plot),
            "plan_form": plan or _plan_form(request, initial={"category": area.category_id, "crop": area.crop}),
            "seasons": list(plot.seasons.select_related("season", "category").order_by("-expected_harvest_date")),
            "intakes": list(selectors.intake_list_for(actor=request.actor).filter(plot=plot)[:20]),
            "actions": policy.plot_actions(actor=request.actor, plot=plot),
        },
        status=400 if (form and form.errors) or (plan and plan.errors) else 200,
    )


@actor_required(SUPPLY_READ)
def plot_detail(request: MemberRequest, plot_id: int) -> HttpResponse:
    plot = selectors.plot_get_for(actor=request.actor, plot_id=plot_id)
    if request.method != "POST":
        return _plot_page(request, plot)
    request.actor.require(SUPPLY_MANAGE)
    form = _plot_form(request, plot.area, plot)
    if form.is_valid():
        try:
            services.plot_update(actor=request.actor, plot_id=plot.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:supply-plot", plot_id=plot.pk)
    return _plot_page(request, plot, form=form)


@require_POST
@actor_required(SUPPLY_MANAGE)
def plot_plan_season(request: MemberRequest, plot_id: int) -> HttpResponse:
    plot = selectors.plot_get_for(actor=request.actor, plot_id=plot_id)
    form = _plan_form(request, request.POST)
    if form.is_valid():
        try:
            services.plot_season_set(actor=request.actor, plot_id=plot.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Season planned."))
            return redirect("frontend:supply-plot", plot_id=plot.pk)
    return _plot_page(request, plot, plan=form)


@require_POST
@actor_required(SUPPLY_MANAGE)
def plot_season_remove(request: MemberRequest, plot_id: int, plot_season_id: int) -> HttpResponse:
    plot = selectors.plot_get_for(actor=request.actor, plot_id=plot_id)
    services.plot_season_remove(actor=request.actor, plot_season_id=plot_season_id)
    messages.success(request, _("The plot is no longer planned in that season."))
    return redirect("frontend:supply-plot", plot_id=plot.pk)


@actor_required(SUPPLY_MANAGE)
def plot_outline(request: MemberRequest, plot_id: int) -> HttpResponse:
    """Draw the outline by tapping the map or walking the corners with the phone's location, or paste it."""
    plot = selectors.plot_get_for(actor=request.actor, plot_id=plot_id)
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.OutlineInput,
        initial={"polygon": json.dumps(plot.polygon) if plot.polygon else ""},
    )
    form.fields["polygon"].widget = forms.Textarea(attrs={"rows": "6", "spellcheck": "false", "class": "mono"})
    if request.method == "POST" and form.is_valid():
        try:
            services.plot_outline_set(actor=request.actor, plot_id=plot.pk, polygon=form.cleaned_data.get("polygon"))
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Outline saved."))
            return redirect("frontend:supply-area", area_id=plot.area_id)
    neighbours = list(selectors.plot_list_for(actor=request.actor, area_id=plot.area_id))
    return render(
        request,
        "frontend/supply/plot_outline.html",
        {"plot": plot, "form": form, "map": selectors.area_map(plots=neighbours)},
        status=_bad(form),
    )


# --- seasons, prices and statements --------------------------------------------------------------
@actor_required(SUPPLY_READ)
def seasons(request: MemberRequest) -> HttpResponse:
    form = SchemaForm(request.POST if request.method == "POST" else None, schema=inputs.SeasonInput)
    if request.method == "POST":
        request.actor.require(SUPPLY_MANAGE)
        if form.is_valid():
            try:
                season = services.season_create(actor=request.actor, **form.cleaned_data)
            except ApplicationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Season %(name)s created.") % {"name": season.name})
                return redirect("frontend:supply-season", season_id=season.pk)
    return render(
        request,
        "frontend/supply/seasons.html",
        {"seasons": selectors.season_list_for(actor=request.actor), "form": form,
         "can_manage": request.actor.can(SUPPLY_MANAGE)},
        status=_bad(form),
    )  # fmt: skip


def _price_form(data: Any = None) -> SchemaForm:
    return SchemaForm(data, schema=inputs.SeasonPriceInput, choices={"category": _category_choices()}, prefix="price")


def _season_form(season: Season, data: Any = None) -> SchemaForm:
    initial = {"name": season.name, "starts_on": season.starts_on, "ends_on": season.ends_on}
    return SchemaForm(data, schema=inputs.SeasonInput, initial=initial, prefix="season")


@actor_required(SUPPLY_READ)
def season_detail(request: MemberRequest, season_id: int) -> HttpResponse:
    season = selectors.season_get_for(actor=request.actor, season_id=season_id)
    actor = request.actor
    form, price_form = _season_form(season), _price_form()
    if request.method == "POST":
        actor.require(SUPPLY_MANAGE)
        try:
            if "price-price_per_kg" in request.POST:
                price_form = _price_form(request.POST)
                if price_form.is_valid():
                    services.season_price_set(actor=actor, season_id=season.pk, **price_form.cleaned_data)
                    messages.success(request, _("Price saved."))
                    return redirect("frontend:supply-season", season_id=season.pk)
            else:
                form = _season_form(season, request.POST)
                if form.is_valid():
                    services.season_update(actor=actor, season_id=season.pk, **form.cleaned_data)
                    messages.success(request, _("Saved."))
                    return redirect("frontend:supply-season", season_id=season.pk)
        except ApplicationError as error:
            (price_form if "price-price_per_kg" in request.POST else form).add_service_errors(error)
    can_see_statement = actor.can(SUPPLY_STATEMENTS) or actor.is_alliance_staff
    return render(
        request,
        "frontend/supply/season.html",
        {
            "season": season,
            "form": form,
            "price_form": price_form,
            "prices": list(season.prices.select_related("category").order_by("category__name_vi", "grade")),
            "statement": selectors.season_statement(actor=actor, season_id=season.pk) if can_see_statement else None,
            "actions": policy.season_actions(actor=actor, season=season),
        },
        status=_bad(form) if form.errors else _bad(price_form),
    )


@require_POST
@actor_required(SUPPLY_MANAGE)
def season_price_remove(request: MemberRequest, season_id: int, price_id: int) -> HttpResponse:
    season = selectors.season_get_for(actor=request.actor, season_id=season_id)
    try:
        services.season_price_remove(actor=request.actor, price_id=price_id)
    except ValidationFailed as error:  # told on the season's page, where the price still stands
        say_refused(request, error)
    else:
        messages.success(request, _("Price removed."))
    return redirect("frontend:supply-season", season_id=season.pk)


@actor_required(SUPPLY_READ)
def season_statement_export(request: MemberRequest, season_id: int, fmt: str) -> HttpResponse:
    return statement_response(selectors.season_statement(actor=request.actor, season_id=season_id), fmt)


# --- households ----------------------------------------------------------------------------------
@actor_required(SUPPLY_READ)
def households(request: MemberRequest) -> HttpResponse:
    search = request.GET.get("search", "")[:100]
    return render(
        request,
        "frontend/supply/households.html",
        {
            "households": selectors.household_list_for(actor=request.actor, search=search)[:500],
            "search": search,
            "can_manage": request.actor.can(SUPPLY_MANAGE),
        },
    )


def _household_form(request: MemberRequest, household: MemberHousehold | None) -> SchemaForm:
    organisation = request.actor.organisation
    assert organisation is not None
    initial: dict[str, Any] = {"province_code": organisation.province_code, "kind": "official"}
    if household is not None:
        initial = {
            "code": household.code, "name": household.name, "kind": household.kind, "phone": household.phone,
            "province_code": household.province_code, "commune_code": household.commune_code,
            "address_line": household.address_line, "joined_on": household.joined_on,
            "name_public": household.name_public, "name_consent_on": household.name_consent_on,
        }  # fmt: skip
    data = request.POST if request.method == "POST" else None
    province = str(data.get("province_code", "") if data else initial["province_code"])
    province_code = int(province) if province.isdigit() else organisation.province_code
    form = SchemaForm(
        data,
        schema=inputs.HouseholdInput,
        initial=initial,
        choices={"province_code": geo.province_choices(), "commune_code": geo.commune_choices(province_code)},
    )
    form.fields["province_code"].widget.attrs.update(
        {"hx-get": "/geo/communes/", "hx-target": "#id_commune_code", "hx-trigger": "change"}
    )
    return form


@actor_required(SUPPLY_MANAGE)
def household_new(request: MemberRequest) -> HttpResponse:
    form = _household_form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.household_create(actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Household %(code)s added.") % {"code": household.code})
            return redirect("frontend:supply-household", household_id=household.pk)
    return render(request, "frontend/supply/household_form.html", {"form": form, "household": None},
                  status=_bad(form))  # fmt: skip


@actor_required(SUPPLY_READ)
def household_detail(request: MemberRequest, household_id: int) -> HttpResponse:
    household = selectors.household_get_for(actor=request.actor, household_id=household_id)
    if request.method != "POST":
        return _household_page(request, household)
    request.actor.require(SUPPLY_MANAGE)
    form = _household_form(request, household)
    if form.is_valid():
        try:
            services.household_update(actor=request.actor, household_id=household.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:supply-household", household_id=household.pk)
    return _household_page(request, household, form=form)


def _household_page(
    request: MemberRequest,
    household: MemberHousehold,
    *,
    form: SchemaForm | None = None,
    consent: SchemaForm | None = None,
) -> HttpResponse:
    return render(
        request,
        "frontend/supply/household.html",
        {
            "household": household,
            "form": form or _household_form(request, household),
            "consent_form": consent or _consent_form(household),
            "plots": list(household.plots.select_related("area").order_by("code")),
            "intakes": list(selectors.intake_list_for(actor=request.actor, household=household.pk)[:30]),
            "actions": policy.household_actions(actor=request.actor, household=household),
        },
        status=400 if (form and form.errors) or (consent and consent.errors) else 200,
    )


def _consent_form(household: MemberHousehold, data: Any = None) -> SchemaForm:
    return SchemaForm(data, schema=inputs.ConsentInput, initial={"name_public": household.name_public},
                      prefix="consent")  # fmt: skip


@require_POST
@actor_required(SUPPLY_MANAGE)
def household_consent(request: MemberRequest, household_id: int) -> HttpResponse:
    """Record the household's answer about being named publicly, with its day."""
    household = selectors.household_get_for(actor=request.actor, household_id=household_id)
    form = _consent_form(household, request.POST)
    if form.is_valid():
        try:
            services.household_consent_set(actor=request.actor, household_id=household.pk, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("The household's answer is recorded."))
            return redirect("frontend:supply-household", household_id=household.pk)
    return _household_page(request, household, consent=form)


@actor_required(SUPPLY_MANAGE)
def household_import(request: MemberRequest) -> HttpResponse:
    """Upload a register, see every row's errors (nothing changes), then apply it all at once."""
    context: dict[str, Any] = {"columns": HOUSEHOLD_COLUMNS}
    status = 200
    if request.method == "POST" and "apply" in request.POST:
        try:
            import_id = read_input(ImportApplyInput, request.POST, mode=InputMode.FORM)["apply"]
            applied = services.household_import_apply(actor=request.actor, import_id=import_id)
        except ApplicationError as error:
            context["error"], context["error_message"], status = error, page_message(error), 400
        else:
            messages.success(
                request,
                _("Imported: %(created)s new households, %(updated)s updated.")
                % {"created": format_decimal(applied.created_count), "updated": format_decimal(applied.updated_count)},
            )
            return redirect("frontend:supply-households")
    elif request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(fields={"file": [_("Choose a CSV or Excel file.")]})
            context["batch"], context["rows"] = services.household_import_preview(
                actor=request.actor, upload=upload, file_name=upload.name or "households"
            )
        except ApplicationError as error:
            context["error"], context["error_message"], status = error, page_message(error), 400
    return render(request, "frontend/supply/household_import.html", context, status=status)


# --- intakes and lots ----------------------------------------------------------------------------
def _plot_options(request: MemberRequest) -> list[Plot]:
    return list(selectors.plot_list_for(actor=request.actor).select_related("household"))


def _intake_form(request: MemberRequest, plots: Sequence[Plot], initial: dict[str, Any]) -> SchemaForm:
    form = SchemaForm(
        request.POST if request.method == "POST" else None,
        schema=inputs.IntakeInput,
        context=inputs.KG,
        initial=initial,
        choices={
            "household": _household_choices(request),
            "plot": [(p.pk, f"{p.code} · {p.household.name if p.household else p.area.code}") for p in plots],
            "season": _season_choices(request),
        },
    )
    form.fields["grade"].widget.attrs["list"] = "grade-options"  # the grades the season prices, offered
    return form


def _grades(request: MemberRequest) -> list[str]:
    """The grades the cooperative's seasons price, to pick from instead of typing."""
    prices = SeasonPrice.objects.filter(season__cooperative_id=request.actor.organisation_id).exclude(grade="")
    return sorted(set(prices.values_list("grade", flat=True)))


@actor_required(INTAKE_RECORD)
def intake_new(request: MemberRequest) -> HttpResponse:
    """Record a delivery at the field or the gate, on a phone."""
    plots = _plot_options(request)
    form = _intake_form(request, plots, {"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            intake = services.intake_record(actor=request.actor, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(
                request,
                _("Recorded: %(kg)s kg from %(household)s.")
                % {"kg": format_decimal(intake.weight_kg), "household": intake.household.name},
            )
            return redirect("frontend:supply-intake-new")
    return render(
        request,
        "frontend/supply/intake_form.html",
        {
            "form": form,
            "intake": None,
            "plot_households": {p.pk: p.household_id for p in plots},
            "grades": _grades(request),
        },
        status=_bad(form),
    )


@actor_required(SUPPLY_READ)
def intake_detail(request: MemberRequest, intake_id: int) -> HttpResponse:
    intake = selectors.intake_get_for(actor=request.actor, intake_id=intake_id)
    actions = policy.intake_actions(actor=request.actor, intake=intake)
    plots = _plot_options(request)
    initial = {
        "household": intake.household_id, "plot": intake.plot_id, "received_on": intake.received_on,
        "weight_kg": intake.weight_kg, "grade": intake.grade, "moisture_percent": intake.moisture_percent,
        "impurity_percent": intake.impurity_percent, "measurements": intake.measurements,
        "unit_price": intake.unit_price, "season": intake.season_id, "note": intake.note,
    }  # fmt: skip
    form = _intake_form(request, plots, initial)
    if request.method == "POST":
        request.actor.require(INTAKE_RECORD)
        if form.is_valid():
            try:
                services.intake_update(actor=request.actor, intake_id=intake.pk, **form.cleaned_data)
            except ApplicationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Saved."))
                return redirect("frontend:supply-intakes")
    return render(
        request,
        "frontend/supply/intake_form.html",
        {
            "form": form,
            "intake": intake,
            "actions": actions,
            "plot_households": {p.pk: p.household_id for p in plots},
            "grades": _grades(request),
        },
        status=_bad(form),
    )


@require_POST
@actor_required(SUPPLY_MANAGE)
def intake_delete(request: MemberRequest, intake_id: int) -> HttpResponse:
    services.intake_delete(actor=request.actor, intake_id=intake_id)
    messages.success(request, _("Intake deleted."))
    return redirect("frontend:supply-intakes")


def _lot_form(request: MemberRequest, data: Any = None) -> SchemaForm:
    products = Product.objects.filter(cooperative_id=request.actor.organisation_id, unit__in=WEIGHED_UNITS)
    drafts = HarvestLot.objects.filter(
        product__cooperative_id=request.actor.organisation_id, status=LotStatus.DRAFT, product__unit__in=WEIGHED_UNITS
    ).select_related("product")
    return SchemaForm(
        data,
        schema=inputs.LotFromIntakesInput,
        choices={
            "product": [(p.pk, p.name) for p in products.order_by("name_vi")],
            "lot": [(lot.pk, f"{lot.code} · {lot.product.name}") for lot in drafts.order_by("-pk")],
        },
        exclude=["intakes"],  # ticked in the list's rows as lot-intakes
        prefix="lot",
    )


@actor_required(SUPPLY_READ)
def intakes(request: MemberRequest) -> HttpResponse:
    """The intakes (filtered), and a lot built from the ticked ones."""
    actor = request.actor
    try:
        query = read_input(inputs.IntakeFilter, request.GET, mode=InputMode.FORM)
    except ValidationFailed as error:
        messages.error(request, " ".join(m for ms in error.fields.values() for m in ms))
        query = {}
    filters = SchemaForm(
        request.GET,
        schema=inputs.IntakeFilter,
        choices={"season": _season_choices(request), "household": _household_choices(request)},
    )
    lot_form = _lot_form(request, request.POST if request.method == "POST" else None)
    chosen: list[int] = []
    if request.method == "POST":
        actor.require(INTAKE_RECORD)
        chosen = [int(v) for v in request.POST.getlist("lot-intakes") if v.isdigit()]
        if lot_form.is_valid():
            try:
                lot = services.lot_build_from_intakes(actor=actor, **lot_form.cleaned_data)
            except ApplicationError as error:
                lot_form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Lot %(code)s now holds %(n)s intakes. Check it, then publish it.")
                    % {"code": lot.code, "n": format_decimal(lot.intakes.count())},
                )
                return redirect("frontend:my-lot", lot_id=lot.pk)
    rows = list(selectors.intake_list_for(actor=actor, **query)[:300])
    buildable = {i.pk for i in rows if policy.IntakeAction.BUILD_LOT in policy.intake_actions(actor=actor, intake=i)}
    return render(
        request,
        "frontend/supply/intakes.html",
        {
            "intakes": rows,
            "filters": filters,
            "lot_form": lot_form,
            "chosen": chosen,
            "can_build": actor.can(INTAKE_RECORD),
            "buildable": buildable,
        },
        status=_bad(lot_form),
    )


# --- demand and outlook --------------------------------------------------------------------------
@actor_required(DEMAND_BOARD_VIEW)
def demand(request: MemberRequest) -> HttpResponse:
    """Open requests for quotation that the cooperative's areas can answer (category, province, certificates)."""
    profile = selectors.supply_profile_for(actor=request.actor)
    now = timezone.now()
    matches = []
    for rfq in orders_selectors.rfq_list_for(actor=request.actor, status=RfqStatus.OPEN).filter(closes_at__gte=now):
        category_id = rfq.category_id or (rfq.product.category_id if rfq.product else None)
        match = selectors.demand_match(
            profile, category_id=category_id, province_code=rfq.delivery_province_code, text=f"{rfq.title} {rfq.note}"
        )
        if match is not None:
            matches.append((rfq, match))
    matches.sort(key=lambda pair: (not pair[1].same_province, not pair[1].certificates_ok, pair[0].closes_at))
    return render(request, "frontend/supply/demand.html", {"matches": matches, "profile": profile})


@actor_required(OUTLOOK_VIEW)
def outlook(request: MemberRequest) -> HttpResponse:
    try:
        query = read_input(inputs.OutlookFilter, request.GET, mode=InputMode.FORM)
        status = 200
    except ValidationFailed:
        query, status = {}, 400
    filters = SchemaForm(
        request.GET,
        schema=inputs.OutlookFilter,
        choices={"category": _category_choices(), "province": geo.province_choices()},
    )
    result = selectors.supply_outlook(**query)
    return render(
        request,
        "frontend/supply/outlook.html",
        {"outlook": result, "filters": filters, "chart": _outlook_chart(result.month_totals)},
        status=status,
    )


@dataclass(frozen=True)
class _Bar:
    total: MonthTotal
    x: str
    width: str
    label_x: str
    expected_y: str
    expected_height: str
    open_y: str
    open_height: str


@dataclass(frozen=True)
class _Chart:
    bars: list[_Bar]
    view_box: str
    label_y: str


CHART_HEIGHT = 100  # bar area, in SVG units; month labels below it


def _outlook_chart(totals: Sequence[MonthTotal]) -> _Chart:
    """Bars per month (expected, and the part not contracted) in SVG units, written as machine numbers."""
    peak = max((t.expected_kg for t in totals), default=Decimal(0)) or Decimal(1)
    step = Decimal(10)
    bars = []
    for index, total in enumerate(totals):
        expected = total.expected_kg / peak * CHART_HEIGHT
        still_open = total.open_kg / peak * CHART_HEIGHT
        bars.append(
            _Bar(
                total=total,
                x=machine_number(index * step + 2, 2),
                width=machine_number(6, 2),
                label_x=machine_number(index * step + 5, 2),
                expected_y=machine_number(CHART_HEIGHT - expected, 2),
                expected_height=machine_number(expected, 2),
                open_y=machine_number(CHART_HEIGHT - still_open, 2),
                open_height=machine_number(still_open, 2),
            )
        )
    width = machine_number(max(len(totals), 1) * step, 2)
    return _Chart(bars=bars, view_box=f"0 0 {width} {CHART_HEIGHT + 12}", label_y=machine_number(CHART_HEIGHT + 9, 2))
