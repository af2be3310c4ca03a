from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "market.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.payments.demo import DemoOrderPayable, seed_payments
        from market.payments.notifications import register_notification_kinds
        from market.payments.registry import register

        register_seeder("payments", seed_payments, order=50)
        register_notification_kinds()
        # Demo-only stand-in for order checkouts; the orders app registers the real kind.
        register(DemoOrderPayable())
