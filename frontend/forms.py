"""Page forms of accounts and organisations: rendered from the commands' input schemas
(`market.organisations.inputs`) and validated by them, so a page and the API read a post the same way."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from frontend.errors import page_message
from frontend.schema_forms import Choices, SchemaForm
from market.core.errors import ApplicationError
from market.exports.inputs import ExportInput
from market.integrations.inputs import EndpointInput, RotateSecretInput
from market.organisations import banks, geo
from market.organisations.inputs import (
    AccountInput,
    ActingOrganisationInput,
    ApiTokenInput,
    ApiTokenRotateInput,
    BankAccountInput,
    InvitationInput,
    InvitedAccountInput,
    OrganisationProfileInput,
    PasswordResetRequestInput,
    RejectInput,
    RoleInput,
    SignUpInput,
)
from market.organisations.models import OrganisationKind, Role

SIGN_UP_KINDS: Choices = [
    (OrganisationKind.COOPERATIVE.value, _("Cooperative (HTX)")),
    (OrganisationKind.COOPERATIVE_GROUP.value, _("Cooperative group (tổ hợp tác)")),
    (OrganisationKind.UNION.value, _("Cooperative union")),
    (OrganisationKind.BUYER.value, _("Buyer: company or wholesaler")),
]


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """Show a service's field errors next to the fields; the rest at the top of the form."""
    if not error.fields:
        form.add_error(None, page_message(error))
        return
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def _place_choices(data: Any, initial: Any, prefix: str | None = None) -> dict[str, Choices]:
    """Province and commune options; the communes of the province chosen (posted, or saved)."""
    key = f"{prefix}-province_code" if prefix else "province_code"
    raw = str((data.get(key) if data is not None else (initial or {}).get("province_code")) or "")
    province = int(raw) if raw.isdigit() and len(raw) < 6 else None
    return {
        "province_code": [("", _("Choose a province")), *geo.province_choices()],
        "commune_code": geo.commune_choices(province),
    }


class _PlaceForm(SchemaForm):
    """A form with a province and the communes of that province (htmx swaps them when it changes)."""

    def __init__(self, data: Any = None, *, initial: Any = None, **kwargs: Any) -> None:
        choices = {**_place_choices(data, initial, kwargs.get("prefix")), **kwargs.pop("choices", {})}
        super().__init__(data, initial=initial, choices=choices, **kwargs)
        self.fields["province_code"].widget.attrs.update(
            {"hx-get": "/geo/communes/", "hx-target": f"#{self['commune_code'].auto_id}", "hx-trigger": "change"}
        )


class SignUpForm(_PlaceForm):
    schema = SignUpInput

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, choices={"kind": SIGN_UP_KINDS}, **kwargs)
        self.fields["kind"].widget = forms.RadioSelect(choices=SIGN_UP_KINDS)
        self.fields["email"].widget.attrs["autocomplete"] = "email"


class OrganisationForm(_PlaceForm):
    schema = OrganisationProfileInput


class BankAccountForm(SchemaForm):
    schema = BankAccountInput

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, choices={"bank_bin": [("", _("Choose a bank")), *banks.bank_choices()]}, **kwargs)


class LoginForm(AuthenticationForm):
    """Django's login form: the e-mail is matched without case (see `UserManager.get_by_natural_key`)."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class InvitationForm(SchemaForm):
    schema = InvitationInput

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        super().__init__(data, initial={"role": Role.STAFF}, **kwargs)


class ActingOrganisationForm(SchemaForm):
    schema = ActingOrganisationInput


class RoleForm(SchemaForm):
    schema = RoleInput


class RejectForm(SchemaForm):
    schema = RejectInput


class AccountForm(SchemaForm):
    schema = AccountInput


class ExportForm(SchemaForm):
    schema = ExportInput


class ApiTokenForm(SchemaForm):
    schema = ApiTokenInput


class ApiTokenRotateForm(SchemaForm):
    schema = ApiTokenRotateInput


class WebhookEndpointForm(SchemaForm):
    schema = EndpointInput


class WebhookRotateSecretForm(SchemaForm):
    schema = RotateSecretInput


class InvitedAccountForm(SchemaForm):
    schema = InvitedAccountInput


class PasswordResetRequestForm(SchemaForm):
    schema = PasswordResetRequestInput
