"""The notifications this app sends, registered in OrganisationsConfig.ready(). Templates are in
templates/notifications/organisations/<event>/<language>/."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from market.notifications.models import Channel, Group
from market.notifications.registry import NotificationKind, register_kind

VERIFIED = "organisations.verified"
REJECTED = "organisations.rejected"
INVITATION = "organisations.invitation"
PASSWORD_RESET = "organisations.password_reset"  # noqa: S105 (a notification kind)
SIGNED_UP = "organisations.signed_up"
SIGN_UP_EXISTING = "organisations.sign_up_existing"


def _organisation_page(context: Mapping[str, Any]) -> str:
    return reverse("frontend:organisation")


def _invitation_link(context: Mapping[str, Any]) -> str:
    return str(context.get("accept_url") or "")


def _reset_link(context: Mapping[str, Any]) -> str:
    return str(context.get("reset_url") or "")


def _login_link(context: Mapping[str, Any]) -> str:
    return str(context.get("login_url") or "")


def register_notification_kinds() -> None:
    # Sign-up answers the same whether the address had an account; these e-mails tell the address's owner
    # which it was. Sent whatever the preferences (there are none yet, or they were not asked): e-mail only.
    sign_up_sample = {
        "login_url": "http://127.0.0.1:8000/login/",
        "password_reset_url": "http://127.0.0.1:8000/password-reset/",
        "organisation_name": "HTX Mật ong Vĩnh Thuận",
    }
    for name, label in (
        (SIGNED_UP, _("Your account was created")),
        (SIGN_UP_EXISTING, _("Someone tried to sign up with your e-mail address")),
    ):
        register_kind(
            NotificationKind(
                name=name,
                group=Group.ACCOUNT,
                label=label,
                template=f"notifications/organisations/{name.removeprefix('organisations.')}",
                channels=frozenset({Channel.EMAIL}),
                essential=True,
                digestible=False,
                link=_login_link,
                sample_context=sign_up_sample,
            )
        )
    register_kind(
        NotificationKind(
            name=VERIFIED,
            group=Group.ACCOUNT,
            label=_("Your organisation was verified"),
            template="notifications/organisations/verified",
            link=_organisation_page,
            zalo_params={"ten_to_chuc": "organisation_name"},
            sample_context={"organisation_id": 1, "organisation_name": "HTX Lúa gạo Tân Hiệp", "is_seller": True},
        )
    )
    register_kind(
        NotificationKind(
            name=REJECTED,
            group=Group.ACCOUNT,
            label=_("Your organisation could not be verified"),
            template="notifications/organisations/rejected",
            link=_organisation_page,
            zalo_params={"ten_to_chuc": "organisation_name", "ly_do": "reason"},
            sample_context={
                "organisation_id": 1,
                "organisation_name": "HTX Dừa Chợ Lách",
                "reason": "Tên pháp lý không khớp với giấy chứng nhận đăng ký HTX; vui lòng tải lên bản chụp.",
                "is_seller": True,
            },
        )
    )
    register_kind(
        NotificationKind(
            name=INVITATION,
            group=Group.ACCOUNT,
            label=_("Invitation to join an organisation"),
            template="notifications/organisations/invitation",
            # The invited person may have no account and no preferences yet: always by e-mail (and in the
            # app when they already have an account).
            channels=frozenset({Channel.EMAIL, Channel.IN_APP}),
            essential=True,
            digestible=False,
            link=_invitation_link,
            secret_context=frozenset({"accept_url"}),
            sample_context={
                "inviting_organisation": "HTX Lúa gạo Tân Hiệp",
                "inviter_name": "Nguyễn Văn Hùng",
                "role": "staff",
                "accept_url": "http://127.0.0.1:8000/invitations/sample-token/",
                "expires_on": "2026-03-23",
            },
        )
    )
    register_kind(
        NotificationKind(
            name=PASSWORD_RESET,
            group=Group.ACCOUNT,
            label=_("Password reset link"),
            template="notifications/organisations/password_reset",
            # Asked for by the person just now, whatever their preferences: e-mail only, never in a digest.
            channels=frozenset({Channel.EMAIL}),
            essential=True,
            digestible=False,
            link=_reset_link,
            secret_context=frozenset({"reset_url"}),
            sample_context={"reset_url": "http://127.0.0.1:8000/password-reset/MQ/sample-token/", "valid_hours": 2},
        )
    )
