"""Turning a kind's template files and a row's context into text, in the recipient's language.

Templates are files (editable defaults, see registry.py); an operator overrides one by placing a file with
the same path in NOTIFICATIONS_TEMPLATES_DIR, which is searched first.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import Context, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import select_template
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from market.notifications.registry import NotificationKind

logger = logging.getLogger(__name__)

LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)
DIGEST_KIND = "notifications.daily_digest"


class RenderError(Exception):
    """A template is missing or broken: a permanent failure for the row (staff see which file)."""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def recipient_language(language: str | None) -> str:
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def site_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path if path.startswith('/') else '/' + path}"


def preferences_url() -> str:
    """Where a person changes what they receive (in every e-mail's footer and List-Unsubscribe)."""
    key = (settings.SITE_URL, settings.ROOT_URLCONF)
    if _PREFERENCES_URL.get("key") != key:
        try:
            path = reverse("frontend:notification-preferences")
        except NoReverseMatch:
            path = "/notifications/preferences/"
        _PREFERENCES_URL.update(key=key, url=site_url(path))
    return _PREFERENCES_URL["url"]


_PREFERENCES_URL: dict[str, Any] = {}


def kind_link(kind: NotificationKind, context: Mapping[str, Any]) -> str:
    """The site-relative (or absolute) address the notification opens; "" when there is none."""
    if kind.link is None:
        return ""
    try:
        return str(kind.link(context) or "")
    except Exception:
        # A broken link must never break the inbox page or hold up a message: it goes without one.
        logger.exception("notification link failed", extra={"kind": kind.name})
        return ""


def template_context(
    kind: NotificationKind,
    context: Mapping[str, Any],
    *,
    language: str,
    recipient_name: str = "",
    organisation_name: str = "",
) -> dict[str, Any]:
    link = kind_link(kind, context)
    return {
        **context,
        "kind_label": kind.label,
        "link": site_url(link),
        "site_url": settings.SITE_URL,
        "preferences_url": preferences_url(),
        "recipient_name": recipient_name,
        "organisation_name": context.get("organisation_name", organisation_name),
        "language": language,
    }


def render_part(kind: NotificationKind, part: str, context: Mapping[str, Any], *, language: str) -> str:
    names = [kind.template_name(language, part)]
    if language != settings.LANGUAGE_CODE:
        names.append(kind.template_name(settings.LANGUAGE_CODE, part))
    try:
        template = select_template(names)
        with translation.override(language):
            # Text parts are not HTML: no escaping of "&" or quotes in a subject or an SMS.
            return template.template.render(Context(dict(context), autoescape=part.endswith(".html")))
    except TemplateDoesNotExist as exc:
        raise RenderError(f"missing template {names[0]}") from exc
    except (TemplateSyntaxError, KeyError, TypeError, ValueError) as exc:
        raise RenderError(f"{names[0]}: {exc}") from exc


def one_line(text: str) -> str:
    return " ".join(text.split())


def render_email(
    kind: NotificationKind,
    context: Mapping[str, Any],
    *,
    language: str,
    recipient_name: str = "",
    organisation_name: str = "",
) -> RenderedEmail:
    language = recipient_language(language)
    ctx = template_context(
        kind, context, language=language, recipient_name=recipient_name, organisation_name=organisation_name
    )
    if kind.name == DIGEST_KIND and "entries" not in ctx:
        ctx["entries"] = digest_entries(context.get("items", []), language=language)
    subject = one_line(render_part(kind, "subject.txt", ctx, language=language))
    text = render_part(kind, "body.txt", ctx, language=language).strip()
    footer = _render_footer(ctx, language=language)
    html = render_part(kind, "body.html", ctx, language=language)
    return RenderedEmail(subject=subject, text=f"{text}\n\n{footer}".strip() + "\n", html=html)


def _render_footer(ctx: Mapping[str, Any], *, language: str) -> str:
    try:
        template = select_template(["notifications/email/footer.txt"])
    except TemplateDoesNotExist:
        return ""
    with translation.override(language):
        return template.template.render(Context(dict(ctx), autoescape=False)).strip()


def render_inbox_line(kind: NotificationKind, context: Mapping[str, Any], *, language: str) -> str:
    """The one line shown in the inbox and the digest; the kind's label if the template fails."""
    language = recipient_language(language)
    try:
        ctx = template_context(kind, context, language=language)
        return one_line(render_part(kind, "inbox.txt", ctx, language=language))
    except RenderError:
        logger.exception("inbox line failed", extra={"kind": kind.name})
        with translation.override(language):
            return str(kind.label)


def render_sms(kind: NotificationKind, context: Mapping[str, Any], *, language: str, unicode: bool) -> str:
    language = recipient_language(language)
    ctx = template_context(kind, context, language=language)
    try:
        text = render_part(kind, "sms.txt", ctx, language=language)
    except RenderError:
        text = render_part(kind, "inbox.txt", ctx, language=language)
        link = ctx.get("link")
        if link:
            text = f"{one_line(text)} {link}"
    text = one_line(text)
    return text if unicode else strip_diacritics(text)


_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def strip_diacritics(text: str) -> str:
    """Vietnamese without marks, case kept: what an unaccented brandname SMS carries ("Don hang da giao")."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTERS))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def digest_entries(item_ids: list[int], *, language: str) -> list[dict[str, Any]]:
    from market.notifications.models import Notification
    from market.notifications.registry import find_kind

    entries = []
    for row in Notification.objects.filter(pk__in=item_ids).order_by("created_at", "id"):
        kind = find_kind(row.kind)
        if kind is None:
            continue
        entries.append(
            {
                "title": render_inbox_line(kind, row.context, language=language),
                "link": site_url(kind_link(kind, row.context)),
                "created_at": row.created_at,
                "group": row.get_group_display(),
            }
        )
    return entries


_SECRET_MASK = "••••••"  # noqa: S105 (a mask, not a password)


def masked_context(kind: NotificationKind | None, context: Mapping[str, Any]) -> dict[str, Any]:
    """The context as staff may see it: secrets hidden."""
    secrets = kind.secret_context if kind else frozenset()
    return {key: (_SECRET_MASK if key in secrets and value else value) for key, value in context.items()}


_SAFE_HEADER = re.compile(r"[\r\n]+")


def header_safe(text: str) -> str:
    return _SAFE_HEADER.sub(" ", text).strip()
