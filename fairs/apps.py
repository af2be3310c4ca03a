from django.apps import AppConfig


class FairsConfig(AppConfig):
    name = "fairs"
    verbose_name = "Fairs"

    def ready(self) -> None:
        from fairs.demo import seed_fairs
        from fairs.exports import register_exports
        from fairs.notifications import register_notification_kinds
        from fairs.payables import BoothFeePayable
        from fairs.webhooks import register_webhook_event_types
        from market.core.demo import register_seeder
        from market.payments.registry import register

        register(BoothFeePayable())
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        register_seeder("fairs", seed_fairs, order=70)  # after orders: outcomes point at real ones
