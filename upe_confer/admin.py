"""Admin pages of the basics: user accounts (Django's, made safer) and sign-in lockouts."""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import ReadOnlyPasswordHashField, UserChangeForm
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget as DjangoPasswordWidget
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.html import format_html

User = get_user_model()


class PasswordWithoutHashWidget(DjangoPasswordWidget):
    """Says whether a password is set, and links to where it is changed: no algorithm, salt or
    any part of the hash (Django shows their first characters)."""

    def render(self, name, value, attrs=None, renderer=None):
        state = "Set." if value and not value.startswith("!") else "Not set (cannot sign in)."
        return format_html(
            '<div>{}</div><p><a role="button" class="button" href="../password/">{}</a></p>',
            state,
            "Set a new password",
        )


class SafeUserChangeForm(UserChangeForm):
    password = ReadOnlyPasswordHashField(
        label="Password",
        widget=PasswordWithoutHashWidget,
        help_text="Passwords are stored as salted hashes: nobody can read them, here or elsewhere.",
    )


def picks_users_for(request: HttpRequest, admin_site) -> bool:
    """An autocomplete request for a user field (a commitment's owner, a session's UPE staff, an
    update's author) from someone who may fill that field in: they hold the add or change
    permission of the model the field is on, and its admin offers the field as an autocomplete."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return False
    try:
        source = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        field = source._meta.get_field(request.GET["field_name"])
    except (KeyError, LookupError, FieldDoesNotExist):
        return False
    if getattr(field, "related_model", None) is not User:
        return False
    source_admin = admin_site._registry.get(source)
    if source_admin is None or field.name not in source_admin.get_autocomplete_fields(request):
        return False
    return source_admin.has_change_permission(request) or source_admin.has_add_permission(request)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin (superusers only), without the password hash; its autocomplete also
    answers those who pick owners and staff on the record's and updates' pages (staff
    accounts only: nobody needs to look members up there)."""

    form = SafeUserChangeForm

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or (
            obj is None and picks_users_for(request, self.admin_site)
        )

    def get_search_results(self, request, queryset, search_term):
        if not super().has_view_permission(request):
            queryset = queryset.filter(is_staff=True, is_active=True)
        return super().get_search_results(request, queryset, search_term)


# --- Sign-in lockouts (django-axes) ---------------------------------------------------------------

admin.site.unregister(AccessAttempt)
admin.site.unregister(AccessFailureLog)


@admin.register(AccessAttempt)
class LockoutAdmin(admin.ModelAdmin):
    """Failed sign-ins per username and address. Deleting a row (or the action) lifts the
    lockout at once, on every app server: the attempts are in the database."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time", "locked"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time"]
    readonly_fields = fields
    actions = ["lift_lockouts"]
    ordering = ["-attempt_time"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="locked until")
    def locked(self, attempt: AccessAttempt) -> str:
        if attempt.failures_since_start < settings.AXES_FAILURE_LIMIT:
            return "not locked"
        until = attempt.attempt_time + settings.AXES_COOLOFF_TIME
        if until <= timezone.now():
            return "no longer locked"
        return time_format(timezone.localtime(until))

    @admin.action(permissions=["delete"], description="Lift the lockout of the selected")
    def lift_lockouts(self, request, queryset):
        count, _ = queryset.delete()
        self.message_user(request, f"{count} lockout(s) lifted: they can sign in again now.")


# Successful sign-ins are recorded too; nobody edits them.
admin.site.unregister(AccessLog)


@admin.register(AccessLog)
class SignInLogAdmin(admin.ModelAdmin):
    list_display = ["attempt_time", "username", "ip_address", "logout_time"]
    list_filter = ["attempt_time"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["username", "ip_address", "user_agent", "attempt_time", "logout_time"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
