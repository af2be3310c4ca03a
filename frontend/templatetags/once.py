"""`{% one_time_key %}`: the hidden field that makes a money-moving form act once however often it is sent
(a fresh key each time the form is rendered; the service claims it: `market.core.once`)."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from market.core.once import FIELD_NAME, new_key

register = template.Library()


@register.simple_tag
def one_time_key() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD_NAME, new_key())
