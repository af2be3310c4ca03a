"""The fairs API under /api/v1/fairs/: thin views over the selectors and services, state changes as verbs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from fairs import selectors, services
from fairs.models import (
    Application,
    ApplicationStatus,
    Booth,
    BoothType,
    Fair,
    FairStatus,
    Hall,
    Meeting,
    MeetingOutcome,
    MeetingSlot,
    OutcomeKind,
    PlanStatus,
    Zone,
)
from fairs.permissions import FAIRS_APPLY, FAIRS_EXHIBIT, FAIRS_MANAGE, FAIRS_MEET
from market.core.errors import NotFound, ValidationFailed
from market.core.pagination import CursorPagination
from market.core.quantity import Unit
from market.organisations.drf import ActorAPIView
from market.organisations.models import Organisation


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(view: ActorAPIView, queryset: Any, serializer_class: Any, ordering: str = "-pk") -> Response:
    paginator = CursorPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


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
            "applications_open_on",
            "applications_close_on",
            "status",
        ]


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


class PlanBoothOut(serializers.Serializer):
    booth = BoothOut()
    status = serializers.ChoiceField(choices=PlanStatus.choices)
    exhibitor = serializers.CharField()


class BoothIn(serializers.Serializer):
    hall = serializers.IntegerField(required=False)
    zone = serializers.IntegerField(required=False, allow_null=True)
    code = serializers.CharField(max_length=16, required=False)
    booth_type = serializers.ChoiceField(choices=BoothType.choices, required=False)
    x = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    y = serializers.DecimalField(max_digits=6, decimal_places=2, required=False)
    width = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    depth = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    price = serializers.IntegerField(min_value=0, required=False)
    power = serializers.BooleanField(required=False)
    water = serializers.BooleanField(required=False)
    cold_storage = serializers.BooleanField(required=False)
    blocked = serializers.BooleanField(required=False)


class ApplicationOut(serializers.ModelSerializer):
    cooperative = serializers.CharField(source="cooperative.name")
    cooperative_id = serializers.IntegerField()
    fair = serializers.CharField(source="fair.slug")
    booth = serializers.SerializerMethodField()
    preferences = serializers.SerializerMethodField()

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
        ]

    def get_booth(self, obj: Application) -> str | None:
        booth = selectors.live_booth(obj)
        return booth.code if booth else None

    def get_preferences(self, obj: Application) -> list[int]:
        return [p.booth_id for p in obj.preferences.all()]


class ApplicationIn(serializers.Serializer):
    booth_type = serializers.ChoiceField(choices=BoothType.choices, default=BoothType.STANDARD)
    zone = serializers.IntegerField(required=False, allow_null=True)
    preferences = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    products = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    co_exhibitors = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    samples = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    needs_cold_chain = serializers.BooleanField(default=False)
    needs_power = serializers.BooleanField(default=False)
    needs_water = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FairReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AssignIn(serializers.Serializer):
    booth = serializers.IntegerField()


class AllocationOut(serializers.Serializer):
    application_id = serializers.IntegerField()
    cooperative = serializers.CharField()
    booth_id = serializers.IntegerField(allow_null=True)
    booth_code = serializers.CharField()
    rule = serializers.CharField()


class CheckInIn(serializers.Serializer):
    code = serializers.CharField(max_length=40)


class CheckInOut(serializers.Serializer):
    code = serializers.CharField()
    organisation = serializers.CharField()
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

    class Meta:
        model = Meeting
        fields = ["id", "fair", "buyer", "buyer_id", "exhibitor", "exhibitor_id", "starts_at", "slot", "table"]
        fields += ["status", "message", "decline_reason", "outcomes"]


class MeetingIn(serializers.Serializer):
    exhibitor = serializers.IntegerField()
    slot = serializers.IntegerField()
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RegisterIn(serializers.Serializer):
    interests = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OutcomeIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OutcomeKind.choices)
    volume = serializers.DecimalField(max_digits=14, decimal_places=3, required=False, allow_null=True)
    unit = serializers.ChoiceField(choices=Unit.choices, required=False, allow_blank=True, default="")
    value = serializers.IntegerField(min_value=0, required=False, default=0)
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    rfq = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="The buyer's request for quotation (kind rfq)."
    )
    order = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="An order the buyer placed with the exhibitor (kind order); its total becomes the value.",
    )


class TransitionIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=FairStatus.choices)


# --- fairs and plans -----------------------------------------------------------------------------
class FairListView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=FairOut(many=True), tags=["fairs"])
    def get(self, request: Request) -> Response:
        return _paginated(self, selectors.fairs_visible(actor=self.actor), FairOut)


class FairDetailView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=FairOut, tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        return Response(FairOut(selectors.fair_get(actor=self.actor, fair_id=fair_id)).data)


class FairTransitionView(ActorAPIView):
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(request=TransitionIn, responses=FairOut, tags=["fairs"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        fair = services.fair_transition(actor=self.actor, fair=fair, to=_valid(TransitionIn, request)["to"])
        return Response(FairOut(fair).data)


def _plan_visible(view: ActorAPIView, fair: Fair) -> None:
    if fair.status not in selectors.PLAN_PUBLIC_STATUSES and not selectors.is_staff(view.actor):
        # Before publication everyone may see the booths (to rank them) but not who got which.
        raise NotFound()


class PlanView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=PlanBoothOut(many=True), tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        rows = selectors.plan(fair=fair)
        if fair.status not in selectors.PLAN_PUBLIC_STATUSES and not selectors.is_staff(self.actor):
            for row in rows:
                if row.status in ("held", "assigned"):
                    row.exhibitor = ""
        return Response(PlanBoothOut(rows, many=True).data)


def _hall(fair: Fair, hall_id: int | None) -> Hall:
    hall = fair.halls.filter(pk=hall_id).first() if hall_id else fair.halls.first()
    if hall is None:
        raise ValidationFailed(fields={"hall": [_("Choose a hall of this fair.")]})
    return hall


def _zone(fair: Fair, zone_id: int | None) -> Zone | None:
    if not zone_id:
        return None
    zone = Zone.objects.filter(fair=fair, pk=zone_id).first()
    if zone is None:
        raise ValidationFailed(fields={"zone": [_("Choose a zone of this fair.")]})
    return zone


class BoothListView(ActorAPIView):
    capabilities = {"POST": FAIRS_MANAGE}
    permission_classes = [AllowAny]

    @extend_schema(responses=BoothOut(many=True), tags=["fairs"])
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return Response(BoothOut(fair.booths.select_related("hall", "zone"), many=True).data)

    @extend_schema(request=BoothIn, responses={201: BoothOut}, tags=["fairs"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        data = _valid(BoothIn, request)
        hall = _hall(fair, data.pop("hall", None))
        zone = _zone(fair, data.pop("zone", None))
        booth = services.booth_create(actor=self.actor, fair=fair, hall=hall, zone=zone, **data)
        return Response(BoothOut(booth).data, status=201)


class BoothDetailView(ActorAPIView):
    capabilities = {"PATCH": FAIRS_MANAGE, "DELETE": FAIRS_MANAGE}

    def _booth(self, fair_id: int, booth_id: int) -> Booth:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        booth = fair.booths.filter(pk=booth_id).first()
        if booth is None:
            raise NotFound()
        return booth

    @extend_schema(request=BoothIn, responses=BoothOut, tags=["fairs"])
    def patch(self, request: Request, fair_id: int, booth_id: int) -> Response:
        booth = self._booth(fair_id, booth_id)
        serializer = BoothIn(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("hall", None)
        zone: Any = "keep"
        if "zone" in data:
            zone = _zone(booth.fair, data.pop("zone"))
        booth = services.booth_update(actor=self.actor, booth=booth, zone=zone, **data)
        return Response(BoothOut(booth).data)

    @extend_schema(responses={204: None}, tags=["fairs"])
    def delete(self, request: Request, fair_id: int, booth_id: int) -> Response:
        services.booth_delete(actor=self.actor, booth=self._booth(fair_id, booth_id))
        return Response(status=204)


class AllocateView(ActorAPIView):
    capabilities = {"GET": FAIRS_MANAGE, "POST": FAIRS_MANAGE}

    @extend_schema(responses=AllocationOut(many=True), tags=["fairs"], summary="Dry run of the allocation")
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return Response(AllocationOut(services.allocation_plan(fair=fair), many=True).data)

    @extend_schema(request=None, responses=AllocationOut(many=True), tags=["fairs"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return Response(AllocationOut(services.allocation_run(actor=self.actor, fair=fair), many=True).data)


class CheckInView(ActorAPIView):
    capabilities = {"POST": FAIRS_MANAGE}

    @extend_schema(request=CheckInIn, responses=CheckInOut, tags=["fairs"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        result = services.checkin_scan(actor=self.actor, fair=fair, code=_valid(CheckInIn, request)["code"])
        counts = selectors.checkin_counts(fair=fair)
        return Response(checkin_payload(result, counts))


def checkin_payload(result: services.CheckIn, counts: dict[str, int]) -> dict[str, Any]:
    badge = result.badge
    message = (_("Welcome, %(name)s: checked in.") if result.first_time else _("%(name)s is already checked in.")) % {
        "name": badge.organisation.name
    }
    return {
        "code": badge.code,
        "organisation": badge.organisation.name,
        "kind": badge.kind,
        "first_time": result.first_time,
        "checked_in_at": badge.checked_in_at,
        "message": message,
        "checked_in": counts["done"],
        "total": counts["total"],
    }


# --- applications --------------------------------------------------------------------------------
class ApplicationListView(ActorAPIView):
    capabilities = {"POST": FAIRS_APPLY}

    @extend_schema(responses=ApplicationOut(many=True), tags=["fair applications"])
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        status = request.query_params.get("status", "")
        if status and status not in ApplicationStatus.values:
            raise ValidationFailed(fields={"status": [_("Unknown status.")]})
        qs = selectors.applications_for(actor=self.actor, fair=fair, status=status).prefetch_related("preferences")
        return _paginated(self, qs, ApplicationOut)

    @extend_schema(request=ApplicationIn, responses={201: ApplicationOut}, tags=["fair applications"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        data = _valid(ApplicationIn, request)
        data["zone"] = _zone(fair, data.pop("zone", None))
        application = services.application_submit(actor=self.actor, fair=fair, **data)
        return Response(ApplicationOut(_reload(self, application.pk)).data, status=201)


def _reload(view: ActorAPIView, application_id: int) -> Application:
    return selectors.application_get_for(actor=view.actor, application_id=application_id)


class ApplicationDetailView(ActorAPIView):
    @extend_schema(responses=ApplicationOut, tags=["fair applications"])
    def get(self, request: Request, application_id: int) -> Response:
        return Response(ApplicationOut(_reload(self, application_id)).data)


class _ApplicationVerb(ActorAPIView, ABC):
    capabilities = {"POST": FAIRS_MANAGE}
    input: type[serializers.Serializer] | None = None

    @abstractmethod
    def act(self, application: Application, data: dict[str, Any]) -> None:
        """Call the service this verb stands for."""

    def post(self, request: Request, application_id: int) -> Response:
        application = _reload(self, application_id)
        data = _valid(self.input, request) if self.input else {}
        self.act(application, data)
        return Response(ApplicationOut(_reload(self, application_id)).data)


class ApplicationApproveView(_ApplicationVerb):
    input = FairReasonIn

    @extend_schema(request=None, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        services.application_approve(actor=self.actor, application=application)


class ApplicationWaitlistView(_ApplicationVerb):
    input = FairReasonIn

    @extend_schema(request=FairReasonIn, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        services.application_waitlist(actor=self.actor, application=application, note=data["reason"])


class ApplicationRejectView(_ApplicationVerb):
    input = FairReasonIn

    @extend_schema(request=FairReasonIn, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        services.application_reject(actor=self.actor, application=application, reason=data["reason"])


class ApplicationWithdrawView(_ApplicationVerb):
    capabilities = {"POST": FAIRS_APPLY}
    input = FairReasonIn

    @extend_schema(request=FairReasonIn, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        services.application_withdraw(actor=self.actor, application=application, reason=data["reason"])


class ApplicationAssignView(_ApplicationVerb):
    input = AssignIn

    @extend_schema(request=AssignIn, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        booth = Booth.objects.filter(fair_id=application.fair_id, pk=data["booth"]).first()
        if booth is None:
            raise ValidationFailed(fields={"booth": [_("Choose a booth of this fair.")]})
        services.booth_assign(actor=self.actor, application=application, booth=booth)


class ApplicationReleaseView(_ApplicationVerb):
    input = FairReasonIn

    @extend_schema(request=FairReasonIn, responses=ApplicationOut, tags=["fair applications"])
    def post(self, request: Request, application_id: int) -> Response:
        return super().post(request, application_id)

    def act(self, application: Application, data: dict[str, Any]) -> None:
        services.assignment_release(actor=self.actor, application=application, reason=data["reason"])


# --- business matching ---------------------------------------------------------------------------
class RegisterView(ActorAPIView):
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(request=RegisterIn, responses={201: None}, tags=["fair meetings"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        services.buyer_register(actor=self.actor, fair=fair, interests=_valid(RegisterIn, request)["interests"])
        return Response(status=201)


class MeetingListView(ActorAPIView):
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(responses=MeetingOut(many=True), tags=["fair meetings"])
    def get(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        return _paginated(self, selectors.meetings_for(actor=self.actor, fair=fair), MeetingOut)

    @extend_schema(request=MeetingIn, responses={201: MeetingOut}, tags=["fair meetings"])
    def post(self, request: Request, fair_id: int) -> Response:
        fair = selectors.fair_get(actor=self.actor, fair_id=fair_id)
        data = _valid(MeetingIn, request)
        exhibitor = Organisation.objects.filter(pk=data["exhibitor"]).first()
        slot = MeetingSlot.objects.filter(fair=fair, pk=data["slot"]).first()
        if exhibitor is None or slot is None:
            raise NotFound()
        meeting = services.meeting_request(
            actor=self.actor, fair=fair, exhibitor=exhibitor, slot=slot, message=data["message"]
        )
        return Response(MeetingOut(selectors.meeting_get_for(actor=self.actor, meeting_id=meeting.pk)).data, status=201)


class _MeetingVerb(ActorAPIView):
    def reply(self, meeting_id: int) -> Response:
        return Response(MeetingOut(selectors.meeting_get_for(actor=self.actor, meeting_id=meeting_id)).data)


class MeetingAcceptView(_MeetingVerb):
    capabilities = {"POST": FAIRS_EXHIBIT}

    @extend_schema(request=None, responses=MeetingOut, tags=["fair meetings"])
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get_for(actor=self.actor, meeting_id=meeting_id)
        services.meeting_accept(actor=self.actor, meeting=meeting)
        return self.reply(meeting_id)


class MeetingDeclineView(_MeetingVerb):
    capabilities = {"POST": FAIRS_EXHIBIT}

    @extend_schema(request=FairReasonIn, responses=MeetingOut, tags=["fair meetings"])
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get_for(actor=self.actor, meeting_id=meeting_id)
        services.meeting_decline(actor=self.actor, meeting=meeting, reason=_valid(FairReasonIn, request)["reason"])
        return self.reply(meeting_id)


class MeetingCancelView(_MeetingVerb):
    capabilities = {"POST": FAIRS_MEET}

    @extend_schema(request=None, responses=MeetingOut, tags=["fair meetings"])
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get_for(actor=self.actor, meeting_id=meeting_id)
        services.meeting_cancel(actor=self.actor, meeting=meeting)
        return self.reply(meeting_id)


class MeetingOutcomeView(_MeetingVerb):
    @extend_schema(request=OutcomeIn, responses={201: OutcomeOut}, tags=["fair meetings"])
    def post(self, request: Request, meeting_id: int) -> Response:
        meeting = selectors.meeting_get_for(actor=self.actor, meeting_id=meeting_id)
        data = _valid(OutcomeIn, request)
        outcome = services.meeting_outcome_record(
            actor=self.actor, meeting=meeting, rfq_id=data.pop("rfq"), order_id=data.pop("order"), **data
        )
        return Response(OutcomeOut(outcome).data, status=201)
