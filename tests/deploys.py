"""A deploy, as the kept parts and ETags see one (market.core.conditional.deploy_version)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage

from market.core.conditional import deploy_version


@contextmanager
def another_deploy(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within the block, the next deploy serves: its static files' manifest differs, so the deploy version moves
    (afterwards it is worked out again)."""
    monkeypatch.setattr(staticfiles_storage, "manifest_hash", "another-deploy", raising=False)
    deploy_version.cache_clear()
    try:
        yield
    finally:
        deploy_version.cache_clear()
