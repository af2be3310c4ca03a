"""Views mounted only under benchmark (MARKET_BENCH): the baseline through Market Link's stack, and its floor."""

from django.db import connection
from django.http import HttpRequest, JsonResponse

from market.core.read_ahead import Window, read_ahead

# The newest 24 product ids: a statement PostgreSQL answers from one index in a few buffers.
FLOOR_STATEMENT = "SELECT id FROM catalog_product ORDER BY id DESC LIMIT 24"
FLOOR_READ = ("bench:floor",)  # a key no one writes: the round trip finds nothing
FLOOR_WINDOW = Window("bench:floor:count", 60)


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def floor(request: HttpRequest) -> JsonResponse:
    """The least any public read of ours can cost: Market Link's middleware, the one Redis round trip every public
    read makes (market.core.read_ahead: its throttle's count and a key) and one statement that costs PostgreSQL
    next to nothing.
    Not a yardstick (that is the bare project): it tells how much of a target's distance to the bare view is the
    view's own work and how much is the stack and the two round trips every read pays."""
    with read_ahead(FLOOR_READ, window=FLOOR_WINDOW), connection.cursor() as cursor:
        cursor.execute(FLOOR_STATEMENT)
        ids = [row[0] for row in cursor.fetchall()]
    return JsonResponse({"ids": ids})
