"""A cooperative's storefront version: what its public storefront (frontend.views.storefront) shows is moved
by several apps — its profile and verification (here), products, photos, lots in stock, certificates and
raw-material areas (catalog), the fairs it exhibits at (fairs), its orders and quotes for the record
(orders). Each service that changes one of them calls `storefront_changed` with the cooperatives concerned;
the page's ETag and its cached record are keyed by `storefront_version`, so another cooperative's changes
leave a storefront's ETag as it was."""

from __future__ import annotations

from collections.abc import Iterable

from market.core import versions


def storefront_key(cooperative_id: int) -> str:
    """The key of the cooperative's storefront version (market.core.versions), for a page that reads it with
    others in one round trip."""
    return f"storefront:{cooperative_id}"


def storefront_changed(cooperative_ids: Iterable[int | None]) -> None:
    """Now and again at commit (market.core.versions)."""
    versions.bump([storefront_key(pk) for pk in set(cooperative_ids) if pk is not None])


def storefront_version(cooperative_id: int) -> object:
    return versions.read([storefront_key(cooperative_id)])[0]
