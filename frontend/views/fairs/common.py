"""What the fair pages share: the fair from its slug, and telling people what went wrong in their language
(the plan drawn as SVG: frontend.views.fairs.drawing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fairs import selectors
from fairs.models import Fair
from frontend.errors import page_message
from market.core.errors import ApplicationError, NotFound
from market.organisations.http import ActorRequest


def fair_of(request: ActorRequest, slug: str) -> Fair:
    try:
        return selectors.fair_get(actor=request.actor, slug=slug)
    except NotFound:
        raise Http404() from None


def tell(request: HttpRequest, error: ApplicationError) -> None:
    """A refusal that has no form field to sit next to: its message and the fields' messages, at the top."""
    details = " ".join(message for messages_ in error.fields.values() for message in messages_)
    messages.error(request, f"{page_message(error)} {details}".strip())


def invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page again with what the person typed and what is wrong with it."""
    return render(request, template, context, status=400)
