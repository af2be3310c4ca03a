"""Home, dashboard, the acting organisation's profile, members, tokens, account, public cooperative card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.decorators import actor_required
from frontend.forms import (
    AccountForm,
    ApiTokenForm,
    BankAccountForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
    add_service_errors,
)
from frontend.navigation import dashboard_cards_for
from market.core.errors import ApplicationError
from market.organisations import geo, selectors, services
from market.organisations.api import invitation_accept_url
from market.organisations.permissions import (
    MEMBERS_MANAGE,
    ORGANISATION_BANK_UPDATE,
    ORGANISATION_UPDATE,
    TOKENS_MANAGE,
)
from market.organisations.selectors import verification_queue


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "frontend/home.html")


@login_required
def no_organisation(request: HttpRequest) -> HttpResponse:
    if request.actor.organisation is not None:  # type: ignore[attr-defined]
        return redirect("frontend:dashboard")
    return render(request, "frontend/organisation/none.html")


@actor_required()
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = {"cards": dashboard_cards_for(actor)}
    if actor.is_alliance_staff:
        context["pending_count"] = verification_queue(actor=actor).count()
    return render(request, "frontend/dashboard.html", context)


@require_POST
@login_required
def switch_organisation(request: HttpRequest) -> HttpResponse:
    try:
        organisation = services.acting_organisation_switch(
            user=request.user, organisation_id=int(request.POST.get("organisation", 0))
        )
    except (ValueError, ApplicationError):
        messages.error(request, _("You are not a member of that organisation."))
    else:
        messages.success(request, _("You are now acting for %(name)s.") % {"name": organisation.name})
    return redirect("frontend:dashboard")


@actor_required()
def organisation(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "frontend/organisation/profile.html",
        {"organisation": actor.organisation, "can_edit": actor.can(ORGANISATION_UPDATE)},
    )


@actor_required(ORGANISATION_UPDATE)
def organisation_edit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    org = actor.organisation
    initial = {name: getattr(org, name) for name in OrganisationForm.base_fields}
    form = OrganisationForm(request.POST or None, initial=initial)
    bank_initial = {name: getattr(org, name) for name in BankAccountForm.base_fields}
    bank_form = BankAccountForm(request.POST or None, initial=bank_initial, prefix="bank")
    can_bank = actor.can(ORGANISATION_BANK_UPDATE)
    if request.method == "POST" and form.is_valid() and (not can_bank or bank_form.is_valid()):
        data = form.organisation_data()
        if can_bank:
            data |= bank_form.cleaned_data
        try:
            services.organisation_update(actor=actor, organisation=org, data=data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
            for field in list(form.errors):
                if field in bank_form.fields:
                    bank_form.add_error(field, form.errors.pop(field))
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:organisation")
    status = 400 if form.errors or bank_form.errors else 200
    return render(
        request,
        "frontend/organisation/edit.html",
        {"form": form, "bank_form": bank_form, "can_bank": can_bank},
        status=status,
    )


@require_POST
@actor_required(ORGANISATION_UPDATE)
def organisation_resubmit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    services.organisation_resubmit(actor=actor, organisation=actor.organisation)
    messages.success(request, _("Sent to the alliance for verification again."))
    return redirect("frontend:organisation")


@actor_required()
def members(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    invite_form = InvitationForm(request.POST or None)
    if request.method == "POST" and invite_form.is_valid():
        try:
            invitation, token = services.invitation_create(
                actor=actor, organisation=actor.organisation, **invite_form.cleaned_data
            )
        except ApplicationError as exc:
            add_service_errors(invite_form, exc)
        else:
            messages.success(
                request,
                _("Invitation created: we are e-mailing it to %(email)s. You can also share this link: %(url)s")
                % {"email": invitation.email, "url": invitation_accept_url(token)},
            )
            return redirect("frontend:organisation-members")
    context = {
        "memberships": selectors.membership_list_for(actor=actor, organisation_id=actor.organisation_id),
        "invitations": selectors.invitation_list_for(actor=actor, organisation_id=actor.organisation_id),
        "invite_form": invite_form,
        "role_form": RoleForm(),
        "can_manage": actor.can(MEMBERS_MANAGE),
    }
    return render(request, "frontend/organisation/members.html", context, status=400 if invite_form.errors else 200)


@require_POST
@actor_required()
def member_change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    membership = selectors.membership_get_for(actor=actor, membership_id=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        services.membership_change_role(actor=actor, membership=membership, role=form.cleaned_data["role"])
        messages.success(request, _("Role changed."))
    return redirect("frontend:organisation-members")


@require_POST
@actor_required()
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    membership = selectors.membership_get_for(actor=actor, membership_id=membership_id)
    leaving = membership.user_id == request.user.pk
    services.membership_remove(actor=actor, membership=membership)
    messages.success(request, _("You left the organisation.") if leaving else _("Member removed."))
    return redirect("frontend:dashboard" if leaving else "frontend:organisation-members")


@require_POST
@actor_required(MEMBERS_MANAGE)
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    invitation = selectors.invitation_get_for(actor=actor, invitation_id=invitation_id)
    services.invitation_revoke(actor=actor, invitation=invitation)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("frontend:organisation-members")


@actor_required(TOKENS_MANAGE)
def tokens(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = ApiTokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = services.api_token_create(actor=actor, name=form.cleaned_data["name"])
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            form = ApiTokenForm()
    context = {"tokens": selectors.api_token_list_for(actor=actor), "form": form, "new_secret": new_secret}
    return render(request, "frontend/organisation/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@actor_required(TOKENS_MANAGE)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    services.api_token_revoke(actor=actor, token=selectors.api_token_get_for(actor=actor, token_id=token_id))
    messages.success(request, _("Token revoked. Integrations using it stop working now."))
    return redirect("frontend:organisation-tokens")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = AccountForm(
        request.POST if "save_account" in request.POST else None,
        initial={"full_name": user.full_name, "phone": user.phone, "language": user.language},
    )
    password_form = PasswordChangeForm(user, request.POST if "change_password" in request.POST else None)
    if request.method == "POST" and "save_account" in request.POST and form.is_valid():
        try:
            services.user_update(user=user, **form.cleaned_data)
        except ApplicationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:account")
    if request.method == "POST" and "change_password" in request.POST and password_form.is_valid():
        password_form.save()
        update_session_auth_hash(request, password_form.user)
        messages.success(request, _("Password changed."))
        return redirect("frontend:account")
    status = 400 if form.errors or password_form.errors else 200
    return render(request, "frontend/account.html", {"form": form, "password_form": password_form}, status=status)


def cooperative(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A verified cooperative's public card."""
    return render(
        request,
        "frontend/organisation/public.html",
        {"organisation": selectors.seller_public_get(organisation_id=organisation_id)},
    )


@require_GET
def communes(request: HttpRequest) -> HttpResponse:
    """htmx: the commune options of the chosen province."""
    try:
        province_code = int(request.GET.get("province_code", ""))
    except ValueError:
        province_code = 0
    return render(request, "frontend/partials/commune_options.html", {"communes": geo.communes(province_code)})
