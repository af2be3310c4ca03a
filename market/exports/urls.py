from django.urls import path

from market.exports import api

app_name = "exports"

urlpatterns = [
    path("exports/", api.ExportJobListView.as_view(), name="job-list"),
    path("exports/kinds/", api.ExportKindListView.as_view(), name="kind-list"),
    path("exports/<int:job_id>/", api.ExportJobDetailView.as_view(), name="job-detail"),
    path("exports/<int:job_id>/cancel/", api.ExportJobCancelView.as_view(), name="job-cancel"),
    path("exports/<int:job_id>/download/", api.ExportJobDownloadView.as_view(), name="job-download"),
]
