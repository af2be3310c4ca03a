"""What other apps keep of an organisation moves when the organisation changes.

The catalogue folds a cooperative's name into its products' search text and shows its products only while it
is verified; synced rows show its name (market.organisations.names); its storefront shows its profile. The
services that change an organisation (market.organisations.services, and the admin's save) call
`organisation_changed` with the fields they wrote, in their own transaction; each app registers, in its
AppConfig.ready(), what to do when a given field changes. Explicit registrations called by the services, not
signals (DESIGN.md): a save outside a service — a test fixture, a data migration — moves nothing behind its back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured

from market.organisations.names import organisation_renamed
from market.organisations.storefront import storefront_changed

OrganisationHook = Callable[[int], object]  # called with the organisation's id

_HOOKS: dict[str, list[OrganisationHook]] = {}


def register_organisation_hook(field: str, hook: OrganisationHook) -> None:
    """Run `hook(organisation_id)` whenever a service changes the organisation's `field`."""
    from market.organisations.models import Organisation

    try:
        Organisation._meta.get_field(field)
    except FieldDoesNotExist:
        raise ImproperlyConfigured(f"Organisation has no field {field!r} to watch") from None
    hooks = _HOOKS.setdefault(field, [])
    if hook not in hooks:
        hooks.append(hook)


def organisation_changed(organisation_id: int, fields: Collection[str]) -> None:
    """After a service wrote `fields` of the organisation: its storefront, the synced rows that show its name,
    and what the apps registered for those fields."""
    if "name" in fields:
        organisation_renamed(organisation_id)  # the synced rows that show it (orders, contracts, badges…)
    for field in sorted(set(fields) & _HOOKS.keys()):
        for hook in _HOOKS[field]:
            hook(organisation_id)
    storefront_changed([organisation_id])  # its story, address, contacts, verification
