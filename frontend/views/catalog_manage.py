"""A cooperative's own catalogue: products with price tiers and photos, lots with events and labels,
certificates, and the spreadsheet import/export.

Every form is read by its command's schema (`catalog.inputs`, through `SchemaForm`); every button is an
action of the object's policy (`catalog.policy`), shown only when the service would accept it.
"""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import inputs, selectors, services
from catalog.commands import CertificateDetails, LotDetails, ProductDetails
from catalog.models import Certificate, HarvestLot, ImportBatch, LotStatus, Product, ProductStatus
from catalog.permissions import CATALOG_IMPORT, CERTIFICATES_MANAGE, LOTS_MANAGE, PRODUCTS_MANAGE, PRODUCTS_PUBLISH
from catalog.policy import (
    CertificateAction,
    LotAction,
    ProductAction,
    allowed,
    certificate_actions,
    lot_actions,
    product_actions,
)
from catalog.qr import qr_svg
from catalog.spreadsheets import HEADERS, PRODUCT_COLUMNS, TIER_COLUMNS, looks_like_price
from frontend.catalog_forms import (
    LABEL_LAYOUTS,
    ProductForm,
    certificate_form,
    event_form,
    label_form,
    lot_form,
    posted_action,
)
from frontend.decorators import actor_required
from frontend.errors import page_message, refusal_messages
from frontend.schema_forms import SchemaForm
from market.core.errors import ApplicationError
from market.core.inputs import ImportApplyInput, InputMode, read_input
from market.core.parsing import format_decimal
from market.core.quantity import UNIT_SYMBOLS, WHOLE_UNITS, Unit
from market.organisations.http import MemberRequest
from market.organisations.permissions import Actor


def _say(request: MemberRequest, error: ApplicationError) -> None:
    messages.error(request, " ".join(refusal_messages(error)))


# --- products ------------------------------------------------------------------------------------
@actor_required(PRODUCTS_MANAGE)
def products(request: MemberRequest) -> HttpResponse:
    """The cooperative's products, with a bulk publish of the drafts chosen (an import's 25 drafts are one
    click, not 25)."""
    actor = request.actor
    if request.method == "POST":
        return _publish_chosen(request, actor)
    values, errors = inputs.read_query_leniently(inputs.MyProductQueryInput, request.GET)
    items = list(
        selectors.product_list_for(actor=actor, status=values.get("status"), search=values.get("search"))
        .select_related("category", "cooperative")
        .order_by("-updated_at")[:300]
    )
    rows = [(p, allowed(product_actions(actor=actor, obj=p))) for p in items]
    return render(
        request,
        "frontend/catalog/manage/products.html",
        {
            "rows": rows,
            "status": values.get("status") or "",
            "statuses": ProductStatus.choices,
            "search": values.get("search", ""),
            "errors": errors,
            "can_publish": actor.can(PRODUCTS_PUBLISH),
            "publishable": any(ProductAction.PUBLISH in actions for _p, actions in rows),
        },
        status=400 if errors else 200,
    )


def _publish_chosen(request: MemberRequest, actor: Actor) -> HttpResponse:
    try:
        chosen = read_input(inputs.ProductIdsInput, request.POST, mode=InputMode.FORM)
    except ApplicationError:
        messages.error(request, _("Choose the products to publish."))
        return redirect("frontend:my-products")
    outcome = services.product_publish_many(actor=actor, product_ids=chosen["products"])
    if outcome.published:
        messages.success(request, _("Published: %(n)s products.") % {"n": format_decimal(len(outcome.published))})
    for name, why in outcome.refused:
        messages.warning(request, _("%(product)s stays as it was: %(why)s") % {"product": name, "why": why})
    return redirect("frontend:my-products")


def _product_page(request: MemberRequest, form: ProductForm, product: Product | None) -> HttpResponse:
    return render(
        request,
        "frontend/catalog/manage/product_form.html",
        {"form": form, "product": product},
        status=400 if form.errors else 200,
    )


@actor_required(PRODUCTS_MANAGE)
def product_new(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    cooperative = actor.organisation
    assert cooperative is not None
    initial = {
        "origin_province_code": cooperative.province_code,
        "origin_commune_code": cooperative.commune_code,
        "unit": Unit.KG,
    }
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            item = services.product_create(
                actor=actor, details=inputs.product_details(fields), tiers=inputs.product_tiers(fields)
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Product saved as a draft. Add photos, then publish it."))
            return redirect("frontend:my-product", product_id=item.pk)
    return _product_page(request, form, None)


@actor_required(PRODUCTS_MANAGE)
def product_edit(request: MemberRequest, product_id: int) -> HttpResponse:
    actor = request.actor
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_for(item), unit=item.unit)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            services.product_update(
                actor=actor,
                product_id=item.pk,
                details=inputs.product_details(fields, base=ProductDetails.of(item)),
                # The page always shows every tier: rows left empty remove those tiers.
                tiers=inputs.product_tiers({"price_tiers": fields.get("price_tiers", [])}),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:my-product", product_id=item.pk)
    return _product_page(request, form, item)


@actor_required(PRODUCTS_MANAGE)
def product_detail(request: MemberRequest, product_id: int) -> HttpResponse:
    actor = request.actor
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    image_form = SchemaForm(request.POST or None, request.FILES or None, schema=inputs.ImageInput)
    if request.method == "POST" and image_form.is_valid():
        try:
            services.product_image_add(
                actor=actor,
                product_id=item.pk,
                upload=image_form.cleaned_data["image"],
                alt_text=image_form.cleaned_data.get("alt_text", ""),
            )
        except ApplicationError as error:
            image_form.add_service_errors(error)
        else:
            messages.success(request, _("Photo added."))
            return redirect("frontend:my-product", product_id=item.pk)
    cooperative = actor.organisation
    context = {
        "product": item,
        "actions": allowed(product_actions(actor=actor, obj=item)),
        "tiers": selectors.price_tiers_for(product=item),
        "images": list(item.images.all()),
        "image_form": image_form,
        "lots": selectors.lot_list_for(actor=actor, product_id=item.pk).order_by("-harvest_date", "-id")[:50],
        "badges": selectors.badges_for([item]).get(item.pk, []),
        "needs_verification": cooperative is not None and not cooperative.is_verified,
    }
    return render(request, "frontend/catalog/manage/product.html", context, status=400 if image_form.errors else 200)


@require_POST
@actor_required(PRODUCTS_MANAGE)
def product_image_remove(request: MemberRequest, product_id: int, image_id: int) -> HttpResponse:
    services.product_image_remove(actor=request.actor, product_id=product_id, image_id=image_id)
    messages.success(request, _("Photo removed."))
    return redirect("frontend:my-product", product_id=product_id)


@require_POST
@actor_required(PRODUCTS_PUBLISH)
def product_status(request: MemberRequest, product_id: int) -> HttpResponse:
    actor = request.actor
    selectors.product_get_for(actor=actor, product_id=product_id)
    try:
        action = posted_action(request.POST, ProductAction)
        if action == ProductAction.DELIST:
            services.product_delist(actor=actor, product_id=product_id)
            messages.success(request, _("Delisted: buyers no longer see it; its trace pages keep working."))
        elif action == ProductAction.PUBLISH:
            services.product_publish(actor=actor, product_id=product_id)
            messages.success(request, _("Published: buyers can find it now."))
        else:
            messages.error(request, _("This button does not change the product's status."))
    except ApplicationError as error:
        _say(request, error)
    return redirect("frontend:my-product", product_id=product_id)


# --- lots ----------------------------------------------------------------------------------------
@actor_required(LOTS_MANAGE)
def lots(request: MemberRequest) -> HttpResponse:
    values, errors = inputs.read_query_leniently(inputs.LotQueryInput, request.GET)
    items = selectors.lot_list_for(actor=request.actor, status=values.get("status"), product_id=values.get("product"))
    return render(
        request,
        "frontend/catalog/manage/lots.html",
        {
            "lots": items.order_by("-harvest_date", "-id")[:300],
            "status": values.get("status") or "",
            "statuses": LotStatus.choices,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _certificates_for_product(actor: Actor, product: Product) -> list[Certificate]:
    """The cooperative's certificates that cover the product (for the lot's 'in force' choice)."""
    return [
        c
        for c in selectors.certificate_list_for(actor=actor)
        if c.covers_whole_cooperative or any(p.pk == product.pk for p in c.products.all())
    ]


def _lot_form_page(request: MemberRequest, form: SchemaForm, product: Product, lot: HarvestLot | None) -> HttpResponse:
    return render(
        request,
        "frontend/catalog/manage/lot_form.html",
        {"form": form, "product": product, "lot": lot, "whole_units": product.unit in WHOLE_UNITS},
        status=400 if form.errors else 200,
    )


@actor_required(LOTS_MANAGE)
def lot_new(request: MemberRequest, product_id: int) -> HttpResponse:
    actor = request.actor
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    certificates = _certificates_for_product(actor, item)
    initial = {
        "origin_province_code": item.origin_province_code,
        "origin_commune_code": item.origin_commune_code,
        "plot": item.origin_note,
        "certificates": [str(c.pk) for c in certificates if c.is_in_force()],
    }
    form = lot_form(request.POST or None, initial=initial, certificates=certificates, unit=item.unit)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            lot = services.lot_create(
                actor=actor,
                product_id=item.pk,
                details=inputs.lot_details(fields),
                certificate_ids=fields.get("certificates", []),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Lot saved as a draft. Record its events, then publish it."))
            return redirect("frontend:my-lot", lot_id=lot.pk)
    return _lot_form_page(request, form, item, None)


@actor_required(LOTS_MANAGE)
def lot_edit(request: MemberRequest, lot_id: int) -> HttpResponse:
    actor = request.actor
    lot = selectors.lot_get_for(actor=actor, lot_id=lot_id)
    if LotAction.EDIT not in lot_actions(actor=actor, obj=lot):
        messages.error(request, _("A published lot cannot be changed. Record a correction event instead."))
        return redirect("frontend:my-lot", lot_id=lot.pk)
    certificates = _certificates_for_product(actor, lot.product)
    details = LotDetails.of(lot)
    initial = asdict(details)
    initial["certificates"] = [str(c.pk) for c in lot.certificates.all()]
    form = lot_form(request.POST or None, initial=initial, certificates=certificates, unit=lot.product.unit)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            services.lot_update(
                actor=actor,
                lot_id=lot.pk,
                details=inputs.lot_details(fields, base=details),
                certificate_ids=fields.get("certificates", []),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:my-lot", lot_id=lot.pk)
    return _lot_form_page(request, form, lot.product, lot)


@actor_required(LOTS_MANAGE)
def lot_detail(request: MemberRequest, lot_id: int) -> HttpResponse:
    actor = request.actor
    lot = selectors.lot_get_for(actor=actor, lot_id=lot_id)
    events = selectors.lot_events(lot=lot)
    action = None
    if request.method == "POST":
        try:
            action = posted_action(request.POST, LotAction)
        except ApplicationError as error:
            _say(request, error)
            return redirect("frontend:my-lot", lot_id=lot.pk)
    unit = lot.product.unit
    posted = request.POST if request.method == "POST" else None
    forms = {
        LotAction.ADD_EVENT: event_form(posted if action == LotAction.ADD_EVENT else None, events=events, unit=unit),
        LotAction.COUNT_STOCK: SchemaForm(
            posted if action == LotAction.COUNT_STOCK else None,
            schema=inputs.StockInput,
            initial={"quantity_available": lot.quantity_available},
            context={"unit": unit},
        ),
        LotAction.WITHDRAW: SchemaForm(
            posted if action == LotAction.WITHDRAW else None, schema=inputs.ReasonInput, prefix="withdraw"
        ),
    }
    if action is not None and _lot_action(request, actor, lot, action, forms.get(action)):
        return redirect("frontend:my-lot", lot_id=lot.pk)
    has_errors = any(form.errors for form in forms.values())
    context = {
        "lot": lot,
        "actions": allowed(lot_actions(actor=actor, obj=lot)),
        "events": events,
        "event_form": forms[LotAction.ADD_EVENT],
        "stock_form": forms[LotAction.COUNT_STOCK],
        "withdraw_form": forms[LotAction.WITHDRAW],
        "qr_url": selectors.lot_qr_url(lot),
        "certificates": list(lot.certificates.all()),
        "unit_symbol": UNIT_SYMBOLS.get(unit, unit),
    }
    return render(request, "frontend/catalog/manage/lot.html", context, status=400 if has_errors else 200)


def _lot_action(
    request: MemberRequest, actor: Actor, lot: HarvestLot, action: LotAction, form: SchemaForm | None
) -> bool:
    """Do the action pressed; True when it was done (the page then reloads)."""
    if form is not None and not form.is_valid():
        return False
    fields = form.cleaned_data if form is not None else {}
    try:
        if action == LotAction.ADD_EVENT:
            services.trace_event_add(actor=actor, lot_id=lot.pk, **inputs.event_values(fields))
            messages.success(request, _("Event recorded."))
        elif action == LotAction.COUNT_STOCK:
            services.lot_stock_adjust(actor=actor, lot_id=lot.pk, **fields)
            messages.success(request, _("Stock updated."))
        elif action == LotAction.PUBLISH:
            services.lot_publish(actor=actor, lot_id=lot.pk)
            messages.success(request, _("Published: the trace page is public and the lot can be sold."))
        elif action == LotAction.WITHDRAW:
            services.lot_withdraw(actor=actor, lot_id=lot.pk, reason=fields["reason"])
            messages.success(request, _("The lot is withdrawn; its trace page says so."))
        else:
            return False
    except ApplicationError as error:
        if form is None or not error.fields:
            _say(request, error)
            return form is None
        form.add_service_errors(error)
        return False
    return True


@actor_required(LOTS_MANAGE)
def lot_labels(request: MemberRequest, lot_id: int) -> HttpResponse:
    """A print-ready A4 sheet of stickers: product, cooperative, lot, dates, certificates and the QR code."""
    lot = selectors.lot_get_for(actor=request.actor, lot_id=lot_id)
    form = label_form(request.GET or None)
    layout_key, sheets = "a4-24", 1
    if form.is_bound and form.is_valid():
        layout_key, sheets = str(form.cleaned_data["layout"]), form.cleaned_data["sheets"]
    layout = LABEL_LAYOUTS[layout_key]
    trace = selectors.trace_view(lot=lot, actor=request.actor)
    count = layout["cols"] * layout["rows"] * sheets
    context = {
        "lot": lot,
        "form": form,
        "trace": trace,
        "layout_key": layout_key,
        "compact": layout["h"] < 35,
        "qr": qr_svg(trace.qr_url, scale=3),
        "sheets": [range(layout["cols"] * layout["rows"]) for _sheet in range(sheets)],
        "count": count,
        "published": lot.has_public_page,
    }
    return render(request, "frontend/catalog/manage/labels.html", context)


# --- certificates --------------------------------------------------------------------------------
@actor_required(CERTIFICATES_MANAGE)
def certificates(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    items = list(selectors.certificate_list_for(actor=actor).order_by("-valid_to", "-id"))
    own_products = list(selectors.product_list_for(actor=actor).order_by("name_vi"))
    form = certificate_form(request.POST or None, request.FILES or None, products=own_products)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            services.certificate_create(
                actor=actor,
                details=inputs.certificate_details(fields),
                scan=fields.get("scan"),
                product_ids=fields.get("products", []),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Certificate sent to the alliance for review."))
            return redirect("frontend:my-certificates")
    rows = [(c, allowed(certificate_actions(actor=actor, obj=c))) for c in items]
    return render(
        request,
        "frontend/catalog/manage/certificates.html",
        {"rows": rows, "form": form},
        status=400 if form.errors else 200,
    )


@actor_required(CERTIFICATES_MANAGE)
def certificate_edit(request: MemberRequest, certificate_id: int) -> HttpResponse:
    actor = request.actor
    certificate = selectors.certificate_get_for(actor=actor, certificate_id=certificate_id)
    details = CertificateDetails.of(certificate)
    if request.method == "POST" and "action" in request.POST:
        return _certificate_verb(request, certificate)
    own_products = list(selectors.product_list_for(actor=actor).order_by("name_vi"))
    initial = asdict(details)
    initial["products"] = [str(p.pk) for p in certificate.products.all()]
    form = certificate_form(request.POST or None, request.FILES or None, initial=initial, products=own_products)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            services.certificate_update(
                actor=actor,
                certificate_id=certificate.pk,
                details=inputs.certificate_details(fields, base=details),
                product_ids=fields.get("products", []),
                scan=fields.get("scan"),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("Saved; the alliance reviews the certificate again."))
            return redirect("frontend:my-certificates")
    return render(
        request,
        "frontend/catalog/manage/certificate_form.html",
        {
            "certificate": certificate,
            "form": form,
            "actions": allowed(certificate_actions(actor=actor, obj=certificate)),
        },
        status=400 if form.errors else 200,
    )


def _certificate_verb(request: MemberRequest, certificate: Certificate) -> HttpResponse:
    """The verbs of the certificate page other than saving: ask for review again."""
    try:
        if posted_action(request.POST, CertificateAction) == CertificateAction.SUBMIT:
            services.certificate_submit(actor=request.actor, certificate_id=certificate.pk)
            messages.success(request, _("Sent to the alliance for review again."))
        else:
            messages.error(request, _("This is not something you can do here."))
    except ApplicationError as error:
        _say(request, error)
    return redirect("frontend:my-certificate", certificate_id=certificate.pk)


# --- import and export ---------------------------------------------------------------------------
@actor_required(CATALOG_IMPORT)
def catalogue_import(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    form = SchemaForm(
        request.POST or None,
        request.FILES or None,
        schema=inputs.ImportInput,
        initial={"publish": False},
        choices={"default_vat_category": [(v.code, v.name) for v in selectors.vat_categories()]},
    )
    if not actor.can(PRODUCTS_PUBLISH):
        del form.fields["publish"]
    batch, rows = None, None
    if request.method == "POST" and "apply" in request.POST:
        batch_id = read_input(ImportApplyInput, request.POST, mode=InputMode.FORM)["apply"]
        try:
            batch = services.import_apply(actor=actor, batch_id=batch_id)
        except ApplicationError as error:
            messages.error(request, page_message(error))
            batch = selectors.import_batch_for(actor=actor, batch_id=batch_id)
            rows = [c.result for c in services.check_rows(actor=actor, batch=batch)]
        else:
            _say_imported(request, batch)
            return redirect("frontend:my-products")
    elif request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        upload = fields["file"]
        try:
            batch, rows = services.import_preview(
                actor=actor,
                upload=upload,
                file_name=upload.name,
                default_vat_category_id=fields.get("default_vat_category") or None,
                publish=fields.get("publish", False),
            )
        except ApplicationError as error:
            form.add_service_errors(error)
            if error.fields and "file" not in form.errors and error.message:
                form.add_error("file", page_message(error))
    context = {
        "form": form,
        "batch": batch,
        "rows": rows,
        "bad_rows": [r for r in rows or [] if r.errors],
        "ignored_prices": [h for h in (batch.ignored_columns if batch else []) if looks_like_price(h)],
        "columns": PRODUCT_COLUMNS,
        "tier_columns": TIER_COLUMNS,
        "headers": HEADERS,
        "categories": selectors.category_tree(),
        "vat_categories": selectors.vat_categories(),
        "units": [(unit.value, UNIT_SYMBOLS[unit], unit.label) for unit in Unit],
    }
    return render(request, "frontend/catalog/manage/import.html", context, status=400 if form.errors else 200)


def _say_imported(request: MemberRequest, batch: ImportBatch) -> None:
    messages.success(
        request,
        _("Imported: %(created)s new products, %(updated)s updated.")
        % {"created": format_decimal(batch.created_count), "updated": format_decimal(batch.updated_count)},
    )
    if batch.publish_new:
        messages.success(request, _("Published at once: %(n)s.") % {"n": format_decimal(batch.published_count)})
        for name, why in batch.publish_refused:
            messages.warning(request, _("%(product)s stays a draft: %(why)s") % {"product": name, "why": why})
    elif batch.created_count:
        messages.info(request, _("New products are drafts: choose them below and publish them together."))


@actor_required(PRODUCTS_MANAGE)
def catalogue_export(request: MemberRequest) -> HttpResponse:
    values = inputs.read_query(inputs.ExportQuery, request.GET)
    body, content_type, name = selectors.catalogue_export(
        actor=request.actor, fmt=values.get("type") or selectors.ExportType.CSV
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
