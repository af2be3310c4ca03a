from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "market.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from market.core.demo import register_seeder
        from market.notifications import checks  # noqa: F401 (registers the template check)
        from market.notifications.demo import seed_notifications
        from market.notifications.models import Channel, Group
        from market.notifications.registry import NotificationKind, register_kind
        from market.notifications.services import DIGEST_KIND

        register_kind(
            NotificationKind(
                name=DIGEST_KIND,
                group=Group.ACCOUNT,
                label=_("Daily summary of e-mails"),
                template="notifications/digest",
                channels=frozenset({Channel.EMAIL}),
                essential=True,
                digestible=False,
                link=_inbox_link,
                sample_context={
                    "count": 2,
                    "day": "2026-03-09",
                    "entries": [
                        {"title": "HTX Lúa gạo Tân Hiệp đã được Liên minh HTX xác minh.", "link": "", "group": ""},
                        {"title": "Lời mời tham gia Sài Gòn Xanh Foods", "link": "", "group": ""},
                    ],
                },
            )
        )
        register_seeder("notifications", seed_notifications, order=20)


def _inbox_link(context: object) -> str:
    return "/notifications/"
