"""Column conventions shared by every app, so that money and quantities are stored one way."""

from typing import Any

from django.db import models

from market.core.quantity import QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS


def vnd_field(verbose_name: Any = None, **kwargs: Any) -> models.BigIntegerField:
    """Whole đồng (VND has no minor unit). 64-bit: order totals reach billions of đồng."""
    return models.BigIntegerField(verbose_name, **kwargs)


def quantity_field(verbose_name: Any = None, **kwargs: Any) -> models.DecimalField:
    """A quantity in its sales unit, with three decimals (9.860 tấn, 12.5 kg)."""
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)
