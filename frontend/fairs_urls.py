"""The trade fair pages (mounted by frontend/urls.py)."""

from django.urls import path

from frontend.views import fairs

urlpatterns = [
    path("fairs/", fairs.fair_list, name="fair-list"),
    path("fairs/meetings/", fairs.meetings, name="fair-meetings"),
    path("fairs/meetings/<int:meeting_id>/<slug:verb>/", fairs.meeting_act, name="fair-meeting-act"),
    path("fairs/applications/", fairs.my_applications, name="fair-my-applications"),
    path("fairs/applications/<int:application_id>/", fairs.application_detail, name="fair-application"),
    path("fairs/applications/<int:application_id>/<slug:verb>/", fairs.application_act, name="fair-application-act"),
    path("fairs/<slug:slug>/", fairs.fair_detail, name="fair-detail"),
    path("fairs/<slug:slug>/plan/", fairs.fair_plan, name="fair-plan"),
    path("fairs/<slug:slug>/plan.svg", fairs.fair_plan_svg, name="fair-plan-svg"),
    path("fairs/<slug:slug>/apply/", fairs.fair_apply, name="fair-apply"),
    path("fairs/<slug:slug>/matching/", fairs.matching, name="fair-matching"),
    path("fairs/<slug:slug>/matching/register/", fairs.matching_register, name="fair-matching-register"),
    path("fairs/<slug:slug>/matching/<int:exhibitor_id>/", fairs.meeting_request, name="fair-meeting-request"),
    path("fairs/<slug:slug>/badges/", fairs.badges, name="fair-badges"),
    path("fairs/<slug:slug>/badges/<str:code>.svg", fairs.badge_qr, name="fair-badge-qr"),
    path("fairs/<slug:slug>/badges/<str:code>/revoke/", fairs.badge_revoke, name="fair-badge-revoke"),
    path("fairs/<slug:slug>/badges/<str:code>/reissue/", fairs.badge_reissue, name="fair-badge-reissue"),
    path("staff/fairs/", fairs.staff_fairs, name="staff-fairs"),
    path("staff/fairs/new/", fairs.fair_new, name="fair-new"),
    path("staff/fairs/programmes/", fairs.programmes, name="fair-programmes"),
    path("staff/fairs/programmes/<int:programme_id>/", fairs.programmes, name="fair-programme"),
    path("staff/fairs/<slug:slug>/matching/", fairs.matching_setup, name="fair-matching-setup"),
    path("staff/fairs/<slug:slug>/matching/slots/", fairs.slots_add, name="fair-slots-add"),
    path("staff/fairs/<slug:slug>/matching/tables/", fairs.tables_add, name="fair-tables-add"),
    path("staff/fairs/<slug:slug>/plan/", fairs.plan_editor, name="fair-plan-editor"),
    path("staff/fairs/<slug:slug>/plan/step/", fairs.fair_transition, name="fair-transition"),
    path("staff/fairs/<slug:slug>/plan/allocate/", fairs.fair_allocate, name="fair-allocate"),
    path("staff/fairs/<slug:slug>/plan/halls/", fairs.hall_add, name="fair-hall-add"),
    path("staff/fairs/<slug:slug>/plan/import/", fairs.plan_import, name="fair-plan-import"),
    path("staff/fairs/<slug:slug>/plan/booths/<int:booth_id>/", fairs.plan_booth, name="fair-booth"),
    path(
        "staff/fairs/<slug:slug>/plan/booths/<int:booth_id>/<slug:verb>/",
        fairs.plan_booth_act,
        name="fair-booth-act",
    ),
    path("staff/fairs/<slug:slug>/applications/", fairs.review_queue, name="fair-review"),
    path("staff/fairs/<slug:slug>/check-in/", fairs.checkin, name="fair-checkin"),
    path("staff/fairs/<slug:slug>/report/", fairs.report, name="fair-report"),
    path("staff/fairs/<slug:slug>/report.csv", fairs.report, {"fmt": "csv"}, name="fair-report-csv"),
    path("staff/fairs/<slug:slug>/report.pdf", fairs.report, {"fmt": "pdf"}, name="fair-report-pdf"),
]
