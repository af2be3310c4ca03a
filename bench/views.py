"""The baseline of the load benchmark: a bare Django JSON view, measured in the same run as the catalogue."""

from django.http import HttpRequest, JsonResponse


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})
