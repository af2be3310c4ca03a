"""Subsidy programmes, set up by alliance staff: the budget a funder puts up, its share per booth type, the
yearly cap per cooperative and who is eligible. What has been committed (`spent`) only moves in fees.py;
here a budget may grow or shrink, never below what is already committed."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fairs.models import BoothType, SubsidyProgramme
from fairs.services.common import require_staff
from market.core.errors import ValidationFailed
from market.core.money import parse_vnd
from market.core.services import audit_record
from market.core.text import nfc
from market.organisations import geo
from market.organisations.models import SELLER_KINDS
from market.organisations.permissions import Actor

MAX_VND = 10**13  # ten thousand billion đồng: beyond any provincial budget


def _whole_dong(raw: Any, field: str, errors: dict[str, list[str]]) -> int:
    text = str(raw if raw is not None else "").strip()
    try:
        amount = parse_vnd(text) if text else -1
    except ValueError:
        amount = -1
    if not 0 <= amount <= MAX_VND:
        errors[field] = [_("Enter whole đồng, e.g. 500000000.")]
        return 0
    return amount


def _rate(raw: Any, field: str, errors: dict[str, list[str]]) -> Decimal:
    try:
        rate = Decimal(str(raw if raw not in (None, "") else "0").replace(",", "."))
    except InvalidOperation:
        rate = Decimal(-1)
    if not Decimal(0) <= rate <= Decimal(100) or rate.as_tuple().exponent < -2:
        errors[field] = [_("Enter a share between 0 and 100 per cent, e.g. 70.")]
        return Decimal(0)
    return rate


@transaction.atomic
def programme_save(*, actor: Actor, data: Mapping[str, Any], programme_id: int | None = None) -> SubsidyProgramme:
    """Create a programme, or change one (locked, so a booth assigned meanwhile is counted)."""
    require_staff(actor)
    programme = (
        SubsidyProgramme.objects.select_for_update().get(pk=programme_id) if programme_id else SubsidyProgramme()
    )
    errors: dict[str, list[str]] = {}
    name = nfc(str(data.get("name") or "")).strip()
    if len(name) < 3:
        errors["name"] = [_("Give the programme a name, e.g. “Hỗ trợ xúc tiến thương mại 2027”.")]
    year = str(data.get("year") or "")
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        errors["year"] = [_("Enter the year the budget belongs to, e.g. 2027.")]
    budget = _whole_dong(data.get("budget"), "budget", errors)
    if "budget" not in errors and budget < programme.spent:
        errors["budget"] = [
            _("%(spent)s đồng are already committed to booths; the budget cannot be smaller.")
            % {"spent": f"{programme.spent:,}".replace(",", ".")}
        ]
    cap = _whole_dong(data.get("yearly_cap"), "yearly_cap", errors)
    rates = {f"rate_{kind}": _rate(data.get(f"rate_{kind}"), f"rate_{kind}", errors) for kind in BoothType.values}
    kinds = [str(kind) for kind in data.get("eligible_kinds") or []]
    if any(kind not in SELLER_KINDS for kind in kinds):
        errors["eligible_kinds"] = [_("Choose cooperatives, cooperative groups or unions.")]
    provinces = [str(code) for code in data.get("eligible_provinces") or []]
    if any(not code.isdigit() or geo.province(int(code)) is None for code in provinces):
        errors["eligible_provinces"] = [_("Choose provinces from the list (34 provinces since July 2025).")]
    if errors:
        raise ValidationFailed(fields=errors)
    programme.name = name[:200]
    programme.funder = nfc(str(data.get("funder") or "")).strip()[:200]
    programme.year = int(year)
    programme.budget = budget
    programme.yearly_cap = cap
    for field, rate in rates.items():
        setattr(programme, field, rate)
    programme.eligible_kinds = kinds
    programme.eligible_provinces = sorted({int(code) for code in provinces})
    programme.requires_verified = bool(data.get("requires_verified"))
    programme.first_time_priority = bool(data.get("first_time_priority"))
    programme.save()
    audit_record(
        actor=actor,
        action="fairs.programme_saved",
        target=programme,
        data={"budget": budget, "yearly_cap": cap, "created": programme_id is None},
    )
    return programme
