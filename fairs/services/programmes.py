"""Subsidy programmes, set up by alliance staff: the budget a funder puts up, its share per booth type, the
yearly cap per cooperative and who is eligible. What has been committed (`spent`) only moves in fees.py;
here a budget may grow or shrink, never below what is already committed."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from fairs.inputs import ProgrammeSpec
from fairs.models import BoothType, SubsidyProgramme
from fairs.services.common import require_staff
from market.core.errors import NotFound, ValidationFailed
from market.core.once import Once, once
from market.core.parsing import format_money
from market.core.services import audit_record
from market.organisations.models import SELLER_KINDS
from market.organisations.permissions import Actor


def programme_save(
    *, actor: Actor, spec: ProgrammeSpec, programme_id: int | None = None, once_key: str = ""
) -> Once[SubsidyProgramme]:
    """Create a programme, or change one (locked, so a booth assigned meanwhile is counted). The same form
    sent again (`once_key`) answers with what the first made: a budget is never created twice."""
    require_staff(actor)
    return once(
        action="fairs.programme_saved",
        key=once_key,
        actor=actor,
        model=SubsidyProgramme,
        make=lambda: _programme_write(spec=spec, programme_id=programme_id, actor=actor),
    )


@transaction.atomic
def _programme_write(*, actor: Actor, spec: ProgrammeSpec, programme_id: int | None) -> SubsidyProgramme:
    programme = SubsidyProgramme()
    if programme_id is not None:
        found = SubsidyProgramme.objects.select_for_update().filter(pk=programme_id).first()
        if found is None:
            raise NotFound()
        programme = found
    errors: dict[str, list[str]] = {}
    if len(spec.name) < 3:
        errors["name"] = [_("Give the programme a name, e.g. “Hỗ trợ xúc tiến thương mại 2027”.")]
    if spec.budget < programme.spent:
        errors["budget"] = [
            _("%(spent)s are already committed to booths; the budget cannot be smaller.")
            % {"spent": format_money(programme.spent)}
        ]
    if any(kind not in SELLER_KINDS for kind in spec.eligible_kinds):
        errors["eligible_kinds"] = [_("Choose cooperatives, cooperative groups or unions.")]
    if errors:
        raise ValidationFailed(fields=errors)
    programme.name = spec.name
    programme.funder = spec.funder
    programme.year = spec.year
    programme.budget = spec.budget
    programme.yearly_cap = spec.yearly_cap
    for booth_type in BoothType:
        setattr(programme, f"rate_{booth_type.value}", spec.rate(booth_type))
    programme.eligible_kinds = [str(kind) for kind in spec.eligible_kinds]
    programme.eligible_provinces = list(spec.eligible_provinces)
    programme.requires_verified = spec.requires_verified
    programme.first_time_priority = spec.first_time_priority
    programme.save()
    audit_record(
        actor=actor,
        action="fairs.programme_saved",
        target=programme,
        data={"budget": spec.budget, "yearly_cap": spec.yearly_cap, "created": programme_id is None},
    )
    return programme
