from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "market.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.organisations.names import NamesShown, register_names_shown
        from market.payments.demo import seed_payments, seed_payments_sample
        from market.payments.exports import register_exports
        from market.payments.models import SettlementRun
        from market.payments.notifications import register_notification_kinds
        from market.payments.webhooks import register_webhook_event_types

        register_seeder("payments", seed_payments, order=50)
        register_seeder("payments-sample", seed_payments_sample, order=65)  # after the orders it pays
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        # A settlement run's API rows show each settlement's payee by name (the run is what syncs).
        register_names_shown(NamesShown(SettlementRun, organisations=("settlements__payee",)))
