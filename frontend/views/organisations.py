"""Home, dashboard, the acting organisation's profile, members, tokens, account, public cooperative card."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend.dashboard import dashboard_for
from frontend.decorators import actor_required
from frontend.errors import say_refused
from frontend.forms import (
    AccountForm,
    ActingOrganisationForm,
    ApiTokenForm,
    ApiTokenRotateForm,
    BankAccountForm,
    InvitationForm,
    OrganisationForm,
    RoleForm,
)
from market.core.errors import ApplicationError, NotFound
from market.core.inputs import read_query
from market.core.once import posted_key
from market.organisations import geo, selectors, services
from market.organisations.http import ActorRequest, MemberRequest
from market.organisations.inputs import (
    BankAccount,
    CommuneQuery,
    OrganisationProfile,
    bank_account_from,
)
from market.organisations.models import ApiToken, Invitation, Membership, Organisation, User
from market.organisations.permissions import TOKENS_MANAGE
from market.organisations.policies import (
    API_TOKEN_POLICY,
    ORGANISATION_POLICY,
    ApiTokenAction,
    OrganisationAction,
    api_token_actions,
    grantable_roles,
    invitation_actions,
    membership_actions,
    organisation_actions,
)
from market.organisations.services import invitation_accept_url, keyed


def home(request: ActorRequest) -> HttpResponse:
    return render(request, "frontend/home.html")


@login_required
def no_organisation(request: ActorRequest) -> HttpResponse:
    if request.actor.organisation is not None:
        return redirect("frontend:dashboard")
    return render(request, "frontend/organisation/none.html")


@actor_required()
def dashboard(request: MemberRequest) -> HttpResponse:
    return render(request, "frontend/dashboard.html", dashboard_for(request.actor))


@require_POST
@login_required
def switch_organisation(request: MemberRequest) -> HttpResponse:
    form = ActingOrganisationForm(request.POST)
    try:
        if not form.is_valid():
            raise ApplicationError(_("You are not a member of that organisation."))
        organisation = services.acting_organisation_switch(
            user=request.user, organisation_id=form.cleaned_data["organisation"]
        )
    except ApplicationError:
        messages.error(request, _("You are not a member of that organisation."))
    else:
        messages.success(request, _("You are now acting for %(name)s.") % {"name": organisation.name})
    return redirect("frontend:dashboard")


def _own(request: MemberRequest) -> Organisation:
    organisation = request.actor.organisation
    assert organisation is not None  # actor_required
    return organisation


@actor_required()
def organisation(request: MemberRequest) -> HttpResponse:
    org = _own(request)
    actions = organisation_actions(actor=request.actor, organisation=org)
    return render(request, "frontend/organisation/profile.html", {"organisation": org, "actions": actions})


@actor_required()
def organisation_edit(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    org = _own(request)
    ORGANISATION_POLICY.authorize(actor=actor, obj=org, action=OrganisationAction.EDIT)
    can_bank = OrganisationAction.EDIT_BANK in organisation_actions(actor=actor, organisation=org)
    data = request.POST if request.method == "POST" else None
    form = OrganisationForm(data, initial=_values(OrganisationProfile.of(org)))
    bank = BankAccount.of(org)
    bank_initial = {"bank_bin": bank.bank_bin, "bank_account_number": bank.account_number,
                    "bank_account_holder": bank.holder} if bank else {}  # fmt: skip
    bank_form = BankAccountForm(data if can_bank else None, initial=bank_initial, prefix="bank")
    if request.method == "POST" and form.is_valid() and (not can_bank or bank_form.is_valid()):
        try:
            services.organisation_update(
                actor=actor,
                organisation_id=org.pk,
                profile=OrganisationProfile.from_input(form.cleaned_data),
                bank=bank_account_from(bank_form.cleaned_data) if can_bank else services.Keep.BANK,
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:organisation")
    status = 400 if form.errors or bank_form.errors else 200
    context = {"form": form, "bank_form": bank_form, "can_bank": can_bank}
    return render(request, "frontend/organisation/edit.html", context, status=status)


def _values(profile: OrganisationProfile) -> dict[str, object]:
    return {name: getattr(profile, name) for name in OrganisationProfile.__dataclass_fields__}


@require_POST
@actor_required()
def organisation_resubmit(request: MemberRequest) -> HttpResponse:
    services.organisation_resubmit(actor=request.actor, organisation_id=_own(request).pk)
    messages.success(request, _("Sent to the alliance for verification again."))
    return redirect("frontend:organisation")


@actor_required()
def members(request: MemberRequest) -> HttpResponse:
    actor = request.actor
    org = _own(request)
    # Only the roles this person may give: a manager is not offered "owner", which the service refuses.
    role_choices = {"role": [(role.value, role.label) for role in grantable_roles(actor)]}
    invite_form = InvitationForm(request.POST or None, choices=role_choices)
    if request.method == "POST" and invite_form.is_valid():
        try:
            done, token = keyed.invitation_create_once(
                actor=actor, organisation_id=org.pk, once_key=posted_key(request.POST), **invite_form.cleaned_data
            )
        except ApplicationError as exc:
            invite_form.add_service_errors(exc)
        else:
            messages.success(request, _invitation_created_message(done.value, token))
            return redirect("frontend:organisation-members")
    memberships = [
        (membership, membership_actions(actor=actor, membership=membership))
        for membership in selectors.membership_list_for(actor=actor, organisation_id=org.pk)
    ]
    invitations = [
        (invitation, invitation_actions(actor=actor, invitation=invitation))
        for invitation in selectors.invitation_list_for(actor=actor, organisation_id=org.pk)
    ]
    context = {
        "memberships": memberships,
        "invitations": invitations,
        "invite_form": invite_form,
        "role_form": RoleForm(choices=role_choices),
        "actions": organisation_actions(actor=actor, organisation=org),
    }
    return render(request, "frontend/organisation/members.html", context, status=400 if invite_form.errors else 200)


def _invitation_created_message(invitation: Invitation, token: str | None) -> str:
    """With the link when this send made the invitation; a repeated send (its token is stored hashed) says only
    where it goes."""
    if token is None:
        return _("Invitation created: we are e-mailing it to %(email)s.") % {"email": invitation.email}
    return _("Invitation created: we are e-mailing it to %(email)s. You can also share this link: %(url)s") % {
        "email": invitation.email,
        "url": invitation_accept_url(token),
    }


def _member_gone(request: MemberRequest) -> HttpResponse:
    messages.error(request, _("This person is no longer a member of the organisation: the list below is up to date."))
    return redirect("frontend:organisation-members")


@require_POST
@actor_required()
def member_change_role(request: MemberRequest, membership_id: int) -> HttpResponse:
    """A refusal (the last owner, a role this person may not give, a member who left meanwhile) comes back on the
    members page, named after the member."""
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose owner, manager or staff."))
        return redirect("frontend:organisation-members")
    try:
        membership = selectors.membership_get_for(actor=request.actor, membership_id=membership_id)
    except NotFound:
        return _member_gone(request)
    try:
        services.membership_change_role(
            actor=request.actor, membership_id=membership.pk, role=form.cleaned_data["role"]
        )
    except NotFound:
        return _member_gone(request)
    except ApplicationError as error:
        say_refused(request, error, about=_member_name(membership))
    else:
        messages.success(request, _("Role changed."))
    return redirect("frontend:organisation-members")


def _member_name(membership: Membership) -> str:
    return membership.user.full_name or membership.user.email


@require_POST
@actor_required()
def member_remove(request: MemberRequest, membership_id: int) -> HttpResponse:
    try:
        membership = selectors.membership_get_for(actor=request.actor, membership_id=membership_id)
    except NotFound:
        return _member_gone(request)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(actor=request.actor, membership_id=membership.pk)
    except NotFound:
        return _member_gone(request)
    except ApplicationError as error:
        say_refused(request, error, about=_member_name(membership))
        return redirect("frontend:organisation-members")
    messages.success(request, _("You left the organisation.") if leaving else _("Member removed."))
    return redirect("frontend:dashboard" if leaving else "frontend:organisation-members")


def _invitation_not_ours(request: MemberRequest) -> HttpResponse:
    """An invitation of another organisation (a members page kept open across a switch of organisation) or a missing
    id: invitations are kept once revoked, so it was never this organisation's; both are told the same, so nothing
    says whether another organisation's exists."""
    messages.error(
        request,
        _(
            "This invitation does not belong to the organisation you are acting for (if you switched organisation "
            "in another tab, switch back to withdraw it): the list below is up to date."
        ),
    )
    return redirect("frontend:organisation-members")


@require_POST
@actor_required()
def invitation_revoke(request: MemberRequest, invitation_id: int) -> HttpResponse:
    try:
        services.invitation_revoke(actor=request.actor, invitation_id=invitation_id)
    except NotFound:
        return _invitation_not_ours(request)
    except ApplicationError as error:  # accepted, or withdrawn by a colleague, meanwhile
        say_refused(request, error)
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("frontend:organisation-members")


def _tokens_page(
    request: MemberRequest,
    form: ApiTokenForm,
    *,
    new_secret: str | None = None,
    rotated: ApiToken | None = None,
    status: int = 200,
) -> HttpResponse:
    """`rotated`: the token a rotation sent twice made on its first send, whose secret only that send's answer
    showed; the page says so and offers to rotate it again (when it still may be)."""
    actor = request.actor
    listed = selectors.api_token_list_for(actor=actor)
    tokens = [(token, api_token_actions(actor=actor, token=token)) for token in listed]
    context = {
        "tokens": tokens,
        "form": form,
        "new_secret": new_secret,
        "rotated": rotated,
        "rotate_again": rotated is not None and ApiTokenAction.ROTATE in api_token_actions(actor=actor, token=rotated),
    }
    response = render(request, "frontend/organisation/tokens.html", context, status=status)
    if new_secret:
        response["Cache-Control"] = "no-store"  # the secret must not be kept by the browser or a proxy
    return response


@actor_required(TOKENS_MANAGE)
def tokens(request: MemberRequest) -> HttpResponse:
    """The list, and a new token: its secret is on the answer to the POST and nowhere else, ever."""
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _done, secret = keyed.api_token_create_once(
                actor=request.actor, once_key=posted_key(request.POST), **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            if secret is None:  # a second send of the form: its secret was on the first answer only
                messages.warning(
                    request,
                    _(
                        "This token was already created when the form was first sent, and its secret shown then. "
                        "If you did not copy it, rotate the token to get a new secret."
                    ),
                )
            return _tokens_page(request, ApiTokenForm(), new_secret=secret)
    return _tokens_page(request, form, status=400 if form.errors else 200)


def _token_not_ours(request: MemberRequest) -> HttpResponse:
    """A token of another organisation: a page opened while acting for it (the person switched in another tab), or an
    address typed by hand. Tokens are kept once revoked, so it was never this organisation's; a missing id is told
    the same, so nothing says whether another organisation's exists."""
    messages.error(
        request,
        _(
            "This API token does not belong to the organisation you are acting for (if you switched organisation "
            "in another tab, switch back to manage it): the list below is up to date."
        ),
    )
    return redirect("frontend:organisation-tokens")


@actor_required(TOKENS_MANAGE)
def token_rotate(request: MemberRequest, token_id: int) -> HttpResponse:
    """Replace a token (a legacy all-scopes one, or a leaked one) by a new scoped token of the same name.

    The form carries a one-time key: sent twice (a double click), the second answer is the one the browser
    shows, and the first one's secret is gone with it. That answer says so and offers to rotate the new token
    again; no secret is kept anywhere to show it a second time."""
    try:
        token = selectors.api_token_get_for(actor=request.actor, token_id=token_id)
    except NotFound:
        return _token_not_ours(request)
    initial = {} if token.is_legacy else {"scopes": token.scopes}
    form = ApiTokenRotateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            done, secret = keyed.api_token_rotate_once(
                actor=request.actor, once_key=posted_key(request.POST), token_id=token.pk, **form.cleaned_data
            )
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            if secret is None:
                return _tokens_page(request, ApiTokenForm(), rotated=done.value)
            messages.success(request, _("The old token stopped working; the new one replaces it."))
            return _tokens_page(request, ApiTokenForm(), new_secret=secret)
        token.refresh_from_db()
    refused = API_TOKEN_POLICY.state_refusal(ApiTokenAction.ROTATE, token)
    if refused is not None:
        # Revoked (meanwhile, or a page opened before): the reason, not a form the service refuses.
        context = {"token": token, "refused": refused}
        return render(request, "frontend/organisation/token_rotate.html", context, status=409)
    context = {"token": token, "form": form}
    return render(request, "frontend/organisation/token_rotate.html", context, status=400 if form.errors else 200)


@require_POST
@actor_required(TOKENS_MANAGE)
def token_renew(request: MemberRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_renew(actor=request.actor, token_id=token_id, expires_on=None)
    except NotFound:
        return _token_not_ours(request)
    except ApplicationError as error:  # revoked or rotated meanwhile (another tab, a colleague)
        say_refused(request, error)
        return redirect("frontend:organisation-tokens")
    messages.success(
        request,
        _("Token renewed: valid until %(date)s.")
        % {"date": date_format(timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT")},
    )
    return redirect("frontend:organisation-tokens")


@require_POST
@actor_required(TOKENS_MANAGE)
def token_revoke(request: MemberRequest, token_id: int) -> HttpResponse:
    try:
        services.api_token_revoke(actor=request.actor, token_id=token_id)
    except NotFound:
        return _token_not_ours(request)
    except ApplicationError as error:  # revoked already: a double click, another tab, a colleague
        say_refused(request, error)
    else:
        messages.success(request, _("Token revoked. Integrations using it stop working now."))
    return redirect("frontend:organisation-tokens")


@login_required
def account(request: MemberRequest) -> HttpResponse:
    user: User = request.user
    saving = request.method == "POST" and "save_account" in request.POST
    changing = request.method == "POST" and "change_password" in request.POST
    form = AccountForm(
        request.POST if saving else None,
        initial={"full_name": user.full_name, "phone": user.phone, "language": user.language},
    )
    password_form = PasswordChangeForm(user, request.POST if changing else None)
    if saving and form.is_valid():
        services.user_update(user=user, **form.cleaned_data)
        messages.success(request, _("Saved."))
        return redirect("frontend:account")
    if changing and password_form.is_valid():
        password_form.save()
        update_session_auth_hash(request, password_form.user)
        messages.success(request, _("Password changed."))
        return redirect("frontend:account")
    status = 400 if form.errors or password_form.errors else 200
    return render(request, "frontend/account.html", {"form": form, "password_form": password_form}, status=status)


@require_GET
def communes(request: ActorRequest) -> HttpResponse:
    """htmx: the commune options of the chosen province."""
    province_code = read_query(CommuneQuery, request.GET).get("province_code")
    options = geo.communes(province_code) if province_code else ()
    return render(request, "frontend/partials/commune_options.html", {"communes": options})
