"""The explicit hook through which a higher app hears that an order changed status, in the same transaction.

orders sits below the apps that make orders for their own records (linkage contracts' call-offs) and never
imports them. Such an app registers a follower in its AppConfig.ready():

    from orders.followers import register_status_follower

    register_status_follower("linkage", call_off_of_order_moved)

`status_moved(order)` (called by the one service that changes an order's status) calls each follower with the
order; a follower writes only its own rows (linkage moves the call-off, whose allowed actions read the
order's status, so that API clients syncing call-offs see them change).
"""

from __future__ import annotations

from collections.abc import Callable

from orders.models import Order

StatusFollower = Callable[[Order], object]

_FOLLOWERS: dict[str, StatusFollower] = {}


def register_status_follower(name: str, follower: StatusFollower) -> None:
    """Register (or replace, under the same name) a follower of order status changes."""
    _FOLLOWERS[name] = follower


def status_moved(order: Order) -> None:
    for follower in _FOLLOWERS.values():
        follower(order)
