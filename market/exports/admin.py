from django.contrib import admin

from market.exports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "requested_by", "organisation", "status", "rows_done", "rows_total", "created_at"]
    list_filter = ["status", "kind", "file_format"]
    readonly_fields = [field.name for field in ExportJob._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
