from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.payments.registry import register
        from orders.demo import seed_orders
        from orders.exports import register_exports
        from orders.notifications import register_notification_kinds
        from orders.payables import OrderPayable
        from orders.webhooks import register_webhook_event_types

        register(OrderPayable())
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        register_seeder("orders", seed_orders, order=60)
