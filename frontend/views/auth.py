"""Sign-up, login, logout, password reset, language, invitations."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.forms import (
    InvitedAccountForm,
    LoginForm,
    PasswordResetRequestForm,
    SignUpForm,
)
from frontend.schema_forms import SchemaForm
from frontend.visitor import VISITOR_BACKEND
from market.core.errors import ValidationFailed
from market.core.inputs import InputMode, read_input, read_query
from market.organisations import selectors, services
from market.organisations.authentication import login_address_failed, login_address_locked
from market.organisations.http import ActorRequest
from market.organisations.inputs import LanguageSwitchInput, NewPasswordInput, OrganisationProfile, SignUpQuery
from market.organisations.models import OrganisationKind, User


class LoginView(auth_views.LoginView):
    template_name = "frontend/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if login_address_locked(request):
            return lockout(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        """Logged in through the page visitor's backend (ModelBackend checked the password)."""
        login(self.request, form.get_user(), backend=VISITOR_BACKEND)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            login_address_failed(self.request)
        return super().form_invalid(form)


def lockout(
    request: HttpRequest, credentials: dict[str, str] | None = None, *args: object, **kwargs: object
) -> HttpResponse:
    """django-axes calls this when an e-mail has failed too often from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "frontend/auth/lockout.html", {"minutes": minutes}, status=429)


def _status(*forms: SchemaForm) -> int:
    return 400 if any(form.errors for form in forms) else 200


def sign_up(request: ActorRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("frontend:dashboard")
    kind = read_query(SignUpQuery, request.GET).get("kind", OrganisationKind.COOPERATIVE)
    form = SignUpForm(request.POST or None, initial={"kind": kind})
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data
        try:
            services.sign_up(
                email=fields["email"],
                password=fields["password"],
                full_name=fields["full_name"],
                language=request.LANGUAGE_CODE,
                kind=fields["kind"],
                # The person registering (their e-mail) is the first contact until the profile says otherwise.
                profile=OrganisationProfile.from_input(fields),
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            # The same page whether the address already had an account (its owner got an e-mail saying so)
            # or not, so sign-up never tells who has an account.
            return render(request, "frontend/auth/sign_up_sent.html", {"email": fields["email"]})
    form.order_fields(["kind", "name", "legal_name", "tax_code", "province_code", "commune_code"])
    return render(request, "frontend/auth/sign_up.html", {"form": form}, status=_status(form))


@require_POST
def set_language(request: ActorRequest) -> HttpResponse:
    fields = read_input(LanguageSwitchInput, request.POST, mode=InputMode.FORM)
    language, next_url = fields["language"], fields.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if isinstance(request.user, User):
        services.user_update(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
    )
    return response


def invitation(request: ActorRequest, token: str) -> HttpResponse:
    """The link in an invitation: join with the current account, or create one for the invited address."""
    if request.method == "POST" and isinstance(request.user, User):
        joined = selectors.invitation_accepted_by(user=request.user, token=token)
        if joined is not None:  # Join sent twice (a double click): the first send joined
            messages.success(request, _("You joined %(name)s.") % {"name": joined.organisation.name})
            return redirect("frontend:dashboard")
    invite = selectors.invitation_open_by_token(token=token)
    form = InvitedAccountForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        if form is not None:
            if not form.is_valid():
                return render(
                    request, "frontend/auth/invitation.html", {"invitation": invite, "form": form}, status=400
                )
            try:
                user = services.user_create(email=invite.email, language=request.LANGUAGE_CODE, **form.cleaned_data)
            except ValidationFailed as exc:
                form.add_service_errors(exc)
                return render(
                    request, "frontend/auth/invitation.html", {"invitation": invite, "form": form}, status=400
                )
            login(request, user, backend=VISITOR_BACKEND)
        assert isinstance(request.user, User)
        membership = services.invitation_accept(user=request.user, token=token)
        messages.success(request, _("You joined %(name)s.") % {"name": membership.organisation.name})
        return redirect("frontend:dashboard")
    return render(request, "frontend/auth/invitation.html", {"invitation": invite, "form": form})


# --- password reset ------------------------------------------------------------------------------
def password_reset(request: ActorRequest) -> HttpResponse:
    """Ask for a reset link. The page answers the same whether the address has an account or not."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"])
        return render(request, "frontend/auth/password_reset_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "frontend/auth/password_reset.html", {"form": form}, status=_status(form))


def password_reset_confirm(request: ActorRequest, uid: str, token: str) -> HttpResponse:
    """The link in the e-mail: choose a new password (the link works once), then you are logged in."""
    user = services.password_reset_user(uid=uid, token=token)
    form = SchemaForm(request.POST or None, schema=NewPasswordInput)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_reset_confirm(uid=uid, token=token, password=form.cleaned_data["password"])
        except ValidationFailed as exc:
            form.add_service_errors(exc)
        else:
            login(request, user, backend=VISITOR_BACKEND)
            messages.success(request, _("Your new password is saved and you are logged in."))
            return redirect("frontend:dashboard")
    context = {"form": form, "email": user.email}
    return render(request, "frontend/auth/password_reset_confirm.html", context, status=_status(form))
