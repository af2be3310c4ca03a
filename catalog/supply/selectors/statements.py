"""What each member delivered and is owed in a season: the weight of each intake at its own price, or the
season's price for its category and grade (a blank grade prices the grades without their own)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Sum
from django.utils.translation import gettext as _

from catalog.supply.models import Intake, MemberHousehold, Season
from catalog.supply.permissions import SUPPLY_STATEMENTS, SUPPLY_VIEW, SUPPLY_VIEW_ALL
from catalog.supply.spreadsheets import Sheet
from market.core.errors import NotFound, PermissionDenied
from market.core.text import fold
from market.organisations.permissions import Actor


@dataclass(frozen=True)
class PriceBook:
    """A season's prices per kg by (category id, folded grade); grade "" is the category's default."""

    prices: dict[tuple[int, str], int]

    def price_for(self, intake: Intake) -> int | None:
        if intake.unit_price is not None:
            return intake.unit_price
        graded = self.prices.get((intake.category_id, fold(intake.grade)))
        return graded if graded is not None else self.prices.get((intake.category_id, ""))

    def amount_for(self, intake: Intake) -> int | None:
        """Whole đồng, half up; None when the intake has no price yet."""
        price = self.price_for(intake)
        if price is None:
            return None
        return int((intake.weight_kg * price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def price_book(season: Season) -> PriceBook:
    return PriceBook({(p.category_id, fold(p.grade)): p.price_per_kg for p in season.prices.all()})


def season_owed_at_most(season: Season) -> int:
    """An upper bound of `season_owed` from three aggregates PostgreSQL computes over the season's intakes: every
    kilogram at the dearest price any of them could be owed (its own, or one of the season's), plus half a đồng an
    intake for the rounding of each amount. What every intake write checks first: reading and pricing each intake
    in Python (`season_owed`) is left to a season near the bound."""
    totals = Intake.objects.filter(season=season).aggregate(kg=Sum("weight_kg"), own=Max("unit_price"), n=Count("id"))
    dearest = max(totals["own"] or 0, season.prices.aggregate(price=Max("price_per_kg"))["price"] or 0)
    rounding = Decimal(totals["n"]) / 2
    return int(((totals["kg"] or 0) * dearest + rounding).to_integral_value(rounding=ROUND_CEILING))


def season_owed(season: Season, *, book: PriceBook | None = None) -> int:
    """What the season's statement totals (every household's amount owed), summed as the statement sums it, from
    the intakes as they are now in the database, at the season's prices now or at those of `book`."""
    book = book if book is not None else price_book(season)
    intakes = Intake.objects.filter(season=season).only("category_id", "grade", "unit_price", "weight_kg")
    return sum(book.amount_for(intake) or 0 for intake in intakes.iterator())


@dataclass
class StatementRow:
    household: MemberHousehold
    intake_count: int = 0
    kg: Decimal = Decimal(0)
    amount: int = 0
    unpriced_kg: Decimal = Decimal(0)
    in_lots_kg: Decimal = Decimal(0)


@dataclass
class Statement:
    season: Season
    rows: list[StatementRow]
    intakes: list[Intake] = field(default_factory=list)
    book: PriceBook = field(default_factory=lambda: PriceBook({}))

    @property
    def total_kg(self) -> Decimal:
        return sum((row.kg for row in self.rows), Decimal(0))

    @property
    def total_amount(self) -> int:
        return sum(row.amount for row in self.rows)

    @property
    def unpriced_kg(self) -> Decimal:
        return sum((row.unpriced_kg for row in self.rows), Decimal(0))


def season_statement(*, actor: Actor, season_id: int) -> Statement:
    """Per household of the season's intakes: how many, the kilograms, what is owed and what has no price."""
    if actor.can(SUPPLY_VIEW_ALL):
        season = Season.objects.filter(pk=season_id).first()
    elif actor.can(SUPPLY_STATEMENTS):
        season = Season.objects.filter(pk=season_id, cooperative_id=actor.organisation_id).first()
    elif actor.can(SUPPLY_VIEW):
        raise PermissionDenied()  # a member whose role does not see what members are owed
    else:
        season = None
    if season is None:
        raise NotFound()
    book = price_book(season)
    intakes = list(
        Intake.objects.filter(season=season)
        .select_related("household", "plot", "category", "lot")
        .order_by("household__code", "received_on", "pk")
    )
    rows: dict[int, StatementRow] = {}
    for intake in intakes:
        row = rows.setdefault(intake.household_id, StatementRow(household=intake.household))
        row.intake_count += 1
        row.kg += intake.weight_kg
        amount = book.amount_for(intake)
        if amount is None:
            row.unpriced_kg += intake.weight_kg
        else:
            row.amount += amount
        if intake.lot_id is not None:
            row.in_lots_kg += intake.weight_kg
    return Statement(season=season, rows=list(rows.values()), intakes=intakes, book=book)


def statement_sheets(statement: Statement) -> list[Sheet]:
    """The statement as spreadsheet tables: per household, then every intake (headers in the active language)."""
    summary = Sheet(
        title=_("Members"),
        headers=[
            _("Member code"),
            _("Household head"),
            _("Phone"),
            _("Intakes"),
            _("Kilograms"),
            _("Amount owed (VND)"),
            _("Kilograms without a price"),
        ],
        rows=[
            [r.household.code, r.household.name, r.household.phone, r.intake_count, r.kg, r.amount, r.unpriced_kg]
            for r in statement.rows
        ],
    )
    lines = Sheet(
        title=_("Intakes"),
        headers=[
            _("Received on"),
            _("Member code"),
            _("Household head"),
            _("Plot"),
            _("Grade"),
            _("Kilograms"),
            _("Moisture (%)"),
            _("Impurities (%)"),
            _("Price per kg (VND)"),
            _("Amount (VND)"),
            _("Lot"),
        ],
        rows=[_line(intake, statement.book) for intake in statement.intakes],
    )
    return [summary, lines]


def _line(intake: Intake, book: PriceBook) -> list[object]:
    return [
        intake.received_on.strftime("%d/%m/%Y"),
        intake.household.code,
        intake.household.name,
        intake.plot.code,
        intake.grade,
        intake.weight_kg,
        intake.moisture_percent,
        intake.impurity_percent,
        book.price_for(intake),
        book.amount_for(intake),
        intake.lot.code if intake.lot else "",
    ]


@dataclass(frozen=True)
class DayTotals:
    cooperative_id: int
    intake_count: int
    household_count: int
    kg: Decimal
    unpriced_count: int


def intake_day_totals(*, day: date) -> list[DayTotals]:
    """Per cooperative, the intakes recorded on `day` (in Vietnam's time): the daily summary's figures."""
    intakes = Intake.objects.filter(created_at__date=day).select_related("season").order_by("cooperative_id", "pk")
    books: dict[int, PriceBook] = {}
    by_cooperative: dict[int, list[Intake]] = {}
    for intake in intakes:
        by_cooperative.setdefault(intake.cooperative_id, []).append(intake)
        if intake.season_id not in books:
            books[intake.season_id] = price_book(intake.season)
    return [
        DayTotals(
            cooperative_id=cooperative_id,
            intake_count=len(items),
            household_count=len({i.household_id for i in items}),
            kg=_sum_kg(items),
            unpriced_count=sum(1 for i in items if books[i.season_id].price_for(i) is None),
        )
        for cooperative_id, items in by_cooperative.items()
    ]


def _sum_kg(intakes: Iterable[Intake]) -> Decimal:
    return sum((i.weight_kg for i in intakes), Decimal(0))
