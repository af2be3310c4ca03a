"""Who a page is for, read once: a signed-in user is loaded with their memberships (the actor and the
organisation switcher) and their unread bell in one query, where Django's ModelBackend reads the user alone
and the page then read the memberships twice and counted the bell (13 queries for a storefront, 8 anonymous).

A backend only loads users for sessions; it checks no password (ModelBackend, listed after it, does, once).
The login pages store this backend in the session (frontend.views.auth); a session stored under ModelBackend
(the admin's, or from before) is still served by it, one query more.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from market.notifications.selectors import unread_count_expression
from market.organisations.models import User
from market.organisations.selectors import user_with_memberships

VISITOR_BACKEND = "frontend.visitor.VisitorBackend"


class VisitorBackend(ModelBackend):
    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        return None  # ModelBackend checks the password

    def get_user(self, user_id: Any) -> User | None:
        pk = int(user_id)  # as the session keeps it: a string
        user = user_with_memberships(user_id=pk, unread=unread_count_expression)
        return user if user is not None and self.user_can_authenticate(user) else None
