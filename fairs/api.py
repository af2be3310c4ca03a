"""The fairs API under /api/v1/fairs/: thin views over the selectors and services, state changes as verbs.

Bodies and query parameters are read by the schemas of fairs.inputs (JSON canonically, form bodies the way
people type); detail resources carry `allowed_actions` from fairs.policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from fairs import inputs, policy, selectors, services
from fairs.models import Application, Badge, Booth, Fair, Meeting, MeetingOutcome, PlanStatus
from fairs.permissions import FAIRS_APPLY, FAIRS_BADGES, FAIRS_EXHIBIT, FAIRS_MANAGE, FAIRS_MATCH, FAIRS_MEET
from market.core.errors import NotFound, ValidationFailed
from market.core.inputs import InputMode, idempotency_key, input_mode, read_input
from market.core.listing import ListEndpoint, list_response
from market.core.schema import idempotency_key_retried
from market.organisations.drf import ActorAPIView
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor


def _body(view: ActorAPIView, schema: type[serializers.Serializer], *, partial: bool = False) -> dict[str, Any]:
    return read_input(schema, view.request.data, mode=input_mode(view.request), partial=partial)


def _actor(serializer: serializers.Field | serializers.Serializer) -> Actor:
    actor = serializer.context.get("actor")
    return actor if isinstance(actor, Actor) else Actor.anonymous()


def _sorted(actions: Iterable[str]) -> list[str]:
    return sorted(str(action) for action in actions)


# The header of the steps several views take alike: an application's with a reason (reject, withdraw, release) and a
# meeting's with none (accept, cancel).
APPLICATION_STEP_RETRIED = idempotency_key_retried(
    "with the application as the first request did (200)",
    instead_of='409 "cannot change that way"',
    reused="for another application or with another reason",
)
MEETING_STEP_RETRIED = idempotency_key_retried(
    "with the meeting as the first request did (200)",
    instead_of="a 409 refusal of a step already taken",
    reused="for another meeting",
    body=False,
)


# --- serializers ---------------------------------------------------------------------------------
class FairOut(serializers.ModelSerializer):
    address = serializers.CharField(source="full_address")

    class Meta:
        model = Fair
        fields = [
            "id",
            "slug",
            "name_vi",
            "name_en",
            "venue",
            "address",
            "province_code",
            "starts_on",
            "ends_on",
            "day_opens_at",
            "day_closes_at",
            "checkin_days_before",
            "applications_open_on",
            "applications_close_on",
            "status",
        ]


class FairDetailOut(FairOut):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(FairOut.Meta):
        fields = [*FairOut.Meta.fields, "allowed_actions"]

    def get_allowed_actions(self, obj: Fair) -> list[str]:
        return _sorted(policy.fair_actions(actor=_actor(self), fair=obj))


class BoothOut(serializers.ModelSerializer):
    hall = serializers.CharField(source="hall.name")
    zone = serializers.CharField(source="zone.name", default="")

    class Meta:
        model = Booth
        fields = [
            "id",
            "code",
            "hall",
            "zone",
            "booth_type",
            "x",
            "y",
            "width",
            "depth",
            "price",
            "power",
            "water",
            "cold_storage",
            "blocked",
        ]


class BoothDetailOut(BoothOut):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(BoothOut.Meta):
        fields = [*BoothOut.Meta.fields, "allowed_actions"]

    def get_allowed_actions(self, obj: Booth) -> list[str]:
        return _sorted(policy.booth_actions(actor=_actor(self), state=policy.booth_state(obj)))


class PlanBoothOut(serializers.Serializer):
    booth = BoothOut()
    status = serializers.ChoiceField(choices=PlanStatus.choices)
    exhibitor = serializers.CharField()


class ApplicationOut(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.name")
    cooperative_id = serializers.IntegerField()
    fair = serializers.CharField(source="fair.slug")
    booth = serializers.SerializerMethodField()
    preferences = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "fair",
            "cooperative",
            "cooperative_id",
            "status",
            "booth_type",
            "zone",
            "preferences",
            "samples",
            "needs_cold_chain",
            "needs_power",
            "needs_water",
            "note",
            "first_time",
            "decision_reason",
            "waitlist_position",
            "booth",
            "fee_status",
            "price",
            "subsidy",
            "amount_due",
            "payment_due_on",
            "created_at",
            "allowed_actions",
        ]

    def get_booth(self, obj: Application) -> str | None:
        booth = selectors.live_booth(obj)
        return booth.code if booth else None

    def get_preferences(self, obj: Application) -> list[int]:
        return [p.booth_id for p in obj.preferences.all()]

    def get_allowed_actions(self, obj: Application) -> list[str]:
        return _sorted(policy.application_actions(actor=_actor(self), application=obj))


class AllocationOut(serializers.Serializer):
    application_id = serializers.IntegerField()
    cooperative = serializers.CharField()
    booth_id = serializers.IntegerField(allow_null=True)
    booth_code = serializers.CharField()
    rule = serializers.CharField(
        help_text=(
            "How the booth was chosen: `preference N` (the application's N-th choice), `type`, `type (other zone)`. "
            "Without a booth: `waitlist` (a submitted application put on the waiting list) or `no booth` (an "
            "application approved before the run, left approved and not waitlisted, for staff to place by hand)."
        )
    )


class CheckInOut(serializers.Serializer):
    code = serializers.CharField()
    organisation = serializers.CharField()
    name = serializers.CharField(help_text="The person on the badge, or the organisation for its own badge.")
    kind = serializers.CharField()
    first_time = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField()
    message = serializers.CharField()
    checked_in = serializers.IntegerField()
    total = serializers.IntegerField()


class OutcomeOut(serializers.ModelSerializer):
    class Meta:
        model = MeetingOutcome
        fields = ["id", "kind", "volume", "unit", "value", "note", "recorded_for", "rfq", "order", "created_at"]


class MeetingOut(serializers.ModelSerializer):
    buyer = serializers.CharField(source="buyer.name")
    exhibitor = serializers.CharField(source="exhibitor.name")
    starts_at = serializers.DateTimeField(source="slot.starts_at")
    table = serializers.CharField(source="table.name", default="")
    outcomes = OutcomeOut(many=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = ["id", "fair", "buyer", "buyer_id", "exhibitor", "exhibitor_id", "starts_at", "slot", "table"]
        fields += ["status", "message", "decline_reason", "outcomes", "allowed_actions"]

    def get_allowed_actions(self, obj: Meeting) -> list[str]:
        return _sorted(policy.meeting_actions(actor=_actor(self), meeting=obj))


def checkin_payload(result: services.CheckIn, counts: selectors.CheckinCounts) -> dict[str, Any]:
    badge = result.badge
    return {
        "code": badge.code,
        "organisation": badge.organisation.name,
        "name": badge.display_name,
        "kind": badge.kind,
        "first_time": result.first_time,
        "checked_in_at": badge.checked_in_at,
        "message": result.message,
        "checked_in": counts.done,
        "total": counts.total,
    }


# --- fairs and plans -----------------------------------------------------------------------------
class FairListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS}
    permission_classes = [AllowAny]

    @extend_schema(responses=FairOut(many=True), tags=["fairs"])
    def get(self, request: Request) -> Response:
        """Trade fairs: those open for applications or later (allocation, published, running, closed) for everyone,
        anonymous included; alliance staff see every fair. No filters. Newest first, in pages (`cursor`,
        `page_size`); with `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        return list_response(self, selectors.fairs_visible(actor=self.actor), FairOut, context={"actor": self.actor})


class FairDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS}
    permission_classes = [AllowAny]

    @extend_schema(responses=FairDetailOut, tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        """One fair: public once open for applications; alliance staff see every fair. A missing one and one the
        caller may not see are the same 404."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return Response(FairDetailOut(fair, context={"actor": self.actor}).data)


class FairTransitionView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.FairTransitionInput,
        parameters=[
            idempotency_key_retried(
                "with the fair as the first request did (200)",
                instead_of="a refusal of a step already taken",
                reused="for another fair or step",
            )
        ],
        responses=FairDetailOut,
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """Alliance fair staff move the fair to its next stage (`action`), as its lifecycle allows."""
        transition = _body(self, inputs.FairTransitionInput)["action"]
        once_key = idempotency_key(request.headers)
        fair = services.fair_transition_once(
            actor=self.actor, fair_id=fair_id, transition=transition, once_key=once_key
        ).value
        return Response(FairDetailOut(fair, context={"actor": self.actor}).data)


class PlanView(ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS}
    permission_classes = [AllowAny]

    @extend_schema(responses=PlanBoothOut(many=True), parameters=[inputs.BoothFilter], tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        """The fair's floor plan: every booth with its state and, once the plan is published (for alliance staff
        always), the cooperative holding it. Public. Filters: `hall`, `status`, `booth_type`. By hall, then booth
        code; not paged."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        filters = inputs.read_filters(inputs.BoothFilter, request.query_params)
        # Before publication everyone may see the booths (to rank them) but not who got which.
        show = selectors.names_public(actor=self.actor, fair=fair)
        rows = selectors.booths_filtered(fair=fair, show_names=show, **filters)
        return Response(PlanBoothOut(rows, many=True).data)


class BoothListView(ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS, "POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}
    permission_classes = [AllowAny]

    @extend_schema(responses=BoothOut(many=True), parameters=[inputs.BoothFilter], tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        """The fair's booths (hall, zone, type, size, price), without who holds them (the plan says so once published).
        Public. Filters: `hall`, `status`, `booth_type`. By hall, then booth code; not paged."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        filters = inputs.read_filters(inputs.BoothFilter, request.query_params)
        rows = selectors.booths_filtered(fair=fair, show_names=False, **filters)
        return Response(BoothOut([row.booth for row in rows], many=True).data)

    @extend_schema(
        request=inputs.BoothInput,
        parameters=[
            idempotency_key_retried(
                "with the booth the first request added (201)",
                instead_of='"already exists"',
                reused="with another body",
            )
        ],
        responses={201: BoothDetailOut},
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """Alliance fair staff add a booth to the fair's plan."""
        fields = _body(self, inputs.BoothInput)
        booth = services.booth_create_once(
            actor=self.actor,
            fair_id=fair_id,
            hall_id=fields.get("hall"),
            spec=inputs.booth_spec(fields),
            once_key=idempotency_key(request.headers),
        ).value
        return Response(BoothDetailOut(booth, context={"actor": self.actor}).data, status=201)


class BoothDetailView(ActorAPIView):
    required_scopes = {"PATCH": ApiScope.FAIRS, "DELETE": ApiScope.FAIRS}
    capabilities = {"PATCH": FAIRS_MANAGE, "DELETE": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.BoothInput,
        parameters=[
            idempotency_key_retried(
                "with the booth as the first request did (200)",
                instead_of="a second change",
                reused="for another booth or with another body",
            )
        ],
        responses=BoothDetailOut,
        tags=["fairs"],
    )
    def patch(self, request: Request, fair_id: int, booth_id: int) -> Response:
        """Alliance fair staff change a booth: only the fields sent, on the booth as it is when the change is made (a
        change of other fields made meanwhile stays); `hall` moves it to another hall of the fair, where it must fit
        the walls and overlap no booth."""
        booth = selectors.booth_get(actor=self.actor, fair_id=fair_id, booth_id=booth_id)
        change = inputs.booth_change(_body(self, inputs.BoothInput, partial=True), booth=booth)
        once_key = idempotency_key(request.headers)
        booth = services.booth_update_once(actor=self.actor, booth_id=booth.pk, change=change, once_key=once_key).value
        return Response(BoothDetailOut(booth, context={"actor": self.actor}).data)

    @extend_schema(
        parameters=[
            idempotency_key_retried(
                "204 as the first request did",
                instead_of="404 for the booth it removed",
                reused="for another booth",
                body=False,
            )
        ],
        responses={204: None},
        tags=["fairs"],
    )
    def delete(self, request: Request, fair_id: int, booth_id: int) -> Response:
        """Alliance fair staff remove a booth from the plan."""
        once_key = idempotency_key(request.headers)
        services.booth_delete_once(actor=self.actor, fair_id=fair_id, booth_id=booth_id, once_key=once_key)
        return Response(status=204)


class AllocateView(ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS, "POST": ApiScope.FAIRS}
    capabilities = {"GET": FAIRS_MANAGE, "POST": FAIRS_MANAGE}

    @extend_schema(responses=AllocationOut(many=True), tags=["fairs"], summary="Dry run of the allocation")
    def get(self, request: Request, fair_id: int) -> Response:
        """Alliance staff's dry run of the booth allocation: the booth each waiting application would get if the
        allocation ran now; nothing changes. No filters; in the order the allocation serves them (its priority
        rules)."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return Response(AllocationOut(services.allocation_plan(fair=fair), many=True).data)

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "with what the first run answered (200), even once staff have changed an assignment by hand",
                instead_of="a second run that finds no one left to place and answers an empty list",
                reused="for another fair",
                body=False,
            )
        ],
        responses=AllocationOut(many=True),
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """Alliance fair staff run the booth allocation for the waiting applications (the GET shows the same plan
        without changing anything); answers what was assigned."""
        once_key = idempotency_key(request.headers)
        run = services.allocation_run_once(actor=self.actor, fair_id=fair_id, once_key=once_key)
        return Response(AllocationOut(run.value, many=True).data)


class CheckInView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(request=inputs.CheckInInput, responses=CheckInOut, tags=["fairs"])
    def post(self, request: Request, fair_id: int) -> Response:
        """Check a badge in at the fair's gate by the code on its QR; answers the badge and the fair's check-in
        counts. For fair staff."""
        body = _body(self, inputs.CheckInInput)
        result = services.checkin_scan(actor=self.actor, fair_id=fair_id, code=body["code"], device_id=body["device"])
        return Response(checkin_payload(result, selectors.checkin_counts(fair=result.badge.fair)))


class ScanResultOut(serializers.Serializer):
    key = serializers.CharField()
    code = serializers.CharField()
    outcome = serializers.CharField(help_text="checked_in, already, conflict, revoked, unknown or invalid.")
    name = serializers.CharField()
    message = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    replayed = serializers.BooleanField(help_text="This key was received before; the answer is its outcome now.")


class CheckinSyncOut(serializers.Serializer):
    results = ScanResultOut(many=True, help_text="One per scan sent, in the order sent.")
    conflicts = ScanResultOut(
        many=True, help_text="This phone's scans that checked no one in: another phone scanned first, or revoked."
    )
    revoked = serializers.ListField(
        child=serializers.CharField(), help_text="The codes of the fair's revoked badges: refuse them offline."
    )
    checked_in = serializers.IntegerField()
    total = serializers.IntegerField()


def scan_result_payload(result: services.ScanResult) -> dict[str, Any]:
    return {
        "key": str(result.key),
        "code": result.code,
        "outcome": result.outcome.value,
        "name": result.name,
        "message": result.message,
        "checked_in_at": result.checked_in_at,
        "replayed": result.replayed,
    }


def _invalid_scan(raw: dict[str, Any], error: ValidationFailed) -> dict[str, Any]:
    return {
        "key": str(raw.get("key", "")),
        "code": str(raw.get("code", "")),
        "outcome": "invalid",
        "name": "",
        "message": " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in error.fields.items()) or error.message,
        "checked_in_at": None,
        "replayed": False,
    }


def checkin_sync_payload(actor: Actor, fair_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Read each scan on its own (a bad one is answered "invalid", the others still count), sync the good
    ones, answer in the order sent. The page and the API share it."""
    answers: list[dict[str, Any] | services.ScanRecord] = []
    for raw in body["scans"]:
        try:
            answers.append(services.ScanRecord(**read_input(inputs.ScanInput, raw, mode=InputMode.JSON)))
        except ValidationFailed as error:
            answers.append(_invalid_scan(raw, error))
    records = [a for a in answers if isinstance(a, services.ScanRecord)]
    synced = services.checkin_sync(
        actor=actor,
        fair_id=fair_id,
        device_id=body["device"],
        label=body["phone_name"],
        pending=body["pending"],
        scans=records,
    )
    by_key = {result.key: result for result in synced.results}
    counts = selectors.checkin_counts(fair=synced.device.fair)
    return {
        "results": [scan_result_payload(by_key[a.key]) if isinstance(a, services.ScanRecord) else a for a in answers],
        "conflicts": [scan_result_payload(c) for c in synced.conflicts],
        "revoked": synced.revoked,
        "checked_in": counts.done,
        "total": counts.total,
    }


class CheckInSyncView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.CheckinSyncInput,
        responses=CheckinSyncOut,
        tags=["fairs"],
        description="A phone's queued scans, each under its idempotency key: sending a batch again changes "
        "nothing. The earliest scan of a badge wins; a later one from another phone is a conflict.",
    )
    def post(self, request: Request, fair_id: int) -> Response:
        body = read_input(inputs.CheckinSyncInput, request.data, mode=InputMode.JSON)
        return Response(checkin_sync_payload(self.actor, fair_id, body))


class FairBadgeOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="The badge's id: what a client syncing the list keeps its copy by.")
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")
    holder_name = serializers.CharField(help_text="The person's name; empty on the organisation's own badge.")
    organisation = serializers.CharField(source="organisation.name")
    kind = serializers.CharField()
    qr_payload = serializers.SerializerMethodField(help_text="What the badge's QR code holds.")
    checked_in_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True, help_text="Set once revoked: its QR is refused.")
    revoke_reason = serializers.CharField()
    revoked_by = serializers.SerializerMethodField(help_text="Who revoked it.")
    reissued_as = serializers.SerializerMethodField(help_text="The code of the badge issued in its place.")
    allowed_actions = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField(
        help_text="Its last change: issued, checked in, revoked, issued again, or its fair closed."
    )

    def get_qr_payload(self, badge: Badge) -> str:
        return services.badge_payload(badge)

    def get_revoked_by(self, badge: Badge) -> str:
        return badge.revoked_by.get_full_name() if badge.revoked_by else ""

    def get_reissued_as(self, badge: Badge) -> str | None:
        return badge.reissued_as.code if badge.reissued_as else None

    def get_allowed_actions(self, badge: Badge) -> list[str]:
        return _sorted(policy.badge_actions(actor=_actor(self), badge=badge))


class BadgeListView(ListEndpoint, ActorAPIView):
    """The badges the caller may see at a fair (staff: every badge; others: their organisation's), and, for an
    exhibitor's or buyer's owner or manager, a badge of their own for one of their people. Paged (a big fair
    has thousands), in the order they were issued; synced with `updated_since` (docs/api-sync.md): a revoked
    badge comes again with `revoked_at` set, and once issued again with `reissued_as`, never dropped."""

    required_scopes = {"GET": ApiScope.FAIRS, "POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_BADGES}

    @extend_schema(responses=FairBadgeOut(many=True), tags=["fairs"], operation_id="fairs_badges_list")
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        badges = selectors.badges_for(actor=self.actor, fair=fair)
        return list_response(self, badges, FairBadgeOut, context=self.output_context, ordering="pk")

    @extend_schema(
        request=inputs.BadgePersonInput,
        parameters=[
            idempotency_key_retried(
                "with the badge the first request issued (201)",
                instead_of='"already has a badge"',
                reused="with another body",
            )
        ],
        responses={201: FairBadgeOut},
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        name = _body(self, inputs.BadgePersonInput)["name"]
        once_key = idempotency_key(request.headers)
        badge = services.badge_issue_person_once(actor=self.actor, fair_id=fair_id, name=name, once_key=once_key)
        return Response(_badge_body(self, fair_id, badge.value.code), status=201)


def _badge_body(view: ActorAPIView, fair_id: int, code: str) -> dict[str, Any]:
    fair = selectors.fair_get(actor=view.actor, fair_id=fair_id)
    badge = selectors.badges_for(actor=view.actor, fair=fair).filter(code=code).first()
    if badge is None:
        raise NotFound()
    return dict(FairBadgeOut(badge, context=view.output_context).data)


class BadgeStepView(ActorAPIView):
    # Revoking and issuing again: a step on one badge the caller may see (the service checks BADGE_POLICY),
    # answered with the badge the step leaves. (A comment, not a docstring: OpenAPI describes each step by its
    # own class's docstring.)

    required_scopes = {"POST": ApiScope.FAIRS}

    def answer(self, fair_id: int, badge: Badge, *, status: int = 200) -> Response:
        return Response(_badge_body(self, fair_id, badge.code), status=status)


class BadgeRevokeView(BadgeStepView):
    """Revoke a badge: its QR is refused at the entrance (and on phones, from their next sync)."""

    @extend_schema(
        request=inputs.BadgeRevokeInput,
        parameters=[
            idempotency_key_retried(
                "with the revoked badge as the first request did (200)",
                instead_of="a refusal",
                reused="for another badge or reason",
            )
        ],
        responses=FairBadgeOut,
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int, code: str) -> Response:
        reason = _body(self, inputs.BadgeRevokeInput)["reason"]
        once_key = idempotency_key(request.headers)
        badge = services.badge_revoke_once(
            actor=self.actor, fair_id=fair_id, code=code, reason=reason, once_key=once_key
        )
        return self.answer(fair_id, badge.value)


class BadgeReissueView(BadgeStepView):
    """A revoked badge issued again: a new badge under a new code (and QR) for the same person."""

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "with the badge the first request issued (201)",
                instead_of="a refusal",
                reused="for another badge",
                body=False,
            )
        ],
        responses={201: FairBadgeOut},
        tags=["fairs"],
    )
    def post(self, request: Request, fair_id: int, code: str) -> Response:
        once_key = idempotency_key(request.headers)
        badge = services.badge_reissue_once(actor=self.actor, fair_id=fair_id, code=code, once_key=once_key)
        return self.answer(fair_id, badge.value, status=201)


class CheckinBadgeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(source="display_name")
    organisation = serializers.CharField(source="organisation.name")
    kind = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True, help_text="Set once revoked: refuse it offline too.")


class CheckInBadgesView(ActorAPIView):
    """What a phone keeps to check in offline: every badge of the fair, with who holds it."""

    required_scopes = {"GET": ApiScope.FAIRS}
    capabilities = {"GET": FAIRS_MANAGE}

    @extend_schema(responses=CheckinBadgeOut(many=True), tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        badges = selectors.badges_for(actor=self.actor, fair=fair)
        return Response(CheckinBadgeOut(badges, many=True).data)


class CheckinCopyRow(serializers.Serializer):
    """A badge as a check-in phone keeps it: what the page answers a scan with offline, nothing more (the badge
    list's rows carry what the badges page shows and printing needs: 2.4 times the bytes on a phone's first copy)."""

    code = serializers.CharField()
    name = serializers.CharField(source="display_name", help_text="The person, or the organisation on its own badge.")
    checked_in = serializers.SerializerMethodField(help_text="Whether the badge is checked in.")
    revoked = serializers.SerializerMethodField(help_text="Whether the badge is revoked: refuse it offline too.")
    reissued_as = serializers.SerializerMethodField(help_text="The code of the badge issued in its place.")

    def get_checked_in(self, badge: Badge) -> bool:
        return badge.checked_in_at is not None

    def get_revoked(self, badge: Badge) -> bool:
        return badge.is_revoked

    def get_reissued_as(self, badge: Badge) -> str | None:
        return badge.reissued_as.code if badge.reissued_as else None


class CheckInCopyView(ListEndpoint, ActorAPIView):
    """What a check-in phone keeps of the fair's badges to answer scans offline, synced like the badge list
    (docs/api-sync.md): `updated_since` for a whole copy, then `cursor=<sync_cursor>` for what changed since (new
    badges, check-ins, revocations, badges issued again), in rows of only what the phone uses. Staff only."""

    required_scopes = {"GET": ApiScope.FAIRS}
    capabilities = {"GET": FAIRS_MANAGE}

    @extend_schema(responses=CheckinCopyRow(many=True), tags=["fairs"], operation_id="fairs_check_in_copy")
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        badges = selectors.checkin_copy(actor=self.actor, fair=fair)
        return list_response(self, badges, CheckinCopyRow, context=self.output_context, ordering="pk")


# --- applications --------------------------------------------------------------------------------
def _application(view: ActorAPIView, application_id: int) -> Response:
    application = selectors.application_get_for(actor=view.actor, application_id=application_id)
    return Response(ApplicationOut(application, context={"actor": view.actor}).data)


class ApplicationListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.ApplicationFilter,)
    required_scopes = {"GET": ApiScope.FAIRS, "POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_APPLY}

    @extend_schema(
        responses=ApplicationOut(many=True), parameters=[inputs.ApplicationFilter], tags=["fair applications"]
    )
    def get(self, request: Request, fair_id: int) -> Response:
        """Applications to exhibit at the fair: a cooperative's own; alliance staff see all. Filters: `status`,
        `booth_type`, `zone`, `province`, `q` (the cooperative's name). Newest first, in pages (`cursor`,
        `page_size`); with `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        filters = inputs.read_filters(inputs.ApplicationFilter, request.query_params)
        qs = selectors.applications_for(actor=self.actor, fair=fair, **filters).prefetch_related("preferences")
        return list_response(self, qs, ApplicationOut, context={"actor": self.actor})

    @extend_schema(
        request=inputs.ApplicationInput,
        parameters=[
            idempotency_key_retried(
                "with the application the first request made (201)",
                instead_of="409 `already_applied`",
                reused="with another body",
            )
        ],
        responses={201: ApplicationOut},
        tags=["fair applications"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """A cooperative applies to exhibit at the fair, with its booth preferences. For members who apply to fairs,
        while applications are open."""
        application_request = inputs.ApplicationRequest(**_body(self, inputs.ApplicationInput))
        application = services.application_submit_once(
            actor=self.actor, fair_id=fair_id, request=application_request, once_key=idempotency_key(request.headers)
        ).value
        response = _application(self, application.pk)
        response.status_code = 201
        return response


class ApplicationDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.FAIRS}

    @extend_schema(responses=ApplicationOut, tags=["fair applications"])
    def get(self, request: Request, application_id: int) -> Response:
        """One application to exhibit: a cooperative's own (alliance staff: any), with its booth preferences. A
        missing one and one the caller may not see are the same 404."""
        return _application(self, application_id)


class ApplicationApproveView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=None,
        parameters=[
            idempotency_key_retried(
                "with the application as the first request did (200)",
                instead_of='409 "cannot change that way"',
                reused="for another application",
                body=False,
            )
        ],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """Alliance fair staff approve an application. Allowed when the application's `allowed_actions` include
        `approve`."""
        once_key = idempotency_key(request.headers)
        services.application_approve_once(actor=self.actor, application_id=application_id, once_key=once_key)
        return _application(self, application_id)


class ApplicationWaitlistView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.ApplicationNoteInput,
        parameters=[
            idempotency_key_retried(
                "with the application as the first request did (200)",
                instead_of='409 "cannot change that way"',
                reused="for another application or with another note",
            )
        ],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """Alliance fair staff put an application on the waiting list, with a note. Allowed when the application's
        `allowed_actions` include `waitlist`."""
        note = _body(self, inputs.ApplicationNoteInput)["reason"]
        once_key = idempotency_key(request.headers)
        services.application_waitlist_once(
            actor=self.actor, application_id=application_id, note=note, once_key=once_key
        )
        return _application(self, application_id)


class ApplicationRejectView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.ApplicationRejectInput,
        parameters=[APPLICATION_STEP_RETRIED],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """Alliance fair staff reject an application, saying why. Allowed when the application's `allowed_actions`
        include `reject`."""
        reason = _body(self, inputs.ApplicationRejectInput)["reason"]
        once_key = idempotency_key(request.headers)
        services.application_reject_once(
            actor=self.actor, application_id=application_id, reason=reason, once_key=once_key
        )
        return _application(self, application_id)


class ApplicationWithdrawView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_APPLY}

    @extend_schema(
        request=inputs.ApplicationNoteInput,
        parameters=[APPLICATION_STEP_RETRIED],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """The cooperative withdraws its application, saying why. Allowed when the application's `allowed_actions`
        include `withdraw`."""
        reason = _body(self, inputs.ApplicationNoteInput)["reason"]
        once_key = idempotency_key(request.headers)
        services.application_withdraw_once(
            actor=self.actor, application_id=application_id, reason=reason, once_key=once_key
        )
        return _application(self, application_id)


class ApplicationAssignView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.AssignInput,
        parameters=[
            idempotency_key_retried(
                "with the application as the first request did (200)",
                instead_of='409 "cannot change that way"',
                reused="for another application or booth",
            )
        ],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """Alliance fair staff assign a booth to an approved application by hand. Allowed when the application's
        `allowed_actions` include `assign_booth`."""
        booth_id = _body(self, inputs.AssignInput)["booth"]
        once_key = idempotency_key(request.headers)
        services.booth_assign_once(
            actor=self.actor, application_id=application_id, booth_id=booth_id, once_key=once_key
        )
        return _application(self, application_id)


class ApplicationReleaseView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(
        request=inputs.ApplicationNoteInput,
        parameters=[APPLICATION_STEP_RETRIED],
        responses=ApplicationOut,
        tags=["fair applications"],
    )
    def post(self, request: Request, application_id: int) -> Response:
        """Alliance fair staff take back an application's booth, saying why. Allowed when the application's
        `allowed_actions` include `release_booth`."""
        reason = _body(self, inputs.ApplicationNoteInput)["reason"]
        once_key = idempotency_key(request.headers)
        services.assignment_release_once(
            actor=self.actor, application_id=application_id, reason=reason, once_key=once_key
        )
        return _application(self, application_id)


# --- business matching ---------------------------------------------------------------------------
class RegisterView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(
        request=inputs.RegisterInput,
        parameters=[
            idempotency_key_retried(
                "201 as the first request did", instead_of='"already registered"', reused="with another body"
            )
        ],
        responses={201: None},
        tags=["fair meetings"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """A buyer registers for the fair's B2B meetings with its interests."""
        interests = _body(self, inputs.RegisterInput)["interests"]
        once_key = idempotency_key(request.headers)
        services.buyer_register_once(actor=self.actor, fair_id=fair_id, interests=interests, once_key=once_key)
        return Response(status=201)


def _meeting(view: ActorAPIView, meeting_id: int) -> Response:
    meeting = selectors.meeting_get_for(actor=view.actor, meeting_id=meeting_id)
    return Response(MeetingOut(meeting, context={"actor": view.actor}).data)


class MeetingListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.MeetingFilter,)
    required_scopes = {"GET": ApiScope.FAIRS, "POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(responses=MeetingOut(many=True), parameters=[inputs.MeetingFilter], tags=["fair meetings"])
    def get(self, request: Request, fair_id: int) -> Response:
        """B2B meetings at the fair that the caller's organisation takes part in, as buyer or exhibitor; alliance staff
        see all. Filter: `status`. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows
        changed since then, oldest change first (docs/api-sync.md)."""
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        status = inputs.read_filters(inputs.MeetingFilter, request.query_params)["status"]
        return list_response(
            self,
            selectors.meetings_for(actor=self.actor, fair=fair, status=status),
            MeetingOut,
            context={"actor": self.actor},
        )

    @extend_schema(
        request=inputs.MeetingRequestInput,
        parameters=[
            idempotency_key_retried(
                "with the meeting the first request booked (201)",
                instead_of="409 `buyer_busy`",
                reused="with another body",
            )
        ],
        responses={201: MeetingOut},
        tags=["fair meetings"],
    )
    def post(self, request: Request, fair_id: int) -> Response:
        """A buyer asks an exhibitor for a B2B meeting in one of its free slots, with a message. For buyer members
        who book meetings."""
        fields = _body(self, inputs.MeetingRequestInput)
        meeting = services.meeting_request_once(
            actor=self.actor,
            fair_id=fair_id,
            exhibitor_id=fields["exhibitor"],
            slot_id=fields["slot"],
            message=fields["message"],
            once_key=idempotency_key(request.headers),
        ).value
        response = _meeting(self, meeting.pk)
        response.status_code = 201
        return response


class MeetingAcceptView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_EXHIBIT}

    @extend_schema(
        request=None,
        parameters=[MEETING_STEP_RETRIED],
        responses=MeetingOut,
        tags=["fair meetings"],
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        """The exhibitor accepts a meeting request. Allowed when the meeting's `allowed_actions` include `accept`."""
        once_key = idempotency_key(request.headers)
        services.meeting_accept_once(actor=self.actor, meeting_id=meeting_id, once_key=once_key)
        return _meeting(self, meeting_id)


class MeetingDeclineView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_EXHIBIT}

    @extend_schema(
        request=inputs.DeclineInput,
        parameters=[
            idempotency_key_retried(
                "with the meeting as the first request did (200)",
                instead_of="a 409 refusal of a step already taken",
                reused="for another meeting or with another reason",
            )
        ],
        responses=MeetingOut,
        tags=["fair meetings"],
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        """The exhibitor declines a meeting request, saying why. Allowed when the meeting's `allowed_actions` include
        `decline`."""
        reason = _body(self, inputs.DeclineInput)["reason"]
        once_key = idempotency_key(request.headers)
        services.meeting_decline_once(actor=self.actor, meeting_id=meeting_id, reason=reason, once_key=once_key)
        return _meeting(self, meeting_id)


class MeetingCancelView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(
        request=None,
        parameters=[MEETING_STEP_RETRIED],
        responses=MeetingOut,
        tags=["fair meetings"],
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        """A party cancels a meeting. Allowed when the meeting's `allowed_actions` include `cancel`."""
        once_key = idempotency_key(request.headers)
        services.meeting_cancel_once(actor=self.actor, meeting_id=meeting_id, once_key=once_key)
        return _meeting(self, meeting_id)


class MeetingOutcomeView(ActorAPIView):
    required_scopes = {"POST": ApiScope.FAIRS}
    capabilities = {"POST": FAIRS_MATCH}

    @extend_schema(
        request=inputs.OutcomeInput,
        parameters=[
            idempotency_key_retried(
                "with the outcome the first request recorded (201)",
                instead_of="a second outcome",
                reused="with another body",
            )
        ],
        responses={201: OutcomeOut},
        tags=["fair meetings"],
    )
    def post(self, request: Request, meeting_id: int) -> Response:
        """Record the outcome of a meeting. For members who record matching outcomes."""
        outcome = inputs.OutcomeSpec(**_body(self, inputs.OutcomeInput))
        recorded = services.meeting_outcome_record_once(
            actor=self.actor, meeting_id=meeting_id, outcome=outcome, once_key=idempotency_key(request.headers)
        )
        return Response(OutcomeOut(recorded.value).data, status=201)
