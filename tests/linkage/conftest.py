"""Fixtures of the linkage tests: a processor, a cooperative with its paddy and a raw-material area, and a
contract in force between them."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.linkage import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def processor():
    return factories.processor()


@pytest.fixture
def product(cooperative):
    return factories.paddy(cooperative)


@pytest.fixture
def contract(processor, cooperative, product, alliance):
    """1.200 tấn (in kg) ± 5 % at 7.000 ₫/kg fixed, the rice table, one scheduled delivery of 300 tấn."""
    return factories.sign_both(factories.draft(processor, cooperative, product))


@pytest.fixture
def english():
    """Messages in English, for the tests that read them."""
    with translation.override("en"):
        yield
