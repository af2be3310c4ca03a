"""The explicit hook through which a higher app tells the supply outlook what is already contracted.

catalog sits below the app that keeps linkage contracts and never imports it. That app registers one
source in its AppConfig.ready():

    from catalog.supply.registry import OutlookKey, register_contracted_volume

    def contracted_kg(*, category_ids, province_codes, months) -> dict[OutlookKey, Decimal]:
        ...  # kilograms committed under live contracts, by (category id, province code, first day of month)

    register_contracted_volume("linkage", contracted_kg)

`contracted_volume_by()` adds what every registered source answers; with none registered, nothing is
contracted. A source answers only for the categories, provinces and months asked (each a collection to
filter by; an empty collection means all).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Protocol


class OutlookKey(NamedTuple):
    category_id: int
    province_code: int
    month: date  # the first day of the month


class ContractedVolumeSource(Protocol):
    def __call__(
        self, *, category_ids: Collection[int], province_codes: Collection[int], months: Collection[date]
    ) -> Mapping[OutlookKey, Decimal]: ...


_SOURCES: dict[str, ContractedVolumeSource] = {}


def register_contracted_volume(name: str, source: ContractedVolumeSource) -> None:
    """Register (or replace, under the same name) a source of contracted kilograms."""
    _SOURCES[name] = source


def unregister_contracted_volume(name: str) -> None:
    _SOURCES.pop(name, None)


def contracted_volume_by(
    *, category_ids: Collection[int] = (), province_codes: Collection[int] = (), months: Collection[date] = ()
) -> dict[OutlookKey, Decimal]:
    """Kilograms already contracted, by (category, province, month), summed over every registered source."""
    total: dict[OutlookKey, Decimal] = {}
    for source in _SOURCES.values():
        answer = source(category_ids=category_ids, province_codes=province_codes, months=months)
        for key, kg in answer.items():
            total[key] = total.get(key, Decimal(0)) + Decimal(kg)
    return total
