from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse

from linli.core.enums import AuditAction
from linli.core.models import ApiToken, AuditLog, CalendarDay, User
from linli.core.services import audit_record

PERSONAL_FIELDS = ("phone", "id_number")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "scope", "home_area_code", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "display_name", "scope", "home_area_code")
    fieldsets = (
        *BaseUserAdmin.fieldsets,  # type: ignore[misc]
        ("linli", {"fields": ("role", "scope", "display_name", "home_area_code", "phone", "id_number")}),
    )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The change form shows phone and ID number in full: the read is logged like any other."""
        if request.method == "GET":
            audit_record(
                actor=request.user,
                action=AuditAction.READ,
                object_type="core.user",
                object_id=str(object_id),
                fields=list(PERSONAL_FIELDS),
                detail={"via": "admin"},
                request=request,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        changed = [f for f in PERSONAL_FIELDS if f in form.changed_data]
        super().save_model(request, obj, form, change)
        if changed:
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                on=obj,
                fields=changed,
                detail={"via": "admin"},
                request=request,
            )


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "prefix", "last_used_at")


class ReadOnlyAdmin(admin.ModelAdmin):
    """A back-office page that only shows records: their rules live in the services (the pages, the API and
    the Excel import call them), so nobody, superuser included, adds, changes or deletes them here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """The related rows of a `ReadOnlyAdmin` record, shown only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    """The audit log can be read, never written here (nor below: see `AuditLog`)."""

    list_display = ("at", "actor", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")


class AuditedAdmin(admin.ModelAdmin):
    """A back-office page whose every change is written to the audit log like a change made in linli's own
    pages."""

    def _audit(self, request: HttpRequest, obj: Any, action: AuditAction, fields: list[str]) -> None:
        audit_record(
            actor=request.user,
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(getattr(obj, "code", None) or obj.pk),
            fields=fields,
            detail={"via": "admin"},
            request=request,
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._audit(request, obj, AuditAction.UPDATE if change else AuditAction.CREATE, list(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, AuditAction.DELETE, [])
        super().delete_model(request, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        changed = [fs.prefix for fs in formsets if fs.has_changed()]
        if changed:
            self._audit(request, form.instance, AuditAction.UPDATE, changed)
