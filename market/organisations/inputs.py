"""Input schemas of the organisations commands (docs/edge.md): read the same way from the API's JSON and from
the pages' form posts, and the typed values the services take.

Identifiers people type in many ways (a tax code with or without its dash, a phone number with spaces or
+84, a bank account with spaces) are normalised here, once; a service receives the stored form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from market.core.inputs import ChoiceInput, DateInput, IdInput, TextInput, at_most_characters
from market.organisations import banks, geo, validators
from market.organisations.models import ApiScope, Organisation, OrganisationKind, Role, VerificationStatus

# Kinds anyone may register through sign-up; alliances are created by the operator.
SELF_SERVICE_KINDS = tuple(kind for kind in OrganisationKind if kind != OrganisationKind.ALLIANCE)


def _length(name: str) -> int:
    field = Organisation._meta.get_field(name)
    assert isinstance(field, models.CharField), name
    assert field.max_length is not None, name
    return field.max_length


def _normalised(normalise: Any, value: str) -> str:
    try:
        return str(normalise(value))
    except ValidationError as error:
        raise serializers.ValidationError(error.messages) from None


# --- the typed values the services take ----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OrganisationProfile:
    """What an organisation says about itself (everything but the bank account), normalised."""

    name: str
    legal_name: str
    province_code: int
    tax_code: str = ""
    description: str = ""
    commune_code: int | None = None
    address_line: str = ""
    legacy_address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationProfile:
        return cls(**{f.name: getattr(organisation, f.name) for f in fields(cls)})

    @classmethod
    def from_input(cls, values: Mapping[str, Any], base: OrganisationProfile | None = None) -> OrganisationProfile:
        """From a schema's validated values; a partial update (API PATCH) keeps `base` for the rest."""
        known = {f.name for f in fields(cls)}
        given = {name: value for name, value in values.items() if name in known}
        if base is None:
            return cls(**given)
        return cls(**{name: given.get(name, getattr(base, name)) for name in known})


@dataclass(frozen=True, slots=True)
class BankAccount:
    """Where transfers and settlements go: a NAPAS bank BIN, the account number and its holder."""

    bank_bin: str
    account_number: str
    holder: str

    @classmethod
    def of(cls, organisation: Organisation) -> BankAccount | None:
        if not organisation.bank_account_number:
            return None
        return cls(organisation.bank_bin, organisation.bank_account_number, organisation.bank_account_holder)


BANK_FIELDS = ("bank_bin", "bank_account_number", "bank_account_holder")


def bank_account_from(values: Mapping[str, Any], base: BankAccount | None = None) -> BankAccount | None:
    """The three bank fields together, or none of them (no account); one or two alone is an error."""
    current = {
        "bank_bin": base.bank_bin if base else "",
        "bank_account_number": base.account_number if base else "",
        "bank_account_holder": base.holder if base else "",
    }
    merged = {name: values.get(name, current[name]) or "" for name in BANK_FIELDS}
    if not any(merged.values()):
        return None
    missing = [name for name in BANK_FIELDS if not merged[name]]
    if missing:
        raise serializers.ValidationError(
            {name: [_("Fill in bank, account number and holder together.")] for name in missing}
        )
    return BankAccount(merged["bank_bin"], merged["bank_account_number"], merged["bank_account_holder"])


# --- fields ----------------------------------------------------------------------------------------
class TaxCodeInput(TextInput):
    """MST: 10 digits, or 13 for a branch (0312345678-001); spaces and dots people type are dropped."""

    inputmode = "numeric"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Tax code (MST)"))
        kwargs.setdefault("help_text", gettext_lazy("10 digits, or 13 for a branch (0312345678-001)."))
        super().__init__(max_length=20, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        return _normalised(validators.normalise_tax_code, text) if text else ""


class PhoneInput(TextInput):
    """Any Vietnamese way of writing a phone number, stored E.164 (+84…)."""

    inputmode = "tel"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Phone"))
        super().__init__(max_length=30, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        return _normalised(validators.normalise_phone, text) if text else ""


class EmailInput(serializers.EmailField):
    """An e-mail address, trimmed and lower-cased (addresses are compared without case), at most as long as the
    address columns hold (RFC 5321's 254): a longer one is an error at its field, not a database error."""

    MAX_LENGTH = 254

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})["max_length"] = at_most_characters(self.MAX_LENGTH)
        super().__init__(max_length=self.MAX_LENGTH, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).strip().lower()


class ProvinceInput(IdInput):
    default_error_messages = {"invalid": gettext_lazy("Choose a province from the list.")}

    def to_internal_value(self, data: Any) -> int:
        code = super().to_internal_value(data)
        if geo.province(code) is None:
            self.fail("invalid")
        return code


class CommuneInput(IdInput):
    default_error_messages = {"invalid": gettext_lazy("Choose a commune from the list.")}

    def to_internal_value(self, data: Any) -> int:
        code = super().to_internal_value(data)
        if geo.commune(code) is None:
            self.fail("invalid")
        return code


class BankBinInput(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(bank.bin, bank.short_name) for bank in banks.BANKS], **kwargs)
        self.error_messages["invalid_choice"] = gettext_lazy("Unknown bank: choose one from the list.")


class AccountNumberInput(TextInput):
    """6 to 19 digits; the spaces and dots people copy from a bank app are dropped."""

    inputmode = "numeric"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=30, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data)
        digits = "".join(char for char in text if char not in " .-")
        if digits:
            _normalised(validators.validate_bank_account_number, digits)
        return digits


def _self_service(kind: OrganisationKind) -> OrganisationKind:
    if kind not in SELF_SERVICE_KINDS:
        raise serializers.ValidationError(_("Choose cooperative, cooperative group, union or buyer."))
    return kind


# --- schemas -------------------------------------------------------------------------------------
class _IdentityInput(serializers.Serializer):
    """Who and where an organisation is: what sign-up asks and the profile starts with."""

    name = TextInput(max_length=_length("name"), label=gettext_lazy("Trading name"))
    legal_name = TextInput(
        max_length=_length("legal_name"),
        label=gettext_lazy("Legal name"),
        help_text=gettext_lazy("As on the registration certificate."),
    )
    tax_code = TaxCodeInput(required=False)
    province_code = ProvinceInput(label=gettext_lazy("Province / city"))
    commune_code = CommuneInput(label=gettext_lazy("Commune / ward"), required=False, allow_null=True)
    address_line = TextInput(
        max_length=_length("address_line"), label=gettext_lazy("Street, hamlet (ấp/thôn)"), required=False
    )
    phone = PhoneInput(required=False)

    def validate_commune_code(self, code: int | None) -> int | None:
        """Checked with the field itself, so that it is reported with every other problem at once."""
        raw = getattr(self, "initial_data", {}).get("province_code")
        try:
            province = ProvinceInput().to_internal_value(raw) if raw not in (None, "") else None
        except serializers.ValidationError:
            return code  # the province's own error says what to fix
        if province is None:
            province = self.context.get("province_code")
        if code is not None and geo.commune_province_code(code) != province:
            raise serializers.ValidationError(_("This commune is not in the chosen province."))
        return code


class OrganisationProfileInput(_IdentityInput):
    """The profile an organisation edits (pages: the profile form; API: PATCH, partially, with the current
    province in `context["province_code"]`)."""

    description = TextInput(
        max_length=4000,
        multiline=True,
        label=gettext_lazy("Our story"),
        help_text=gettext_lazy(
            "A cooperative's storefront shows it to every buyer: how you started, what you grow or make, "
            "your members and what makes your products good."
        ),
        required=False,
    )
    legacy_address = TextInput(
        max_length=_length("legacy_address"),
        label=gettext_lazy("Address before 2025"),
        help_text=gettext_lazy("As printed on older certificates, with the old district."),
        required=False,
    )
    email = EmailInput(label=gettext_lazy("Contact e-mail"), required=False, allow_blank=True)
    website = serializers.URLField(label=gettext_lazy("Website"), required=False, allow_blank=True, max_length=200)


class BankAccountInput(serializers.Serializer):
    """The bank account (the owner's part of the profile form)."""

    bank_bin = BankBinInput(label=gettext_lazy("Bank"), required=False, allow_blank=True)
    bank_account_number = AccountNumberInput(label=gettext_lazy("Account number"), required=False)
    bank_account_holder = TextInput(
        max_length=_length("bank_account_holder"), label=gettext_lazy("Account holder"), required=False
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not self.partial:  # a partial update (API PATCH) is checked merged with the current account
            bank_account_from(attrs)
        return super().validate(attrs)


class OrganisationRegisterInput(OrganisationProfileInput, BankAccountInput):
    """A logged-in person registers an organisation (API)."""

    kind = ChoiceInput(OrganisationKind, label=gettext_lazy("We are a"))

    def validate_kind(self, kind: OrganisationKind) -> OrganisationKind:
        return _self_service(kind)


class PasswordInput(serializers.CharField):
    """A new password; Django's validators (length, common, similar to the name) run in the service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Password"))
        kwargs.setdefault("help_text", gettext_lazy("At least 10 characters."))
        kwargs.setdefault("style", {"input_type": "password", "autocomplete": "new-password"})
        super().__init__(max_length=128, trim_whitespace=False, **kwargs)


class SignUpInput(_IdentityInput):
    """Account and organisation in one form."""

    kind = ChoiceInput(OrganisationKind, label=gettext_lazy("We are a"))
    full_name = TextInput(max_length=150, label=gettext_lazy("Your full name"))
    email = EmailInput(label=gettext_lazy("E-mail"))
    password = PasswordInput()

    def validate_kind(self, kind: OrganisationKind) -> OrganisationKind:
        return _self_service(kind)


class AccountInput(serializers.Serializer):
    """A person's own details (pages: the account page; API: PATCH /me/, partially)."""

    full_name = TextInput(max_length=150, label=gettext_lazy("Full name"))
    phone = PhoneInput(required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, label=gettext_lazy("Language"))


class LanguageSwitchInput(serializers.Serializer):
    """The language buttons of every page: the language, and the page to go back to."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES)
    next = TextInput(max_length=2000, required=False)


class ActingOrganisationInput(serializers.Serializer):
    organisation = IdInput(label=gettext_lazy("Organisation"))


class RejectInput(serializers.Serializer):
    reason = TextInput(
        max_length=500,
        multiline=True,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The organisation sees this and can fix its profile."),
    )

    def validate_reason(self, reason: str) -> str:
        if len(reason) < 5:
            raise serializers.ValidationError(_("Tell the organisation why, so that it can fix it."))
        return reason


class InvitationInput(serializers.Serializer):
    email = EmailInput(label=gettext_lazy("E-mail"))
    role = ChoiceInput(Role, label=gettext_lazy("Role"))


class RoleInput(serializers.Serializer):
    role = ChoiceInput(Role, label=gettext_lazy("Role"))


class InvitationAcceptInput(serializers.Serializer):
    token = TextInput(max_length=100)


class InvitedAccountInput(serializers.Serializer):
    """Someone invited by e-mail creates their account (the address is the invitation's)."""

    full_name = TextInput(max_length=150, label=gettext_lazy("Your full name"))
    password = PasswordInput(label=gettext_lazy("Choose a password"))


class ScopesInput(serializers.MultipleChoiceField):
    """At least one `ApiScope`; the validated value is a frozenset of members."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", gettext_lazy("Scopes"))
        kwargs.setdefault(
            "help_text", gettext_lazy("Only what the integration needs; it never does more than your role allows.")
        )
        super().__init__(choices=ApiScope.choices, allow_empty=False, **kwargs)
        self.error_messages["empty"] = gettext_lazy("Choose at least one scope.")
        self.error_messages["invalid_choice"] = gettext_lazy("Choose scopes from the list.")
        self.error_messages["not_a_list"] = gettext_lazy("Send the scopes as a list.")

    def to_internal_value(self, data: Any) -> frozenset[ApiScope]:  # type: ignore[override]
        return frozenset(ApiScope(value) for value in super().to_internal_value(data))


def _valid_until() -> DateInput:
    return DateInput(
        required=False,
        allow_null=True,
        default=None,
        label=gettext_lazy("Valid until"),
        help_text=gettext_lazy("At most two years ahead; one year from today if left empty."),
    )


class ApiTokenInput(serializers.Serializer):
    name = TextInput(max_length=100, label=gettext_lazy("Name"), help_text=gettext_lazy("What uses it, e.g. 'ERP'."))
    scopes = ScopesInput()
    expires_on = _valid_until()


class ApiTokenRotateInput(serializers.Serializer):
    """A new token of the same name replaces the old one, with these scopes and expiry."""

    scopes = ScopesInput()
    expires_on = _valid_until()


class ApiTokenRenewInput(serializers.Serializer):
    expires_on = _valid_until()


class PasswordResetRequestInput(serializers.Serializer):
    email = EmailInput(label=gettext_lazy("E-mail"), help_text=gettext_lazy("The address you log in with."))


class NewPasswordInput(serializers.Serializer):
    """The new password chosen through a reset link (the page takes the link's parts from its URL)."""

    password = PasswordInput(label=gettext_lazy("New password"))


class PasswordResetInput(NewPasswordInput):
    """API: the new password with the link's user id and token."""

    uid = TextInput(max_length=64)
    token = TextInput(max_length=128)


# --- list filters (query parameters) ---------------------------------------------------------------
class OrganisationListQuery(serializers.Serializer):
    status = ChoiceInput(VerificationStatus, required=False)
    kind = ChoiceInput(OrganisationKind, required=False)
    search = TextInput(max_length=100, required=False)


class VerificationQueueQuery(serializers.Serializer):
    status = ChoiceInput(VerificationStatus, required=False)


class SignUpQuery(serializers.Serializer):
    """`/sign-up/?kind=buyer`: which kind the form starts with."""

    kind = ChoiceInput(OrganisationKind, required=False)


class CommuneQuery(serializers.Serializer):
    province_code = ProvinceInput(required=False)
