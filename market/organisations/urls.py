from django.urls import path

from market.organisations import api

app_name = "organisations"

urlpatterns = [
    path("me/", api.MeView.as_view(), name="me"),
    path("me/acting-organisation/", api.ActingOrganisationView.as_view(), name="me-acting-organisation"),
    path("password-reset/", api.PasswordResetRequestView.as_view(), name="password-reset"),
    path("password-reset/confirm/", api.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("organisations/", api.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/<int:organisation_id>/", api.OrganisationDetailView.as_view(), name="organisation-detail"),
    path(
        "organisations/<int:organisation_id>/verify/", api.OrganisationVerifyView.as_view(), name="organisation-verify"
    ),
    path(
        "organisations/<int:organisation_id>/reject/", api.OrganisationRejectView.as_view(), name="organisation-reject"
    ),
    path(
        "organisations/<int:organisation_id>/resubmit/",
        api.OrganisationResubmitView.as_view(),
        name="organisation-resubmit",
    ),
    path(
        "organisations/<int:organisation_id>/memberships/",
        api.MembershipListView.as_view(),
        name="organisation-memberships",
    ),
    path(
        "organisations/<int:organisation_id>/invitations/",
        api.InvitationListView.as_view(),
        name="organisation-invitations",
    ),
    path("memberships/<int:membership_id>/", api.MembershipDetailView.as_view(), name="membership-detail"),
    path(
        "memberships/<int:membership_id>/change-role/",
        api.MembershipChangeRoleView.as_view(),
        name="membership-change-role",
    ),
    path("invitations/accept/", api.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("invitations/<int:invitation_id>/revoke/", api.InvitationRevokeView.as_view(), name="invitation-revoke"),
    path("tokens/", api.ApiTokenListView.as_view(), name="token-list"),
    path("deletions/", api.DeletionListView.as_view(), name="deletion-list"),
    path("tokens/<int:token_id>/renew/", api.ApiTokenRenewView.as_view(), name="token-renew"),
    path("tokens/<int:token_id>/rotate/", api.ApiTokenRotateView.as_view(), name="token-rotate"),
    path("tokens/<int:token_id>/revoke/", api.ApiTokenRevokeView.as_view(), name="token-revoke"),
    path("geo/provinces/", api.ProvinceListView.as_view(), name="province-list"),
    path("geo/provinces/<int:province_code>/communes/", api.CommuneListView.as_view(), name="commune-list"),
    path("banks/", api.BankListView.as_view(), name="bank-list"),
]
