"""What a subsidy programme would give: who is eligible and the programme's share of a booth price. Pure
reads, shared by the fee service (which commits the subsidy) and the pages (which show it before applying)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.utils.translation import gettext as _

from fairs.models import SubsidyProgramme
from market.organisations.models import Organisation


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str = ""


def subsidy_eligibility(*, programme: SubsidyProgramme, cooperative: Organisation) -> Eligibility:
    if programme.eligible_kinds and cooperative.kind not in programme.eligible_kinds:
        return Eligibility(False, _("This programme does not fund this kind of organisation."))
    if programme.eligible_provinces and cooperative.province_code not in programme.eligible_provinces:
        return Eligibility(False, _("This programme funds cooperatives of other provinces."))
    if programme.requires_verified and not cooperative.is_verified:
        return Eligibility(False, _("Only cooperatives verified by the alliance receive this subsidy."))
    return Eligibility(True)


def subsidy_share(*, programme: SubsidyProgramme, booth_type: str, price: int) -> int:
    """The programme's share of a booth price, rounded down to the đồng (the funder never pays a fraction)."""
    rate = programme.rate_for(booth_type)
    if rate <= 0 or price <= 0:
        return 0
    share = (Decimal(price) * rate / Decimal(100)).to_integral_value(rounding=ROUND_FLOOR)
    return min(int(share), price)
