from django.apps import AppConfig


class FairsConfig(AppConfig):
    name = "fairs"
    verbose_name = "Fairs"

    def ready(self) -> None:
        from fairs.demo import seed_fairs
        from fairs.exports import register_exports
        from fairs.models import Application, Badge, Meeting
        from fairs.notifications import register_notification_kinds
        from fairs.payables import BoothFeePayable
        from fairs.webhooks import register_webhook_event_types
        from market.core.demo import register_seeder
        from market.organisations.names import NamesShown, register_names_shown
        from market.payments.registry import register

        register(BoothFeePayable())
        register_notification_kinds()
        register_webhook_event_types()
        register_exports()
        # The API's rows show these names: a rename sends them again (updated_since).
        register_names_shown(NamesShown(Application, organisations=("cooperative",)))
        register_names_shown(NamesShown(Meeting, organisations=("buyer", "exhibitor")))
        register_names_shown(NamesShown(Badge, organisations=("organisation",), users=("revoked_by",)))
        register_seeder("fairs", seed_fairs, order=70)  # after orders: outcomes point at real ones
