"""Price tiers and order quantities: the rules every caller (pages, API, import, orders) shares.

A product's tiers are (from quantity -> unit price) rows. Exactly one tier starts at or below the minimum
order quantity (MOQ), so every quantity from the MOQ up has exactly one price: that of the last tier
starting at or below it. A larger quantity never costs more per unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import pairwise

from django.utils.translation import gettext as _

from market.core.errors import ValidationFailed
from market.core.money import Money
from market.core.parsing import format_decimal
from market.core.quantity import MAX_QUANTITY, QUANTITY_DECIMAL_PLACES, UNIT_SYMBOLS, WHOLE_UNITS

MAX_TIERS = 10
MAX_UNIT_PRICE = 10_000_000_000  # ten billion đồng per unit is a typo, not a price


@dataclass(frozen=True)
class TierSpec:
    min_quantity: Decimal
    unit_price: int


def fmt_quantity(value: Decimal, unit: str = "") -> str:
    """A quantity in a message as the reader writes numbers ('1.200,5 kg' in Vietnamese): typed back as it is, it
    reads as itself."""
    return f"{format_decimal(value)} {UNIT_SYMBOLS.get(unit, unit)}".strip()


def as_quantity(value: object) -> Decimal | None:
    """A positive-or-zero decimal with at most 3 decimals, or None when it is not one."""
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Decimal(str(value).strip().replace(" ", ""))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        return None
    if number != number.quantize(Decimal(1).scaleb(-QUANTITY_DECIMAL_PLACES)):
        return None
    return number


def product_quantity_errors(*, unit: str, moq: Decimal, order_multiple: Decimal) -> dict[str, list[str]]:
    """Check a product's MOQ and order multiple together."""
    errors: dict[str, list[str]] = {}
    if moq <= 0:
        errors["moq"] = [_("The minimum order must be more than zero.")]
    if order_multiple <= 0:
        errors["order_multiple"] = [_("The order multiple must be more than zero.")]
    if errors:
        return errors
    if unit in WHOLE_UNITS:
        if moq != moq.to_integral_value():
            errors["moq"] = [_("This unit is counted in whole pieces: use a whole number.")]
        if order_multiple != order_multiple.to_integral_value():
            errors["order_multiple"] = [_("This unit is counted in whole pieces: use a whole number.")]
    if not errors and moq % order_multiple != 0:
        errors["moq"] = [
            _("The minimum order must be a multiple of the order multiple (%(multiple)s).")
            % {"multiple": fmt_quantity(order_multiple, unit)}
        ]
    return errors


def validate_tiers(
    tiers: Sequence[TierSpec], *, moq: Decimal, order_multiple: Decimal, unit: str, field: str = "price_tiers"
) -> list[TierSpec]:
    """The tiers sorted by quantity, or ValidationFailed listing every problem under `field`."""
    problems: list[str] = []
    if not tiers:
        raise ValidationFailed(fields={field: [_("Give at least one price: from the minimum order, per unit.")]})
    if len(tiers) > MAX_TIERS:
        raise ValidationFailed(fields={field: [_("At most %(n)s price tiers.") % {"n": format_decimal(MAX_TIERS)}]})
    for tier in tiers:
        if tier.min_quantity <= 0:
            problems.append(_("A tier must start above zero."))
        if not isinstance(tier.unit_price, int) or tier.unit_price <= 0:
            problems.append(_("A unit price must be a whole number of đồng above zero."))
        elif tier.unit_price > MAX_UNIT_PRICE:
            problems.append(_("A unit price of more than ten billion đồng is surely a typo."))
    if problems:
        raise ValidationFailed(fields={field: sorted(set(problems), key=problems.index)})
    ordered = sorted(tiers, key=lambda t: t.min_quantity)
    for previous, current in pairwise(ordered):
        if previous.min_quantity == current.min_quantity:
            problems.append(
                _("Two tiers start at %(q)s: tiers must not overlap.") % {"q": fmt_quantity(current.min_quantity, unit)}
            )
        elif current.unit_price > previous.unit_price:
            problems.append(
                _("From %(q)s the unit price goes up; a larger quantity must not cost more per unit.")
                % {"q": fmt_quantity(current.min_quantity, unit)}
            )
    covering = [tier for tier in ordered if tier.min_quantity <= moq]
    if not covering:
        problems.append(
            _(
                "The first tier starts at %(first)s, above the minimum order of %(moq)s: quantities in between "
                "would have no price. Start the first tier at %(moq)s."
            )
            % {"first": fmt_quantity(ordered[0].min_quantity, unit), "moq": fmt_quantity(moq, unit)}
        )
    elif len(covering) > 1:
        problems.append(
            _("Only one tier may start at or below the minimum order of %(moq)s; the others would never apply.")
            % {"moq": fmt_quantity(moq, unit)}
        )
    for tier in ordered:
        if tier.min_quantity > moq and tier.min_quantity % order_multiple != 0:
            problems.append(
                _("The tier from %(q)s does not start at a quantity buyers can order (a multiple of %(m)s).")
                % {"q": fmt_quantity(tier.min_quantity, unit), "m": fmt_quantity(order_multiple, unit)}
            )
    if problems:
        raise ValidationFailed(fields={field: problems})
    return ordered


def tier_for(tiers: Sequence[TierSpec], quantity: Decimal) -> TierSpec | None:
    """The tier whose range holds `quantity` (tiers sorted by quantity); None below the first tier."""
    found = None
    for tier in tiers:
        if tier.min_quantity <= quantity:
            found = tier
        else:
            break
    return found


def quantity_errors(*, quantity: Decimal, moq: Decimal, order_multiple: Decimal, unit: str) -> list[str]:
    """Why a buyer cannot order `quantity` (empty when they can)."""
    if quantity <= 0:
        return [_("Enter a quantity above zero.")]
    if quantity < moq:
        return [_("The minimum order is %(moq)s.") % {"moq": fmt_quantity(moq, unit)}]
    if quantity % order_multiple != 0:
        lower = quantity - quantity % order_multiple
        upper = lower + order_multiple
        suggestions = [fmt_quantity(q, unit) for q in (lower, upper) if moq <= q <= MAX_QUANTITY]
        return [
            _("Order in multiples of %(m)s, e.g. %(suggestions)s.")
            % {"m": fmt_quantity(order_multiple, unit), "suggestions": _(" or ").join(suggestions)}
        ]
    return []


@dataclass(frozen=True)
class PriceQuote:
    """What `quantity` of a product costs: the unit price of its tier and the line total (whole đồng)."""

    quantity: Decimal
    unit: str
    unit_price: Money
    tier_min_quantity: Decimal
    tier_id: int | None
    total: Money
