"""Users, organisations (cooperatives, buyers, the alliance), memberships, invitations and API tokens."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from market.core.models import TimeStampedModel
from market.organisations import banks, geo


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("Users need an e-mail address")
        user = self.model(email=email.strip().lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        """Log in by e-mail address in any case: addresses are stored lower-case (a database constraint)."""
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Logs in with an e-mail address; acts for one of their organisations at a time."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +84912345678"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="vi")
    acting_organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name=_("acting for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()
    # Read with the user, in the same query, when a request loads them (frontend.visitor): their memberships
    # (organisations included, by organisation name) and their unread in-app notifications. None when this
    # instance was loaded otherwise; the selectors then read them (market.organisations.selectors).
    memberships_read: list[Membership] | None = None
    unread_read: int | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One account per address whatever its case: addresses are stored lower-case.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lower_case"),
        ]

    def __str__(self) -> str:
        return self.email

    @classmethod
    def normalize_username(cls, username: str) -> str:
        return super().normalize_username(username).strip().lower()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        """The given name, which Vietnamese writes last ("Nguyễn Thị Hiệp": "Hiệp"), a note in brackets left out
        ("Nguyễn Văn Hiệp (kế toán)" is "Hiệp", not "toán)")."""
        words = re.sub(r"\([^)]*\)?", " ", self.full_name).split()
        return words[-1] if words else self.full_name.strip() or self.email


class OrganisationKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("Cooperative (HTX)")
    COOPERATIVE_GROUP = "cooperative_group", _("Cooperative group (tổ hợp tác)")
    UNION = "union", _("Cooperative union")
    BUYER = "buyer", _("Buyer (company or wholesaler)")
    ALLIANCE = "alliance", _("Cooperative alliance")


# Organisations that list and sell products.
SELLER_KINDS = frozenset({OrganisationKind.COOPERATIVE, OrganisationKind.COOPERATIVE_GROUP, OrganisationKind.UNION})
# A cooperative group is not a legal entity and may have no tax code of its own.
TAX_CODE_OPTIONAL_KINDS = frozenset({OrganisationKind.COOPERATIVE_GROUP, OrganisationKind.ALLIANCE})


class VerificationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Organisation(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=24, choices=OrganisationKind.choices)
    name = models.CharField(_("trading name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=255)
    tax_code = models.CharField(
        _("tax code (MST)"), max_length=14, blank=True, help_text=_("10 digits, or 13 for a branch: 0312345678-001")
    )
    description = models.TextField(_("about"), blank=True, max_length=4000)
    # Address on the 2025 units: province -> commune, plus what the post needs (ấp/thôn, street).
    province_code = models.PositiveSmallIntegerField(_("province"))
    commune_code = models.PositiveIntegerField(_("commune / ward"), null=True, blank=True)
    address_line = models.CharField(_("street, hamlet (ấp/thôn)"), max_length=255, blank=True)
    # Certificates still print the old province/district names: keep them as written.
    legacy_address = models.CharField(_("address before 2025"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    # Where buyers' transfers and settlements go (VietQR needs the bank BIN and the account number).
    bank_bin = models.CharField(_("bank"), max_length=6, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=19, blank=True)
    bank_account_holder = models.CharField(_("account holder"), max_length=120, blank=True)

    verification_status = models.CharField(
        _("verification"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    verification_note = models.CharField(_("reason"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["tax_code"], condition=~Q(tax_code=""), name="organisation_tax_code_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=OrganisationKind.values), name="organisation_kind_valid"),
            models.CheckConstraint(
                condition=Q(verification_status__in=VerificationStatus.values),
                name="organisation_verification_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["verification_status", "kind"], name="org_verification_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_seller(self) -> bool:
        return self.kind in SELLER_KINDS

    @property
    def is_buyer(self) -> bool:
        return self.kind == OrganisationKind.BUYER

    @property
    def is_alliance(self) -> bool:
        return self.kind == OrganisationKind.ALLIANCE

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def awaits_verification(self) -> bool:
        return self.verification_status == VerificationStatus.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.verification_status == VerificationStatus.REJECTED

    @property
    def province_name(self) -> str:
        unit = geo.province(self.province_code)
        return unit.name if unit else ""

    @property
    def commune_name(self) -> str:
        unit = geo.commune(self.commune_code)
        return unit.name if unit else ""

    @property
    def bank_name(self) -> str:
        bank = banks.bank_by_bin(self.bank_bin) if self.bank_bin else None
        return bank.short_name if bank else ""

    @property
    def full_address(self) -> str:
        return ", ".join(part for part in (self.address_line, self.commune_name, self.province_name) if part)


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    STAFF = "staff", _("Staff")


class Membership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.STAFF)

    class Meta:
        ordering = ["organisation__name", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class Invitation(TimeStampedModel):
    """An invitation to join an organisation; the token is shown once and stored hashed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.STAFF)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_open_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} -> {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


class ApiScope(models.TextChoices):
    """What an API token may reach. Each API operation declares the one scope it needs
    (`required_scopes` on the view, checked by `market.organisations.drf.HasScope`)."""

    CATALOGUE_READ = "catalogue:read", _("Catalogue: read products and certificates")
    CATALOGUE_WRITE = "catalogue:write", _("Catalogue: edit products, prices and certificates")
    LOTS = "lots", _("Harvest lots and traceability")
    SUPPLY = "supply", _("Raw-material areas, households and intakes")
    ORDERS_READ = "orders:read", _("Orders: read orders, shipments and invoices")
    ORDERS_PLACE = "orders:place", _("Orders: cart, checkout, receive and cancel")
    ORDERS_FULFIL = "orders:fulfil", _("Orders: confirm, ship and deliver")
    RFQS = "rfqs", _("Requests for quotation and quotes")
    CONTRACTS = "contracts", _("Linkage contracts")
    PAYMENTS_READ = "payments:read", _("Payments: read")
    PAYMENTS_WRITE = "payments:write", _("Payments: pay, refund, reconcile")
    FAIRS = "fairs", _("Trade fairs, booths and meetings")
    NOTIFICATIONS = "notifications", _("Notifications")
    ORGANISATION = "organisation", _("Organisation: profile, members and API tokens")
    WEBHOOKS_MANAGE = "webhooks:manage", _("Webhooks: manage endpoints and deliveries")


# Known once: `ApiScope.values` builds its list again each time it is asked, and a token's scopes were checked
# against it scope by scope on every request a token made (a tenth of a token's lot read).
API_SCOPE_VALUES = frozenset(ApiScope.values)


class ApiToken(TimeStampedModel):
    """A revocable, expiring key for an integration (a buyer's ERP): acts as its user for one organisation,
    within its scopes.

    Only a SHA-256 of the secret is kept; the prefix finds the row without scanning. Tokens made before
    scopes existed are `is_legacy`: they keep every scope of their user and never expire until an owner
    rotates them (a new scoped token replaces them).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)  # ApiScope values, sorted
    is_legacy = models.BooleanField(_("legacy (all scopes)"), default=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Not a column: the user's role in the organisation, read with the token (authentication.token_by_prefix).
    member_role: str | None

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_legacy=True) | Q(expires_at__isnull=False), name="api_token_expires_unless_legacy"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (ml_{self.prefix}_…)"

    @property
    def granted_scopes(self) -> frozenset[ApiScope]:
        if self.is_legacy:
            return frozenset(ApiScope)
        return frozenset(ApiScope(value) for value in self.scopes if value in API_SCOPE_VALUES)

    @property
    def scope_list(self) -> list[ApiScope]:
        """Its scopes in the order the token page lists them."""
        return [scope for scope in ApiScope if self.grants(scope)]

    def grants(self, scope: ApiScope) -> bool:
        return self.is_legacy or scope.value in self.scopes

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
