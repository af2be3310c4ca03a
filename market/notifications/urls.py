from django.urls import path

from market.notifications import api

urlpatterns = [
    path("notifications/", api.InboxView.as_view(), name="notification-inbox"),
    path("notifications/unread-count/", api.UnreadCountView.as_view(), name="notification-unread-count"),
    path("notifications/mark-all-read/", api.MarkAllReadView.as_view(), name="notification-mark-all-read"),
    path("notifications/preferences/", api.PreferencesView.as_view(), name="notification-preferences"),
    path("notifications/deliveries/", api.DeliveryListView.as_view(), name="notification-delivery-list"),
    path(
        "notifications/deliveries/<int:notification_id>/",
        api.DeliveryDetailView.as_view(),
        name="notification-delivery-detail",
    ),
    path(
        "notifications/deliveries/<int:notification_id>/resend/",
        api.DeliveryResendView.as_view(),
        name="notification-delivery-resend",
    ),
    path("notifications/<int:notification_id>/mark-read/", api.MarkReadView.as_view(), name="notification-mark-read"),
]
