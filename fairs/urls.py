from django.urls import path

from fairs import api

app_name = "fairs"

urlpatterns = [
    path("fairs/", api.FairListView.as_view(), name="fair-list"),
    path("fairs/<int:fair_id>/", api.FairDetailView.as_view(), name="fair-detail"),
    path("fairs/<int:fair_id>/transition/", api.FairTransitionView.as_view(), name="fair-transition"),
    path("fairs/<int:fair_id>/plan/", api.PlanView.as_view(), name="fair-plan"),
    path("fairs/<int:fair_id>/booths/", api.BoothListView.as_view(), name="booth-list"),
    path("fairs/<int:fair_id>/booths/<int:booth_id>/", api.BoothDetailView.as_view(), name="booth-detail"),
    path("fairs/<int:fair_id>/allocate/", api.AllocateView.as_view(), name="fair-allocate"),
    path("fairs/<int:fair_id>/check-in/", api.CheckInView.as_view(), name="fair-check-in"),
    path("fairs/<int:fair_id>/check-in/sync/", api.CheckInSyncView.as_view(), name="fair-check-in-sync"),
    path("fairs/<int:fair_id>/badges/", api.BadgeListView.as_view(), name="badge-list"),
    path("fairs/<int:fair_id>/badges/<str:code>/revoke/", api.BadgeRevokeView.as_view(), name="badge-revoke"),
    path("fairs/<int:fair_id>/badges/<str:code>/reissue/", api.BadgeReissueView.as_view(), name="badge-reissue"),
    path("fairs/<int:fair_id>/check-in/badges/", api.CheckInBadgesView.as_view(), name="fair-check-in-badges"),
    path("fairs/<int:fair_id>/check-in/copy/", api.CheckInCopyView.as_view(), name="fair-check-in-copy"),
    path("fairs/<int:fair_id>/applications/", api.ApplicationListView.as_view(), name="application-list"),
    path("fairs/<int:fair_id>/register/", api.RegisterView.as_view(), name="buyer-register"),
    path("fairs/<int:fair_id>/meetings/", api.MeetingListView.as_view(), name="meeting-list"),
    path("fairs/applications/<int:application_id>/", api.ApplicationDetailView.as_view(), name="application-detail"),
    path(
        "fairs/applications/<int:application_id>/approve/",
        api.ApplicationApproveView.as_view(),
        name="application-approve",
    ),
    path(
        "fairs/applications/<int:application_id>/waitlist/",
        api.ApplicationWaitlistView.as_view(),
        name="application-waitlist",
    ),
    path(
        "fairs/applications/<int:application_id>/reject/",
        api.ApplicationRejectView.as_view(),
        name="application-reject",
    ),
    path(
        "fairs/applications/<int:application_id>/withdraw/",
        api.ApplicationWithdrawView.as_view(),
        name="application-withdraw",
    ),
    path(
        "fairs/applications/<int:application_id>/assign/",
        api.ApplicationAssignView.as_view(),
        name="application-assign",
    ),
    path(
        "fairs/applications/<int:application_id>/release/",
        api.ApplicationReleaseView.as_view(),
        name="application-release",
    ),
    path("fairs/meetings/<int:meeting_id>/accept/", api.MeetingAcceptView.as_view(), name="meeting-accept"),
    path("fairs/meetings/<int:meeting_id>/decline/", api.MeetingDeclineView.as_view(), name="meeting-decline"),
    path("fairs/meetings/<int:meeting_id>/cancel/", api.MeetingCancelView.as_view(), name="meeting-cancel"),
    path("fairs/meetings/<int:meeting_id>/outcome/", api.MeetingOutcomeView.as_view(), name="meeting-outcome"),
]
