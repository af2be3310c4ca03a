from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Cursor pages: no COUNT(*) over the table per request, stable under inserts."""

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
