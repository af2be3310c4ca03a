"""The API's Swagger UI (/api/docs/), served offline, under the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.security import csp_allow


class SwaggerUiView(SpectacularSwaggerSplitView):
    """drf-spectacular's split view serves the start-up script as a file instead of inline code; Swagger UI's
    stylesheet draws its icons as data: SVG images, so this page allows those."""

    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        csp_allow(request._request, img_src=("data:",))
        return super().get(request, *args, **kwargs)
