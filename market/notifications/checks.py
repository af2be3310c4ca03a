"""`manage.py check` (and CI) reports a registered notification kind whose template files are missing."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from market.notifications.registry import TEMPLATE_PARTS, registered_kinds


@checks.register(checks.Tags.templates)
def check_notification_templates(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    for kind in registered_kinds():
        for language, _name in settings.LANGUAGES:
            for part in TEMPLATE_PARTS:
                name = kind.template_name(language, part)
                try:
                    get_template(name)
                except TemplateDoesNotExist:
                    problems.append(
                        checks.Error(
                            f"Notification kind {kind.name}: template {name} is missing", id="notifications.E001"
                        )
                    )
                except TemplateSyntaxError as exc:
                    problems.append(
                        checks.Error(f"Notification kind {kind.name}: {name}: {exc}", id="notifications.E002")
                    )
    return problems
