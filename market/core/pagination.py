from rest_framework import exceptions, pagination
from rest_framework.request import Request

from market.core.errors import ValidationFailed


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: no COUNT(*) over the table per request, stable under inserts."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        # DRF answers a cursor it cannot read with 404, as if the list were missing: it is the query parameter
        # that is wrong (a truncated link, a hand-edited URL), so say so with a 400 naming it.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise ValidationFailed(fields={self.cursor_query_param: [str(self.invalid_cursor_message)]}) from None
