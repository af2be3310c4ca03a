from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "market.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from market.integrations import checks  # noqa: F401 (registers the secret key checks)
        from market.integrations.notifications import register_notification_kinds
        from market.integrations.registry import register_ping

        register_notification_kinds()
        register_ping()
