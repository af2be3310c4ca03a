"""The supply API (/api/v1/supply/…): thin views over the input schemas, services and selectors."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Prefetch
from django.http import HttpResponse, QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors as catalog_selectors
from catalog.models import HarvestLot
from catalog.supply import inputs, policy, selectors, services, spreadsheets
from catalog.supply.api import serializers as s
from catalog.supply.models import HouseholdImport, MemberHousehold, Plot, PlotSeason, RawMaterialArea, Season
from catalog.supply.permissions import (
    INTAKE_RECORD,
    OUTLOOK_VIEW,
    SUPPLY_MANAGE,
    SUPPLY_READ,
)
from catalog.supply.services import RowResult
from market.core.errors import NotFound, ValidationFailed
from market.core.exports import XLSX_MEDIA_TYPE
from market.core.inputs import InputMode, input_mode, read_input
from market.core.json_input import JSONParser
from market.core.listing import ListEndpoint, list_response
from market.core.offline import Recorded, RecordOne, SyncResultOut, answer_record
from market.core.parsing import format_decimal
from market.organisations.drf import ActorAPIView
from market.organisations.models import ApiScope
from market.organisations.permissions import Actor

TAGS = ["supply"]


def _read(view: ActorAPIView, schema: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return read_input(schema, view.request.data, mode=input_mode(view.request), context=context)


def _query(view: ActorAPIView, schema: Any) -> dict[str, Any]:
    """A list's query parameters, read as typed by a person (a bad value is a 400 naming the field)."""
    return read_input(schema, view.request.query_params, mode=InputMode.FORM)


def _upload(request: Request) -> Any:
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationFailed(fields={"file": [_("Attach the file in the 'file' field.")]})
    return upload


# --- areas and plots -----------------------------------------------------------------------------
def _area_body(view: ActorAPIView, area: RawMaterialArea) -> dict[str, Any]:
    area = selectors.area_get_for(actor=view.actor, area_id=area.pk)
    body = dict(s.AreaOut(area).data)
    body["certificates"] = [
        {"id": c.pk, "kind": c.kind, "number": c.number, "in_force": c.is_in_force()} for c in area.certificates.all()
    ]
    body["allowed_actions"] = sorted(policy.area_actions(actor=view.actor, area=area))
    return body


class AreaListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "POST": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "POST": SUPPLY_MANAGE}

    @extend_schema(responses=s.AreaOut(many=True), tags=TAGS, operation_id="supply_areas_list")
    def get(self, request: Request) -> Response:
        """The raw-material areas of the caller's cooperative (alliance staff: all), with their plot count, hectares and
        households. No filters. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows
        changed since then, oldest change first (docs/api-sync.md)."""
        return list_response(self, selectors.area_list_for(actor=self.actor), s.AreaOut, context={})

    @extend_schema(request=inputs.AreaInput, responses={201: s.AreaDetailOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Add a raw-material area of the caller's cooperative. For members who manage supply."""
        area = services.area_create(actor=self.actor, **_read(self, inputs.AreaInput))
        return Response(_area_body(self, area), status=status.HTTP_201_CREATED)


class AreaDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "PUT": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "PUT": SUPPLY_MANAGE}

    @extend_schema(responses=s.AreaDetailOut, tags=TAGS)
    def get(self, request: Request, area_id: int) -> Response:
        """One raw-material area of the caller's cooperative (alliance staff: any). A missing one and one the caller
        may not see are the same 404."""
        return Response(_area_body(self, selectors.area_get_for(actor=self.actor, area_id=area_id)))

    @extend_schema(request=inputs.AreaInput, responses=s.AreaDetailOut, tags=TAGS)
    def put(self, request: Request, area_id: int) -> Response:
        """Change a raw-material area of the caller's cooperative. For members who manage supply."""
        area = services.area_update(actor=self.actor, area_id=area_id, **_read(self, inputs.AreaInput))
        return Response(_area_body(self, area))


def _plot_body(view: ActorAPIView, plot: Plot, *, detail: bool = False) -> dict[str, Any]:
    body = dict(s.PlotOut(plot).data)
    if detail:
        body["seasons"] = [
            {
                "id": p.pk,
                "season_id": p.season_id,
                "season_name": p.season.name,
                "category_id": p.category_id,
                "crop": p.crop,
                "sowing_date": p.sowing_date,
                "expected_harvest_date": p.expected_harvest_date,
                "expected_yield_kg_per_ha": p.expected_yield_kg_per_ha,
                "expected_kg": p.expected_kg,
            }
            for p in plot.seasons.select_related("season", "plot").order_by("expected_harvest_date")
        ]
        body["allowed_actions"] = sorted(policy.plot_actions(actor=view.actor, plot=plot))
    return dict(s.PlotDetailOut(body).data) if detail else dict(s.PlotOut(body).data)


class PlotListView(ListEndpoint, ActorAPIView):
    """Your cooperative's plots with their season plans, one area's with `?area=`: a list that syncs."""

    list_filters = (inputs.PlotFilter,)
    required_scopes = {"GET": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ}

    @extend_schema(parameters=[inputs.PlotFilter], responses=s.PlotListOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        plots = selectors.plot_list_for(actor=self.actor, area_id=_query(self, inputs.PlotFilter).get("area"))
        plots = plots.prefetch_related(Prefetch("seasons", PlotSeason.objects.select_related("season", "plot")))
        return list_response(self, plots, s.PlotListOut, context={})


class AreaPlotListView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "POST": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "POST": SUPPLY_MANAGE}

    @extend_schema(responses=s.PlotOut(many=True), tags=TAGS)
    def get(self, request: Request, area_id: int) -> Response:
        """The plots of one raw-material area with their household, for its cooperative (alliance staff: any area). No
        filters; by plot code; not paged."""
        area = selectors.area_get_for(actor=self.actor, area_id=area_id)
        plots = selectors.plot_list_for(actor=self.actor, area_id=area.pk)
        return Response([_plot_body(self, plot) for plot in plots])

    @extend_schema(request=inputs.PlotInput, responses={201: s.PlotDetailOut}, tags=TAGS)
    def post(self, request: Request, area_id: int) -> Response:
        """Add a plot to a raw-material area. For members who manage supply."""
        plot = services.plot_create(actor=self.actor, area_id=area_id, **_read(self, inputs.PlotInput))
        return Response(_plot_body(self, plot, detail=True), status=status.HTTP_201_CREATED)


class AreaSeasonPlanView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}

    @extend_schema(
        request=inputs.SeasonPlanInput,
        responses=s.SeasonPlanResultOut,
        tags=TAGS,
        description="The same season calendar for every plot of the area (re-plans plots already planned).",
    )
    def post(self, request: Request, area_id: int) -> Response:
        fields = _read(self, inputs.SeasonPlanInput, inputs.KG)
        return Response({"plots": services.area_season_plan(actor=self.actor, area_id=area_id, **fields)})


class AreaOutlineImportView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.FileIn},
        responses=s.OutlineImportOut,
        tags=TAGS,
        description="A GeoJSON FeatureCollection; each feature's property `code` names a plot of the area. "
        "Every feature must match and be valid, or nothing changes.",
    )
    def post(self, request: Request, area_id: int) -> Response:
        plots = services.area_outlines_import(actor=self.actor, area_id=area_id, upload=_upload(request))
        return Response({"plots": sorted(plot.code for plot in plots)})


class PlotDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "PUT": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "PUT": SUPPLY_MANAGE}

    @extend_schema(responses=s.PlotDetailOut, tags=TAGS)
    def get(self, request: Request, plot_id: int) -> Response:
        """One plot of the caller's cooperative (alliance staff: any), with its seasons. A missing one and one the
        caller may not see are the same 404."""
        return Response(_plot_body(self, selectors.plot_get_for(actor=self.actor, plot_id=plot_id), detail=True))

    @extend_schema(request=inputs.PlotInput, responses=s.PlotDetailOut, tags=TAGS)
    def put(self, request: Request, plot_id: int) -> Response:
        """Change a plot of the caller's cooperative. For members who manage supply."""
        plot = services.plot_update(actor=self.actor, plot_id=plot_id, **_read(self, inputs.PlotInput))
        return Response(_plot_body(self, plot, detail=True))


class PlotOutlineView(ActorAPIView):
    required_scopes = {"PUT": ApiScope.SUPPLY}
    capabilities = {"PUT": SUPPLY_MANAGE}
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        request=inputs.OutlineInput,
        responses=s.PlotDetailOut,
        tags=TAGS,
        description="Sets the outline; null clears it.",
    )
    def put(self, request: Request, plot_id: int) -> Response:
        fields = _read(self, inputs.OutlineInput)
        plot = services.plot_outline_set(actor=self.actor, plot_id=plot_id, polygon=fields.get("polygon"))
        return Response(_plot_body(self, plot, detail=True))


class PlotSeasonListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}

    @extend_schema(request=inputs.SeasonPlanInput, responses={201: s.PlotDetailOut}, tags=TAGS)
    def post(self, request: Request, plot_id: int) -> Response:
        """Plan a plot for a season; answers the plot with its seasons. For members who manage supply."""
        planned = services.plot_season_set(
            actor=self.actor, plot_id=plot_id, **_read(self, inputs.SeasonPlanInput, inputs.KG)
        )
        return Response(_plot_body(self, planned.plot, detail=True), status=status.HTTP_201_CREATED)


class PlotSeasonDetailView(ActorAPIView):
    required_scopes = {"DELETE": ApiScope.SUPPLY}
    capabilities = {"DELETE": SUPPLY_MANAGE}

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, plot_season_id: int) -> Response:
        """Remove a plot's plan for a season. For members who manage supply."""
        services.plot_season_remove(actor=self.actor, plot_season_id=plot_season_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- seasons, prices and statements --------------------------------------------------------------
def _season_body(view: ActorAPIView, season: Season) -> dict[str, Any]:
    body = dict(s.SupplySeasonOut(season).data)
    body["prices"] = s.SupplySeasonPriceOut(season.prices.order_by("category_id", "grade"), many=True).data
    body["allowed_actions"] = sorted(policy.season_actions(actor=view.actor, season=season))
    return body


class SeasonListView(ListEndpoint, ActorAPIView):
    """Your cooperative's seasons, newest first: a list that syncs (setting or removing a price moves its
    season, whose prices are read at …/seasons/{id}/)."""

    required_scopes = {"GET": ApiScope.SUPPLY, "POST": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "POST": SUPPLY_MANAGE}

    @extend_schema(responses=s.SupplySeasonOut(many=True), tags=TAGS, operation_id="supply_seasons_list")
    def get(self, request: Request) -> Response:
        """The growing seasons of the caller's cooperative (alliance staff: all), the latest start first; paged,
        and synced with `updated_since` (setting or removing a season's price moves the season)."""
        seasons = selectors.season_list_for(actor=self.actor)
        return list_response(self, seasons, s.SupplySeasonOut, context={}, ordering="-starts_on")

    @extend_schema(request=inputs.SeasonInput, responses={201: s.SupplySeasonDetailOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Add a growing season of the caller's cooperative. For members who manage supply."""
        season = services.season_create(actor=self.actor, **_read(self, inputs.SeasonInput))
        return Response(_season_body(self, season), status=status.HTTP_201_CREATED)


class SeasonDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "PUT": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "PUT": SUPPLY_MANAGE}

    @extend_schema(responses=s.SupplySeasonDetailOut, tags=TAGS)
    def get(self, request: Request, season_id: int) -> Response:
        """One growing season of the caller's cooperative (alliance staff: any), with its prices. A missing one and
        one the caller may not see are the same 404."""
        return Response(_season_body(self, selectors.season_get_for(actor=self.actor, season_id=season_id)))

    @extend_schema(request=inputs.SeasonInput, responses=s.SupplySeasonDetailOut, tags=TAGS)
    def put(self, request: Request, season_id: int) -> Response:
        """Change a growing season of the caller's cooperative. For members who manage supply."""
        season = services.season_update(actor=self.actor, season_id=season_id, **_read(self, inputs.SeasonInput))
        return Response(_season_body(self, season))


class SeasonPriceListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}

    @extend_schema(
        request=inputs.SeasonPriceInput,
        responses={201: s.SupplySeasonPriceOut},
        tags=TAGS,
        description="Sets the price per kg for a category and grade (replacing an earlier one).",
    )
    def post(self, request: Request, season_id: int) -> Response:
        price = services.season_price_set(actor=self.actor, season_id=season_id, **_read(self, inputs.SeasonPriceInput))
        return Response(s.SupplySeasonPriceOut(price).data, status=status.HTTP_201_CREATED)


class SeasonPriceDetailView(ActorAPIView):
    required_scopes = {"DELETE": ApiScope.SUPPLY}
    capabilities = {"DELETE": SUPPLY_MANAGE}

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, price_id: int) -> Response:
        """Remove a season's price line. For members who manage supply."""
        services.season_price_remove(actor=self.actor, price_id=price_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StatementView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ}

    @extend_schema(
        responses=s.MemberStatementOut,
        tags=TAGS,
        description="What each household delivered and is owed in the season (managers and staff).",
    )
    def get(self, request: Request, season_id: int) -> Response:
        statement = selectors.season_statement(actor=self.actor, season_id=season_id)
        rows = [
            {
                "household_id": r.household.pk,
                "household_code": r.household.code,
                "household_name": r.household.name,
                "intake_count": r.intake_count,
                "kg": r.kg,
                "amount": r.amount,
                "unpriced_kg": r.unpriced_kg,
            }
            for r in statement.rows
        ]
        return Response(
            s.MemberStatementOut(
                {
                    "season": statement.season,
                    "rows": rows,
                    "total_kg": statement.total_kg,
                    "total_amount": statement.total_amount,
                    "unpriced_kg": statement.unpriced_kg,
                }
            ).data
        )


STATEMENT_FORMATS = ("csv", "xlsx")


class StatementExportView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ}

    @extend_schema(
        parameters=[OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(STATEMENT_FORMATS))],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="`statement.csv`"),
            (200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="`statement.xlsx`"),
        },
        tags=TAGS,
        description="The statement as CSV (per household) or XLSX (per household and every intake).",
    )
    def get(self, request: Request, season_id: int, fmt: str) -> HttpResponse:
        if fmt not in STATEMENT_FORMATS:  # statement.pdf is no file we make, not a CSV under another name
            raise NotFound()
        statement = selectors.season_statement(actor=self.actor, season_id=season_id)
        return statement_response(statement, fmt)


def statement_response(statement: selectors.Statement, fmt: str) -> HttpResponse:
    """The statement file (shared with the page's download link)."""
    sheets = selectors.statement_sheets(statement)
    name = f"statement-{statement.season.pk}"
    if fmt == "xlsx":
        response = HttpResponse(
            spreadsheets.write_xlsx(sheets),
            content_type=XLSX_MEDIA_TYPE,
        )
    else:
        response = HttpResponse(spreadsheets.write_csv(sheets[0]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- households ----------------------------------------------------------------------------------
def _household_body(view: ActorAPIView, household: MemberHousehold) -> dict[str, Any]:
    body = dict(s.HouseholdOut(household).data)
    body["plots"] = [p.code for p in household.plots.order_by("code")]
    body["allowed_actions"] = sorted(policy.household_actions(actor=view.actor, household=household))
    return body


class HouseholdListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "POST": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "POST": SUPPLY_MANAGE}

    @extend_schema(responses=s.HouseholdOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """The member households of the caller's cooperative (alliance staff: all) with their plot count. No filters.
        Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest
        change first (docs/api-sync.md)."""
        return list_response(self, selectors.household_list_for(actor=self.actor), s.HouseholdOut, context={})

    @extend_schema(request=inputs.HouseholdInput, responses={201: s.HouseholdDetailOut}, tags=TAGS)
    def post(self, request: Request) -> Response:
        """Add a member household of the caller's cooperative. For members who manage supply."""
        household = services.household_create(actor=self.actor, **_read(self, inputs.HouseholdInput))
        return Response(_household_body(self, household), status=status.HTTP_201_CREATED)


class HouseholdDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "PUT": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "PUT": SUPPLY_MANAGE}

    @extend_schema(responses=s.HouseholdDetailOut, tags=TAGS)
    def get(self, request: Request, household_id: int) -> Response:
        """One member household of the caller's cooperative (alliance staff: any), with its plots' codes. A missing
        one and one the caller may not see are the same 404."""
        household = selectors.household_get_for(actor=self.actor, household_id=household_id)
        return Response(_household_body(self, household))

    @extend_schema(request=inputs.HouseholdInput, responses=s.HouseholdDetailOut, tags=TAGS)
    def put(self, request: Request, household_id: int) -> Response:
        """Change a member household of the caller's cooperative. For members who manage supply."""
        fields = _read(self, inputs.HouseholdInput)
        household = services.household_update(actor=self.actor, household_id=household_id, **fields)
        return Response(_household_body(self, household))


class HouseholdConsentView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}

    @extend_schema(
        request=inputs.ConsentInput,
        responses=s.HouseholdDetailOut,
        tags=TAGS,
        description="Records the household's answer (given or withdrawn) with its day.",
    )
    def post(self, request: Request, household_id: int) -> Response:
        fields = _read(self, inputs.ConsentInput)
        household = services.household_consent_set(actor=self.actor, household_id=household_id, **fields)
        return Response(_household_body(self, household))


def _import_body(batch: HouseholdImport, rows: list[RowResult] | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": batch.pk,
        "status": batch.status,
        "row_count": batch.row_count,
        "error_count": batch.error_count,
        "created_count": batch.created_count,
        "updated_count": batch.updated_count,
    }
    if rows is not None:
        body["rows"] = [row.as_dict() for row in rows]
    return body


class HouseholdImportListView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": s.FileIn},
        responses={201: s.HouseholdImportOut},
        tags=TAGS,
        description="Checks a CSV or XLSX of member households without changing any (dry run); each row's errors "
        "are listed. Apply it with …/apply/.",
    )
    def post(self, request: Request) -> Response:
        upload = _upload(request)
        batch, rows = services.household_import_preview(actor=self.actor, upload=upload, file_name=upload.name)
        return Response(_import_body(batch, rows), status=status.HTTP_201_CREATED)


class HouseholdImportApplyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": SUPPLY_MANAGE}

    @extend_schema(request=None, responses=s.HouseholdImportOut, tags=TAGS)
    def post(self, request: Request, import_id: int) -> Response:
        """Apply a household register checked before (its dry run): every row or none, checked again against the
        register as it is now. For members who manage supply."""
        return Response(_import_body(services.household_import_apply(actor=self.actor, import_id=import_id), None))


# --- intakes and lots ----------------------------------------------------------------------------
def _intake_body(view: ActorAPIView, intake: Any) -> dict[str, Any]:
    body = dict(s.IntakeOut(intake).data)
    body["allowed_actions"] = sorted(policy.intake_actions(actor=view.actor, intake=intake))
    return body


class IntakeListView(ListEndpoint, ActorAPIView):
    list_filters = (inputs.IntakeFilter,)
    required_scopes = {"GET": ApiScope.SUPPLY, "POST": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "POST": INTAKE_RECORD}

    @extend_schema(parameters=[inputs.IntakeFilter], responses=s.IntakeOut(many=True), tags=TAGS)
    def get(self, request: Request) -> Response:
        """Produce the households delivered to the caller's cooperative, weighed and graded (alliance staff: every
        cooperative's). Filters: `season`, `household`, `in_lot`, `received_from`, `received_to`. Newest first, in
        pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest change first
        (docs/api-sync.md)."""
        return list_response(
            self,
            selectors.intake_list_for(actor=self.actor, **_query(self, inputs.IntakeFilter)),
            s.IntakeOut,
            context={},
        )

    @extend_schema(
        request=inputs.IntakeInput,
        responses={201: s.IntakeDetailOut},
        tags=TAGS,
        description="Weights in kg (a form may write 1.250,5 or 1,2 tấn); percentages 0–100.",
    )
    def post(self, request: Request) -> Response:
        intake = services.intake_record(actor=self.actor, **_read(self, inputs.IntakeInput, inputs.KG))
        return Response(_intake_body(self, intake), status=status.HTTP_201_CREATED)


class IntakeSyncResultOut(SyncResultOut):
    intake = serializers.IntegerField(allow_null=True)


class IntakeSyncOut(serializers.Serializer):
    results = IntakeSyncResultOut(many=True, help_text="One per record, in the order sent.")


def _intake_record(actor: Actor) -> RecordOne:
    """Each record read as the intake form reads it, and recorded once under its key."""

    def record(key: uuid.UUID, typed: QueryDict) -> Recorded:
        fields = read_input(inputs.IntakeInput, typed, mode=InputMode.FORM, context=inputs.KG)
        done = services.intake_record_once(actor=actor, key=key, **fields)
        message = _("Recorded: %(kg)s kg from %(household)s.") % {
            "kg": format_decimal(done.intake.weight_kg),
            "household": done.intake.household.name,
        }
        return Recorded(pk=done.intake.pk, replayed=done.replayed, message=message)

    return record


class IntakeSyncView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": INTAKE_RECORD}

    @extend_schema(
        request=inputs.IntakeSyncInput,
        responses=IntakeSyncOut,
        tags=TAGS,
        description="Intakes written down on a phone while offline, each under its idempotency key: sending "
        "one again answers the intake it made and makes no second. Fields are sent as typed (1.250,5).",
    )
    def post(self, request: Request) -> Response:
        body = read_input(inputs.IntakeSyncInput, request.data, mode=InputMode.JSON)
        record = _intake_record(self.actor)
        return Response({"results": [answer_record(raw, made="intake", record=record) for raw in body["records"]]})


class IntakeDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY, "PUT": ApiScope.SUPPLY, "DELETE": ApiScope.SUPPLY}
    capabilities = {"GET": SUPPLY_READ, "PUT": INTAKE_RECORD, "DELETE": SUPPLY_MANAGE}

    @extend_schema(responses=s.IntakeDetailOut, tags=TAGS)
    def get(self, request: Request, intake_id: int) -> Response:
        """One intake (produce a household delivered, weighed and graded) of the caller's cooperative (alliance
        staff: any). A missing one and one the caller may not see are the same 404."""
        return Response(_intake_body(self, selectors.intake_get_for(actor=self.actor, intake_id=intake_id)))

    @extend_schema(request=inputs.IntakeInput, responses=s.IntakeDetailOut, tags=TAGS)
    def put(self, request: Request, intake_id: int) -> Response:
        """Correct an intake (weights in kg, percentages 0–100). For members who record intakes."""
        fields = _read(self, inputs.IntakeInput, inputs.KG)
        return Response(_intake_body(self, services.intake_update(actor=self.actor, intake_id=intake_id, **fields)))

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request, intake_id: int) -> Response:
        """Delete an intake. For members who manage supply."""
        services.intake_delete(actor=self.actor, intake_id=intake_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def lot_built_body(lot: HarvestLot) -> dict[str, Any]:
    return dict(
        s.LotBuiltOut(
            {
                "id": lot.pk,
                "code": lot.code,
                "product_id": lot.product_id,
                "status": lot.status,
                "quantity_produced": lot.quantity_produced,
                "harvest_date": lot.harvest_date,
                "intake_count": lot.intakes.count(),
            }
        ).data
    )


class LotFromIntakesView(ActorAPIView):
    required_scopes = {"POST": ApiScope.SUPPLY}
    capabilities = {"POST": INTAKE_RECORD}

    @extend_schema(
        request=inputs.LotFromIntakesInput,
        responses={201: s.LotBuiltOut},
        tags=TAGS,
        description="A draft harvest lot of `product` from the intakes (or, with `lot`, the intakes added to a "
        "draft lot). Publish it with /api/v1/lots/{id}/publish/.",
    )
    def post(self, request: Request) -> Response:
        lot = services.lot_build_from_intakes(actor=self.actor, **_read(self, inputs.LotFromIntakesInput))
        return Response(lot_built_body(lot), status=status.HTTP_201_CREATED)


# --- outlook and public origins ------------------------------------------------------------------
class OutlookView(ActorAPIView):
    required_scopes = {"GET": ApiScope.SUPPLY}
    capabilities = {"GET": OUTLOOK_VIEW}

    @extend_schema(
        parameters=[inputs.OutlookFilter],
        responses=s.OutlookOut,
        tags=TAGS,
        description="Expected kilograms by product category, province and harvest month from verified "
        "cooperatives' areas, what linkage contracts already committed, and what is still open.",
    )
    def get(self, request: Request) -> Response:
        outlook = selectors.supply_outlook(**_query(self, inputs.OutlookFilter))
        rows = [
            {
                "category_id": r.category_id,
                "province_code": r.province_code,
                "month": r.month,
                "hectares": r.hectares,
                "cooperatives": r.cooperatives,
                "plots": r.plots,
                "expected_kg": r.expected_kg,
                "contracted_kg": r.contracted_kg,
                "open_kg": r.open_kg,
            }
            for r in outlook.rows
        ]
        return Response(s.OutlookOut({"months": outlook.months, "rows": rows}).data)


class LotOriginsView(ActorAPIView):
    permission_classes: list[Any] = []
    authentication_classes: list[Any] = []

    @extend_schema(
        responses=s.OriginOut(many=True),
        tags=TAGS,
        auth=[],
        description="One step back from a published lot: its plots and the households who agreed to be named.",
    )
    def get(self, request: Request, public_id: str) -> Response:
        lot = catalog_selectors.lot_public_get(public_id=public_id)
        return Response(s.OriginOut(selectors.lot_origins(lot=lot), many=True).data)
