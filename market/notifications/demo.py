"""Demo notifications: inbox entries for the demo organisations' decisions, and a delivery log with one
failure for staff to look at. Idempotent: the outbox's dedup key makes a second run write nothing new."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from market.core.demo import DemoContext
from market.notifications.models import AttemptOutcome, Channel, DeliveryAttempt, Notification, Status
from market.notifications.services import notify
from market.organisations.models import Organisation, VerificationStatus

DEMO_OCCURRENCE = "demo"


@transaction.atomic
def seed_notifications(context: DemoContext) -> None:
    organisations = [obj for obj in context.objects.values() if isinstance(obj, Organisation)]
    for organisation in organisations:
        if organisation.verification_status == VerificationStatus.PENDING:
            continue
        verified = organisation.verification_status == VerificationStatus.VERIFIED
        notify(
            kind="organisations.verified" if verified else "organisations.rejected",
            recipients=[organisation],
            context={
                "organisation_id": organisation.pk,
                "organisation_name": organisation.name,
                "is_seller": organisation.is_seller,
                "reason": organisation.verification_note,
            },
            object_ref=organisation,
            occurrence=DEMO_OCCURRENCE,
            channels=[Channel.IN_APP],
        )
    # One e-mail the mail server refused, so that the staff delivery log has something to show.
    rejected = context.objects.get("coop_chocho_rejected")
    if rejected is None:
        return
    notify(
        kind="organisations.rejected",
        recipients=[rejected],
        context={
            "organisation_id": rejected.pk,
            "organisation_name": rejected.name,
            "is_seller": True,
            "reason": rejected.verification_note,
        },
        object_ref=rejected,
        occurrence=DEMO_OCCURRENCE,
        channels=[Channel.EMAIL],
    )
    now = timezone.now()
    error = "recipient refused: 550 5.1.1 <dua@htx-cholach.example>: mailbox unavailable"
    for row in Notification.objects.filter(
        kind="organisations.rejected", object_id=str(rejected.pk), occurrence=DEMO_OCCURRENCE, channel=Channel.EMAIL
    ):
        Notification.objects.filter(pk=row.pk).update(
            status=Status.FAILED, attempts=1, attempts_left=0, last_error=error, claimed_by="demo"
        )
        DeliveryAttempt.objects.get_or_create(
            notification=row,
            number=1,
            defaults={
                "worker": "demo",
                "started_at": now,
                "finished_at": now,
                "outcome": AttemptOutcome.FAILED,
                "error": error,
            },
        )
