from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.organisations.names import NamesShown, register_names_shown
        from market.payments.registry import register
        from orders.demo import seed_orders
        from orders.exports import register_exports
        from orders.models import Order, Quote, Rfq
        from orders.notifications import register_notification_kinds
        from orders.payables import OrderPayable
        from orders.webhooks import register_webhook_event_types

        register(OrderPayable())
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        # The API's rows show these organisations' names: a rename sends them again (updated_since).
        register_names_shown(NamesShown(Order, organisations=("buyer", "cooperative")))
        register_names_shown(NamesShown(Rfq, organisations=("buyer",)))
        register_names_shown(NamesShown(Quote, organisations=("cooperative",)))
        register_seeder("orders", seed_orders, order=60)
