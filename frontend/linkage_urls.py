"""The linkage contract pages (mounted by frontend/urls.py)."""

from django.urls import path

from frontend.views import linkage, linkage_report

urlpatterns = [
    path("contracts/", linkage.contract_list, name="linkage-contracts"),
    path("contracts/new/", linkage.contract_new, name="linkage-contract-new"),
    path("contracts/<int:contract_id>/", linkage.contract_detail, name="linkage-contract"),
    path("contracts/<int:contract_id>/edit/", linkage.contract_edit, name="linkage-contract-edit"),
    path("contracts/<int:contract_id>/amend/", linkage.contract_amend, name="linkage-contract-amend"),
    path("contracts/<int:contract_id>/versions/<int:number>/", linkage.version_detail, name="linkage-version"),
    path("contracts/<int:contract_id>/do/<str:command>/", linkage.contract_command, name="linkage-contract-command"),
    path("contracts/call-offs/<int:call_off_id>/", linkage.call_off_detail, name="linkage-call-off"),
    path("contracts/call-offs/<int:call_off_id>/intake/", linkage.intake, name="linkage-intake"),
    path("contracts/<str:kind>/<int:item_id>/do/<str:command>/", linkage.item_command, name="linkage-item-command"),
    path("contracts/evidence/<int:event_id>/", linkage.evidence, name="linkage-evidence"),
    path("reference-prices/", linkage.reference_prices, name="linkage-prices"),
    path("staff/linkage/report/", linkage_report.report, name="linkage-report"),
    path("staff/linkage/report.csv", linkage_report.report, {"fmt": "csv"}, name="linkage-report-csv"),
    path("staff/linkage/report.xlsx", linkage_report.report, {"fmt": "xlsx"}, name="linkage-report-xlsx"),
    path("staff/linkage/report.pdf", linkage_report.report, {"fmt": "pdf"}, name="linkage-report-pdf"),
]
