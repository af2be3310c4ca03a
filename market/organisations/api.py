"""API: me, organisations, verification, memberships, invitations, tokens, and the reference lists."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.errors import NotFound
from market.core.pagination import CursorPagination
from market.organisations import banks, geo, selectors, services
from market.organisations.drf import ActorAPIView
from market.organisations.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    VerificationStatus,
)
from market.organisations.permissions import ORGANISATIONS_VERIFY, TOKENS_MANAGE
from market.organisations.services import invitation_accept_url


# --- output --------------------------------------------------------------------------------------
class UnitOut(serializers.Serializer):
    code = serializers.IntegerField()
    name = serializers.CharField()


class BankAccountOut(serializers.Serializer):
    bin = serializers.CharField()
    bank_name = serializers.CharField()
    account_number = serializers.CharField()
    account_holder = serializers.CharField()


class VerificationOut(serializers.Serializer):
    status = serializers.ChoiceField(choices=VerificationStatus.choices)
    note = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


def _unit(unit: geo.Unit | None) -> dict[str, Any] | None:
    return {"code": unit.code, "name": unit.name} if unit else None


class OrganisationOut(serializers.ModelSerializer):
    province = serializers.SerializerMethodField()
    commune = serializers.SerializerMethodField()
    bank = serializers.SerializerMethodField()
    verification = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = [
            "id",
            "kind",
            "name",
            "legal_name",
            "tax_code",
            "description",
            "province",
            "commune",
            "address_line",
            "legacy_address",
            "phone",
            "email",
            "website",
            "bank",
            "verification",
            "created_at",
        ]

    @extend_schema_field(UnitOut(allow_null=True))
    def get_province(self, obj: Organisation) -> dict[str, Any] | None:
        return _unit(geo.province(obj.province_code))

    @extend_schema_field(UnitOut(allow_null=True))
    def get_commune(self, obj: Organisation) -> dict[str, Any] | None:
        return _unit(geo.commune(obj.commune_code))

    @extend_schema_field(BankAccountOut(allow_null=True))
    def get_bank(self, obj: Organisation) -> dict[str, Any] | None:
        if not obj.bank_bin:
            return None
        bank = banks.bank_by_bin(obj.bank_bin)
        return {
            "bin": obj.bank_bin,
            "bank_name": bank.short_name if bank else "",
            "account_number": obj.bank_account_number,
            "account_holder": obj.bank_account_holder,
        }

    @extend_schema_field(VerificationOut)
    def get_verification(self, obj: Organisation) -> dict[str, Any]:
        return {"status": obj.verification_status, "note": obj.verification_note, "decided_at": obj.verified_at}


class MembershipBriefOut(serializers.ModelSerializer):
    organisation_id = serializers.IntegerField(source="organisation.id")
    organisation_name = serializers.CharField(source="organisation.name")
    organisation_kind = serializers.CharField(source="organisation.kind")

    class Meta:
        model = Membership
        fields = ["id", "organisation_id", "organisation_name", "organisation_kind", "role"]


class MeOut(serializers.ModelSerializer):
    acting_organisation = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "phone", "language", "acting_organisation", "role", "memberships"]

    @extend_schema_field(OrganisationOut(allow_null=True))
    def get_acting_organisation(self, obj: User) -> dict[str, Any] | None:
        actor = self.context["actor"]
        return OrganisationOut(actor.organisation).data if actor.organisation else None

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, obj: User) -> str | None:
        return self.context["actor"].role

    @extend_schema_field(MembershipBriefOut(many=True))
    def get_memberships(self, obj: User) -> list[dict[str, Any]]:
        return MembershipBriefOut(selectors.user_organisations(user=obj), many=True).data


class MembershipOut(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")

    class Meta:
        model = Membership
        fields = ["id", "organisation_id", "user_id", "email", "full_name", "role", "created_at"]


class InvitationOut(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "organisation_id", "email", "role", "expires_at", "created_at"]


class InvitationCreatedOut(InvitationOut):
    accept_url = serializers.CharField(help_text="Shown once: send it to the person invited.")
    token = serializers.CharField(help_text="Shown once.")

    class Meta(InvitationOut.Meta):
        fields = [*InvitationOut.Meta.fields, "accept_url", "token"]


class ApiTokenOut(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email")
    display = serializers.CharField(source="__str__")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "display", "user_email", "organisation_id", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedOut(ApiTokenOut):
    token = serializers.CharField(help_text="The secret, shown once. Send it as 'Authorization: Bearer <token>'.")

    class Meta(ApiTokenOut.Meta):
        fields = [*ApiTokenOut.Meta.fields, "token"]


# --- input ---------------------------------------------------------------------------------------
def _model_field_length(name: str) -> int:
    return Organisation._meta.get_field(name).max_length


class OrganisationIn(serializers.Serializer):
    name = serializers.CharField(max_length=_model_field_length("name"))
    legal_name = serializers.CharField(max_length=_model_field_length("legal_name"))
    tax_code = serializers.CharField(max_length=20, allow_blank=True, required=False)
    description = serializers.CharField(max_length=4000, allow_blank=True, required=False)
    province_code = serializers.IntegerField(min_value=1)
    commune_code = serializers.IntegerField(min_value=1, allow_null=True, required=False)
    address_line = serializers.CharField(
        max_length=_model_field_length("address_line"), allow_blank=True, required=False
    )
    legacy_address = serializers.CharField(
        max_length=_model_field_length("legacy_address"), allow_blank=True, required=False
    )
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False)
    email = serializers.EmailField(allow_blank=True, required=False)
    website = serializers.URLField(allow_blank=True, required=False, max_length=200)
    bank_bin = serializers.CharField(max_length=6, allow_blank=True, required=False)
    bank_account_number = serializers.CharField(max_length=19, allow_blank=True, required=False)
    bank_account_holder = serializers.CharField(
        max_length=_model_field_length("bank_account_holder"), allow_blank=True, required=False
    )


class OrganisationCreateIn(OrganisationIn):
    kind = serializers.ChoiceField(choices=[k for k in OrganisationKind.choices if k[0] != OrganisationKind.ALLIANCE])


class MeIn(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, required=False)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    phone = serializers.CharField(max_length=30, allow_blank=True, required=False)


class ActingOrganisationIn(serializers.Serializer):
    organisation = serializers.IntegerField()


class RejectIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationAcceptIn(serializers.Serializer):
    token = serializers.CharField(max_length=100)


class RoleIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class ApiTokenIn(serializers.Serializer):
    name = serializers.CharField(max_length=100)


def _valid(
    serializer_class: type[serializers.Serializer], request: Request, *, partial: bool = False
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _paginated(view: ActorAPIView, queryset, serializer_class, ordering: str = "-pk") -> Response:
    paginator = CursorPagination()
    paginator.ordering = ordering
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- me ------------------------------------------------------------------------------------------
class MeView(ActorAPIView):
    @extend_schema(responses=MeOut, operation_id="me_retrieve", tags=["me"])
    def get(self, request: Request) -> Response:
        return Response(MeOut(request.user, context={"actor": self.actor}).data)

    @extend_schema(request=MeIn, responses=MeOut, operation_id="me_update", tags=["me"])
    def patch(self, request: Request) -> Response:
        user = services.user_update(user=request.user, **_valid(MeIn, request, partial=True))
        return Response(MeOut(user, context={"actor": self.actor}).data)


class ActingOrganisationView(ActorAPIView):
    @extend_schema(request=ActingOrganisationIn, responses=MeOut, tags=["me"])
    def post(self, request: Request) -> Response:
        data = _valid(ActingOrganisationIn, request)
        services.acting_organisation_switch(user=request.user, organisation_id=data["organisation"])
        self.__dict__.pop("actor", None)
        return Response(MeOut(request.user, context={"actor": self.actor}).data)


# --- organisations -------------------------------------------------------------------------------
class OrganisationListView(ActorAPIView):
    @extend_schema(
        responses=OrganisationOut(many=True),
        parameters=[
            OpenApiParameter("status", str, enum=VerificationStatus.values),
            OpenApiParameter("kind", str, enum=OrganisationKind.values),
            OpenApiParameter("search", str),
        ],
        tags=["organisations"],
    )
    def get(self, request: Request) -> Response:
        queryset = selectors.organisation_list_for(
            actor=self.actor,
            status=request.query_params.get("status"),
            kind=request.query_params.get("kind"),
            search=request.query_params.get("search"),
        )
        return _paginated(self, queryset, OrganisationOut)

    @extend_schema(request=OrganisationCreateIn, responses={201: OrganisationOut}, tags=["organisations"])
    def post(self, request: Request) -> Response:
        data = _valid(OrganisationCreateIn, request)
        kind = data.pop("kind")
        organisation = services.organisation_register(user=request.user, kind=kind, data=data)
        return Response(OrganisationOut(organisation).data, status=status.HTTP_201_CREATED)


class OrganisationDetailView(ActorAPIView):
    @extend_schema(responses=OrganisationOut, tags=["organisations"])
    def get(self, request: Request, organisation_id: int) -> Response:
        return Response(
            OrganisationOut(selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)).data
        )

    @extend_schema(request=OrganisationIn, responses=OrganisationOut, tags=["organisations"])
    def patch(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        data = _valid(OrganisationIn, request, partial=True)
        organisation = services.organisation_update(actor=self.actor, organisation=organisation, data=data)
        return Response(OrganisationOut(organisation).data)


class OrganisationVerifyView(ActorAPIView):
    capabilities = {"POST": ORGANISATIONS_VERIFY}

    @extend_schema(request=None, responses=OrganisationOut, tags=["verification"])
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        return Response(OrganisationOut(services.organisation_verify(actor=self.actor, organisation=organisation)).data)


class OrganisationRejectView(ActorAPIView):
    capabilities = {"POST": ORGANISATIONS_VERIFY}

    @extend_schema(request=RejectIn, responses=OrganisationOut, tags=["verification"])
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        reason = _valid(RejectIn, request)["reason"]
        return Response(
            OrganisationOut(
                services.organisation_reject(actor=self.actor, organisation=organisation, reason=reason)
            ).data
        )


class OrganisationResubmitView(ActorAPIView):
    @extend_schema(request=None, responses=OrganisationOut, tags=["verification"])
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        return Response(
            OrganisationOut(services.organisation_resubmit(actor=self.actor, organisation=organisation)).data
        )


# --- memberships and invitations -----------------------------------------------------------------
class MembershipListView(ActorAPIView):
    @extend_schema(responses=MembershipOut(many=True), tags=["memberships"])
    def get(self, request: Request, organisation_id: int) -> Response:
        queryset = selectors.membership_list_for(actor=self.actor, organisation_id=organisation_id)
        return _paginated(self, queryset, MembershipOut)


class MembershipDetailView(ActorAPIView):
    @extend_schema(responses=MembershipOut, tags=["memberships"])
    def get(self, request: Request, membership_id: int) -> Response:
        return Response(MembershipOut(selectors.membership_get_for(actor=self.actor, membership_id=membership_id)).data)

    @extend_schema(responses={204: None}, tags=["memberships"])
    def delete(self, request: Request, membership_id: int) -> Response:
        membership = selectors.membership_get_for(actor=self.actor, membership_id=membership_id)
        services.membership_remove(actor=self.actor, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipChangeRoleView(ActorAPIView):
    @extend_schema(request=RoleIn, responses=MembershipOut, tags=["memberships"])
    def post(self, request: Request, membership_id: int) -> Response:
        membership = selectors.membership_get_for(actor=self.actor, membership_id=membership_id)
        role = _valid(RoleIn, request)["role"]
        return Response(
            MembershipOut(services.membership_change_role(actor=self.actor, membership=membership, role=role)).data
        )


class InvitationListView(ActorAPIView):
    @extend_schema(responses=InvitationOut(many=True), tags=["memberships"])
    def get(self, request: Request, organisation_id: int) -> Response:
        queryset = selectors.invitation_list_for(actor=self.actor, organisation_id=organisation_id)
        return _paginated(self, queryset, InvitationOut)

    @extend_schema(request=InvitationIn, responses={201: InvitationCreatedOut}, tags=["memberships"])
    def post(self, request: Request, organisation_id: int) -> Response:
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        data = _valid(InvitationIn, request)
        invitation, token = services.invitation_create(actor=self.actor, organisation=organisation, **data)
        body = InvitationOut(invitation).data | {"token": token, "accept_url": invitation_accept_url(token)}
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationRevokeView(ActorAPIView):
    @extend_schema(request=None, responses=InvitationOut, tags=["memberships"])
    def post(self, request: Request, invitation_id: int) -> Response:
        invitation = selectors.invitation_get_for(actor=self.actor, invitation_id=invitation_id)
        return Response(InvitationOut(services.invitation_revoke(actor=self.actor, invitation=invitation)).data)


class InvitationAcceptView(ActorAPIView):
    @extend_schema(request=InvitationAcceptIn, responses=MembershipOut, tags=["memberships"])
    def post(self, request: Request) -> Response:
        token = _valid(InvitationAcceptIn, request)["token"]
        return Response(MembershipOut(services.invitation_accept(user=request.user, token=token)).data)


# --- API tokens ----------------------------------------------------------------------------------
class ApiTokenListView(ActorAPIView):
    capabilities = {"GET": TOKENS_MANAGE, "POST": TOKENS_MANAGE}

    @extend_schema(responses=ApiTokenOut(many=True), tags=["tokens"])
    def get(self, request: Request) -> Response:
        return _paginated(self, selectors.api_token_list_for(actor=self.actor), ApiTokenOut)

    @extend_schema(request=ApiTokenIn, responses={201: ApiTokenCreatedOut}, tags=["tokens"])
    def post(self, request: Request) -> Response:
        token, secret = services.api_token_create(actor=self.actor, name=_valid(ApiTokenIn, request)["name"])
        return Response(ApiTokenOut(token).data | {"token": secret}, status=status.HTTP_201_CREATED)


class ApiTokenRevokeView(ActorAPIView):
    capabilities = {"POST": TOKENS_MANAGE}

    @extend_schema(request=None, responses=ApiTokenOut, tags=["tokens"])
    def post(self, request: Request, token_id: int) -> Response:
        token = selectors.api_token_get_for(actor=self.actor, token_id=token_id)
        return Response(ApiTokenOut(services.api_token_revoke(actor=self.actor, token=token)).data)


# --- reference lists (public) --------------------------------------------------------------------
class BankOut(serializers.Serializer):
    bin = serializers.CharField()
    short_name = serializers.CharField()
    name = serializers.CharField()


class ProvinceListView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=UnitOut(many=True), tags=["reference"])
    def get(self, request: Request) -> Response:
        return Response(UnitOut(geo.provinces(), many=True).data)


class CommuneListView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=UnitOut(many=True), tags=["reference"])
    def get(self, request: Request, province_code: int) -> Response:
        if geo.province(province_code) is None:
            raise NotFound()
        return Response(UnitOut(geo.communes(province_code), many=True).data)


class BankListView(ActorAPIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=BankOut(many=True), tags=["reference"])
    def get(self, request: Request) -> Response:
        return Response(BankOut(banks.BANKS, many=True).data)
