from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from sessions.admin import BargainingUnitAdmin, StoredVectorSearch, TopicAdmin
from sessions.models import BargainingUnit, Topic

from .forms import RosterImportForm
from .models import Delivery, MemberAccount, SiteConfiguration, Update
from .notify import resend_failed
from .operations import create_member_account, import_member_roster


@admin.register(Update)
class UpdateAdmin(StoredVectorSearch, SimpleHistoryAdmin):
    """The list and history of updates; writing and publishing happen on the members' pages,
    where staff see the text exactly as members will."""

    list_display = ["title", "status", "visibility", "publish_at", "unit_codes", "edit_link"]
    list_filter = ["status", "visibility", "units", "topics"]
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "publish_at"
    autocomplete_fields = ["session", "created_by"]
    filter_horizontal = ["units", "topics"]
    readonly_fields = ["generated_title", "generated_text", "generated_at", "created_at"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("units")

    def site_url_for(self, request, update: Update) -> str | None:
        """ "View on site" only for an update the site shows this user (drafts: to editors)."""
        if not Update.objects.readable_by(request.user).filter(pk=update.pk).exists():
            return None
        return update.get_absolute_url()

    @admin.display(description="units")
    def unit_codes(self, update: Update) -> str:
        return update.unit_codes

    @admin.display(description="")
    def edit_link(self, update: Update):
        return format_html(
            '<a href="{}">Edit, preview, publish</a>',
            reverse("members:update_edit", args=[update.pk]),
        )


def published_updates_naming(field: str, objs) -> list[str]:
    """Published (or scheduled) updates that name any of objs: deleting one of those would make
    it vanish from what members read."""
    shown = [Update.Status.PUBLISHED, Update.Status.SCHEDULED]
    named = Update.objects.filter(status__in=shown, **{f"{field}__in": objs}).distinct()
    return [f"Published update: {update}" for update in named]


# The record's admins of units and topics, also refusing to delete what published updates name
# (the record cannot know about updates: members -> sessions, one way).
admin.site.unregister(BargainingUnit)
admin.site.unregister(Topic)


@admin.register(BargainingUnit)
class UnitAdmin(BargainingUnitAdmin):
    def also_protected(self, objs) -> list[str]:
        return [*super().also_protected(objs), *published_updates_naming("units", objs)]


@admin.register(Topic)
class TopicWithUpdatesAdmin(TopicAdmin):
    def also_protected(self, objs) -> list[str]:
        return [*super().also_protected(objs), *published_updates_naming("topics", objs)]


@admin.register(SiteConfiguration)
class SiteConfigurationAdmin(SimpleHistoryAdmin):
    """One record: the union's name and contact block used by every generated update."""

    list_display = ["union_name", "phone", "email"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not SiteConfiguration.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MemberAccountCreationForm(forms.ModelForm):
    class Meta:
        model = MemberAccount
        fields = ["email", "first_name", "last_name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = (
            "The member signs in with this address and sets a password with "
            "“Forgotten your password?”."
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        taken = MemberAccount._meta.model._default_manager
        if (
            taken.filter(email__iexact=email).exists()
            or taken.filter(username__iexact=email).exists()
        ):
            raise forms.ValidationError("An account with this email already exists.")
        return email

    def save(self, commit: bool = True):
        # The account is created in save_model, where it also joins the Member group.
        return super().save(commit=False)


@admin.register(MemberAccount)
class MemberAccountAdmin(admin.ModelAdmin):
    """Members' sign-ins. Staff create them one by one or import a roster; nothing here can give
    an account staff or superuser rights."""

    list_display = ["username", "email", "first_name", "last_name", "is_active", "last_login"]
    list_filter = ["is_active"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering = ["last_name", "first_name", "username"]
    fields = ["username", "email", "first_name", "last_name", "is_active", "last_login"]
    readonly_fields = ["username", "last_login"]
    change_list_template = "admin/members/memberaccount/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False, is_superuser=False)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = MemberAccountCreationForm
            kwargs["fields"] = ["email", "first_name", "last_name"]
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return self.fields if obj else ["email", "first_name", "last_name"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        account = create_member_account(
            form.cleaned_data["email"],
            form.cleaned_data["first_name"],
            form.cleaned_data["last_name"],
        )
        obj.pk = account.pk
        obj._state.adding = False

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_roster),
                name="members_memberaccount_import",
            ),
            *super().get_urls(),
        ]

    def import_roster(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RosterImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            accounts = import_member_roster(form.cleaned_data["roster"])
            self.message_user(
                request,
                f"Imported {len(accounts)} member account{'s' if len(accounts) != 1 else ''}.",
                messages.SUCCESS,
            )
            return redirect("admin:members_memberaccount_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "Import members from a CSV roster",
        }
        return TemplateResponse(request, "admin/members/memberaccount/import.html", context)


class LatestUpdatesFilter(admin.SimpleListFilter):
    """The latest updates that were emailed, not every update: with thousands, Django's own
    filter listed each one on every page of deliveries. Any update can still be picked from its
    page (?update=<id>)."""

    title = "update"
    parameter_name = "update"
    shown = 20

    def lookups(self, request, model_admin):
        emailed = Update.objects.filter(Exists(Delivery.objects.filter(update=OuterRef("pk"))))
        latest = list(emailed.order_by("-publish_at", "-pk").only("title")[: self.shown])
        chosen = self.chosen_id()
        if chosen and chosen not in {update.pk for update in latest}:
            latest += Update.objects.filter(pk=chosen).only("title")
        return [(str(update.pk), update.title) for update in latest]

    def chosen_id(self) -> int | None:
        if self.value() is None:
            return None
        try:
            return int(self.value())
        except ValueError:
            raise IncorrectLookupParameters(f"No update {self.value()!r}.") from None

    def queryset(self, request, queryset):
        chosen = self.chosen_id()
        return queryset if chosen is None else queryset.filter(update_id=chosen)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """What was sent, to whom, when, and what failed: one row per member and update. Rows are
    written by the worker only; Staff may send the failed ones again."""

    list_display = ["email", "update", "status", "sent_at", "attempts", "error_summary"]
    list_filter = ["status", LatestUpdatesFilter]
    list_select_related = ["update"]
    search_fields = ["email", "update__title"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "update",
        "user",
        "email",
        "status",
        "created_at",
        "claimed_at",
        "attempted_at",
        "attempts",
        "sent_at",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description="error")
    def error_summary(self, delivery: Delivery) -> str:
        return delivery.error[:120]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Send the failed ones again", permissions=["change"])
    def resend(self, request, queryset):
        count = resend_failed(queryset)
        self.message_user(
            request,
            f"{count} failed email{'s' if count != 1 else ''} queued to be sent again.",
            messages.SUCCESS if count else messages.WARNING,
        )
