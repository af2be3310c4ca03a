"""Page forms. They check shape (types, lengths); the services check meaning and report per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from market.core.errors import ApplicationError
from market.organisations import banks, geo
from market.organisations.models import Organisation, OrganisationKind, Role

SIGN_UP_KINDS = [
    (OrganisationKind.COOPERATIVE, _("Cooperative (HTX)")),
    (OrganisationKind.COOPERATIVE_GROUP, _("Cooperative group (tổ hợp tác)")),
    (OrganisationKind.UNION, _("Cooperative union")),
    (OrganisationKind.BUYER, _("Buyer: company or wholesaler")),
]


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors next to the fields; the rest at the top of the form."""
    if not error.fields:
        form.add_error(None, error.message)
        return
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _length(name: str) -> int:
    return Organisation._meta.get_field(name).max_length


class OrganisationFieldsMixin(forms.Form):
    name = forms.CharField(label=_("Trading name"), max_length=_length("name"))
    legal_name = forms.CharField(
        label=_("Legal name"), max_length=_length("legal_name"), help_text=_("As on the registration certificate.")
    )
    tax_code = forms.CharField(
        label=_("Tax code (MST)"),
        max_length=20,
        required=False,
        help_text=_("10 digits, or 13 for a branch (0312345678-001)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    province_code = forms.TypedChoiceField(label=_("Province / city"), coerce=int, choices=())
    commune_code = forms.TypedChoiceField(
        label=_("Commune / ward"), coerce=int, required=False, empty_value=None, choices=()
    )
    address_line = forms.CharField(
        label=_("Street, hamlet (ấp/thôn)"), max_length=_length("address_line"), required=False
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province_code"].choices = [("", _("Choose a province")), *geo.province_choices()]
        province = self._province_value()
        self.fields["commune_code"].choices = [("", _("Choose a commune")), *geo.commune_choices(province)]
        self.fields["province_code"].widget.attrs.update(
            {"hx-get": "/geo/communes/", "hx-target": "#id_commune_code", "hx-trigger": "change"}
        )

    def _province_value(self) -> int | None:
        raw = self.data.get(self.add_prefix("province_code")) if self.is_bound else self.initial.get("province_code")
        try:
            return int(raw) if raw else None
        except (TypeError, ValueError):
            return None

    organisation_fields: tuple[str, ...] = (
        "name",
        "legal_name",
        "tax_code",
        "province_code",
        "commune_code",
        "address_line",
        "phone",
    )

    def organisation_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.organisation_fields if name in self.cleaned_data}


class SignUpForm(OrganisationFieldsMixin):
    kind = forms.ChoiceField(label=_("We are a"), choices=SIGN_UP_KINDS, widget=forms.RadioSelect)
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters."),
    )
    field_order = ["kind", "name", "legal_name", "tax_code", "province_code", "commune_code", "address_line", "phone"]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class OrganisationForm(OrganisationFieldsMixin):
    description = forms.CharField(
        label=_("About us"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000
    )
    legacy_address = forms.CharField(
        label=_("Address before 2025"),
        max_length=_length("legacy_address"),
        required=False,
        help_text=_("As printed on older certificates, with the old district."),
    )
    email = forms.EmailField(label=_("Contact e-mail"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    organisation_fields = (
        *OrganisationFieldsMixin.organisation_fields,
        *("description", "legacy_address", "email", "website"),
    )


class BankAccountForm(forms.Form):
    bank_bin = forms.ChoiceField(label=_("Bank"), required=False)
    bank_account_number = forms.CharField(
        label=_("Account number"), max_length=19, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    bank_account_holder = forms.CharField(label=_("Account holder"), max_length=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank_bin"].choices = [("", _("Choose a bank")), *banks.bank_choices()]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.STAFF)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The organisation sees this and can fix its profile."),
    )


class AccountForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What uses it, e.g. 'ERP'."))


class InvitedAccountForm(forms.Form):
    full_name = forms.CharField(label=_("Your full name"), max_length=150)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters."),
    )
