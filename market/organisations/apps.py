from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "market.organisations"
    label = "organisations"
    verbose_name = "Organisations"

    def ready(self) -> None:
        from market.core.demo import register_seeder
        from market.organisations.demo import seed_organisations
        from market.organisations.models import Membership
        from market.organisations.names import NamesShown, register_names_shown
        from market.organisations.notifications import register_notification_kinds

        register_seeder("organisations", seed_organisations, order=10)
        register_notification_kinds()
        register_names_shown(NamesShown(Membership, users=("user",)))  # the member list shows each full name
