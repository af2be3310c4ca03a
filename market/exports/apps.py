from django.apps import AppConfig


class ExportsConfig(AppConfig):
    name = "market.exports"
    label = "exports"
    verbose_name = "Exports"

    def ready(self) -> None:
        from market.exports.notifications import register_notification_kinds

        register_notification_kinds()
