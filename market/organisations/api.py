"""API: me, organisations, verification, memberships, invitations, tokens, and the reference lists."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from market.core.errors import NotFound, ValidationFailed
from market.core.inputs import flatten_errors, idempotency_key, input_mode, read_input, read_query
from market.core.listing import ListEndpoint, list_response
from market.core.schema import ErrorOut, idempotency_key_retried
from market.organisations import banks, geo, selectors, services
from market.organisations.drf import NO_SCOPE, ActorAPIView, AllowedActionsField
from market.organisations.inputs import (
    BANK_FIELDS,
    AccountInput,
    ActingOrganisationInput,
    ApiTokenInput,
    ApiTokenRenewInput,
    ApiTokenRotateInput,
    BankAccount,
    BankAccountInput,
    InvitationAcceptInput,
    InvitationInput,
    OrganisationListQuery,
    OrganisationProfile,
    OrganisationProfileInput,
    OrganisationRegisterInput,
    PasswordResetInput,
    PasswordResetRequestInput,
    RejectInput,
    RoleInput,
    bank_account_from,
)
from market.organisations.models import (
    ApiScope,
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    Role,
    User,
    VerificationStatus,
)
from market.organisations.permissions import ORGANISATIONS_VERIFY, TOKENS_MANAGE
from market.organisations.policies import API_TOKEN_POLICY, INVITATION_POLICY, MEMBERSHIP_POLICY, ORGANISATION_POLICY
from market.organisations.services import invitation_accept_url, keyed


# The header of the steps several views take alike, on an organisation, a membership, an invitation or a token.
def _step_retried(thing: str, *, reused: str = "", body: bool = False) -> OpenApiParameter:
    return idempotency_key_retried(
        f"with the {thing} as the first request did (200)",
        instead_of="a refusal of a step already taken",
        reused=reused or f"for another {thing}",
        body=body,
    )


ORGANISATION_STEP_RETRIED = _step_retried("organisation")
TOKEN_STEP_RETRIED = _step_retried("token")
# A created secret is stored hashed: a retry cannot show it again.
HASHED_NOT_AGAIN = "without its secret (200: it is stored hashed, shown only in the first answer)"


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
    allowed_actions = AllowedActionsField(ORGANISATION_POLICY)

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
            "allowed_actions",
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
        return OrganisationOut(actor.organisation, context=self.context).data if actor.organisation else None

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices, allow_null=True))
    def get_role(self, obj: User) -> str | None:
        return self.context["actor"].role

    @extend_schema_field(MembershipBriefOut(many=True))
    def get_memberships(self, obj: User) -> list[dict[str, Any]]:
        return list(MembershipBriefOut(selectors.user_organisations(user=obj), many=True).data)


class MembershipOut(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    allowed_actions = AllowedActionsField(MEMBERSHIP_POLICY)

    class Meta:
        model = Membership
        fields = ["id", "organisation_id", "user_id", "email", "full_name", "role", "created_at", "allowed_actions"]


class InvitationOut(serializers.ModelSerializer):
    allowed_actions = AllowedActionsField(INVITATION_POLICY)

    class Meta:
        model = Invitation
        fields = ["id", "organisation_id", "email", "role", "expires_at", "created_at", "allowed_actions"]


class InvitationCreatedOut(InvitationOut):
    accept_url = serializers.CharField(help_text="Shown once: send it to the person invited.")
    token = serializers.CharField(help_text="Shown once.")

    class Meta(InvitationOut.Meta):
        fields = [*InvitationOut.Meta.fields, "accept_url", "token"]


class ApiTokenOut(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email")
    display = serializers.CharField(source="__str__")
    scopes = serializers.SerializerMethodField(help_text="What it may reach (every scope when it is legacy).")
    allowed_actions = AllowedActionsField(API_TOKEN_POLICY)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "display",
            "user_email",
            "organisation_id",
            "scopes",
            "is_legacy",
            "created_at",
            "expires_at",
            "last_used_at",
            "last_used_ip",
            "revoked_at",
            "allowed_actions",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ApiScope.choices)))
    def get_scopes(self, token: ApiToken) -> list[str]:
        return sorted(scope.value for scope in token.granted_scopes)


class ApiTokenCreatedOut(ApiTokenOut):
    token = serializers.CharField(help_text="The secret, shown once. Send it as 'Authorization: Bearer <token>'.")

    class Meta(ApiTokenOut.Meta):
        fields = [*ApiTokenOut.Meta.fields, "token"]


# --- input ---------------------------------------------------------------------------------------
class OrganisationUpdateIn(OrganisationProfileInput, BankAccountInput):
    """PATCH: the profile and (owners) the bank account; only the fields sent change."""


def _user(request: Request) -> User:
    """The logged-in person (these views require authentication)."""
    assert isinstance(request.user, User)
    return request.user


# --- me ------------------------------------------------------------------------------------------
class MeView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE, "PATCH": ApiScope.ORGANISATION}

    @extend_schema(responses=MeOut, operation_id="me_retrieve", tags=["me"])
    def get(self, request: Request) -> Response:
        """The signed-in person (or the token's owner): name, contact, language, memberships, and the organisation
        and role acted with now."""
        return Response(MeOut(_user(request), context={"actor": self.actor}).data)

    @extend_schema(request=AccountInput, responses=MeOut, operation_id="me_update", tags=["me"])
    def patch(self, request: Request) -> Response:
        """Change the signed-in person's own name, phone or language."""
        fields = read_input(AccountInput, request.data, mode=input_mode(request), partial=True)
        user = services.user_update(user=_user(request), **fields)
        return Response(MeOut(user, context={"actor": self.actor}).data)


class ActingOrganisationView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=ActingOrganisationInput,
        responses={200: MeOut, 404: OpenApiResponse(ErrorOut, description="Not an organisation the user belongs to.")},
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        """Act for another organisation the signed-in person is a member of (the session's organisation)."""
        fields = read_input(ActingOrganisationInput, request.data, mode=input_mode(request))
        services.acting_organisation_switch(user=_user(request), organisation_id=fields["organisation"])
        self.__dict__.pop("actor", None)
        return Response(MeOut(_user(request), context={"actor": self.actor}).data)


# --- organisations -------------------------------------------------------------------------------
class OrganisationListView(ListEndpoint, ActorAPIView):
    list_filters = (OrganisationListQuery,)
    required_scopes = {"GET": ApiScope.ORGANISATION, "POST": ApiScope.ORGANISATION}

    @extend_schema(responses=OrganisationOut(many=True), parameters=[OrganisationListQuery], tags=["organisations"])
    def get(self, request: Request) -> Response:
        """Organisations the caller is a member of; alliance staff see every one (the verification queue). Filters:
        `status` (verification), `kind`, `search`. Newest first, in pages (`cursor`, `page_size`); with
        `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        query = read_query(OrganisationListQuery, request.query_params)
        return list_response(
            self,
            selectors.organisation_list_for(actor=self.actor, **query),
            OrganisationOut,
            context=self.output_context,
        )

    @extend_schema(
        request=OrganisationRegisterInput,
        parameters=[
            idempotency_key_retried(
                "with the organisation the first request registered (201)",
                instead_of="a second one",
                reused="with another body",
            )
        ],
        responses={201: OrganisationOut},
        tags=["organisations"],
    )
    def post(self, request: Request) -> Response:
        """Register an organisation (cooperative, buyer…) with the signed-in person as its owner; it waits for the
        alliance's verification."""
        fields = read_input(OrganisationRegisterInput, request.data, mode=input_mode(request))
        organisation = keyed.organisation_register_once(
            user=_user(request),
            once_key=idempotency_key(request.headers),
            kind=fields["kind"],
            profile=OrganisationProfile.from_input(fields),
            bank=bank_account_from(fields),
        ).value
        self.__dict__.pop("actor", None)  # the new organisation is the one acted for now
        return Response(OrganisationOut(organisation, context=self.output_context).data, status=status.HTTP_201_CREATED)


class OrganisationDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORGANISATION, "PATCH": ApiScope.ORGANISATION}

    @extend_schema(responses=OrganisationOut, tags=["organisations"])
    def get(self, request: Request, organisation_id: int) -> Response:
        """One organisation the caller is a member of (alliance staff: any), with its profile and verification state.
        A missing one and one the caller may not see are the same 404."""
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        return Response(OrganisationOut(organisation, context=self.output_context).data)

    @extend_schema(request=OrganisationUpdateIn, responses=OrganisationOut, tags=["organisations"])
    def patch(self, request: Request, organisation_id: int) -> Response:
        """Only the fields sent change; the bank account's three fields are checked together with the current
        ones."""
        organisation = selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        fields = read_input(
            OrganisationUpdateIn,
            request.data,
            mode=input_mode(request),
            partial=True,
            context={"province_code": organisation.province_code},
        )
        bank: services.BankChange = services.Keep.BANK
        if any(name in fields for name in BANK_FIELDS):
            try:
                bank = bank_account_from(fields, base=BankAccount.of(organisation))
            except serializers.ValidationError as error:
                raise ValidationFailed(fields=flatten_errors(error.detail)) from None
        organisation = services.organisation_update(
            actor=self.actor,
            organisation_id=organisation.pk,
            profile=OrganisationProfile.from_input(fields, base=OrganisationProfile.of(organisation)),
            bank=bank,
        )
        return Response(OrganisationOut(organisation, context=self.output_context).data)


class OrganisationVerifyView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}
    capabilities = {"POST": ORGANISATIONS_VERIFY}

    @extend_schema(
        request=None, parameters=[ORGANISATION_STEP_RETRIED], responses=OrganisationOut, tags=["verification"]
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        """Alliance staff verify an organisation."""
        once_key = idempotency_key(request.headers)
        organisation = keyed.organisation_verify_once(
            actor=self.actor, organisation_id=organisation_id, once_key=once_key
        ).value
        return Response(OrganisationOut(organisation, context=self.output_context).data)


class OrganisationRejectView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}
    capabilities = {"POST": ORGANISATIONS_VERIFY}

    @extend_schema(
        request=RejectInput,
        parameters=[_step_retried("organisation", reused="for another organisation or with another reason", body=True)],
        responses=OrganisationOut,
        tags=["verification"],
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        """Alliance staff refuse an organisation's verification, saying why (it may correct and resubmit)."""
        reason = read_input(RejectInput, request.data, mode=input_mode(request))["reason"]
        once_key = idempotency_key(request.headers)
        organisation = keyed.organisation_reject_once(
            actor=self.actor, organisation_id=organisation_id, reason=reason, once_key=once_key
        ).value
        return Response(OrganisationOut(organisation, context=self.output_context).data)


class OrganisationResubmitView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=None, parameters=[ORGANISATION_STEP_RETRIED], responses=OrganisationOut, tags=["verification"]
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        """An organisation whose verification was refused asks for it again after correcting its profile."""
        once_key = idempotency_key(request.headers)
        organisation = keyed.organisation_resubmit_once(
            actor=self.actor, organisation_id=organisation_id, once_key=once_key
        ).value
        return Response(OrganisationOut(organisation, context=self.output_context).data)


# --- memberships and invitations -----------------------------------------------------------------
class MembershipListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.ORGANISATION}

    @extend_schema(responses=MembershipOut(many=True), tags=["memberships"])
    def get(self, request: Request, organisation_id: int) -> Response:
        """An organisation's members and their roles, for its members who may see members and for alliance staff. No
        filters. Newest first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then,
        oldest change first (docs/api-sync.md)."""
        queryset = selectors.membership_list_for(actor=self.actor, organisation_id=organisation_id)
        return list_response(self, queryset, MembershipOut, context=self.output_context)


class MembershipDetailView(ActorAPIView):
    required_scopes = {"GET": ApiScope.ORGANISATION, "DELETE": ApiScope.ORGANISATION}

    @extend_schema(responses=MembershipOut, tags=["memberships"])
    def get(self, request: Request, membership_id: int) -> Response:
        """One membership (person and role), for the organisation's members who may see members and for alliance
        staff. A missing one and one the caller may not see are the same 404."""
        membership = selectors.membership_get_for(actor=self.actor, membership_id=membership_id)
        return Response(MembershipOut(membership, context=self.output_context).data)

    @extend_schema(
        parameters=[
            idempotency_key_retried(
                "204 as the first request did",
                instead_of="404 for the membership it removed",
                reused="for another membership",
                body=False,
            )
        ],
        responses={204: None},
        tags=["memberships"],
    )
    def delete(self, request: Request, membership_id: int) -> Response:
        """Remove a member from the organisation, for members who manage members."""
        once_key = idempotency_key(request.headers)
        keyed.membership_remove_once(actor=self.actor, membership_id=membership_id, once_key=once_key)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipChangeRoleView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=RoleInput,
        parameters=[_step_retried("membership", reused="for another membership or with another role", body=True)],
        responses=MembershipOut,
        tags=["memberships"],
    )
    def post(self, request: Request, membership_id: int) -> Response:
        """Give a member another role, for members who manage members."""
        selectors.membership_get_for(actor=self.actor, membership_id=membership_id)
        role = read_input(RoleInput, request.data, mode=input_mode(request))["role"]
        once_key = idempotency_key(request.headers)
        membership = keyed.membership_change_role_once(
            actor=self.actor, membership_id=membership_id, role=role, once_key=once_key
        ).value
        return Response(MembershipOut(membership, context=self.output_context).data)


class InvitationListView(ListEndpoint, ActorAPIView):
    required_scopes = {"GET": ApiScope.ORGANISATION, "POST": ApiScope.ORGANISATION}

    @extend_schema(responses=InvitationOut(many=True), tags=["memberships"])
    def get(self, request: Request, organisation_id: int) -> Response:
        """An organisation's invitations still pending (neither accepted nor revoked), for its members who may see
        members and for alliance staff. No filters. Newest first, in pages (`cursor`, `page_size`); with
        `updated_since`, the rows changed since then, oldest change first (docs/api-sync.md)."""
        queryset = selectors.invitation_list_for(actor=self.actor, organisation_id=organisation_id)
        return list_response(self, queryset, InvitationOut, context=self.output_context)

    @extend_schema(
        request=InvitationInput,
        parameters=[
            idempotency_key_retried(
                f"with the invitation the first request made {HASHED_NOT_AGAIN}",
                instead_of="a second invitation that revokes the link already e-mailed",
                reused="for another organisation or with another body",
            )
        ],
        responses={201: InvitationCreatedOut, 200: InvitationOut},
        tags=["memberships"],
    )
    def post(self, request: Request, organisation_id: int) -> Response:
        """Invite someone by e-mail to join the organisation with a role; answers the invitation with its token and
        link (shown once). For members who manage members."""
        selectors.organisation_get_for(actor=self.actor, organisation_id=organisation_id)
        fields = read_input(InvitationInput, request.data, mode=input_mode(request))
        done, token = keyed.invitation_create_once(
            actor=self.actor, organisation_id=organisation_id, once_key=idempotency_key(request.headers), **fields
        )
        invitation = done.value
        if token is None:
            return Response(InvitationOut(invitation, context=self.output_context).data)
        body = InvitationOut(invitation, context=self.output_context).data | {
            "token": token,
            "accept_url": invitation_accept_url(token),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class InvitationRevokeView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=None, parameters=[_step_retried("invitation")], responses=InvitationOut, tags=["memberships"]
    )
    def post(self, request: Request, invitation_id: int) -> Response:
        """Revoke a pending invitation, for the organisation's members who manage members; its link stops working."""
        selectors.invitation_get_for(actor=self.actor, invitation_id=invitation_id)
        once_key = idempotency_key(request.headers)
        invitation = keyed.invitation_revoke_once(
            actor=self.actor, invitation_id=invitation_id, once_key=once_key
        ).value
        return Response(InvitationOut(invitation, context=self.output_context).data)


class InvitationAcceptView(ActorAPIView):
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=InvitationAcceptInput,
        responses={
            200: MembershipOut,
            404: OpenApiResponse(ErrorOut, description="The invitation is unknown, expired, revoked or used."),
        },
        parameters=[
            idempotency_key_retried(
                "with the membership the first request made (200)",
                instead_of="404 for the invitation it used",
                reused="with another body",
            )
        ],
        tags=["memberships"],
    )
    def post(self, request: Request) -> Response:
        """The signed-in person accepts an invitation by its token and becomes a member with the invited role."""
        token = read_input(InvitationAcceptInput, request.data, mode=input_mode(request))["token"]
        once_key = idempotency_key(request.headers)
        membership = keyed.invitation_accept_once(user=_user(request), token=token, once_key=once_key).value
        self.__dict__.pop("actor", None)
        return Response(MembershipOut(membership, context=self.output_context).data)


# --- password reset (no login) -------------------------------------------------------------------
class PasswordResetRequestView(ActorAPIView):
    required_scopes = {"POST": NO_SCOPE}
    permission_classes = [AllowAny]

    @extend_schema(request=PasswordResetRequestInput, responses={202: None}, tags=["me"], auth=[])
    def post(self, request: Request) -> Response:
        """E-mails a reset link when an account has this address; the answer is the same either way."""
        email = read_input(PasswordResetRequestInput, request.data, mode=input_mode(request))["email"]
        services.password_reset_request(email=email)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(ActorAPIView):
    required_scopes = {"POST": NO_SCOPE}
    permission_classes = [AllowAny]

    @extend_schema(
        request=PasswordResetInput,
        responses={
            204: None,
            404: OpenApiResponse(ErrorOut, description="The link is invalid, expired or already used."),
        },
        tags=["me"],
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Set a new password with the token from the reset e-mail. Public; the token works once."""
        services.password_reset_confirm(**read_input(PasswordResetInput, request.data, mode=input_mode(request)))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- API tokens ----------------------------------------------------------------------------------
def _token_made(view: ActorAPIView, token: ApiToken, secret: str | None) -> Response:
    """201 with the secret from the request that made the token; a retry under its key, 200 without (hashed)."""
    body = ApiTokenOut(token, context=view.output_context).data
    if secret is None:
        return Response(body)
    return Response(body | {"token": secret}, status=status.HTTP_201_CREATED)


class DeletionOut(serializers.Serializer):
    resource = serializers.CharField(help_text="The list the row was in, e.g. supply.intake.")
    object_id = serializers.IntegerField(help_text="The deleted row's id in that list.")
    updated_at = serializers.DateTimeField(help_text="When it was deleted.")


class DeletionListView(ListEndpoint, ActorAPIView):
    """Rows deleted from your organisation's synced lists (tombstones): sync them with `updated_since` like
    any list and delete the rows from your copy (docs/api-sync.md). A token sees only its scopes' lists."""

    required_scopes = {"GET": NO_SCOPE}  # each row is filtered by the scope of the list it was in

    @extend_schema(responses=DeletionOut(many=True), tags=["sync"])
    def get(self, request: Request) -> Response:
        return list_response(self, selectors.deletions_for(actor=self.actor), DeletionOut, context={})


class ApiTokenListView(ListEndpoint, ActorAPIView):
    capabilities = {"GET": TOKENS_MANAGE, "POST": TOKENS_MANAGE}
    required_scopes = {"GET": ApiScope.ORGANISATION, "POST": ApiScope.ORGANISATION}

    @extend_schema(responses=ApiTokenOut(many=True), tags=["tokens"])
    def get(self, request: Request) -> Response:
        """The acting organisation's API tokens (never their secrets), for members who manage tokens. No filters. Newest
        first, in pages (`cursor`, `page_size`); with `updated_since`, the rows changed since then, oldest change
        first (docs/api-sync.md)."""
        return list_response(
            self, selectors.api_token_list_for(actor=self.actor), ApiTokenOut, context=self.output_context
        )

    @extend_schema(
        request=ApiTokenInput,
        parameters=[
            idempotency_key_retried(
                f"with the token the first request made {HASHED_NOT_AGAIN}",
                instead_of="a second live token",
                reused="with another body",
            )
        ],
        responses={201: ApiTokenCreatedOut, 200: ApiTokenOut},
        tags=["tokens"],
    )
    def post(self, request: Request) -> Response:
        """Create an API token for the acting organisation with its scopes; its secret is in this answer only. For
        members who manage tokens."""
        fields = read_input(ApiTokenInput, request.data, mode=input_mode(request))
        done, secret = keyed.api_token_create_once(
            actor=self.actor, once_key=idempotency_key(request.headers), **fields
        )
        return _token_made(self, done.value, secret)


class ApiTokenRenewView(ActorAPIView):
    capabilities = {"POST": TOKENS_MANAGE}
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=ApiTokenRenewInput,
        parameters=[_step_retried("token", reused="for another token or with another body", body=True)],
        responses=ApiTokenOut,
        tags=["tokens"],
    )
    def post(self, request: Request, token_id: int) -> Response:
        """Extend an API token's expiry. For members who manage tokens."""
        fields = read_input(ApiTokenRenewInput, request.data, mode=input_mode(request))
        once_key = idempotency_key(request.headers)
        token = keyed.api_token_renew_once(actor=self.actor, token_id=token_id, once_key=once_key, **fields).value
        return Response(ApiTokenOut(token, context=self.output_context).data)


class ApiTokenRotateView(ActorAPIView):
    capabilities = {"POST": TOKENS_MANAGE}
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(
        request=ApiTokenRotateInput,
        parameters=[
            idempotency_key_retried(
                f"with the new token the first request made {HASHED_NOT_AGAIN}",
                instead_of="409 for the token it revoked",
                reused="for another token or with another body",
            )
        ],
        responses={201: ApiTokenCreatedOut, 200: ApiTokenOut},
        tags=["tokens"],
    )
    def post(self, request: Request, token_id: int) -> Response:
        """Replace a token by a new one of the same name: the old stops at once, the new secret is shown once."""
        fields = read_input(ApiTokenRotateInput, request.data, mode=input_mode(request))
        done, secret = keyed.api_token_rotate_once(
            actor=self.actor, token_id=token_id, once_key=idempotency_key(request.headers), **fields
        )
        return _token_made(self, done.value, secret)


class ApiTokenRevokeView(ActorAPIView):
    capabilities = {"POST": TOKENS_MANAGE}
    required_scopes = {"POST": ApiScope.ORGANISATION}

    @extend_schema(request=None, parameters=[TOKEN_STEP_RETRIED], responses=ApiTokenOut, tags=["tokens"])
    def post(self, request: Request, token_id: int) -> Response:
        """Revoke a token at once: its next request is refused."""
        once_key = idempotency_key(request.headers)
        token = keyed.api_token_revoke_once(actor=self.actor, token_id=token_id, once_key=once_key).value
        return Response(ApiTokenOut(token, context=self.output_context).data)


# --- reference lists (public) --------------------------------------------------------------------
class BankOut(serializers.Serializer):
    bin = serializers.CharField()
    short_name = serializers.CharField()
    name = serializers.CharField()


class ProvinceListView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}
    permission_classes = [AllowAny]

    @extend_schema(responses=UnitOut(many=True), tags=["reference"])
    def get(self, request: Request) -> Response:
        """The provinces and centrally run cities (code and name), for address and origin fields. Public; no filters;
        alphabetical, diacritics ignored."""
        return Response(UnitOut(geo.provinces(), many=True).data)


class CommuneListView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}
    permission_classes = [AllowAny]

    @extend_schema(responses=UnitOut(many=True), tags=["reference"])
    def get(self, request: Request, province_code: int) -> Response:
        """The communes and wards of one province (code and name); an unknown province is a 404. Public; no filters;
        alphabetical, diacritics ignored."""
        if geo.province(province_code) is None:
            raise NotFound()
        return Response(UnitOut(geo.communes(province_code), many=True).data)


class BankListView(ActorAPIView):
    required_scopes = {"GET": NO_SCOPE}
    permission_classes = [AllowAny]

    @extend_schema(responses=BankOut(many=True), tags=["reference"])
    def get(self, request: Request) -> Response:
        """The banks a payee's account may be at (BIN, short and full name), for a bank account form. Public; no
        filters; in a fixed order, the cooperative bank and Agribank first."""
        return Response(BankOut(banks.BANKS, many=True).data)
