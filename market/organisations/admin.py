from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from market.core.admin import URL_FIELDS_AS_HTTPS
from market.organisations.changes import organisation_changed
from market.organisations.models import ApiToken, Invitation, Membership, Organisation, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "language", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "language"]
    search_fields = ["email", "full_name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "phone", "language", "acting_organisation"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    raw_id_fields = ["acting_organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "tax_code", "province_code", "verification_status", "created_at"]
    list_filter = ["kind", "verification_status", "province_code"]
    search_fields = ["name", "legal_name", "tax_code", "email", "phone"]
    readonly_fields = [
        "verification_status",
        "verification_note",
        "verified_at",
        "verified_by",
        "created_at",
        "updated_at",
    ]
    inlines = [MembershipInline]
    formfield_overrides = URL_FIELDS_AS_HTTPS

    def save_model(self, request: HttpRequest, obj: Organisation, form: ModelForm, change: bool) -> None:
        """An edit here moves what the services' edits move (search text, synced names, storefront)."""
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            organisation_changed(obj.pk, form.changed_data)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    search_fields = ["user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "organisation__name"]
    exclude = ["token_hash"]
    readonly_fields = ["accepted_at", "accepted_by", "invited_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "organisation", "is_legacy", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["is_legacy"]
    search_fields = ["name", "prefix", "user__email", "organisation__name"]
    exclude = ["key_hash"]
    # Scopes, expiry and revocation change through the services (audited), from the token page or the API.
    readonly_fields = ["prefix", "scopes", "is_legacy", "expires_at", "last_used_at", "last_used_ip", "revoked_at"]

    def has_add_permission(self, request) -> bool:  # the secret must come from api_token_create
        return False
