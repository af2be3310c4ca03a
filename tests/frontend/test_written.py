"""What frontend.written writes for a value is what a template's `{{ value }}` writes: ids, numbers, days, text that
needs escaping, in both languages, with and without thousands separators."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from frontend.written import value_html

VALUES = [0, 7, 1234567, -1234, True, False, None, Decimal("1234.500"), 12.5, "<b>\"x\" & 'y'</b>", date(2025, 1, 2)]


@pytest.mark.parametrize("grouped", [False, True], ids=["as configured", "thousands separated"])
def test_a_value_is_written_as_the_template_writes_it(settings, grouped):
    settings.USE_THOUSAND_SEPARATOR = grouped
    template = Template("{{ value }}")
    for language in ("vi", "en"):
        with translation.override(language):
            for value in VALUES:
                assert value_html(value) == template.render(Context({"value": value})), (language, value)
