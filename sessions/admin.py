import datetime
from functools import reduce
from operator import and_, attrgetter, or_

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import (
    Max,
    Min,
    Prefetch,
    Q,
)
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import smart_split, unescape_string_literal
from simple_history.admin import SimpleHistoryAdmin

from upe_confer.text import long_date

from . import followup, operations
from .access import sees_every_unit, sessions_editable_by, sessions_readable_by, units_for
from .documents import check_upload
from .locking import bump_version, claim_version, stale_message
from .models import (
    Advocate,
    AgendaItem,
    Attendance,
    BargainingUnit,
    CalendarToken,
    Commitment,
    Document,
    Position,
    ReminderLog,
    Session,
    Topic,
    count_of,
    publication_note,
)
from .search import item_matches, matches


class MarksWhoReadsAdmin:
    """Beside every text field, who will read it (sessions.models.PUBLISHED_TEXT)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and (note := publication_note(self.model, db_field.name)):
            formfield.help_text = f"{formfield.help_text} {note}".strip()
        return formfield


class UnitScopedAdmin(MarksWhoReadsAdmin):
    """Per-unit access in the admin (sessions/access.py): outside Staff, a user finds only the
    sessions their role and units allow, and changes or deletes only those they may edit. The
    filter is in the query, so anything else is "not found"."""

    session_lookup = "pk"  # from this model to its session's primary key, in a query
    session_attr = "pk"  # the same, on an object

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if sees_every_unit(request.user):
            return queryset
        readable = sessions_readable_by(request.user).values("pk")
        return queryset.filter(**{f"{self.session_lookup}__in": readable})

    def in_scope(self, request, object_id) -> bool:
        if sees_every_unit(request.user):
            return True
        try:
            return self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, ValidationError):
            return False

    # Out of scope is "not found" (404) rather than the admin's redirect for a missing object;
    # django-simple-history's pages look objects up without get_queryset, so they are scoped here.
    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self.in_scope(request, object_id):
            raise Http404
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if not self.in_scope(request, object_id):
            raise Http404
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not self.in_scope(request, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not self.in_scope(request, object_id):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def may_edit(self, request, obj) -> bool:
        if obj is None or sees_every_unit(request.user):
            return True
        session_id = attrgetter(self.session_attr)(obj)
        return sessions_editable_by(request.user).filter(pk=session_id).exists()

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self.may_edit(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_edit(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A forged id of another unit's session or agenda item is "not a valid choice".
        if not sees_every_unit(request.user):
            editable = sessions_editable_by(request.user)
            if db_field.related_model is Session:
                kwargs["queryset"] = editable
            elif db_field.related_model is AgendaItem:
                kwargs["queryset"] = AgendaItem.objects.filter(session__in=editable)
            elif db_field.related_model is Commitment:
                kwargs["queryset"] = Commitment.objects.filter(agenda_item__session__in=editable)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def words_q(fields: list[str], search_term: str) -> Q:
    """Django's own search: every word in one of the fields (case-insensitive)."""
    words = []
    for word in smart_split(search_term):
        if word.startswith(('"', "'")) and word[0] == word[-1]:
            word = unescape_string_literal(word)
        words.append(reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)))
    return reduce(and_, words, Q())


class RecordSearchAdmin:
    """The search box of the record's long lists. On PostgreSQL, words are looked up in the
    agenda items' stored, GIN-indexed vector (sessions.search: full text, so "staffing" finds
    "staffed"), the model's own short fields as Django does, and topic names: no ILIKE over a
    join of every row. SQLite keeps Django's search over `search_fields`.

    `item_path`: from this model to its agenda item, "" for the agenda item itself.
    `own_search_fields`: fields of this row searched as Django does, among the vector's matches
    (None: the vector's match is enough) — `vector_narrows` False searches them everywhere.
    `topic_path`: to the agenda item's topic, whose name is searched too."""

    item_path = ""
    own_search_fields: list[str] | None = None
    vector_narrows = True
    topic_path = ""

    def get_search_results(self, request, queryset, search_term):
        if connection.vendor != "postgresql" or not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        by_words = item_matches(self.item_path, search_term)
        if self.own_search_fields:
            own = words_q(self.own_search_fields, search_term)
            by_words = (by_words & own) if self.vector_narrows else (by_words | own)
        if self.topic_path:
            topics = Topic.objects.filter(name__icontains=search_term).values("pk")
            by_words |= Q(**{f"{self.topic_path}__in": topics})
        return queryset.filter(by_words), False


class SessionPartAdmin(UnitScopedAdmin):
    """Agenda items, positions and commitments: a change here makes open forms of the session
    stale (optimistic locking, sessions/locking.py)."""

    def save_model(self, request, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        bump_version(attrgetter(self.session_attr)(obj))

    def delete_model(self, request, obj) -> None:
        session_id = attrgetter(self.session_attr)(obj)
        super().delete_model(request, obj)
        bump_version(session_id)


class SessionAdminForm(forms.ModelForm):
    # The version the form was read at; a save from an older one is refused (no lost edits).
    read_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Read from the table, not the instance: the history page's "revert" form is built
            # from an old copy of the session, yet is read now.
            self.fields["read_version"].initial = (
                Session.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # The admin saves inside a transaction: locking the row here keeps a concurrent
            # save from slipping in between this check and the save (PostgreSQL).
            row = Session.objects.filter(pk=self.instance.pk)
            if transaction.get_connection().in_atomic_block:  # not so in simple-history's revert
                row = row.select_for_update()
            current = row.values_list("version", flat=True).first()
            if cleaned.get("read_version") != current:
                raise ValidationError(stale_message(self.instance, cleaned.get("read_version")))
        return cleaned


class ExplainRefusedDeletionMixin:
    """Django's page lists the "protected related objects" a deletion "would require deleting":
    say plainly that nothing is deleted, and what to do instead."""

    instead_of_deleting = ""

    def also_protected(self, objs) -> list[str]:
        """What refers to objs without a PROTECT foreign key Django's collector would see."""
        return []

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [*protected, *self.also_protected(objs)]
        if protected:
            messages.warning(
                request,
                "Nothing was deleted: the meet-and-confer record refers to this "
                f"{self.opts.verbose_name}, and the record is never erased. "
                f"{self.instead_of_deleting}",
            )
        return deleted, model_count, perms_needed, protected


@admin.register(BargainingUnit)
class BargainingUnitAdmin(MarksWhoReadsAdmin, ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
    instead_of_deleting = "Untick “active” instead: an inactive unit stays in the record."
    list_display = ["code", "name", "active", "session_count"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["agents"]

    def get_queryset(self, request):
        sessions = Session.units.through.objects.all()
        return (
            super()
            .get_queryset(request)
            .annotate(session_count=count_of(sessions, "bargainingunit"))
        )

    def also_protected(self, objs) -> list[str]:
        # Sessions name their units through a plain many-to-many (see the model's delete()).
        in_record = Session.objects.for_units(objs)
        return [f"Session: {session}" for session in in_record]

    @admin.display(description="sessions", ordering="session_count")
    def session_count(self, unit: BargainingUnit) -> int:
        return unit.session_count


@admin.register(Topic)
class TopicAdmin(MarksWhoReadsAdmin, ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
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
            .annotate(agenda_item_count=count_of(AgendaItem.objects.all(), "topic"))
            .prefetch_related("units")
        )

    @admin.display(description="units")
    def unit_codes(self, topic: Topic) -> str:
        return ", ".join(unit.code for unit in topic.units.all())

    @admin.display(description="agenda items", ordering="agenda_item_count")
    def agenda_item_count(self, topic: Topic) -> int:
        return topic.agenda_item_count


class AgendaItemInline(MarksWhoReadsAdmin, admin.StackedInline):
    model = AgendaItem
    extra = 0
    show_change_link = True
    autocomplete_fields = ["topic"]
    fields = [
        "order",
        "topic",
        "title",
        "discussion",
        "outcome",
        "member_guidance",
        "union_view",
        "internal_notes",
    ]


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["advocate"]
    verbose_name = "advocate present"
    verbose_name_plural = "advocates present"


class StoredVectorSearch:
    """On PostgreSQL, the search box matches the words of the row's own stored, GIN-indexed
    vector (sessions.search.matches): a session's summary, location and its agenda items and
    their topics (confer 0016); an update's title, summary and text (members 0005). SQLite
    searches the admin's `search_fields`."""

    def get_search_results(self, request, queryset, search_term):
        if connection.vendor != "postgresql" or not search_term.strip():
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(matches(search_term)), False


@admin.register(Session)
class SessionAdmin(StoredVectorSearch, UnitScopedAdmin, SimpleHistoryAdmin):
    form = SessionAdminForm
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
        ("What it was about", {"fields": ["summary", "next_steps", "internal_notes"]}),
        (
            "Record",
            {"fields": ["logged_by", "created_at", "updated_at", "version", "read_version"]},
        ),
    ]

    def get_queryset(self, request):
        # A subquery, not a join and GROUP BY: the list then reads 100 sessions in date order
        # from the index and counts only their items.
        return (
            super()
            .get_queryset(request)
            .annotate(agenda_item_count=count_of(AgendaItem.objects.all(), "session"))
            .prefetch_related(
                "units",
                # Only what the topics column reads: not each item's texts.
                Prefetch(
                    "agenda_items",
                    queryset=AgendaItem.objects.select_related("topic").only(
                        "session_id", "order", "topic__name"
                    ),
                ),
            )
        )

    def save_model(self, request, obj: Session, form, change: bool) -> None:
        if not change:
            obj.logged_by = request.user
        else:
            claim_version(obj, form.cleaned_data.get("read_version"))
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [
            path(
                "<int:object_id>/follow-up/",
                self.admin_site.admin_view(self.follow_up_view),
                name="confer_session_follow_up",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            **(extra_context or {}),
            "show_follow_up": request.user.has_perm("confer.follow_up_commitment"),
        }
        return super().change_view(request, object_id, form_url, context)

    def follow_up_view(self, request: HttpRequest, object_id: int):
        """The open commitments of this session's units and topics, to settle at this session:
        each one marked kept, broken or withdrawn is dated the session's day and records it."""
        if not request.user.has_perm("confer.follow_up_commitment"):
            raise PermissionDenied("Following up commitments needs the permission to.")
        editable = sessions_editable_by(request.user)
        session = get_object_or_404(editable.prefetch_related("units"), pk=object_id)
        commitments = list(
            Commitment.objects.carry_over_for(session)
            .filter(agenda_item__session__in=editable.values("pk"))
            .with_report_columns()
            .order_by("agenda_item__session__date", "pk")
        )
        data = request.POST if request.method == "POST" else None
        rows = followup.follow_up_forms(commitments, data)
        if data is not None and followup.FollowUpForm.all_valid(rows):
            outcome = operations.follow_up(followup.FollowUpForm.decisions(rows), session=session)
            self.message_user(
                request, f"{outcome.resolved} commitment(s) followed up at {session}."
            )
            return HttpResponseRedirect(request.path)
        return TemplateResponse(
            request,
            "admin/confer/session/follow_up.html",
            {
                **self.admin_site.each_context(request),
                "title": f"Follow up at {session}",
                "opts": self.model._meta,
                "original": session,
                "session": session,
                "rows": rows,
            },
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "units" and not sees_every_unit(request.user):
            # Only the user's units are offered, plus those already on the session (kept).
            queryset = units_for(request.user)
            object_id = request.resolver_match.kwargs.get("object_id")
            if object_id:
                # change_view has already checked that this session is in the user's scope.
                on_session = BargainingUnit.objects.filter(sessions__pk=unquote(object_id))
                queryset = (queryset | on_session).distinct()
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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


class PositionInline(MarksWhoReadsAdmin, admin.TabularInline):
    model = Position
    extra = 0
    fields = ["order", "party", "kind", "statement"]


class CommitmentInline(MarksWhoReadsAdmin, admin.StackedInline):
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
class AgendaItemAdmin(RecordSearchAdmin, SessionPartAdmin, SimpleHistoryAdmin):
    session_lookup = session_attr = "session_id"
    topic_path = "topic"
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
class PositionAdmin(RecordSearchAdmin, SessionPartAdmin, SimpleHistoryAdmin):
    item_path = "agenda_item"
    own_search_fields = ["statement", "agenda_item__title"]
    session_lookup = "agenda_item__session_id"
    session_attr = "agenda_item.session_id"
    list_display = ["__str__", "agenda_item", "order", "short_statement"]
    list_filter = ["party", "kind"]
    list_select_related = ["agenda_item"]
    search_fields = ["statement", "agenda_item__title"]
    autocomplete_fields = ["agenda_item"]

    @admin.display(description="statement")
    def short_statement(self, position: Position) -> str:
        return position.statement[:120]


class SessionYearFilter(admin.SimpleListFilter):
    """The year of the session where it was made. Instead of the admin's date drill-down over
    the session's date, which reads the date of every commitment's session to list the years."""

    title = "year of the session"
    parameter_name = "session_year"

    def lookups(self, request, model_admin):
        bounds = Session.objects.aggregate(first=Min("date"), last=Max("date"))
        if bounds["first"] is None:
            return []
        years = range(bounds["last"].year, bounds["first"].year - 1, -1)
        return [(str(year), str(year)) for year in years]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not (value.isascii() and value.isdigit() and 1 <= int(value) <= 9998):
            return queryset.none()
        year = int(value)
        return queryset.filter(
            agenda_item__session__date__gte=datetime.date(year, 1, 1),
            agenda_item__session__date__lt=datetime.date(year + 1, 1, 1),
        )


@admin.register(Commitment)
class CommitmentAdmin(RecordSearchAdmin, SessionPartAdmin, SimpleHistoryAdmin):
    item_path = "agenda_item"
    own_search_fields = ["description", "trigger", "agenda_item__title"]
    topic_path = "agenda_item__topic"
    session_lookup = "agenda_item__session_id"
    session_attr = "agenda_item.session_id"
    list_display = [
        "short_description",
        "party",
        "status",
        "when_due",
        "session_date",
        "unit_codes",
        "owner",
    ]
    list_filter = [
        "status",
        "party",
        SessionYearFilter,
        "agenda_item__topic",
        "agenda_item__session__units",
    ]
    list_select_related = ["agenda_item__session", "agenda_item__topic", "owner"]
    search_fields = ["description", "trigger", "agenda_item__title", "agenda_item__topic__name"]
    autocomplete_fields = ["agenda_item", "owner", "followed_up_in"]
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

    actions = ["mark_kept", "mark_broken", "record_trigger"]
    change_list_template = "admin/confer/commitment/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("agenda_item__session__units")

    def get_urls(self):
        return [
            path(
                "<int:object_id>/trigger/",
                self.admin_site.admin_view(self.trigger_view),
                name="confer_commitment_trigger",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {
            **(extra_context or {}),
            "show_reports": request.user.has_perm("confer.run_reports"),
        }
        return super().changelist_view(request, context)

    def has_follow_up_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("confer.follow_up_commitment")

    def bulk_form(self, request, queryset, *, form_class, title: str, apply):
        """An action's intermediate page: ask for the date and note, then apply to the rows."""
        form = form_class(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            outcome = apply(queryset, form.cleaned_data)
            level = messages.SUCCESS if outcome.resolved else messages.WARNING
            message = f"{title}: {outcome.resolved} done."
            if outcome.skipped:
                message += f" {outcome.skipped} skipped (not open, or no trigger to record)."
            self.message_user(request, message, level)
            return None
        return TemplateResponse(
            request,
            "admin/confer/commitment/bulk_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "form": form,
                "count": queryset.count(),
                "commitments": queryset.select_related("agenda_item__session")[:50],
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "action": request.POST.get("action", ""),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(permissions=["follow_up"], description="Mark selected commitments kept")
    def mark_kept(self, request, queryset):
        return self.bulk_form(
            request,
            queryset,
            form_class=followup.ResolveForm,
            title="Mark kept",
            apply=lambda rows, data: operations.follow_up(
                ((c, Commitment.Status.KEPT, data["note"]) for c in rows), on=data["on"]
            ),
        )

    @admin.action(permissions=["follow_up"], description="Mark selected commitments broken")
    def mark_broken(self, request, queryset):
        return self.bulk_form(
            request,
            queryset,
            form_class=followup.ResolveForm,
            title="Mark broken",
            apply=lambda rows, data: operations.follow_up(
                ((c, Commitment.Status.BROKEN, data["note"]) for c in rows), on=data["on"]
            ),
        )

    @admin.action(permissions=["follow_up"], description="Record that the trigger happened")
    def record_trigger(self, request, queryset):
        return self.bulk_form(
            request,
            queryset,
            form_class=followup.TriggerForm,
            title="Record the trigger",
            apply=lambda rows, data: operations.record_trigger(rows, data["on"], data["note"]),
        )

    def trigger_view(self, request: HttpRequest, object_id: int):
        """Record that one commitment's trigger happened; its due date follows."""
        if not self.has_follow_up_permission(request):
            raise PermissionDenied("Recording triggers needs the permission to follow up.")
        today = timezone.localdate()
        commitment = get_object_or_404(
            self.get_queryset(request).with_state(today).select_related("agenda_item__session"),
            pk=object_id,
        )
        form = followup.TriggerForm(request.POST if request.method == "POST" else None)
        if not commitment.is_awaiting_trigger:
            messages.warning(request, "This commitment is not awaiting a trigger.")
            return HttpResponseRedirect(
                reverse("admin:confer_commitment_change", args=[commitment.pk])
            )
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            operations.record_trigger([commitment], data["on"], data["note"])
            commitment.refresh_from_db()
            self.message_user(
                request, f"Trigger recorded: now due {long_date(commitment.due_date)}."
            )
            return HttpResponseRedirect(
                reverse("admin:confer_commitment_change", args=[commitment.pk])
            )
        return TemplateResponse(
            request,
            "admin/confer/commitment/trigger.html",
            {
                **self.admin_site.each_context(request),
                "title": "Record that the trigger happened",
                "opts": self.model._meta,
                "original": commitment,
                "commitment": commitment,
                "form": form,
                "days_waiting": commitment.days_waiting(today),
            },
        )

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


@admin.register(Advocate)
class AdvocateAdmin(MarksWhoReadsAdmin, ExplainRefusedDeletionMixin, SimpleHistoryAdmin):
    instead_of_deleting = "Untick “active” instead: the record keeps who attended."
    list_display = ["name", "unit", "classification", "active", "session_count"]
    list_filter = ["active", "unit"]
    list_select_related = ["unit"]
    search_fields = ["name", "classification", "unit__code"]
    autocomplete_fields = ["unit"]

    def get_queryset(self, request):
        attended = Attendance.objects.all()
        return super().get_queryset(request).annotate(session_count=count_of(attended, "advocate"))

    @admin.display(description="sessions attended", ordering="session_count")
    def session_count(self, advocate: Advocate) -> int:
        return advocate.session_count


@admin.register(Attendance)
class AttendanceAdmin(SessionPartAdmin, SimpleHistoryAdmin):
    session_lookup = session_attr = "session_id"
    list_display = ["advocate", "session"]
    list_filter = ["advocate__unit"]
    list_select_related = ["advocate__unit", "session"]
    search_fields = ["advocate__name"]
    autocomplete_fields = ["advocate", "session"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["sent_on", "user", "commitment_count"]
    list_select_related = ["user"]
    date_hierarchy = "sent_on"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    """Only to revoke a lost link: only the token's hash is stored, and not even that is shown or
    searchable here."""

    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    fields = ["user", "created_at"]
    readonly_fields = ["user", "created_at"]
    actions = ["reset_tokens"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(permissions=["change"], description="Revoke the calendar links of selected")
    def reset_tokens(self, request, queryset):
        # Deleting is revoking: the owner makes a new link on their calendar page.
        count, _ = queryset.delete()
        self.message_user(request, f"{count} calendar link(s) revoked.")


class DocumentAdminForm(forms.ModelForm):
    """Adding a document in the admin: the same checks as the agent's pages (size, type from the
    content, the same file twice), then the same operation writes it."""

    upload = forms.FileField(label="File", required=False)

    class Meta:
        model = Document
        fields = [
            "session",
            "agenda_item",
            "commitment",
            "title",
            "kind",
            "date",
            "shared_with_members",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields.pop("upload", None)
        elif "title" in self.fields:
            # A new document's title may come from its file's name.
            self.fields["title"].required = False
            self.fields["upload"].required = True

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        return check_upload(upload) if upload else None

    def clean(self):
        cleaned = super().clean()
        checked, session = cleaned.get("upload"), cleaned.get("session")
        if checked and session and operations.duplicates(session, [checked]):
            self.add_error("upload", "This file is already attached to this session.")
        return cleaned

    def _post_clean(self) -> None:
        # A new document has no file, type or checksum until the operation writes it.
        if self.instance.pk:
            super()._post_clean()


@admin.register(Document)
class DocumentAdmin(UnitScopedAdmin, SimpleHistoryAdmin):
    """Documents of the sessions a user may read; deleting one only hides it (Staff restore)."""

    form = DocumentAdminForm
    session_lookup = session_attr = "session_id"
    list_display = ["title", "kind", "session_link", "date", "shared_with_members", "state"]
    list_filter = [
        "kind",
        "session__units",
        "agenda_item__topic",
        "date",
        "shared_with_members",
        "deleted_at",
    ]
    list_select_related = ["session"]
    search_fields = ["title", "original_name", "sha256", "agenda_item__topic__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["session", "agenda_item", "commitment"]
    readonly_fields = [
        "download",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "added_by",
        "added_at",
        "deleted_at",
        "deleted_by",
    ]
    actions = ["delete_documents", "restore_documents"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "upload"]
        if obj is None:
            return ["upload", *[f for f in fields if f not in self.readonly_fields]]
        return fields

    @admin.display(description="session", ordering="session__date")
    def session_link(self, document: Document):
        url = reverse("admin:confer_session_change", args=[document.session_id])
        return format_html('<a href="{}">{}</a>', url, document.session)

    @admin.display(description="state")
    def state(self, document: Document) -> str:
        return "deleted" if document.is_deleted else "attached"

    @admin.display(description="file")
    def download(self, document: Document):
        if document.is_deleted:
            return f"{document.original_name} (deleted: restore it to download)"
        url = reverse("sessions:document_download", args=[document.pk])
        return format_html('<a href="{}">Download</a>', url)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting is soft: the "Delete" action below

    def has_soft_delete_permission(self, request) -> bool:
        return request.user.has_perm("confer.delete_document")

    def has_restore_permission(self, request) -> bool:
        return request.user.has_perm("confer.restore_document")

    def save_model(self, request, obj, form, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        [saved] = operations.attach_documents(
            data["session"],
            [
                operations.NewDocument(
                    checked=data["upload"],
                    title=data.get("title", ""),
                    kind=data["kind"],
                    date=data.get("date"),
                    agenda_item=data.get("agenda_item"),
                    commitment=data.get("commitment"),
                    shared_with_members=data.get("shared_with_members", False),
                )
            ],
            by=request.user,
        )
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False

    def save_related(self, request, form, formsets, change) -> None:
        pass  # no many-to-many, no inline

    def _editable(self, request, queryset):
        if sees_every_unit(request.user):
            return queryset
        return queryset.filter(session__in=sessions_editable_by(request.user).values("pk"))

    @admin.action(
        description="Delete the selected documents (kept in history)", permissions=["soft_delete"]
    )
    def delete_documents(self, request, queryset) -> None:
        documents = list(self._editable(request, queryset).active())
        for document in documents:
            operations.delete_document(document, by=request.user)
        self.message_user(request, f"{len(documents)} document(s) deleted; Staff can restore them.")

    @admin.action(description="Restore the selected documents", permissions=["restore"])
    def restore_documents(self, request, queryset) -> None:
        restored = refused = 0
        for document in queryset.deleted():
            if operations.restore_document(document):
                restored += 1
            else:
                refused += 1
        self.message_user(request, f"{restored} document(s) restored.")
        if refused:
            self.message_user(
                request,
                f"{refused} not restored: the same file is attached to the session again.",
                messages.WARNING,
            )
