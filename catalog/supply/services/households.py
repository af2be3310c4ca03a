"""Writes to the member register: households, their consent to be named, and the spreadsheet import (a dry
run first, then every row or none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.supply import spreadsheets
from catalog.supply.models import HouseholdImport, HouseholdImportStatus, MemberHousehold, MemberKind, Plot
from catalog.supply.permissions import SUPPLY_MANAGE
from catalog.supply.policy import HOUSEHOLD_POLICY, HouseholdAction
from catalog.supply.services.common import acting_cooperative, addressable, save_unique
from market.core.errors import Conflict, ValidationFailed
from market.core.parsing import format_decimal
from market.core.services import audit_record
from market.organisations import validators
from market.organisations.models import Organisation
from market.organisations.permissions import Actor

CODE_TAKEN = "supply_household_code_unique"


@dataclass(frozen=True)
class HouseholdValues:
    """A household's record as typed values (from a form, JSON or a spreadsheet row)."""

    code: str
    name: str
    kind: MemberKind
    province_code: int
    commune_code: int
    phone: str = ""
    address_line: str = ""
    joined_on: date | None = None
    name_public: bool = False
    name_consent_on: date | None = None


def _phone_checked(text: str) -> tuple[str, list[str]]:
    """(E.164 phone or "", its problems)."""
    if not text:
        return "", []
    try:
        return validators.normalise_phone(text), []
    except ValidationError as error:
        return "", error.messages


def _checked(values: HouseholdValues) -> tuple[str, dict[str, list[str]]]:
    """The stored phone (E.164) and every field error of `values`."""
    errors: dict[str, list[str]] = {}
    phone, problems = _phone_checked(values.phone)
    if problems:
        errors["phone"] = problems
    try:
        validators.validate_province_code(values.province_code)
    except ValidationError as error:
        errors["province_code"] = error.messages
    else:
        try:
            validators.validate_commune(values.province_code, values.commune_code)
        except ValidationError as error:
            errors["commune_code"] = error.messages
    today = timezone.localdate()
    if values.joined_on and values.joined_on > today:
        errors["joined_on"] = [_("This day has not come yet.")]
    if values.name_consent_on and values.name_consent_on > today:
        errors["name_consent_on"] = [_("This day has not come yet.")]
    return phone, errors


def _apply(household: MemberHousehold, values: HouseholdValues, phone: str) -> bool:
    """Copy `values` onto the household; True when the consent answer changed (it is then dated)."""
    household.code = values.code.upper()
    household.name = values.name
    household.kind = values.kind
    household.phone = phone
    household.province_code = values.province_code
    household.commune_code = values.commune_code
    household.address_line = values.address_line
    household.joined_on = values.joined_on
    return _consent(household, values.name_public, values.name_consent_on)


def _consent(household: MemberHousehold, name_public: bool, on: date | None) -> bool:
    changed = household.name_public != name_public
    if changed or on is not None:
        household.name_consent_on = on or timezone.localdate()
    household.name_public = name_public
    return changed


def _code_taken(cooperative_id: int, code: str, exclude: int | None) -> bool:
    same = MemberHousehold.objects.filter(cooperative_id=cooperative_id, code=code.upper())
    return (same.exclude(pk=exclude) if exclude is not None else same).exists()


def _save(household: MemberHousehold) -> None:
    save_unique(
        household,
        constraint=CODE_TAKEN,
        field="code",
        message=_("Your cooperative already has a household with this member code."),
    )


@transaction.atomic
def household_create(*, actor: Actor, **fields: Any) -> MemberHousehold:
    """A member household of the actor's cooperative (fields: those of `HouseholdValues`)."""
    actor.require(SUPPLY_MANAGE)
    cooperative = acting_cooperative(actor)
    values = HouseholdValues(**fields)
    phone, errors = _checked(values)
    if _code_taken(cooperative.pk, values.code, None):
        errors["code"] = [_("Your cooperative already has a household with this member code.")]
    if errors:
        raise ValidationFailed(fields=errors)
    household = MemberHousehold(cooperative=cooperative)
    _apply(household, values, phone)
    _save(household)
    audit_record(
        actor=actor,
        action="supply.household_created",
        target=household,
        data={"code": household.code, "name_public": household.name_public},
    )
    return household


def _household_for_update(actor: Actor, household_id: int) -> MemberHousehold:
    household = MemberHousehold.objects.select_for_update().filter(pk=household_id).first()
    return addressable(actor, household, lambda h: h.cooperative_id)


@transaction.atomic
def household_update(*, actor: Actor, household_id: int, **fields: Any) -> MemberHousehold:
    household = _household_for_update(actor, household_id)
    HOUSEHOLD_POLICY.authorize(actor=actor, obj=household, action=HouseholdAction.EDIT)
    values = HouseholdValues(**fields)
    phone, errors = _checked(values)
    if _code_taken(household.cooperative_id, values.code, household.pk):
        errors["code"] = [_("Your cooperative already has a household with this member code.")]
    if errors:
        raise ValidationFailed(fields=errors)
    consent_changed = _apply(household, values, phone)
    _save(household)
    audit_record(
        actor=actor,
        action="supply.household_updated",
        target=household,
        data={"code": household.code, "consent_changed": consent_changed, "name_public": household.name_public},
    )
    return household


@transaction.atomic
def household_consent_set(
    *, actor: Actor, household_id: int, name_public: bool, name_consent_on: date | None = None
) -> MemberHousehold:
    """Record the household's answer (given or withdrawn) and its day; the audit log keeps each answer."""
    household = _household_for_update(actor, household_id)
    HOUSEHOLD_POLICY.authorize(actor=actor, obj=household, action=HouseholdAction.RECORD_CONSENT)
    if name_consent_on and name_consent_on > timezone.localdate():
        raise ValidationFailed(fields={"name_consent_on": [_("This day has not come yet.")]})
    household.name_public = name_public
    household.name_consent_on = name_consent_on or timezone.localdate()
    household.save(update_fields=["name_public", "name_consent_on", "updated_at"])
    audit_record(
        actor=actor,
        action="supply.household_consent",
        target=household,
        data={"name_public": name_public, "on": household.name_consent_on.isoformat()},
    )
    return household


# --- import --------------------------------------------------------------------------------------
@dataclass
class RowResult:
    row: int
    code: str
    name: str
    action: str  # "create" | "update"
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "code": self.code, "name": self.name, "action": self.action, "errors": self.errors}


@dataclass
class _Register:
    """The cooperative's households and plots, read once for a whole file."""

    cooperative: Organisation
    households: dict[str, MemberHousehold]
    plots: dict[str, Plot]

    @classmethod
    def of(cls, cooperative: Organisation) -> _Register:
        households = {h.code: h for h in MemberHousehold.objects.filter(cooperative=cooperative)}
        plots = {p.code: p for p in Plot.objects.filter(area__cooperative=cooperative)}
        return cls(cooperative, households, plots)


LABELS = dict(spreadsheets.HOUSEHOLD_COLUMNS)


def _row_values(row: dict[str, str], register: _Register) -> tuple[HouseholdValues | None, list[str], list[str]]:
    """(values, plot codes, problems) of one row; values is None when a cell cannot be read."""
    problems: list[str] = []

    def cell(name: str, read: Any, *args: Any) -> Any:
        try:
            return read(row.get(name, ""), *args)
        except spreadsheets.CellError as error:
            problems.append(f"{name}: {error}")
            return None

    code = (row.get("code") or "").strip().upper()
    name = (row.get("name") or "").strip()
    if not code:
        problems.append(_("code: give each row a member code; it is how later imports find the household."))
    if not name:
        problems.append(_("name: write the name of the household head."))
    for column, limit in (("code", 20), ("name", 120), ("address_line", 200), ("phone", 20)):
        if len(row.get(column) or "") > limit:
            problems.append(_("%(column)s: at most %(n)s characters.") % {"column": column, "n": format_decimal(limit)})
    kind = cell("kind", spreadsheets.member_kind)
    province = cell("province", spreadsheets.province_code, register.cooperative.province_code)
    commune = cell("commune", spreadsheets.commune_code, province) if province is not None else None
    joined = cell("joined_on", spreadsheets.optional_date)
    public = cell("name_public", spreadsheets.yes_no)
    consent_on = cell("name_consent_on", spreadsheets.optional_date)
    codes = spreadsheets.plot_codes(row.get("plots", ""))
    unknown = [c for c in codes if c not in register.plots]
    if unknown:
        problems.append(_("plots: your cooperative has no plot %(codes)s.") % {"codes": ", ".join(unknown)})
    _phone, phone_problems = _phone_checked(row.get("phone", ""))
    problems += [f"phone: {message}" for message in phone_problems]
    if problems or kind is None or province is None or commune is None or public is None:
        return None, codes, problems
    values = HouseholdValues(
        code=code,
        name=name,
        kind=kind,
        province_code=province,
        commune_code=commune,
        phone=row.get("phone", ""),
        address_line=row.get("address_line", ""),
        joined_on=joined,
        name_public=public,
        name_consent_on=consent_on,
    )
    _phone, errors = _checked(values)
    problems += [f"{key}: {message}" for key, messages in errors.items() for message in messages]
    return (None if problems else values), codes, problems


def check_household_rows(*, cooperative: Organisation, rows: list[dict[str, str]]) -> list[RowResult]:
    register = _Register.of(cooperative)
    results: list[RowResult] = []
    seen: dict[str, int] = {}
    plot_rows: dict[str, int] = {}
    for row in rows:
        number = int(row["_row"])
        code = (row.get("code") or "").strip().upper()
        result = RowResult(number, code, row.get("name", ""), "update" if code in register.households else "create")
        _values, codes, problems = _row_values(row, register)
        result.errors += problems
        if code and code in seen:
            result.errors.append(
                _("The member code %(code)s is also on row %(row)s; each household once per file.")
                % {"code": code, "row": seen[code]}
            )
        seen.setdefault(code, number)
        for plot in codes:
            if plot in plot_rows and plot_rows[plot] != number:
                result.errors.append(
                    _("Plot %(plot)s is also given to row %(row)s; a plot is farmed by one household.")
                    % {"plot": plot, "row": plot_rows[plot]}
                )
            plot_rows.setdefault(plot, number)
        results.append(result)
    return results


@transaction.atomic
def household_import_preview(
    *, actor: Actor, upload: IO[bytes], file_name: str
) -> tuple[HouseholdImport, list[RowResult]]:
    """Read and check the file (the dry run): lists each row's errors and changes no household."""
    actor.require(SUPPLY_MANAGE)
    cooperative = acting_cooperative(actor)
    rows = spreadsheets.read_household_rows(upload, file_name)
    results = check_household_rows(cooperative=cooperative, rows=rows)
    batch = HouseholdImport.objects.create(
        cooperative=cooperative,
        created_by=actor.user if actor.is_authenticated else None,
        file_name=file_name[:255],
        rows=rows,
        row_count=len(rows),
        error_count=sum(1 for r in results if r.errors),
    )
    audit_record(
        actor=actor,
        action="supply.households_checked",
        target=batch,
        data={"rows": len(rows), "errors": batch.error_count},
    )
    return batch, results


def household_import_apply(*, actor: Actor, import_id: int) -> HouseholdImport:
    """Apply every row or none: the rows are checked again against the register as it is now."""
    actor.require(SUPPLY_MANAGE)
    with transaction.atomic():
        batch = HouseholdImport.objects.select_for_update().filter(pk=import_id).first()
        batch = addressable(actor, batch, lambda b: b.cooperative_id)
        if batch.status != HouseholdImportStatus.PREVIEWED:
            raise Conflict(_("This file was already applied."))
        cooperative = acting_cooperative(actor)
        results = check_household_rows(cooperative=cooperative, rows=batch.rows)
        bad = [r for r in results if r.errors]
        if bad:
            raise ValidationFailed(
                _("%(n)s rows have errors; nothing was imported. Fix them and upload the file again.")
                % {"n": format_decimal(len(bad))},
                fields={f"row {r.row}": r.errors for r in bad},
            )
        register = _Register.of(cooperative)
        created = updated = 0
        for row in batch.rows:
            values, codes, _problems = _row_values(row, register)
            assert values is not None  # checked above, in this transaction
            existing = register.households.get(values.code)
            fields = {name: getattr(values, name) for name in HouseholdValues.__dataclass_fields__}
            if existing is None:
                household = household_create(actor=actor, **fields)
                created += 1
            else:
                household = household_update(actor=actor, household_id=existing.pk, **fields)
                updated += 1
            if codes:
                Plot.objects.filter(area__cooperative=cooperative, code__in=codes).update(household=household)
        batch.status = HouseholdImportStatus.APPLIED
        batch.applied_at = timezone.now()
        batch.created_count, batch.updated_count = created, updated
        batch.save(update_fields=["status", "applied_at", "created_count", "updated_count", "updated_at"])
        audit_record(
            actor=actor,
            action="supply.households_imported",
            target=batch,
            data={"created": created, "updated": updated},
        )
    return batch
