"""Fairs and their floor plans: create and move a fair through its statuses, halls, zones, booths, CSV import."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from text_unidecode import unidecode

from fairs.models import Booth, BoothAssignment, BoothType, Fair, FairStatus, Hall, SubsidyProgramme, Zone, ZoneKind
from fairs.services.common import FAIR_TRANSITIONS, PLAN_EDIT_STATUSES, check_transition, require_staff
from market.core.errors import Conflict, NotFound, ValidationFailed
from market.core.money import parse_vnd
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations import geo
from market.organisations.permissions import Actor

BOOTH_FIELDS = ("code", "booth_type", "x", "y", "width", "depth", "price", "power", "water", "cold_storage", "blocked")


def _clean_text(value: Any, limit: int) -> str:
    return nfc(str(value or "")).strip()[:limit]


@transaction.atomic
def fair_create(
    *,
    actor: Actor,
    name_vi: str,
    venue: str,
    province_code: int,
    starts_on: date,
    ends_on: date,
    applications_open_on: date,
    applications_close_on: date,
    name_en: str = "",
    commune_code: int | None = None,
    address_line: str = "",
    rules_vi: str = "",
    rules_en: str = "",
    payment_days: int = 7,
    grace_days: int = 2,
    subsidy_programme: SubsidyProgramme | None = None,
    slug: str = "",
) -> Fair:
    require_staff(actor)
    errors: dict[str, list[str]] = {}
    if not _clean_text(name_vi, 200):
        errors["name_vi"] = [_("Give the fair a Vietnamese name.")]
    if geo.province(province_code) is None:
        errors["province_code"] = [_("Choose a province (34 provinces since July 2025).")]
    if commune_code is not None and geo.commune_province_code(commune_code) != province_code:
        errors["commune_code"] = [_("This commune is not in the chosen province.")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("The last day cannot be before the first day.")]
    if applications_close_on < applications_open_on:
        errors["applications_close_on"] = [_("Applications cannot close before they open.")]
    if applications_close_on > ends_on:
        errors["applications_close_on"] = [_("Applications must close before the fair ends.")]
    if errors:
        raise ValidationFailed(fields=errors)
    base = slugify(unidecode(slug or f"{name_vi} {starts_on.year}"))[:70] or "fair"
    candidate, n = base, 1
    while Fair.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    fair = Fair.objects.create(
        organiser=actor.organisation,
        slug=candidate,
        name_vi=_clean_text(name_vi, 200),
        name_en=_clean_text(name_en, 200),
        venue=_clean_text(venue, 200),
        province_code=province_code,
        commune_code=commune_code,
        address_line=_clean_text(address_line, 255),
        starts_on=starts_on,
        ends_on=ends_on,
        applications_open_on=applications_open_on,
        applications_close_on=applications_close_on,
        rules_vi=nfc(rules_vi),
        rules_en=nfc(rules_en),
        payment_days=payment_days,
        grace_days=grace_days,
        subsidy_programme=subsidy_programme,
    )
    audit_record(actor=actor, action="fairs.fair_created", target=fair)
    return fair


@transaction.atomic
def fair_transition(*, actor: Actor, fair: Fair, to: str) -> Fair:
    require_staff(actor)
    locked = Fair.objects.select_for_update().get(pk=fair.pk)
    check_transition(FAIR_TRANSITIONS, locked.status, to, _("fair"))
    if to == FairStatus.OPEN and not locked.booths.filter(blocked=False).exists():
        raise Conflict(_("Draw or import at least one booth before opening the fair for applications."))
    previous = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action="fairs.fair_status", target=locked, data={"from": previous, "to": to})
    fair.status = to
    return locked


@transaction.atomic
def hall_create(*, actor: Actor, fair: Fair, name: str, width_m: Decimal, depth_m: Decimal) -> Hall:
    require_staff(actor)
    name = _clean_text(name, 80)
    if not name:
        raise ValidationFailed(fields={"name": [_("Give the hall a name.")]})
    if Hall.objects.filter(fair=fair, name=name).exists():
        raise ValidationFailed(fields={"name": [_("This fair already has a hall with this name.")]})
    hall = Hall.objects.create(fair=fair, name=name, width_m=width_m, depth_m=depth_m, position=fair.halls.count())
    audit_record(actor=actor, action="fairs.hall_created", target=hall)
    return hall


@transaction.atomic
def zone_create(*, actor: Actor, fair: Fair, hall: Hall, name: str, kind: str = ZoneKind.OTHER) -> Zone:
    require_staff(actor)
    if hall.fair_id != fair.pk:
        raise NotFound()
    name = _clean_text(name, 80)
    if not name or Zone.objects.filter(fair=fair, name=name).exists():
        raise ValidationFailed(fields={"name": [_("Give the zone a name not used yet in this fair.")]})
    if kind not in ZoneKind.values:
        raise ValidationFailed(fields={"kind": [_("Unknown zone kind.")]})
    zone = Zone.objects.create(fair=fair, hall=hall, name=name, kind=kind)
    audit_record(actor=actor, action="fairs.zone_created", target=zone)
    return zone


def _decimal(value: Any, field: str, errors: dict[str, list[str]], *, positive: bool = False) -> Decimal:
    try:
        number = Decimal(str(value).replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number of metres.")]
        return Decimal(0)
    if number < 0 or (positive and number == 0) or number >= 10000:
        errors[field] = [_("Enter a positive number of metres, under 10,000.")]
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "y", "x", "có", "co"}


def _booth_values(data: Mapping[str, Any], hall: Hall, *, partial: bool, current: Booth | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if "code" in data or not partial:
        code = _clean_text(data.get("code"), 16).upper()
        if not code:
            errors["code"] = [_("Give the booth a code such as A-01.")]
        values["code"] = code
    if "booth_type" in data or not partial:
        booth_type = str(data.get("booth_type") or BoothType.STANDARD)
        if booth_type not in BoothType.values:
            errors["booth_type"] = [_("Choose standard, corner, premium or shared.")]
        values["booth_type"] = booth_type
    for field, positive in (("x", False), ("y", False), ("width", True), ("depth", True)):
        if field in data or not partial:
            default = "3" if field in ("width", "depth") else "0"
            values[field] = _decimal(data.get(field, default), field, errors, positive=positive)
    if "price" in data or not partial:
        try:
            price = parse_vnd(str(data.get("price", 0)))
            if price < 0:
                raise ValueError
            values["price"] = price
        except ValueError:
            errors["price"] = [_("Enter the price in whole đồng, e.g. 3000000.")]
    for field in ("power", "water", "cold_storage", "blocked"):
        if field in data:
            values[field] = _bool(data[field])
    x = values.get("x", current.x if current else Decimal(0))
    y = values.get("y", current.y if current else Decimal(0))
    width = values.get("width", current.width if current else Decimal(3))
    depth = values.get("depth", current.depth if current else Decimal(3))
    if "x" not in errors and "width" not in errors and x + width > hall.width_m:
        errors["x"] = [_("The booth reaches past the hall's width (%(w)s m).") % {"w": hall.width_m}]
    if "y" not in errors and "depth" not in errors and y + depth > hall.depth_m:
        errors["y"] = [_("The booth reaches past the hall's depth (%(d)s m).") % {"d": hall.depth_m}]
    if errors:
        raise ValidationFailed(fields=errors)
    return values


@transaction.atomic
def booth_create(*, actor: Actor, fair: Fair, hall: Hall, zone: Zone | None = None, **data: Any) -> Booth:
    require_staff(actor)
    if hall.fair_id != fair.pk or (zone is not None and zone.fair_id != fair.pk):
        raise NotFound()
    if fair.status not in PLAN_EDIT_STATUSES:
        raise Conflict(_("The plan cannot change once the fair is running."))
    values = _booth_values(data, hall, partial=False, current=None)
    if Booth.objects.filter(fair=fair, code=values["code"]).exists():
        raise ValidationFailed(fields={"code": [_("Booth %(code)s already exists.") % {"code": values["code"]}]})
    try:
        with transaction.atomic():
            booth = Booth.objects.create(fair=fair, hall=hall, zone=zone, **values)
    except IntegrityError:
        raise ValidationFailed(
            fields={"code": [_("Booth %(code)s already exists.") % {"code": values["code"]}]}
        ) from None
    audit_record(actor=actor, action="fairs.booth_created", target=booth, data={"code": booth.code})
    return booth


@transaction.atomic
def booth_update(*, actor: Actor, booth: Booth, zone: Zone | str | None = "keep", **data: Any) -> Booth:
    require_staff(actor)
    locked = Booth.objects.select_for_update(of=("self",)).select_related("hall", "fair").get(pk=booth.pk)
    if locked.fair.status not in PLAN_EDIT_STATUSES:
        raise Conflict(_("The plan cannot change once the fair is running."))
    values = _booth_values(data, locked.hall, partial=True, current=locked)
    if "code" in values and Booth.objects.filter(fair=locked.fair, code=values["code"]).exclude(pk=locked.pk).exists():
        raise ValidationFailed(fields={"code": [_("Booth %(code)s already exists.") % {"code": values["code"]}]})
    live = BoothAssignment.objects.filter(booth=locked, released_at__isnull=True).exists()
    if live and values.get("blocked"):
        raise Conflict(_("This booth is assigned; release it before blocking it."))
    if live and "price" in values and values["price"] != locked.price:
        raise Conflict(_("This booth is assigned; its price is fixed until it is released."))
    if zone != "keep":
        if zone is not None and zone.fair_id != locked.fair_id:  # type: ignore[union-attr]
            raise NotFound()
        values["zone"] = zone
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save()
    audit_record(actor=actor, action="fairs.booth_updated", target=locked, data={k: str(v) for k, v in values.items()})
    return locked


@transaction.atomic
def booth_delete(*, actor: Actor, booth: Booth) -> None:
    require_staff(actor)
    locked = Booth.objects.select_for_update(of=("self",)).select_related("fair").get(pk=booth.pk)
    if locked.fair.status not in PLAN_EDIT_STATUSES:
        raise Conflict(_("The plan cannot change once the fair is running."))
    if BoothAssignment.objects.filter(booth=locked).exists():
        raise Conflict(_("This booth has been assigned before; block it instead of deleting it."))
    audit_record(actor=actor, action="fairs.booth_deleted", target=locked, data={"code": locked.code})
    locked.delete()


CSV_COLUMNS = ("hall", "zone", "code", "type", "x", "y", "width", "depth", "price", "power", "water", "cold_storage")


@transaction.atomic
def plan_import_csv(*, actor: Actor, fair: Fair, content: bytes | str) -> dict[str, int]:
    """Create or update booths from a CSV (columns: hall, zone, code, type, x, y, width, depth, price, power,
    water, cold_storage[, blocked]). Halls and zones that do not exist yet are created. All or nothing."""
    require_staff(actor)
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("hall", "code", "x", "y") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed(_("The CSV needs the columns %(cols)s.") % {"cols": ", ".join(CSV_COLUMNS)})
    created = updated = 0
    row_errors: dict[str, list[str]] = {}
    for line, row in enumerate(reader, start=2):
        hall_name = _clean_text(row.get("hall"), 80)
        if not hall_name:
            row_errors[f"row {line}"] = [_("The hall is missing.")]
            continue
        hall = Hall.objects.filter(fair=fair, name=hall_name).first()
        if hall is None:
            hall = Hall.objects.create(fair=fair, name=hall_name, position=fair.halls.count())
        zone = None
        zone_name = _clean_text(row.get("zone"), 80)
        if zone_name:
            zone = Zone.objects.filter(fair=fair, name=zone_name).first() or Zone.objects.create(
                fair=fair, hall=hall, name=zone_name
            )
        data = {
            "code": row.get("code"),
            "booth_type": (row.get("type") or BoothType.STANDARD).strip().lower(),
            "x": row.get("x") or "0",
            "y": row.get("y") or "0",
            "width": row.get("width") or "3",
            "depth": row.get("depth") or "3",
            "price": row.get("price") or "0",
        }
        for flag in ("power", "water", "cold_storage", "blocked"):
            if row.get(flag) not in (None, ""):
                data[flag] = row[flag]
        try:
            code = _clean_text(data["code"], 16).upper()
            existing = Booth.objects.filter(fair=fair, code=code).first() if code else None
            if existing is not None:
                booth_update(actor=actor, booth=existing, zone=zone, **data)
                updated += 1
            else:
                booth_create(actor=actor, fair=fair, hall=hall, zone=zone, **data)
                created += 1
        except ValidationFailed as exc:
            row_errors[f"row {line}"] = [f"{k}: {'; '.join(v)}" for k, v in exc.fields.items()] or [exc.message]
        except Conflict as exc:
            row_errors[f"row {line}"] = [exc.message]
    if row_errors:
        transaction.set_rollback(True)
        raise ValidationFailed(_("Nothing was imported; correct these rows and try again."), fields=row_errors)
    audit_record(actor=actor, action="fairs.plan_imported", target=fair, data={"created": created, "updated": updated})
    return {"created": created, "updated": updated}
