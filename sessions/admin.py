from django.contrib import admin, messages
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from .models import AgendaItem, BargainingUnit, Commitment, Position, Session, Topic


class ExplainRefusedDeletionMixin:
    """Django's page lists the "protected related objects" a deletion "would require deleting":
    say plainly that nothing is deleted, and what to do instead."""

    instead_of_deleting = ""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            messages.warning(
                request,
                "Nothing was deleted: the meet-and-confer record refers to this "
                f"{self.opts.verbose_name}, and the record is never erased. "
                f"{self.instead_of_deleting}",
            )
        return deleted, model_count, perms_needed, protected


@admin.register(BargainingUnit)
class BargainingUnitAdmin(ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
    instead_of_deleting = "Untick “active” instead: an inactive unit stays in the record."
    list_display = ["code", "name", "active", "session_count"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["agents"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_count=Count("sessions"))

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_record = Session.objects.filter(units__in=objs).distinct()
        protected = [*protected, *(f"Session: {session}" for session in in_record)]
        return deleted, model_count, perms_needed, protected

    @admin.display(description="sessions", ordering="session_count")
    def session_count(self, unit: BargainingUnit) -> int:
        return unit.session_count


@admin.register(Topic)
class TopicAdmin(ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
    instead_of_deleting = "Set its status to “closed” instead."
    list_display = ["name", "status", "unit_codes", "agenda_item_count"]
    list_filter = ["status", "units"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["units"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(agenda_item_count=Count("agenda_items"))
            .prefetch_related("units")
        )

    @admin.display(description="units")
    def unit_codes(self, topic: Topic) -> str:
        return ", ".join(unit.code for unit in topic.units.all())

    @admin.display(description="agenda items", ordering="agenda_item_count")
    def agenda_item_count(self, topic: Topic) -> int:
        return topic.agenda_item_count


class AgendaItemInline(admin.StackedInline):
    model = AgendaItem
    extra = 0
    show_change_link = True
    autocomplete_fields = ["topic"]
    fields = ["order", "topic", "title", "discussion", "outcome", "member_guidance"]


class AttendanceInline(admin.TabularInline):
    # Reached through the relation so the record does not import the members app.
    model = Session.advocates.through
    extra = 0
    autocomplete_fields = ["advocate"]
    verbose_name = "advocate present"
    verbose_name_plural = "advocates present"


@admin.register(Session)
class SessionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "unit_codes", "status", "topic_names", "agenda_item_count"]
    list_filter = ["status", "units", "date"]
    search_fields = ["summary", "location", "agenda_items__title", "agenda_items__topic__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["units", "upe_staff"]
    readonly_fields = ["logged_by", "created_at", "updated_at", "version"]
    inlines = [AgendaItemInline, AttendanceInline]
    fieldsets = [
        (None, {"fields": ["date", "start_time", "location", "units", "status"]}),
        ("Who was there", {"fields": ["county_attendees", "upe_staff", "upe_attendees"]}),
        ("What it was about", {"fields": ["summary", "next_steps"]}),
        ("Record", {"fields": ["logged_by", "created_at", "updated_at", "version"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(agenda_item_count=Count("agenda_items", distinct=True))
            .prefetch_related("units", "agenda_items__topic")
        )

    def save_model(self, request, obj: Session, form, change: bool) -> None:
        if not change:
            obj.logged_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="units")
    def unit_codes(self, session: Session) -> str:
        return session.unit_codes

    @admin.display(description="topics")
    def topic_names(self, session: Session) -> str:
        names = dict.fromkeys(item.topic.name for item in session.agenda_items.all())
        return ", ".join(names)

    @admin.display(description="agenda items", ordering="agenda_item_count")
    def agenda_item_count(self, session: Session) -> int:
        return session.agenda_item_count


class PositionInline(admin.TabularInline):
    model = Position
    extra = 0
    fields = ["order", "party", "kind", "statement"]


class CommitmentInline(admin.StackedInline):
    model = Commitment
    extra = 0
    show_change_link = True
    autocomplete_fields = ["owner"]
    fields = [
        ("order", "party", "status"),
        "description",
        "owner",
        ("due_date", "trigger", "trigger_offset_days"),
        ("resolved_on", "resolution_note"),
    ]


@admin.register(AgendaItem)
class AgendaItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "session_link", "topic", "order"]
    list_filter = ["topic", "session__units"]
    list_select_related = ["session", "topic"]
    search_fields = ["title", "discussion", "outcome", "topic__name"]
    autocomplete_fields = ["session", "topic"]
    inlines = [PositionInline, CommitmentInline]

    @admin.display(description="session", ordering="session__date")
    def session_link(self, item: AgendaItem):
        url = reverse("admin:confer_session_change", args=[item.session_id])
        return format_html('<a href="{}">{}</a>', url, item.session)


@admin.register(Position)
class PositionAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "agenda_item", "order", "short_statement"]
    list_filter = ["party", "kind"]
    list_select_related = ["agenda_item"]
    search_fields = ["statement", "agenda_item__title"]
    autocomplete_fields = ["agenda_item"]

    @admin.display(description="statement")
    def short_statement(self, position: Position) -> str:
        return position.statement[:120]


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    list_display = [
        "short_description",
        "party",
        "status",
        "when_due",
        "session_date",
        "unit_codes",
        "owner",
    ]
    list_filter = ["status", "party", "agenda_item__topic", "agenda_item__session__units"]
    list_select_related = ["agenda_item__session", "agenda_item__topic", "owner"]
    search_fields = ["description", "trigger", "agenda_item__title", "agenda_item__topic__name"]
    autocomplete_fields = ["agenda_item", "owner", "followed_up_in"]
    date_hierarchy = "agenda_item__session__date"
    fieldsets = [
        (None, {"fields": ["agenda_item", "order", "party", "description", "owner"]}),
        (
            "When it is due",
            {
                "fields": [
                    "due_date",
                    "trigger",
                    "trigger_offset_days",
                    "trigger_occurred_on",
                    "trigger_note",
                ]
            },
        ),
        ("Follow-up", {"fields": ["status", "resolved_on", "resolution_note", "followed_up_in"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("agenda_item__session__units")

    @admin.display(description="commitment")
    def short_description(self, commitment: Commitment) -> str:
        return commitment.description[:100]

    @admin.display(description="due")
    def when_due(self, commitment: Commitment) -> str:
        return commitment.when_due

    @admin.display(description="session", ordering="agenda_item__session__date")
    def session_date(self, commitment: Commitment) -> str:
        return commitment.agenda_item.session.date.isoformat()

    @admin.display(description="units")
    def unit_codes(self, commitment: Commitment) -> str:
        return commitment.agenda_item.session.unit_codes
