"""Vietnam's administrative units since 1 July 2025: 34 provinces -> 3,321 communes, no district level.

The data come from the vietnam-provinces package (GPL-3.0-or-later); we store the numeric codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_provinces import Province, ProvinceCode, Ward, WardCode

from market.core.text import fold


@dataclass(frozen=True, slots=True)
class Unit:
    code: int
    name: str
    kind: str  # "tỉnh", "thành phố", "xã", "phường", "đặc khu"


@cache
def provinces() -> tuple[Unit, ...]:
    units = [Unit(int(p.code), p.name, p.division_type.value) for p in Province.iter_all()]
    return tuple(sorted(units, key=lambda u: fold(u.name)))


@cache
def _province_index() -> dict[int, Unit]:
    return {unit.code: unit for unit in provinces()}


@cache
def communes(province_code: int) -> tuple[Unit, ...]:
    try:
        code = ProvinceCode(province_code)
    except ValueError:
        return ()
    units = [Unit(int(w.code), w.name, w.division_type.value) for w in Ward.iter_by_province(code)]
    return tuple(sorted(units, key=lambda u: fold(u.name)))


def province(code: int | None) -> Unit | None:
    return _province_index().get(code) if code is not None else None


def commune(code: int | None) -> Unit | None:
    if code is None:
        return None
    try:
        ward = Ward.from_code(WardCode(code))
    except ValueError:
        return None
    return Unit(int(ward.code), ward.name, ward.division_type.value)


def commune_province_code(code: int) -> int | None:
    try:
        return int(Ward.from_code(WardCode(code)).province_code)
    except ValueError:
        return None


def province_choices() -> list[tuple[int, str]]:
    return [(unit.code, unit.name) for unit in provinces()]


def commune_choices(province_code: int | None) -> list[tuple[int, str]]:
    return [(unit.code, unit.name) for unit in communes(province_code)] if province_code else []
