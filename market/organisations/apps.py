from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "market.organisations"
    label = "organisations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.organisations.demo import seed_organisations

        register_seeder("organisations", seed_organisations, order=10)
