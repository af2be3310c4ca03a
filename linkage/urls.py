from django.urls import path

from linkage.api import views as api

app_name = "linkage"

urlpatterns = [
    path("linkage/contracts/", api.ContractListView.as_view(), name="contract-list"),
    path("linkage/contracts/<int:contract_id>/", api.ContractDetailView.as_view(), name="contract-detail"),
    path("linkage/contracts/<int:contract_id>/draft/", api.ContractDraftView.as_view(), name="contract-draft"),
    path("linkage/contracts/<int:contract_id>/amend/", api.ContractAmendView.as_view(), name="contract-amend"),
    path("linkage/contracts/<int:contract_id>/sign/", api.ContractSignView.as_view(), name="contract-sign"),
    path("linkage/contracts/<int:contract_id>/reopen/", api.ContractReopenView.as_view(), name="contract-reopen"),
    path("linkage/contracts/<int:contract_id>/discard/", api.ContractDiscardView.as_view(), name="contract-discard"),
    path(
        "linkage/contracts/<int:contract_id>/terminate/", api.ContractTerminateView.as_view(), name="contract-terminate"
    ),
    path("linkage/contracts/<int:contract_id>/close/", api.ContractCloseView.as_view(), name="contract-close"),
    path("linkage/contracts/<int:contract_id>/versions/", api.ContractVersionsView.as_view(), name="contract-versions"),
    path(
        "linkage/contracts/<int:contract_id>/statement/", api.ContractStatementView.as_view(), name="contract-statement"
    ),
    path("linkage/contracts/<int:contract_id>/call-offs/", api.CallOffAddView.as_view(), name="call-off-list"),
    path("linkage/contracts/<int:contract_id>/advances/", api.AdvanceRecordView.as_view(), name="advance-list"),
    path(
        "linkage/contracts/<int:contract_id>/force-majeure/",
        api.ForceMajeureDeclareView.as_view(),
        name="force-majeure-list",
    ),
    path("linkage/contracts/<int:contract_id>/disputes/", api.DisputeOpenView.as_view(), name="dispute-list"),
    path("linkage/deliveries/", api.DeliveryListView.as_view(), name="delivery-list"),
    path("linkage/deliveries/sync/", api.DeliverySyncView.as_view(), name="delivery-sync"),
    path("linkage/call-offs/", api.CallOffListView.as_view(), name="call-offs"),
    path("linkage/advances/", api.AdvanceListView.as_view(), name="advances"),
    path("linkage/force-majeure/", api.ForceMajeureListView.as_view(), name="force-majeure"),
    path("linkage/disputes/", api.DisputeListView.as_view(), name="disputes"),
    path("linkage/call-offs/<int:call_off_id>/place/", api.CallOffPlaceView.as_view(), name="call-off-place"),
    path("linkage/call-offs/<int:call_off_id>/cancel/", api.CallOffCancelView.as_view(), name="call-off-cancel"),
    path("linkage/call-offs/<int:call_off_id>/delivery/", api.DeliveryView.as_view(), name="call-off-delivery"),
    path(
        "linkage/advances/<int:advance_id>/acknowledge/",
        api.AdvanceAcknowledgeView.as_view(),
        name="advance-acknowledge",
    ),
    path(
        "linkage/force-majeure/<int:event_id>/acknowledge/",
        api.ForceMajeureAcknowledgeView.as_view(),
        name="force-majeure-acknowledge",
    ),
    path("linkage/force-majeure/<int:event_id>/end/", api.ForceMajeureEndView.as_view(), name="force-majeure-end"),
    path("linkage/disputes/<int:dispute_id>/reply/", api.DisputeReplyView.as_view(), name="dispute-reply"),
    path("linkage/disputes/<int:dispute_id>/resolve/", api.DisputeResolveView.as_view(), name="dispute-resolve"),
    path("linkage/reference-prices/", api.SeriesListView.as_view(), name="series-list"),
    path("linkage/reference-prices/<int:series_id>/prices/", api.SeriesPriceView.as_view(), name="series-prices"),
    path("linkage/report/", api.ReportView.as_view(), name="report"),
]
