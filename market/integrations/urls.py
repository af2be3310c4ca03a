from django.urls import path

from market.integrations import api

urlpatterns = [
    path("webhooks/event-types/", api.EventTypeListView.as_view(), name="webhook-event-types"),
    path("webhooks/endpoints/", api.EndpointListView.as_view(), name="webhook-endpoint-list"),
    path("webhooks/endpoints/<int:endpoint_id>/", api.EndpointDetailView.as_view(), name="webhook-endpoint-detail"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/rotate-secret/",
        api.EndpointRotateSecretView.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/enable/", api.EndpointEnableView.as_view(), name="webhook-endpoint-enable"
    ),
    path(
        "webhooks/endpoints/<int:endpoint_id>/disable/",
        api.EndpointDisableView.as_view(),
        name="webhook-endpoint-disable",
    ),
    path("webhooks/endpoints/<int:endpoint_id>/ping/", api.EndpointPingView.as_view(), name="webhook-endpoint-ping"),
    path(
        "webhooks/endpoints/<int:endpoint_id>/deliveries/",
        api.DeliveryListView.as_view(),
        name="webhook-delivery-list",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/send-again/",
        api.DeliverySendAgainView.as_view(),
        name="webhook-delivery-send-again",
    ),
]
