"""Fixtures of the catalogue tests: uploads go to a temporary folder, and ready-made catalogue rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from tests.catalog.factories import make_certificate, make_lot, make_product, make_shop
from tests.redis_calls import redis_calls  # noqa: F401 (a fixture: Redis round trips, counted)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> None:
    """Every upload lands in this test's own folders (so 'nothing stored' can be checked)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def english():
    """Messages from services called directly, in English (the site's default is Vietnamese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def stored_files(tmp_path: Path):
    """() -> the files currently stored under media and private media."""

    def files() -> list[Path]:
        return sorted(p for p in tmp_path.rglob("*") if p.is_file() and ("media" in p.parts or "private" in p.parts))

    return files


@pytest.fixture
def rice(cooperative, coop_owner):
    """A published ST25 rice product: 100 kg minimum, multiples of 50, 32.000 ₫ then 29.000 ₫ from 1 tấn."""
    return make_product(cooperative)


@pytest.fixture
def rice_lot(rice):
    return make_lot(rice)


@pytest.fixture
def vietgap(cooperative, coop_owner, alliance, staff_user):
    return make_certificate(cooperative)


__all__ = ["make_certificate", "make_lot", "make_product"]


@pytest.fixture
def shop(cooperative, alliance):
    """A cooperative's shop (tests.catalog.factories.make_shop), with the alliance that verifies it."""
    return make_shop(cooperative)
