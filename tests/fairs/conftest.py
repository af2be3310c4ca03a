"""Fixtures of the fair tests."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.fixture
def english():
    with translation.override("en"):
        yield
