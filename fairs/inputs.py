"""One input schema per fairs command (docs/edge.md): the API reads them on JSON, the pages on form posts
(`frontend.schema_forms.SchemaForm`), so each limit and message exists once. The typed values they give
are what the services take: ids, enums, Decimals, whole đồng, dates, and the small frozen dataclasses below.

Query parameters of the lists (applications, booths, meetings, exhibitors) have their filter schema here too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise
from rest_framework import serializers

from fairs.lifecycle import FairTransition
from fairs.models import (
    ApplicationStatus,
    Booth,
    BoothType,
    MeetingStatus,
    OutcomeKind,
    PlanStatus,
)
from market.core import inputs
from market.core.csv_input import csv_rows, decode_csv, sniff_delimiter
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, read_input
from market.core.parsing import format_decimal
from market.core.quantity import Unit
from market.organisations import geo
from market.organisations.models import SELLER_KINDS, OrganisationKind

MAX_PREFERENCES = 3
MAX_BOOTH_PRICE = 10_000_000_000  # ten billion đồng: no booth costs that much
MAX_METRES = Decimal("9999.99")


class IdListInput(serializers.ListField):
    """Ids chosen from a list (checkboxes, a multiple select, ranked selects). Blank choices of a form
    ("—") are skipped; the same id twice is an error, never silently merged."""

    default_error_messages = {
        "not_a_list": gettext_lazy("Choose items from the list."),
        "max_length": gettext_lazy("Choose at most {max_length}."),
        "duplicate": gettext_lazy("The same item is chosen twice."),
    }

    def __init__(self, *, duplicate_message: StrOrPromise | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("child", inputs.IdInput())
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)
        if duplicate_message:
            self.error_messages["duplicate"] = duplicate_message

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list | tuple):
            data = [item for item in data if not (isinstance(item, str) and not item.strip())]
        ids = super().to_internal_value(data)
        if len(set(ids)) != len(ids):
            self.fail("duplicate")
        return ids


class FlagInput(serializers.BooleanField):
    """A yes/no column of a spreadsheet: 1, x, yes, có … (and the usual JSON booleans)."""

    TRUE_VALUES = {*serializers.BooleanField.TRUE_VALUES, "x", "X", "có", "Có", "CÓ", "co", "Co"}
    FALSE_VALUES = {*serializers.BooleanField.FALSE_VALUES, "", "không", "Không", "khong"}
    default_error_messages = {"invalid": gettext_lazy("Write yes or no (1 or 0).")}


class BadgeCodeInput(serializers.CharField):
    """What a scanner reads or staff type: "ML-7K3P9QXZ", "7k3p 9qxz" -> "7K3P9QXZ"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=40, **kwargs)
        self.error_messages["blank"] = gettext_lazy("Type or scan the code printed under the QR.")
        self.error_messages["max_length"] = gettext_lazy("A badge code is eight letters and digits.")

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        code = "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
        if code.startswith("ML") and len(code) > 8:
            code = code[2:]
        if not code:
            self.fail("blank")
        return code


# --- fairs ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FairSpec:
    name_vi: str
    venue: str
    province_code: int
    starts_on: date
    ends_on: date
    applications_open_on: date
    applications_close_on: date
    name_en: str = ""
    commune_code: int | None = None
    address_line: str = ""
    rules_vi: str = ""
    rules_en: str = ""
    payment_days: int = 7
    grace_days: int = 2
    day_opens_at: time = time(8, 0)
    day_closes_at: time = time(17, 0)
    checkin_days_before: int = 1
    subsidy_programme_id: int | None = None
    slug: str = ""


class FairInput(serializers.Serializer):
    name_vi = inputs.TextInput(max_length=200, label=gettext_lazy("Name (Vietnamese)"))
    name_en = inputs.TextInput(max_length=200, required=False, default="", label=gettext_lazy("Name (English)"))
    venue = inputs.TextInput(max_length=200, label=gettext_lazy("Venue"))
    province_code = inputs.IdInput(label=gettext_lazy("Province"))
    address_line = inputs.TextInput(max_length=255, required=False, default="", label=gettext_lazy("Street address"))
    starts_on = inputs.DateInput(label=gettext_lazy("First day"))
    ends_on = inputs.DateInput(label=gettext_lazy("Last day"))
    day_opens_at = inputs.TimeInput(default=time(8, 0), label=gettext_lazy("Opens at"))
    day_closes_at = inputs.TimeInput(default=time(17, 0), label=gettext_lazy("Closes at"))
    applications_open_on = inputs.DateInput(label=gettext_lazy("Applications open"))
    applications_close_on = inputs.DateInput(label=gettext_lazy("Applications close"))
    payment_days = inputs.IntegerInput(
        min_value=1, max_value=60, default=7, label=gettext_lazy("Days to pay the booth fee")
    )
    checkin_days_before = inputs.IntegerInput(
        min_value=0,
        max_value=7,
        default=1,
        label=gettext_lazy("Check-in opens (days before the first day)"),
        help_text=gettext_lazy("Exhibitors set up the day before; badges are scanned from then to the last day."),
    )
    subsidy_programme_id = inputs.IdInput(
        required=False, allow_null=True, default=None, label=gettext_lazy("Subsidy programme")
    )
    rules_vi = inputs.TextInput(
        max_length=8000, multiline=True, required=False, default="", label=gettext_lazy("Rules (Vietnamese)")
    )
    rules_en = inputs.TextInput(
        max_length=8000, multiline=True, required=False, default="", label=gettext_lazy("Rules (English)")
    )


class FairTransitionInput(serializers.Serializer):
    action = inputs.ChoiceInput(FairTransition, label=gettext_lazy("Step"))


# --- the plan ------------------------------------------------------------------------------------
class HallInput(serializers.Serializer):
    name = inputs.TextInput(max_length=80, label=gettext_lazy("Name"))
    width_m = inputs.DecimalInput(
        places=2, max_digits=6, min_value=5, max_value=1000, default=Decimal(60), label=gettext_lazy("Width (m)")
    )
    depth_m = inputs.DecimalInput(
        places=2, max_digits=6, min_value=5, max_value=1000, default=Decimal(40), label=gettext_lazy("Depth (m)")
    )


@dataclass(frozen=True)
class BoothSpec:
    """Everything a booth is, as staff set it."""

    code: str
    x: Decimal
    y: Decimal
    booth_type: BoothType = BoothType.STANDARD
    zone_id: int | None = None
    width: Decimal = Decimal(3)
    depth: Decimal = Decimal(3)
    price: int = 0
    power: bool = True
    water: bool = False
    cold_storage: bool = False
    blocked: bool = False


def booth_spec_of(booth: Booth) -> BoothSpec:
    return BoothSpec(
        code=booth.code,
        booth_type=BoothType(booth.booth_type),
        zone_id=booth.zone_id,
        x=booth.x,
        y=booth.y,
        width=booth.width,
        depth=booth.depth,
        price=booth.price,
        power=booth.power,
        water=booth.water,
        cold_storage=booth.cold_storage,
        blocked=booth.blocked,
    )


class BoothCodeInput(inputs.TextInput):
    """A booth code as printed on the plan: "a-01" is stored as "A-01"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=16, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).upper()


def _metres(label: StrOrPromise, *, minimum: Decimal | int, default: Decimal | None = None) -> inputs.DecimalInput:
    extra: dict[str, Any] = {} if default is None else {"default": default}
    return inputs.DecimalInput(places=2, max_digits=6, min_value=minimum, max_value=MAX_METRES, label=label, **extra)


class BoothInput(serializers.Serializer):
    """A booth drawn on the plan or changed in its form. On the API a PATCH sends only what changes."""

    hall = inputs.IdInput(
        required=False,
        label=gettext_lazy("Hall"),
        help_text=gettext_lazy(
            "A hall of the fair: where a new booth stands (the first hall when none is given); a change moves the "
            "booth there."
        ),
    )
    code = BoothCodeInput(label=gettext_lazy("Code"))
    booth_type = inputs.ChoiceInput(BoothType, default=BoothType.STANDARD, label=gettext_lazy("Type"))
    zone = inputs.IdInput(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Zone"),
        help_text=gettext_lazy(
            "A zone of the booth's hall. A booth moved to another hall leaves its zone unless the change names one of "
            "the new hall."
        ),
    )
    x = _metres(gettext_lazy("From the left wall (m)"), minimum=0)
    y = _metres(gettext_lazy("From the front wall (m)"), minimum=0)
    width = _metres(gettext_lazy("Width (m)"), minimum=Decimal("0.5"), default=Decimal(3))
    depth = _metres(gettext_lazy("Depth (m)"), minimum=Decimal("0.5"), default=Decimal(3))
    price = inputs.MoneyInput(min_value=0, max_value=MAX_BOOTH_PRICE, default=0, label=gettext_lazy("Price (VND)"))
    power = serializers.BooleanField(default=True, label=gettext_lazy("Power"))
    water = serializers.BooleanField(default=False, label=gettext_lazy("Water"))
    cold_storage = serializers.BooleanField(default=False, label=gettext_lazy("Cold storage"))
    blocked = serializers.BooleanField(
        default=False, label=gettext_lazy("Blocked"), help_text=gettext_lazy("Not offered (a pillar, an exit).")
    )


def _spec_values(fields_: Mapping[str, Any]) -> dict[str, Any]:
    """BoothInput's values under BoothSpec's names (the hall is where a booth stands, not part of its spec)."""
    return {("zone_id" if name == "zone" else name): value for name, value in fields_.items() if name != "hall"}


def booth_spec(fields_: Mapping[str, Any], *, base: BoothSpec | None = None) -> BoothSpec:
    """A booth's spec from BoothInput's values: the whole of it, or `base` changed by a partial PATCH."""
    values = _spec_values(fields_)
    if base is not None:
        return replace(base, **values)
    return BoothSpec(**values)


SPEC_FIELDS = frozenset(BoothSpec.__dataclass_fields__)


@dataclass(frozen=True)
class BoothChange:
    """A change of a booth: the request's values over the booth as it was read (`spec`), which of them the request
    set (`sent`: only these are applied, onto the booth as the service locks it, so that a change of other fields
    committed in between is kept; and what a retry under the same Idempotency-Key must send again), and the hall it
    moves to (None: it stays where it stands)."""

    spec: BoothSpec
    sent: frozenset[str]
    hall_id: int | None = None

    @classmethod
    def whole(cls, spec: BoothSpec) -> BoothChange:
        """Every field set, as the booth's form sends them."""
        return cls(spec=spec, sent=SPEC_FIELDS)

    def onto(self, current: BoothSpec) -> BoothSpec:
        """The booth as `current` is, with the fields this change sets."""
        return replace(current, **{name: getattr(self.spec, name) for name in self.sent})

    def asked(self) -> dict[str, object]:
        asked: dict[str, object] = {name: getattr(self.spec, name) for name in sorted(self.sent)}
        if self.hall_id is not None:
            asked["hall_id"] = self.hall_id
        return asked


def booth_change(fields_: Mapping[str, Any], *, booth: Booth) -> BoothChange:
    return BoothChange(
        spec=booth_spec(fields_, base=booth_spec_of(booth)),
        sent=frozenset(_spec_values(fields_)),
        hall_id=fields_.get("hall"),
    )


@dataclass(frozen=True)
class PlanRow:
    """A line of a plan spreadsheet: the hall and zone by name (made when missing) and the booth."""

    line: int
    hall: str
    zone: str
    booth: BoothSpec


class _PlanCsvRow(serializers.Serializer):
    hall = inputs.TextInput(max_length=80)
    zone = inputs.TextInput(max_length=80, required=False, default="")
    code = BoothCodeInput()
    type = inputs.ChoiceInput(BoothType, default=BoothType.STANDARD)
    x = _metres("x", minimum=0)
    y = _metres("y", minimum=0)
    width = _metres("width", minimum=Decimal("0.5"), default=Decimal(3))
    depth = _metres("depth", minimum=Decimal("0.5"), default=Decimal(3))
    price = inputs.MoneyInput(min_value=0, max_value=MAX_BOOTH_PRICE, default=0)
    power = FlagInput(default=True)
    water = FlagInput(default=False)
    cold_storage = FlagInput(default=False)
    blocked = FlagInput(default=False)


class PlanImportInput(serializers.Serializer):
    file = serializers.FileField(
        label=gettext_lazy("CSV file"),
        max_length=200,
        error_messages={
            "required": gettext_lazy("Choose the CSV file."),
            "empty": gettext_lazy("The file is empty."),
            "invalid": gettext_lazy("Choose the CSV file."),
        },
    )

    def validate_file(self, value: Any) -> Any:
        if value.size > MAX_CSV_BYTES:
            raise serializers.ValidationError(_("Import a file of at most 1 MB."))
        return value


class BoothAssignInput(serializers.Serializer):
    application = inputs.IdInput(label=gettext_lazy("Assign to"))


MAX_CSV_BYTES = 1_000_000
CSV_COLUMNS = tuple(_PlanCsvRow().fields)
CSV_REQUIRED = ("hall", "code", "x", "y")
MAX_CSV_ROWS = 2000


def read_plan_csv(content: bytes) -> list[PlanRow]:
    """The booths of a plan spreadsheet, read the way the person who typed it writes numbers (the active
    language). Every bad row is reported at once, with its line; nothing is imported from a bad file."""
    text = decode_csv(content)
    # Excel in Vietnam writes decimal commas ("3,5") and so separates columns with semicolons: the header line,
    # which holds no numbers, tells which.
    delimiter = sniff_delimiter(text.splitlines()[0] if text else "")
    header, *lines = csv_rows(text, delimiter=delimiter, limit=MAX_CSV_ROWS + 2) or [[]]
    lines = [cells for cells in lines if cells]  # blank lines are no booths
    columns = [c.strip().lower() for c in header]
    if any(c not in columns for c in CSV_REQUIRED):
        raise ValidationFailed(_("The CSV needs the columns %(cols)s.") % {"cols": ", ".join(CSV_COLUMNS)})
    rows: list[PlanRow] = []
    errors: dict[str, list[str]] = {}
    for line, cells in enumerate(lines, start=2):
        if line - 1 > MAX_CSV_ROWS:
            raise ValidationFailed(_("Import at most %(n)s booths at a time.") % {"n": format_decimal(MAX_CSV_ROWS)})
        data = {
            column: value.strip() for column, value in zip(columns, cells, strict=False) if column and value.strip()
        }
        try:
            values = read_input(_PlanCsvRow, data, mode=InputMode.FORM)
        except ValidationFailed as error:
            errors[_("line %(n)d") % {"n": line}] = [
                f"{name}: {'; '.join(messages)}" for name, messages in error.fields.items()
            ]
            continue
        hall, zone, booth_type = values.pop("hall"), values.pop("zone"), values.pop("type")
        rows.append(PlanRow(line=line, hall=hall, zone=zone, booth=BoothSpec(booth_type=booth_type, **values)))
    if errors:
        raise ValidationFailed(_("Nothing was imported; correct these lines and try again."), fields=errors)
    return rows


# --- subsidy programmes --------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammeSpec:
    name: str
    year: int
    budget: int
    yearly_cap: int
    funder: str = ""
    rates: Mapping[BoothType, Decimal] | None = None
    eligible_kinds: tuple[OrganisationKind, ...] = ()
    eligible_provinces: tuple[int, ...] = ()
    requires_verified: bool = True
    first_time_priority: bool = True

    def rate(self, booth_type: BoothType) -> Decimal:
        return (self.rates or {}).get(booth_type, Decimal(0))


def _rate(label: StrOrPromise) -> inputs.DecimalInput:
    return inputs.DecimalInput(places=2, max_digits=5, min_value=0, max_value=100, default=Decimal(0), label=label)


class ProgrammeInput(serializers.Serializer):
    name = inputs.TextInput(max_length=200, label=gettext_lazy("Name"))
    funder = inputs.TextInput(max_length=200, required=False, default="", label=gettext_lazy("Funder"))
    year = inputs.YearInput(min_value=2000, max_value=2100, label=gettext_lazy("Year"))
    budget = inputs.MoneyInput(label=gettext_lazy("Budget (VND)"))
    yearly_cap = inputs.MoneyInput(label=gettext_lazy("Yearly cap per cooperative (VND)"))
    rate_standard = _rate(gettext_lazy("Standard (3 × 3 m)"))
    rate_corner = _rate(gettext_lazy("Corner"))
    rate_premium = _rate(gettext_lazy("Premium"))
    rate_shared = _rate(gettext_lazy("Shared"))
    eligible_kinds = serializers.MultipleChoiceField(
        choices=[(k.value, k.label) for k in sorted(SELLER_KINDS)],
        required=False,
        default=set,
        label=gettext_lazy("Who may receive it"),
        error_messages={"invalid_choice": gettext_lazy("Choose cooperatives, cooperative groups or unions.")},
    )
    eligible_provinces = serializers.MultipleChoiceField(
        choices=geo.province_choices(),
        required=False,
        default=set,
        label=gettext_lazy("Provinces (none chosen: all)"),
        error_messages={
            "invalid_choice": gettext_lazy("Choose provinces from the list (34 provinces since July 2025).")
        },
    )
    requires_verified = serializers.BooleanField(default=False, label=gettext_lazy("Verified organisations only"))
    first_time_priority = serializers.BooleanField(default=False, label=gettext_lazy("First-time exhibitors first"))

    def validate_eligible_provinces(self, value: set[Any]) -> tuple[int, ...]:
        return tuple(sorted({int(code) for code in value}))

    def validate_eligible_kinds(self, value: set[Any]) -> tuple[OrganisationKind, ...]:
        return tuple(sorted(OrganisationKind(kind) for kind in value))


RATE_FIELDS = {f"rate_{kind}": BoothType(kind) for kind in BoothType.values}


def programme_spec(fields_: Mapping[str, Any]) -> ProgrammeSpec:
    values = dict(fields_)
    rates = {booth_type: values.pop(name) for name, booth_type in RATE_FIELDS.items()}
    return ProgrammeSpec(rates=rates, **values)


# --- applications --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApplicationRequest:
    booth_type: BoothType = BoothType.STANDARD
    zone_id: int | None = None
    preferences: tuple[int, ...] = ()
    products: tuple[int, ...] = ()
    co_exhibitors: tuple[int, ...] = ()
    samples: str = ""
    needs_cold_chain: bool = False
    needs_power: bool = False
    needs_water: bool = False
    note: str = ""


class ApplicationInput(serializers.Serializer):
    booth_type = inputs.ChoiceInput(BoothType, default=BoothType.STANDARD, label=gettext_lazy("Booth type"))
    zone_id = inputs.IdInput(required=False, allow_null=True, default=None, label=gettext_lazy("Preferred zone"))
    preferences = IdListInput(
        max_length=MAX_PREFERENCES,
        duplicate_message=gettext_lazy("Choose a different booth for each choice."),
        label=gettext_lazy("Booths you prefer, in order (optional)"),
    )
    products = IdListInput(max_length=50, label=gettext_lazy("Products to showcase"))
    co_exhibitors = IdListInput(
        max_length=10, label=gettext_lazy("Co-exhibitors sharing the booth (shared booths only)")
    )
    samples = inputs.TextInput(max_length=500, required=False, default="", label=gettext_lazy("Samples you will bring"))
    needs_cold_chain = serializers.BooleanField(default=False, label=gettext_lazy("Cold storage (cold chain)"))
    needs_power = serializers.BooleanField(default=False, label=gettext_lazy("Power"))
    needs_water = serializers.BooleanField(default=False, label=gettext_lazy("Water"))
    note = inputs.TextInput(
        max_length=1000, multiline=True, required=False, default="", label=gettext_lazy("Note to the organiser")
    )

    def validate_preferences(self, value: list[int]) -> tuple[int, ...]:
        return tuple(value)

    def validate_products(self, value: list[int]) -> tuple[int, ...]:
        return tuple(value)

    def validate_co_exhibitors(self, value: list[int]) -> tuple[int, ...]:
        return tuple(value)


class ApplicationNoteInput(serializers.Serializer):
    reason = inputs.TextInput(max_length=500, required=False, default="", label=gettext_lazy("Reason or note"))


class ApplicationRejectInput(serializers.Serializer):
    reason = inputs.TextInput(
        max_length=500,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The cooperative reads it: say what to do better next time."),
    )


class AssignInput(serializers.Serializer):
    booth = inputs.IdInput(label=gettext_lazy("Booth"))


# --- check-in and matching -------------------------------------------------------------------------
class CheckInInput(serializers.Serializer):
    code = BadgeCodeInput(label=gettext_lazy("Badge code"))
    device = serializers.CharField(
        max_length=64, required=False, default="", help_text="The scanning phone's id, when a page sends it."
    )


class ScanInput(serializers.Serializer):
    """One scan a phone queued: its idempotency key, what it read and when (the phone's clock)."""

    key = serializers.UUIDField(label=gettext_lazy("Idempotency key"))
    code = BadgeCodeInput(label=gettext_lazy("Badge code"))
    scanned_at = serializers.DateTimeField(label=gettext_lazy("Scanned at"))


class CheckinSyncInput(serializers.Serializer):
    """A phone's batch of queued scans (each read on its own by ScanInput, so one bad scan spoils no other)
    and what it still holds; an empty batch is its heartbeat."""

    device = serializers.CharField(max_length=64, label=gettext_lazy("Phone id"))
    phone_name = inputs.TextInput(max_length=60, required=False, default="", label=gettext_lazy("Phone"))
    pending = inputs.IntegerInput(max_value=1_000_000, default=0)
    scans = serializers.ListField(
        child=serializers.DictField(), max_length=200, default=list, help_text="Each as ScanInput."
    )


class BadgePersonInput(serializers.Serializer):
    name = inputs.TextInput(max_length=120, label=gettext_lazy("Name on the badge"))


class BadgeRevokeInput(serializers.Serializer):
    reason = inputs.TextInput(
        max_length=300,
        label=gettext_lazy("Why revoke it"),
        help_text=gettext_lazy("Kept with the badge and shown to the staff who scan it."),
    )


class RegisterInput(serializers.Serializer):
    interests = inputs.TextInput(
        max_length=500, required=False, default="", label=gettext_lazy("What you are looking for")
    )


class MeetingRequestInput(serializers.Serializer):
    exhibitor = inputs.IdInput(label=gettext_lazy("Exhibitor"))
    slot = inputs.IdInput(label=gettext_lazy("Time"))
    message = inputs.TextInput(max_length=500, required=False, default="", label=gettext_lazy("Message"))


class DeclineInput(serializers.Serializer):
    reason = inputs.TextInput(max_length=300, required=False, default="", label=gettext_lazy("Reason"))


@dataclass(frozen=True)
class OutcomeSpec:
    kind: OutcomeKind
    volume: Decimal | None = None
    unit: Unit | None = None
    value: int = 0
    note: str = ""
    rfq_id: int | None = None
    order_id: int | None = None


class OutcomeInput(serializers.Serializer):
    kind = inputs.ChoiceInput(OutcomeKind, label=gettext_lazy("Outcome"))
    volume = inputs.DecimalInput(
        places=3, min_value=Decimal("0.001"), required=False, allow_null=True, default=None,
        label=gettext_lazy("Volume"),
    )  # fmt: skip
    unit = inputs.ChoiceInput(Unit, required=False, allow_null=True, default=None, label=gettext_lazy("Unit"))
    value = inputs.MoneyInput(default=0, label=gettext_lazy("Value (VND)"))
    note = inputs.TextInput(max_length=1000, required=False, default="", label=gettext_lazy("Note"))
    rfq_id = inputs.IdInput(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Request for quotation (for an RFQ outcome)"),
    )
    order_id = inputs.IdInput(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Order (for an order outcome)"),
        help_text=gettext_lazy("An order the buyer placed with the exhibitor; its total becomes the value."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("volume") is not None and attrs.get("unit") is None:
            raise serializers.ValidationError({"unit": _("Choose the unit of the volume.")})
        return attrs


class SlotsInput(serializers.Serializer):
    day = inputs.DateInput(label=gettext_lazy("Day"))
    first = inputs.TimeInput(label=gettext_lazy("First meeting at"), help_text=gettext_lazy("e.g. 9:00 or 14h30"))
    count = inputs.IntegerInput(min_value=1, max_value=40, label=gettext_lazy("How many"))
    minutes = inputs.IntegerInput(min_value=10, max_value=240, default=30, label=gettext_lazy("Minutes each"))


class TablesInput(serializers.Serializer):
    count = inputs.IntegerInput(min_value=1, max_value=100, label=gettext_lazy("How many"))


# --- list filters (query parameters) ---------------------------------------------------------------
class ApplicationFilter(serializers.Serializer):
    status = inputs.ChoiceInput(
        ApplicationStatus, required=False, allow_null=True, default=None, label=gettext_lazy("Status")
    )
    booth_type = inputs.ChoiceInput(
        BoothType, required=False, allow_null=True, default=None, label=gettext_lazy("Booth type")
    )
    zone = inputs.IdInput(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Zone"),
        help_text=gettext_lazy(
            "A zone of the booth's hall. A booth moved to another hall leaves its zone unless the change names one of "
            "the new hall."
        ),
    )
    province = inputs.IdInput(required=False, allow_null=True, default=None, label=gettext_lazy("Province"))
    q = inputs.TextInput(max_length=100, required=False, default="", label=gettext_lazy("Cooperative"))


class BoothFilter(serializers.Serializer):
    hall = inputs.IdInput(required=False, allow_null=True, default=None, label=gettext_lazy("Hall"))
    status = inputs.ChoiceInput(PlanStatus, required=False, allow_null=True, default=None, label=gettext_lazy("Status"))
    booth_type = inputs.ChoiceInput(
        BoothType, required=False, allow_null=True, default=None, label=gettext_lazy("Type")
    )


class MeetingFilter(serializers.Serializer):
    status = inputs.ChoiceInput(
        MeetingStatus, required=False, allow_null=True, default=None, label=gettext_lazy("Status")
    )
    fair = inputs.IdInput(required=False, allow_null=True, default=None, label=gettext_lazy("Fair"))


class ExhibitorFilter(serializers.Serializer):
    q = inputs.TextInput(
        max_length=100, required=False, default="", label=gettext_lazy("Search exhibitors and products")
    )


def read_filters(schema: type[serializers.Serializer], params: Any) -> dict[str, Any]:
    """A list's query parameters, typed; unknown values are a 400 naming the parameter, never ignored."""
    return read_input(schema, params, mode=InputMode.FORM)
