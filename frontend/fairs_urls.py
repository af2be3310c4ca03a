"""The trade fair pages (mounted by frontend/urls.py)."""

from django.urls import path

from frontend.views import fairs

urlpatterns = [
    path("fairs/", fairs.fair_list, name="fair-list"),
    path("fairs/meetings/", fairs.meetings, name="fair-meetings"),
    path("fairs/applications/", fairs.my_applications, name="fair-my-applications"),
    path("fairs/applications/<int:application_id>/", fairs.application_detail, name="fair-application"),
    path("fairs/<slug:slug>/", fairs.fair_detail, name="fair-detail"),
    path("fairs/<slug:slug>/plan/", fairs.fair_plan, name="fair-plan"),
    path("fairs/<slug:slug>/plan.svg", fairs.fair_plan_svg, name="fair-plan-svg"),
    path("fairs/<slug:slug>/apply/", fairs.fair_apply, name="fair-apply"),
    path("fairs/<slug:slug>/matching/", fairs.matching, name="fair-matching"),
    path("fairs/<slug:slug>/badges/", fairs.badges, name="fair-badges"),
    path("fairs/<slug:slug>/badges/<str:code>.svg", fairs.badge_qr, name="fair-badge-qr"),
    path("staff/fairs/", fairs.staff_fairs, name="staff-fairs"),
    path("staff/fairs/new/", fairs.fair_new, name="fair-new"),
    path("staff/fairs/programmes/", fairs.programmes, name="fair-programmes"),
    path("staff/fairs/programmes/<int:programme_id>/", fairs.programmes, name="fair-programme"),
    path("staff/fairs/<slug:slug>/matching/", fairs.matching_setup, name="fair-matching-setup"),
    path("staff/fairs/<slug:slug>/plan/", fairs.plan_editor, name="fair-plan-editor"),
    path("staff/fairs/<slug:slug>/applications/", fairs.review_queue, name="fair-review"),
    path("staff/fairs/<slug:slug>/check-in/", fairs.checkin, name="fair-checkin"),
    path("staff/fairs/<slug:slug>/report/", fairs.report, name="fair-report"),
    path("staff/fairs/<slug:slug>/report.csv", fairs.report, {"fmt": "csv"}, name="fair-report-csv"),
    path("staff/fairs/<slug:slug>/report.pdf", fairs.report, {"fmt": "pdf"}, name="fair-report-pdf"),
]
