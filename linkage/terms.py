"""A version's terms as typed values: what the drafting services take, what an amendment starts from, and
what the parties' signatures cover (the digest)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from linkage.grading import Band
from linkage.models import ContractVersion


@dataclass(frozen=True, slots=True)
class ScheduledDelivery:
    due_on: date
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Clause:
    code: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Terms:
    product_id: int
    grade_spec: str
    committed_quantity: Decimal
    tolerance_percent: Decimal
    delivery_place: str
    delivery_province_code: int
    price_rule: str
    base_price: int | None
    premium: int
    reference_series_id: int | None
    payment_days: int
    deposit: int
    advance_limit: int
    starts_on: date
    ends_on: date
    area_ids: tuple[int, ...] = ()
    grading: tuple[Band, ...] = ()
    schedule: tuple[ScheduledDelivery, ...] = ()
    clauses: tuple[Clause, ...] = ()
    change_note: str = ""

    def digest(self) -> str:
        """What a signature covers: every term, canonically written (the change note is not a term)."""
        data = asdict(self)
        data.pop("change_note")
        data["area_ids"] = sorted(data["area_ids"])
        text = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def terms_of(version: ContractVersion) -> Terms:
    return Terms(
        product_id=version.product_id,
        grade_spec=version.grade_spec,
        committed_quantity=version.committed_quantity,
        tolerance_percent=version.tolerance_percent,
        delivery_place=version.delivery_place,
        delivery_province_code=version.delivery_province_code,
        price_rule=version.price_rule,
        base_price=version.base_price,
        premium=version.premium,
        reference_series_id=version.reference_series_id,
        payment_days=version.payment_days,
        deposit=version.deposit,
        advance_limit=version.advance_limit,
        starts_on=version.starts_on,
        ends_on=version.ends_on,
        area_ids=tuple(sorted(area.pk for area in version.areas.all())),
        grading=bands_of(version),
        schedule=tuple(ScheduledDelivery(line.due_on, line.quantity) for line in version.schedule.all()),
        clauses=tuple(Clause(c.code, c.title, c.body) for c in version.clauses.all()),
        change_note=version.change_note,
    )


def bands_of(version: ContractVersion) -> tuple[Band, ...]:
    return tuple(
        Band(measure=r.measure, threshold=r.threshold, limit=r.limit, effect=r.effect, rate=r.rate)
        for r in version.grading_rules.all()
    )
