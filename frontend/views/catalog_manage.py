"""A cooperative's own catalogue: products with price tiers and photos, lots with events and labels,
certificates, and the spreadsheet import/export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalog import selectors, services
from catalog.models import CertificateScope, ImportBatch, LotStatus, ProductStatus
from catalog.permissions import (
    CATALOG_IMPORT,
    CERTIFICATES_MANAGE,
    LOTS_MANAGE,
    LOTS_PUBLISH,
    PRODUCTS_MANAGE,
    PRODUCTS_PUBLISH,
)
from catalog.qr import qr_svg
from catalog.spreadsheets import HEADERS, PRODUCT_COLUMNS, TIER_COLUMNS
from frontend.catalog_forms import (
    LABEL_LAYOUTS,
    CertificateForm,
    EventForm,
    ImageForm,
    ImportForm,
    LabelForm,
    LotForm,
    ProductForm,
    ReasonForm,
    StockForm,
)
from frontend.decorators import actor_required
from frontend.forms import add_service_errors
from market.core.errors import ApplicationError, NotFound


def _actor(request: HttpRequest) -> Any:
    return request.actor  # type: ignore[attr-defined]


# --- products ------------------------------------------------------------------------------------
@actor_required(PRODUCTS_MANAGE)
def products(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    if status not in ProductStatus.values:
        status = ""
    search = request.GET.get("search", "")
    items = selectors.product_list_for(actor=actor, status=status or None, search=search).order_by("-updated_at")[:300]
    return render(
        request,
        "frontend/catalog/manage/products.html",
        {
            "products": items,
            "status": status,
            "statuses": ProductStatus.choices,
            "search": search,
            "can_publish": actor.can(PRODUCTS_PUBLISH),
        },
    )


@actor_required(PRODUCTS_MANAGE)
def product_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    org = actor.organisation
    initial = {"origin_province_code": org.province_code, "origin_commune_code": org.commune_code, "unit": "kg"}
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            item = services.product_create(actor=actor, data=form.product_data(), tiers=form.tiers())
        except ApplicationError as exc:
            _tier_errors_to_form(form, exc)
        else:
            messages.success(request, _("Product saved as a draft. Add photos, then publish it."))
            return redirect("frontend:my-product", product_id=item.pk)
    return render(
        request, "frontend/catalog/manage/product_form.html", {"form": form, "product": None},
        status=400 if form.errors else 200,
    )  # fmt: skip


def _tier_errors_to_form(form: ProductForm, exc: ApplicationError) -> None:
    """Tier problems go above the tiers table; the rest next to their fields."""
    fields = dict(exc.fields)
    form.tier_errors = fields.pop("price_tiers", [])
    if fields or not form.tier_errors:
        add_service_errors(form, ApplicationError(exc.message, fields=fields))
    if form.tier_errors:
        form.add_error(None, _("Check the price tiers."))


@actor_required(PRODUCTS_MANAGE)
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(actor=actor, product=item, data=form.product_data(), tiers=form.tiers() or None)
        except ApplicationError as exc:
            _tier_errors_to_form(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:my-product", product_id=item.pk)
    return render(
        request,
        "frontend/catalog/manage/product_form.html",
        {"form": form, "product": item},
        status=400 if form.errors else 200,
    )


@actor_required(PRODUCTS_MANAGE)
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    image_form = ImageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and image_form.is_valid():
        try:
            services.product_image_add(
                actor=actor, product=item, upload=image_form.cleaned_data["image"],
                alt_text=image_form.cleaned_data["alt_text"],
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_errors(image_form, exc)
        else:
            messages.success(request, _("Photo added."))
            return redirect("frontend:my-product", product_id=item.pk)
    context = {
        "product": item,
        "tiers": selectors.price_tiers_for(product=item),
        "images": list(item.images.all()),
        "image_form": image_form,
        "lots": selectors.lot_list_for(actor=actor, product_id=item.pk).order_by("-harvest_date", "-id")[:50],
        "badges": selectors.badges_for([item]).get(item.pk, []),
        "can_publish": actor.can(PRODUCTS_PUBLISH),
        "needs_verification": not actor.organisation.is_verified,
    }
    return render(request, "frontend/catalog/manage/product.html", context, status=400 if image_form.errors else 200)


@require_POST
@actor_required(PRODUCTS_MANAGE)
def product_image_remove(request: HttpRequest, product_id: int, image_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    image = item.images.filter(pk=image_id).first()
    if image is None:
        raise NotFound()
    services.product_image_remove(actor=actor, image=image)
    messages.success(request, _("Photo removed."))
    return redirect("frontend:my-product", product_id=item.pk)


@require_POST
@actor_required(PRODUCTS_PUBLISH)
def product_status(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    try:
        if request.POST.get("action") == "delist":
            services.product_delist(actor=actor, product=item)
            messages.success(request, _("Delisted: buyers no longer see it; its trace pages keep working."))
        else:
            services.product_publish(actor=actor, product=item)
            messages.success(request, _("Published: buyers can find it now."))
    except ApplicationError as exc:
        messages.error(
            request, exc.message if not exc.fields else " ".join(m for ms in exc.fields.values() for m in ms)
        )
    return redirect("frontend:my-product", product_id=item.pk)


# --- lots ----------------------------------------------------------------------------------------
@actor_required(LOTS_MANAGE)
def lots(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    if status not in LotStatus.values:
        status = ""
    items = selectors.lot_list_for(actor=actor, status=status or None).order_by("-harvest_date", "-id")[:300]
    return render(
        request,
        "frontend/catalog/manage/lots.html",
        {"lots": items, "status": status, "statuses": LotStatus.choices},
    )


def _certificates_for_product(actor: Any, product: Any) -> list[Any]:
    """The cooperative's certificates that cover the product (for the lot's 'in force' choice)."""
    return [
        c
        for c in selectors.certificate_list_for(actor=actor)
        if c.scope == CertificateScope.COOPERATIVE or any(p.pk == product.pk for p in c.products.all())
    ]


@actor_required(LOTS_MANAGE)
def lot_new(request: HttpRequest, product_id: int) -> HttpResponse:
    actor = _actor(request)
    item = selectors.product_get_for(actor=actor, product_id=product_id)
    certificates = _certificates_for_product(actor, item)
    initial = {
        "origin_province_code": item.origin_province_code,
        "origin_commune_code": item.origin_commune_code,
        "plot": item.origin_note,
        "certificates": [str(c.pk) for c in certificates if c.is_in_force()],
    }
    form = LotForm(request.POST or None, initial=initial, certificates=certificates)
    if request.method == "POST" and form.is_valid():
        try:
            lot = services.lot_create(
                actor=actor, product=item, data=form.lot_data(), certificate_ids=form.certificate_ids()
            )
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Lot saved as a draft. Record its events, then publish it."))
            return redirect("frontend:my-lot", lot_id=lot.pk)
    return render(
        request, "frontend/catalog/manage/lot_form.html", {"form": form, "product": item, "lot": None},
        status=400 if form.errors else 200,
    )  # fmt: skip


@actor_required(LOTS_MANAGE)
def lot_edit(request: HttpRequest, lot_id: int) -> HttpResponse:
    actor = _actor(request)
    lot = selectors.lot_get_for(actor=actor, lot_id=lot_id)
    if lot.status != LotStatus.DRAFT:
        messages.error(request, _("A published lot cannot be changed. Record a correction event instead."))
        return redirect("frontend:my-lot", lot_id=lot.pk)
    certificates = _certificates_for_product(actor, lot.product)
    initial = {name: getattr(lot, name) for name in LotForm.base_fields if hasattr(lot, name)}
    initial["quantity_produced"] = f"{lot.quantity_produced.normalize():f}"
    initial["certificates"] = [str(c.pk) for c in lot.certificates.all()]
    form = LotForm(request.POST or None, initial=initial, certificates=certificates)
    if request.method == "POST" and form.is_valid():
        try:
            services.lot_update(actor=actor, lot=lot, data=form.lot_data(), certificate_ids=form.certificate_ids())
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:my-lot", lot_id=lot.pk)
    return render(
        request, "frontend/catalog/manage/lot_form.html", {"form": form, "product": lot.product, "lot": lot},
        status=400 if form.errors else 200,
    )  # fmt: skip


@actor_required(LOTS_MANAGE)
def lot_detail(request: HttpRequest, lot_id: int) -> HttpResponse:
    actor = _actor(request)
    lot = selectors.lot_get_for(actor=actor, lot_id=lot_id)
    events = selectors.lot_events(lot=lot)
    which = request.POST.get("form") if request.method == "POST" else None
    event_form = EventForm(request.POST if which == "event" else None, events=events)
    stock_form = StockForm(
        request.POST if which == "stock" else None,
        initial={"quantity_available": f"{lot.quantity_available.normalize():f}"},
    )
    withdraw_form = ReasonForm(request.POST if which == "withdraw" else None)
    try:
        if which == "event" and event_form.is_valid():
            data = dict(event_form.cleaned_data)
            try:
                services.trace_event_add(actor=actor, lot=lot, data=data)
            except ApplicationError as exc:
                add_service_errors(event_form, exc)
            else:
                messages.success(request, _("Event recorded."))
                return redirect("frontend:my-lot", lot_id=lot.pk)
        elif which == "stock" and stock_form.is_valid():
            try:
                services.lot_stock_adjust(actor=actor, lot=lot, **stock_form.cleaned_data)
            except ApplicationError as exc:
                add_service_errors(stock_form, exc)
            else:
                messages.success(request, _("Stock updated."))
                return redirect("frontend:my-lot", lot_id=lot.pk)
        elif which == "publish":
            services.lot_publish(actor=actor, lot=lot)
            messages.success(request, _("Published: the trace page is public and the lot can be sold."))
            return redirect("frontend:my-lot", lot_id=lot.pk)
        elif which == "withdraw" and withdraw_form.is_valid():
            try:
                services.lot_withdraw(actor=actor, lot=lot, reason=withdraw_form.cleaned_data["reason"])
            except ApplicationError as exc:
                add_service_errors(withdraw_form, exc)
            else:
                messages.success(request, _("The lot is withdrawn; its trace page says so."))
                return redirect("frontend:my-lot", lot_id=lot.pk)
    except ApplicationError as exc:
        messages.error(
            request, exc.message if not exc.fields else " ".join(m for ms in exc.fields.values() for m in ms)
        )
        return redirect("frontend:my-lot", lot_id=lot.pk)
    has_errors = bool(event_form.errors or stock_form.errors or withdraw_form.errors)
    context = {
        "lot": lot,
        "events": events,
        "event_form": event_form,
        "stock_form": stock_form,
        "withdraw_form": withdraw_form,
        "qr_url": selectors.lot_qr_url(lot),
        "certificates": list(lot.certificates.all()),
        "can_publish": actor.can(LOTS_PUBLISH),
    }
    return render(request, "frontend/catalog/manage/lot.html", context, status=400 if has_errors else 200)


@actor_required(LOTS_MANAGE)
def lot_labels(request: HttpRequest, lot_id: int) -> HttpResponse:
    """A print-ready A4 sheet of stickers: product, cooperative, lot, dates, certificates and the QR code."""
    actor = _actor(request)
    lot = selectors.lot_get_for(actor=actor, lot_id=lot_id)
    form = LabelForm(request.GET or None)
    layout_key, sheets = "a4-24", 1
    if form.is_bound and form.is_valid():
        layout_key, sheets = form.cleaned_data["layout"], form.cleaned_data["sheets"]
    layout = LABEL_LAYOUTS[layout_key]
    trace = selectors.trace_view(lot=lot)
    count = layout["cols"] * layout["rows"] * sheets
    context = {
        "lot": lot,
        "form": form if form.is_bound else LabelForm(),
        "trace": trace,
        "layout": layout,
        "layout_key": layout_key,
        "compact": layout["h"] < 35,
        "qr": qr_svg(trace.qr_url, scale=3),
        "sheets": [range(layout["cols"] * layout["rows"]) for _sheet in range(sheets)],
        "count": count,
        "published": lot.status != LotStatus.DRAFT,
    }
    return render(request, "frontend/catalog/manage/labels.html", context)


# --- certificates --------------------------------------------------------------------------------
@actor_required(CERTIFICATES_MANAGE)
def certificates(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    items = list(selectors.certificate_list_for(actor=actor).order_by("-valid_to", "-id"))
    own_products = list(selectors.product_list_for(actor=actor).order_by("name_vi"))
    form = CertificateForm(request.POST or None, request.FILES or None, products=own_products)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_create(
                actor=actor, data=form.certificate_data(), scan=form.cleaned_data.get("scan"),
                product_ids=[int(i) for i in form.cleaned_data.get("products") or []],
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Certificate sent to the alliance for review."))
            return redirect("frontend:my-certificates")
    return render(
        request, "frontend/catalog/manage/certificates.html", {"certificates": items, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@actor_required(CERTIFICATES_MANAGE)
def certificate_edit(request: HttpRequest, certificate_id: int) -> HttpResponse:
    actor = _actor(request)
    certificate = selectors.certificate_get_for(actor=actor, certificate_id=certificate_id)
    own_products = list(selectors.product_list_for(actor=actor).order_by("name_vi"))
    initial = {
        "kind": certificate.kind,
        "ocop_stars": certificate.ocop_stars,
        "number": certificate.number,
        "issuer": certificate.issuer,
        "valid_from": certificate.valid_from,
        "valid_to": certificate.valid_to,
        "scope": certificate.scope,
        "products": [str(p.pk) for p in certificate.products.all()],
    }
    form = CertificateForm(request.POST or None, request.FILES or None, initial=initial, products=own_products)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_update(
                actor=actor, certificate=certificate, data=form.certificate_data(),
                product_ids=[int(i) for i in form.cleaned_data.get("products") or []],
                scan=form.cleaned_data.get("scan"),
            )  # fmt: skip
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved; the alliance reviews the certificate again."))
            return redirect("frontend:my-certificates")
    return render(
        request, "frontend/catalog/manage/certificate_form.html", {"certificate": certificate, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


# --- import and export ---------------------------------------------------------------------------
@actor_required(CATALOG_IMPORT)
def catalogue_import(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    batch, rows = None, None
    if request.method == "POST" and request.POST.get("apply"):
        batch = ImportBatch.objects.filter(pk=request.POST.get("apply"), cooperative_id=actor.organisation_id).first()
        if batch is None:
            raise NotFound()
        try:
            batch = services.import_apply(actor=actor, batch=batch)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            rows = services.check_rows(cooperative=actor.organisation, rows=batch.rows)
        else:
            messages.success(
                request,
                _("Imported: %(created)s new products, %(updated)s updated. New products are drafts.")
                % {"created": batch.created_count, "updated": batch.updated_count},
            )
            return redirect("frontend:my-products")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, rows = services.import_preview(actor=actor, upload=upload, file_name=upload.name)
        except ApplicationError as exc:
            add_service_errors(form, exc)
            if exc.fields and "file" not in form.errors and exc.message:
                form.add_error("file", exc.message)
    context = {
        "form": form,
        "batch": batch,
        "rows": rows,
        "bad_rows": [r for r in rows or [] if r.errors],
        "columns": PRODUCT_COLUMNS,
        "tier_columns": TIER_COLUMNS,
        "headers": HEADERS,
    }
    return render(request, "frontend/catalog/manage/import.html", context, status=400 if form.errors else 200)


@actor_required(PRODUCTS_MANAGE)
def catalogue_export(request: HttpRequest) -> HttpResponse:
    body, content_type, name = selectors.catalogue_export(actor=_actor(request), fmt=request.GET.get("type", "csv"))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
