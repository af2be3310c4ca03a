"""A call-off's unit price by its version's rule, on its delivery date.

- fixed: the fixed price;
- market: the reference price in force on the date, plus the premium (which may be negative);
- higher of: the floor, or the reference price plus the premium when that is higher.

The reference price in force on a date is the latest its series published on or before that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from linkage.models import ContractVersion, PriceRule, ReferencePrice
from market.core.errors import Conflict
from market.core.parsing import format_date


@dataclass(frozen=True, slots=True)
class Price:
    unit_price: int
    rule: str
    base_price: int | None
    premium: int
    reference_price: int | None
    reference_on: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "base_price": self.base_price,
            "premium": self.premium,
            "reference_price": self.reference_price,
            "reference_on": self.reference_on.isoformat() if self.reference_on else None,
        }


def rule_price(*, rule: str, base_price: int | None, premium: int, reference: int | None) -> int:
    """The unit price a rule gives (pure). `reference` is required by the market-linked rules."""
    if rule == PriceRule.FIXED:
        assert base_price is not None
        return base_price
    assert reference is not None
    market = reference + premium
    if rule == PriceRule.MARKET:
        return market
    assert base_price is not None
    return max(base_price, market)


def reference_in_force(*, series_id: int, on: date) -> ReferencePrice | None:
    return ReferencePrice.objects.filter(series_id=series_id, effective_on__lte=on).order_by("-effective_on").first()


def version_price(*, version: ContractVersion, on: date) -> Price:
    """The unit price of a delivery on `on` under `version`; Conflict when a market-linked rule has no
    reference price in force that day."""
    reference: ReferencePrice | None = None
    if version.price_rule != PriceRule.FIXED:
        assert version.reference_series_id is not None
        reference = reference_in_force(series_id=version.reference_series_id, on=on)
        if reference is None:
            raise Conflict(
                _("No reference price is published for %(day)s yet: the price of this call-off cannot be set.")
                % {"day": format_date(on)},
                code="no_reference_price",
            )
    price = rule_price(
        rule=version.price_rule,
        base_price=version.base_price,
        premium=version.premium,
        reference=reference.price if reference else None,
    )
    if price <= 0:
        raise Conflict(_("The price rule gives no positive price on this date."), code="no_price")
    return Price(
        unit_price=price,
        rule=version.price_rule,
        base_price=version.base_price,
        premium=version.premium,
        reference_price=reference.price if reference else None,
        reference_on=reference.effective_on if reference else None,
    )
