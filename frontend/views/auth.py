"""Sign-up, login, logout, language, invitations."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.forms import InvitedAccountForm, LoginForm, SignUpForm, add_service_errors
from market.core.errors import ValidationFailed
from market.organisations import selectors, services
from market.organisations.middleware import SUPPORTED_LANGUAGES

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class LoginView(auth_views.LoginView):
    template_name = "frontend/auth/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request: HttpRequest, credentials: dict | None = None, *args: object, **kwargs: object) -> HttpResponse:
    """django-axes calls this when an e-mail has failed too often from one address."""
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "frontend/auth/lockout.html", {"minutes": minutes}, status=429)


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("frontend:dashboard")
    form = SignUpForm(request.POST or None, initial={"kind": request.GET.get("kind", "cooperative")})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
                language=request.LANGUAGE_CODE,
                kind=form.cleaned_data["kind"],
                # The person registering is the first contact until the profile says otherwise.
                organisation=form.organisation_data() | {"email": form.cleaned_data["email"]},
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome! The alliance will check your organisation's details soon."))
            return redirect("frontend:dashboard")
    return render(request, "frontend/auth/sign_up.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = redirect(next_url)
    if language in SUPPORTED_LANGUAGES:
        if request.user.is_authenticated:
            services.user_update(user=request.user, language=language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax", secure=request.is_secure()
        )
    return response


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation: join with the current account, or create one for the invited address."""
    invite = selectors.invitation_open_by_token(token=token)
    form = InvitedAccountForm(request.POST or None) if not request.user.is_authenticated else None
    if request.method == "POST":
        if form is not None:
            if not form.is_valid():
                return render(
                    request, "frontend/auth/invitation.html", {"invitation": invite, "form": form}, status=400
                )
            try:
                user = services.user_create(
                    email=invite.email,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                    language=request.LANGUAGE_CODE,
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc)
                return render(
                    request, "frontend/auth/invitation.html", {"invitation": invite, "form": form}, status=400
                )
            login(request, user, backend=MODEL_BACKEND)
        membership = services.invitation_accept(user=request.user, token=token)
        messages.success(request, _("You joined %(name)s.") % {"name": membership.organisation.name})
        return redirect("frontend:dashboard")
    return render(request, "frontend/auth/invitation.html", {"invitation": invite, "form": form})
