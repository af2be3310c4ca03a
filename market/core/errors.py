"""Domain errors. Services raise these; one API handler and one page handler turn them into answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A request that cannot be done as asked, with a message a person can act on."""

    status_code = 400
    default_code = "invalid"
    default_message = _("The request could not be completed.")
    # Seconds after which trying again is worth it (a Retry-After header), for errors that pass by themselves.
    retry_after: int | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str] | str] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        self.code = code or self.default_code
        self.fields = {
            name: [str(m) for m in ([msgs] if isinstance(msgs, str) else msgs)] for name, msgs in (fields or {}).items()
        }
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    default_code = "validation_failed"
    default_message = _("Some fields are not valid.")


class NotFound(ApplicationError):
    """Missing, or belonging to someone else: the two are never told apart."""

    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(ApplicationError):
    status_code = 403
    default_code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(ApplicationError):
    """The request is valid but the current state does not allow it (an illegal transition, a taken slot)."""

    status_code = 409
    default_code = "conflict"
    default_message = _("This conflicts with the current state.")


class Busy(ApplicationError):
    """The rows this needs are held by another request for longer than we wait (`lock_timeout`), or the
    database took too long (`statement_timeout`): nothing was changed, and trying again shortly works."""

    status_code = 503
    default_code = "busy"
    default_message = _("Someone else is changing this right now. Nothing was saved; try again in a moment.")
    retry_after = 2


class DatabaseUnavailable(ApplicationError):
    """The database cannot be reached: restarting, failing over, or it dropped the connection mid-request. What
    was being written was either committed whole or not at all (one transaction), so the client retries; a
    write that may have gone through (a checkout) is retried with its Idempotency-Key."""

    status_code = 503
    default_code = "database_unavailable"
    default_message = _("Market Link cannot reach its database for a moment. Try again shortly.")
    retry_after = 5


class PaymentProviderUnavailable(ApplicationError):
    """Stripe cannot be reached, failed (5xx) or is limiting our calls, on a call that only reads or cancels:
    nothing was charged by it, and the client asks again shortly."""

    status_code = 503
    default_code = "payment_provider_unavailable"
    default_message = _("The card payment service cannot be reached for a moment. Try again shortly.")
    retry_after = 10
