"""Trade fairs: halls, zones and booths on a floor plan, subsidy programmes, booth applications and their
assignment, booth fees, check-in badges, and business-matching meetings with their outcomes.

Capacity is protected twice (STYLE 10): services lock rows in a fixed order (booth -> programme -> ledger;
slot -> parties) and the database refuses the impossible: two live assignments on one booth, a subsidy
budget or a cooperative's yearly cap spent past its limit, a party or a table booked twice in a slot.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fairs.plan_version import PlanPart, TrackedPlanQuerySet
from market.core.fields import quantity_field, vnd_field
from market.core.models import ChangeTrackedModel, TimeStampedModel
from market.core.quantity import Unit
from market.organisations import geo


class FairStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    ALLOCATION = "allocation", _("Allocating booths")
    PUBLISHED = "published", _("Plan published")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Finished")


class Fair(TimeStampedModel):
    organiser = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="fairs"
    )
    slug = models.SlugField(_("short name in links"), max_length=80, unique=True)
    name_vi = models.CharField(_("name (Vietnamese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    venue = models.CharField(_("venue"), max_length=200)
    province_code = models.PositiveSmallIntegerField(_("province"))
    commune_code = models.PositiveIntegerField(_("commune / ward"), null=True, blank=True)
    address_line = models.CharField(_("street address"), max_length=255, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    applications_open_on = models.DateField(_("applications open"))
    applications_close_on = models.DateField(_("applications close"))
    payment_days = models.PositiveSmallIntegerField(
        _("days to pay the booth fee"), default=7, help_text=_("Counted from the day the booth is assigned.")
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days of grace after the reminder"), default=2, help_text=_("Unpaid booths are released after them.")
    )
    day_opens_at = models.TimeField(_("opens at"), default=time(8, 0), help_text=_("Each day of the fair."))
    day_closes_at = models.TimeField(_("closes at"), default=time(17, 0), help_text=_("Each day of the fair."))
    checkin_days_before = models.PositiveSmallIntegerField(
        _("check-in opens (days before the first day)"),
        default=1,
        help_text=_("Exhibitors set up the day before; badges are scanned from then to the last day."),
    )
    rules_vi = models.TextField(_("rules (Vietnamese)"), blank=True, max_length=8000)
    rules_en = models.TextField(_("rules (English)"), blank=True, max_length=8000)
    status = models.CharField(_("status"), max_length=12, choices=FairStatus.choices, default=FairStatus.DRAFT)
    subsidy_programme = models.ForeignKey(
        "SubsidyProgramme",
        verbose_name=_("subsidy programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fairs",
    )

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("fair")
        verbose_name_plural = _("fairs")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="fair_ends_after_start"),
            models.CheckConstraint(
                condition=Q(applications_close_on__gte=F("applications_open_on")), name="fair_window_ordered"
            ),
            models.CheckConstraint(condition=Q(day_closes_at__gt=F("day_opens_at")), name="fair_day_has_hours"),
        ]

    def __str__(self) -> str:
        return self.name_vi

    @property
    def name(self) -> str:
        if (get_language() or "vi").startswith("en") and self.name_en:
            return self.name_en
        return self.name_vi

    @property
    def rules(self) -> str:
        if (get_language() or "vi").startswith("en") and self.rules_en:
            return self.rules_en
        return self.rules_vi

    @property
    def checkin_opens_on(self) -> date:
        return self.starts_on - timedelta(days=self.checkin_days_before)

    def checkin_open(self, today: date) -> bool:
        """Badges are scanned from the set-up day(s) before the fair to its last day, never weeks ahead."""
        return self.checkin_opens_on <= today <= self.ends_on

    @property
    def full_address(self) -> str:
        commune = geo.commune(self.commune_code)
        province = geo.province(self.province_code)
        parts = [self.address_line, commune.name if commune else "", province.name if province else ""]
        return ", ".join(p for p in parts if p)


class Hall(PlanPart):
    fair = models.ForeignKey(Fair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="halls")
    name = models.CharField(_("name"), max_length=80)
    width_m = models.DecimalField(_("width (m)"), max_digits=6, decimal_places=2, default=Decimal(60))
    depth_m = models.DecimalField(_("depth (m)"), max_digits=6, decimal_places=2, default=Decimal(40))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("hall")
        verbose_name_plural = _("halls")
        constraints = [
            models.UniqueConstraint(fields=["fair", "name"], name="hall_name_unique_per_fair"),
            models.CheckConstraint(condition=Q(width_m__gt=0, depth_m__gt=0), name="hall_has_area"),
        ]

    def __str__(self) -> str:
        return self.name


class ZoneKind(models.TextChoices):
    FRESH = "fresh", _("Fresh produce")
    PROCESSED = "processed", _("Processed food")
    OCOP = "ocop", _("OCOP products")
    HANDICRAFTS = "handicrafts", _("Handicrafts")
    SEAFOOD = "seafood", _("Seafood")
    OTHER = "other", _("Other")


class Zone(PlanPart):
    fair = models.ForeignKey(Fair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="zones")
    hall = models.ForeignKey(Hall, verbose_name=_("hall"), on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=ZoneKind.choices, default=ZoneKind.OTHER)

    class Meta:
        ordering = ["hall__position", "name", "id"]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        constraints = [models.UniqueConstraint(fields=["fair", "name"], name="zone_name_unique_per_fair")]

    def __str__(self) -> str:
        return self.name


class BoothType(models.TextChoices):
    STANDARD = "standard", _("Standard (3 × 3 m)")
    CORNER = "corner", _("Corner")
    PREMIUM = "premium", _("Premium")
    SHARED = "shared", _("Shared")


class Booth(PlanPart):
    fair = models.ForeignKey(Fair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="booths")
    hall = models.ForeignKey(Hall, verbose_name=_("hall"), on_delete=models.CASCADE, related_name="booths")
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), null=True, blank=True, on_delete=models.SET_NULL, related_name="booths"
    )
    code = models.CharField(_("code"), max_length=16)
    booth_type = models.CharField(_("type"), max_length=12, choices=BoothType.choices, default=BoothType.STANDARD)
    x = models.DecimalField(_("x (m)"), max_digits=6, decimal_places=2, default=Decimal(0))
    y = models.DecimalField(_("y (m)"), max_digits=6, decimal_places=2, default=Decimal(0))
    width = models.DecimalField(_("width (m)"), max_digits=5, decimal_places=2, default=Decimal(3))
    depth = models.DecimalField(_("depth (m)"), max_digits=5, decimal_places=2, default=Decimal(3))
    price = vnd_field(_("price (VND)"), default=0)
    power = models.BooleanField(_("power"), default=True)
    water = models.BooleanField(_("water"), default=False)
    cold_storage = models.BooleanField(_("cold storage"), default=False)
    blocked = models.BooleanField(_("blocked"), default=False, help_text=_("Not offered (a pillar, an exit)."))

    class Meta:
        ordering = ["hall__position", "code"]
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        constraints = [
            models.UniqueConstraint(fields=["fair", "code"], name="booth_code_unique_per_fair"),
            models.CheckConstraint(condition=Q(price__gte=0), name="booth_price_not_negative"),
            models.CheckConstraint(condition=Q(width__gt=0, depth__gt=0), name="booth_has_area"),
            models.CheckConstraint(condition=Q(x__gte=0, y__gte=0), name="booth_inside_plan"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def area(self) -> Decimal:
        return self.width * self.depth


class PlanStatus(models.TextChoices):
    """How a booth shows on the plan (derived, not stored): blocked; assigned (fee paid or fully subsidised);
    held (assigned, fee awaited); free."""

    FREE = "free", _("free")
    HELD = "held", _("held")
    ASSIGNED = "assigned", _("assigned")
    BLOCKED = "blocked", _("blocked")


# --- subsidies -----------------------------------------------------------------------------------
class SubsidyProgramme(TimeStampedModel):
    """Money a funder puts up for booth fees: a budget, a share per booth type, a yearly cap per cooperative.

    `spent` only moves through conditional UPDATEs in fairs.services.fees; the CHECK constraints make a
    spent budget impossible to store whatever the code does.
    """

    name = models.CharField(_("name"), max_length=200)
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    budget = vnd_field(_("budget (VND)"))
    spent = vnd_field(_("committed (VND)"), default=0)
    rate_standard = models.DecimalField(_("share of a standard booth (%)"), max_digits=5, decimal_places=2, default=0)
    rate_corner = models.DecimalField(_("share of a corner booth (%)"), max_digits=5, decimal_places=2, default=0)
    rate_premium = models.DecimalField(_("share of a premium booth (%)"), max_digits=5, decimal_places=2, default=0)
    rate_shared = models.DecimalField(_("share of a shared booth (%)"), max_digits=5, decimal_places=2, default=0)
    yearly_cap = vnd_field(_("yearly cap per cooperative (VND)"))
    eligible_kinds = models.JSONField(_("organisation kinds"), default=list, blank=True)
    eligible_provinces = models.JSONField(_("provinces (empty: all)"), default=list, blank=True)
    requires_verified = models.BooleanField(_("verified organisations only"), default=True)
    first_time_priority = models.BooleanField(_("first-time exhibitors first"), default=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("subsidy programme")
        verbose_name_plural = _("subsidy programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(spent__gte=0) & Q(spent__lte=F("budget")), name="programme_within_budget"
            ),
            models.CheckConstraint(condition=Q(yearly_cap__gte=0), name="programme_cap_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def rate_for(self, booth_type: str) -> Decimal:
        return Decimal(getattr(self, f"rate_{booth_type}", 0) or 0)

    @property
    def remaining(self) -> int:
        return self.budget - self.spent


class SubsidyLedger(models.Model):
    """What one cooperative has received from a programme (its year). The cap is copied in so that the
    database itself refuses `used > cap`."""

    programme = models.ForeignKey(SubsidyProgramme, on_delete=models.CASCADE, related_name="ledgers")
    cooperative = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    used = vnd_field(_("used (VND)"), default=0)
    cap = vnd_field(_("cap (VND)"))

    class Meta:
        verbose_name = _("subsidy ledger")
        verbose_name_plural = _("subsidy ledgers")
        constraints = [
            models.UniqueConstraint(fields=["programme", "cooperative"], name="ledger_one_per_cooperative"),
            models.CheckConstraint(condition=Q(used__gte=0) & Q(used__lte=F("cap")), name="ledger_within_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.cooperative_id}: {self.used}/{self.cap}"


# --- applications --------------------------------------------------------------------------------
class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_APPLICATION_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED)


class FeeStatus(models.TextChoices):
    NONE = "none", _("No booth yet")
    UNPAID = "unpaid", _("Awaiting payment")
    PAID = "paid", _("Paid")
    COVERED = "covered", _("Fully subsidised")


class Application(PlanPart, TimeStampedModel):
    objects = TrackedPlanQuerySet.as_manager()  # type: ignore[misc,assignment]  # both bases' managers in one

    fair = models.ForeignKey(Fair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="applications")
    cooperative = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("cooperative"),
        on_delete=models.PROTECT,
        related_name="fair_applications",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    booth_type = models.CharField(
        _("booth type wanted"), max_length=12, choices=BoothType.choices, default=BoothType.STANDARD
    )
    zone = models.ForeignKey(
        Zone, verbose_name=_("zone wanted"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    products = models.ManyToManyField(
        "catalog.Product", verbose_name=_("products to showcase"), blank=True, related_name="fair_applications"
    )
    co_exhibitors = models.ManyToManyField(
        "organisations.Organisation", verbose_name=_("co-exhibitors"), blank=True, related_name="+"
    )
    samples = models.CharField(_("samples brought"), max_length=500, blank=True)
    needs_cold_chain = models.BooleanField(_("needs cold storage"), default=False)
    needs_power = models.BooleanField(_("needs power"), default=False)
    needs_water = models.BooleanField(_("needs water"), default=False)
    note = models.CharField(_("note to the organiser"), max_length=1000, blank=True)
    first_time = models.BooleanField(_("first-time exhibitor"), default=False, editable=False)
    decision_reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    # Fee of the assigned booth: price − subsidy = due. Exact whole đồng.
    fee_status = models.CharField(_("fee"), max_length=10, choices=FeeStatus.choices, default=FeeStatus.NONE)
    price = vnd_field(_("booth price (VND)"), default=0)
    subsidy = vnd_field(_("subsidy (VND)"), default=0)
    amount_due = vnd_field(_("amount due (VND)"), default=0)
    subsidy_programme = models.ForeignKey(
        SubsidyProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    payment_due_on = models.DateField(_("pay by"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("booth application")
        verbose_name_plural = _("booth applications")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "cooperative"],
                condition=Q(status__in=list(LIVE_APPLICATION_STATUSES)),
                name="application_one_live_per_cooperative",
            ),
            models.UniqueConstraint(
                fields=["fair", "waitlist_position"],
                condition=Q(waitlist_position__isnull=False),
                name="application_waitlist_position_unique",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0, subsidy__gte=0) & Q(amount_due=F("price") - F("subsidy")),
                name="application_fee_adds_up",
            ),
        ]
        indexes = [models.Index(fields=["fair", "status"], name="application_fair_status_idx")]

    def __str__(self) -> str:
        return f"{self.fair} · {self.cooperative}"


class ApplicationPreference(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="preferences")
    booth = models.ForeignKey(Booth, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(fields=["application", "rank"], name="preference_rank_unique"),
            models.UniqueConstraint(fields=["application", "booth"], name="preference_booth_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}. {self.booth_id}"


class ApplicationEventKind(models.TextChoices):
    """What happened to an application, as its history shows it."""

    SUBMITTED = "submitted", _("Application sent")
    APPROVED = "approved", _("Approved")
    WAITLISTED = "waitlisted", _("Put on the waitlist")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn by the cooperative")
    ASSIGNED = "assigned", _("Booth assigned")
    RELEASED = "released", _("Booth released")
    RELEASED_UNPAID = "released_unpaid", _("Booth released: fee not paid in time")
    FEE_REMINDER = "fee_reminder", _("Reminder to pay the booth fee")
    FEE_PAID = "fee_paid", _("Booth fee paid")


class ApplicationEvent(models.Model):
    """The application's history: each transition with who made it and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(auto_now_add=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True, choices=ApplicationStatus.choices)
    to_status = models.CharField(max_length=12, choices=ApplicationStatus.choices)
    action = models.CharField(max_length=40, choices=ApplicationEventKind.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status} → {self.to_status}"


class BoothAssignment(PlanPart):
    """A booth given to an application. A booth holds at most one live assignment (released_at IS NULL)."""

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="assignments")
    booth = models.ForeignKey(Booth, verbose_name=_("booth"), on_delete=models.CASCADE, related_name="assignments")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booth"], condition=Q(released_at__isnull=True), name="assignment_one_live_per_booth"
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(released_at__isnull=True),
                name="assignment_one_live_per_application",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.booth} → {self.application.cooperative}"


# --- check-in ------------------------------------------------------------------------------------
class BadgeKind(models.TextChoices):
    EXHIBITOR = "exhibitor", _("Exhibitor")
    BUYER = "buyer", _("Buyer")


class Badge(ChangeTrackedModel):
    """One person's entry to a fair: an exhibitor's staff member or a buyer's delegate, each with their own
    code and QR. A badge with no `holder_name` is the organisation's own badge (the one every exhibitor and
    registered buyer gets; badges made before badges were per person became these). Change-tracked: issuing,
    revoking, issuing again and checking in move `updated_at`, so the fair's badge list syncs."""

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="badges")
    kind = models.CharField(_("kind"), max_length=10, choices=BadgeKind.choices)
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    holder_name = models.CharField(_("name on the badge"), max_length=120, blank=True)
    code = models.CharField(_("code"), max_length=16, unique=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A revoked badge stays (its scans and check-in are history) but its QR no longer lets anyone in;
    # issued again, the person gets a new badge under a new code, and the old one points to it.
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoke_reason = models.CharField(_("reason for revoking"), max_length=300, blank=True)
    reissued_as = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("issued again as"),
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            # One badge in force per party and per person; revoked ones stay beside the badge issued again.
            models.UniqueConstraint(
                fields=["fair", "kind", "organisation"],
                condition=Q(holder_name="", revoked_at__isnull=True),
                name="badge_one_per_party",
            ),
            models.UniqueConstraint(
                fields=["fair", "organisation", "holder_name"],
                condition=~Q(holder_name="") & Q(revoked_at__isnull=True),
                name="badge_one_per_person",
            ),
        ]
        # The badge list's sync reads one fair's badges in (updated_at, id) order.
        indexes = [models.Index(fields=["fair", "updated_at", "id"], name="badge_sync_idx")]

    def __str__(self) -> str:
        return self.code

    @property
    def display_name(self) -> str:
        return self.holder_name or self.organisation.name

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


# --- check-in on phones that may be offline --------------------------------------------------------
class CheckinDevice(models.Model):
    """A phone (one browser) scanning at a fair's entrance. It names itself with a random id it keeps, and
    reports its queue of scans not yet sent whenever it is online, so staff see which phone still holds
    scans."""

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="checkin_devices")
    device_id = models.CharField(_("phone id"), max_length=64)
    label = models.CharField(_("phone"), max_length=60, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    pending = models.PositiveIntegerField(_("scans waiting on the phone"), default=0)
    last_sync_at = models.DateTimeField(_("last sync"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        ordering = ["label", "device_id"]
        constraints = [models.UniqueConstraint(fields=["fair", "device_id"], name="checkin_device_once")]

    def __str__(self) -> str:
        return self.label or self.device_id


class ScanOutcome(models.TextChoices):
    CHECKED_IN = "checked_in", _("Checked in")
    ALREADY = "already", _("Already checked in on this phone")
    CONFLICT = "conflict", _("Another phone scanned it first")
    UNKNOWN = "unknown", _("No such badge")
    REVOKED = "revoked", _("Badge revoked")


# What a phone is told about after its sync: its scans that did not check anyone in.
REFUSED_SCAN_OUTCOMES = frozenset({ScanOutcome.CONFLICT, ScanOutcome.REVOKED})


class CheckinScan(models.Model):
    """One scan of a badge, made on a phone (perhaps offline) and kept under the phone's idempotency key, so a
    re-sent batch changes nothing. The badge counts as checked in by its earliest scan; a later scan from
    another phone is a conflict, reported back to that phone."""

    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="checkin_scans")
    key = models.UUIDField(_("idempotency key"), unique=True)
    device = models.ForeignKey(CheckinDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans")
    code = models.CharField(_("code"), max_length=16)
    badge = models.ForeignKey(Badge, null=True, blank=True, on_delete=models.CASCADE, related_name="scans")
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=ScanOutcome.choices)
    revised_at = models.DateTimeField(_("outcome revised at"), null=True, blank=True)
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["scanned_at", "pk"]
        indexes = [models.Index(fields=["badge", "scanned_at"], name="checkin_scan_badge_time")]

    def __str__(self) -> str:
        return f"{self.code} {self.outcome}"


# --- business matching ---------------------------------------------------------------------------
class BuyerRegistration(TimeStampedModel):
    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="buyer_registrations")
    buyer = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interests = models.CharField(_("what you are looking for"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["fair", "buyer"], name="buyer_registered_once")]


class MeetingSlot(models.Model):
    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["fair", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%d/%m %H:%M}"


class MeetingTable(models.Model):
    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(_("table"), max_length=40)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["fair", "name"], name="table_name_unique")]

    def __str__(self) -> str:
        return self.name


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    HELD = "held", _("Held")


# A meeting in one of these statuses holds its slot for both parties and its table.
BOOKED = [MeetingStatus.REQUESTED, MeetingStatus.ACCEPTED, MeetingStatus.HELD]


class Meeting(TimeStampedModel):
    fair = models.ForeignKey(Fair, on_delete=models.CASCADE, related_name="meetings")
    slot = models.ForeignKey(MeetingSlot, verbose_name=_("time"), on_delete=models.CASCADE, related_name="meetings")
    buyer = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("buyer"), on_delete=models.CASCADE, related_name="+"
    )
    exhibitor = models.ForeignKey(
        "organisations.Organisation", verbose_name=_("exhibitor"), on_delete=models.CASCADE, related_name="+"
    )
    table = models.ForeignKey(
        MeetingTable, verbose_name=_("table"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=300, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "buyer"], condition=Q(status__in=BOOKED), name="meeting_buyer_free"
            ),
            models.UniqueConstraint(
                fields=["slot", "exhibitor"], condition=Q(status__in=BOOKED), name="meeting_exhibitor_free"
            ),
            models.UniqueConstraint(
                fields=["slot", "table"],
                condition=Q(status__in=BOOKED, table__isnull=False),
                name="meeting_table_free",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer} × {self.exhibitor} @ {self.slot}"


class OutcomeKind(models.TextChoices):
    INTEREST = "interest", _("Interest")
    RFQ = "rfq", _("Request for quotation")
    ORDER = "order", _("Order")
    MOU = "mou", _("Memorandum of understanding (MoU)")


class MeetingOutcome(TimeStampedModel):
    """What came of a meeting, recorded by either side. An RFQ or an order outcome points at the real RFQ or
    order (the database refuses one without it); interest and MoUs carry a typed volume and value."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("outcome"), max_length=10, choices=OutcomeKind.choices)
    volume = quantity_field(_("volume"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices, blank=True)
    value = vnd_field(_("value (VND)"), default=0)
    note = models.CharField(_("note"), max_length=1000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_for = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    rfq = models.ForeignKey(
        "orders.Rfq",
        verbose_name=_("request for quotation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fair_outcomes",
    )
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fair_outcomes",
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="outcome_value_not_negative"),
            models.CheckConstraint(
                condition=Q(kind=OutcomeKind.RFQ, rfq__isnull=False) | (~Q(kind=OutcomeKind.RFQ) & Q(rfq__isnull=True)),
                name="outcome_rfq_iff_kind_rfq",
            ),
            models.CheckConstraint(
                condition=Q(kind=OutcomeKind.ORDER, order__isnull=False)
                | (~Q(kind=OutcomeKind.ORDER) & Q(order__isnull=True)),
                name="outcome_order_iff_kind_order",
            ),
        ]
