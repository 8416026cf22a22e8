"""The meet-and-confer record: who met (attendees and advocates), what each side said, and what
was promised."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import connections, models
from django.db.models import ProtectedError, Q, StringAgg
from django.db.models.functions import Cast, Coalesce, ExtractYear, NullIf
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from upe_confer.text import join_words, long_date
from upe_confer.versions import ChangeReportingQuerySet

# A generous ceiling for free text: enough for any honest account of a session, small enough that
# a pasted file or a forged request cannot fill the database.
LONG_TEXT_LIMIT = 20_000
EARLIEST_SESSION_DATE = datetime.date(1990, 1, 1)
# A commitment awaiting its trigger longer than this (from its session) needs someone to ask.
LONG_WAIT_DAYS = 30
# Open commitments falling due within this many days are "due soon" (reports, digests).
DUE_SOON_DAYS = 14


def long_text(verbose_name: str, **kwargs) -> models.TextField:
    return models.TextField(
        verbose_name,
        blank=True,
        validators=[MaxLengthValidator(LONG_TEXT_LIMIT)],
        **kwargs,
    )


class Party(models.TextChoices):
    COUNTY = "county", "County"
    UPE = "upe", "UPE"


class BargainingUnitQuerySet(ChangeReportingQuerySet):
    def active(self):
        return self.filter(active=True)

    def delete(self):
        refuse_to_delete_units_in_the_record(self)
        return super().delete()


def refuse_to_delete_units_in_the_record(units) -> None:
    """Sessions name their units through a plain many-to-many, which would silently drop the link:
    refuse instead, as PROTECT does for foreign keys."""
    sessions = Session.objects.for_units(units)
    if sessions.exists():
        raise ProtectedError(
            "A bargaining unit that sessions refer to cannot be deleted; mark it inactive.",
            set(sessions),
        )


NO_DATE_GIVEN = "no date given"
CONNECTIVES = ("after ", "following ", "once ", "when ", "upon ", "on ", "before ")


def offset_from(trigger: str, days: int | None) -> str:
    """ "after the training" with 30 days: "30 days after the training"; with -10 days:
    "10 days before the training"; with one day, "1 day"."""
    trigger = trigger.strip()
    if not days:
        return trigger
    event = trigger
    for connective in CONNECTIVES:
        if event.lower().startswith(connective):
            event = event[len(connective) :]
            break
    count = f"{abs(days)} day{'s' if abs(days) != 1 else ''}"
    return f"{count} {'after' if days > 0 else 'before'} {event}"


def join_unit_codes(codes) -> str:
    """Unit codes as the union writes them in prose: "008", "005 and 008"."""
    return join_words(sorted({code for code in codes if code}))


class BargainingUnit(models.Model):
    code = models.CharField(
        max_length=10,
        validators=[RegexValidator(r"^[0-9A-Z]{2,10}$", "Use the unit's code, e.g. 005 or 008.")],
        help_text="The County's code for the unit, e.g. 008.",
    )
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_units",
        verbose_name="business agents",
        help_text="Business agents who log sessions for this unit.",
    )

    history = HistoricalRecords()
    objects = BargainingUnitQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = "bargaining unit"
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                name="confer_unit_code_unique",
                violation_error_message="A bargaining unit with this code already exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    def delete(self, *args, **kwargs):
        refuse_to_delete_units_in_the_record([self])
        return super().delete(*args, **kwargs)


class TopicStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Topic(models.Model):
    Status = TopicStatus

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    description = long_text("description")
    units = models.ManyToManyField(BargainingUnit, blank=True, related_name="topics")
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)

    history = HistoricalRecords()

    objects = ChangeReportingQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=TopicStatus.values), name="confer_topic_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:200]
        super().save(*args, **kwargs)


class SessionQuerySet(ChangeReportingQuerySet):
    def held(self):
        return self.filter(status=Session.Status.HELD)

    def for_units(self, units):
        """Sessions naming any of these units, each once."""
        return self.filter(units__in=units).distinct()

    def with_units(self):
        return self.prefetch_related("units")

    def refresh_items_text(self) -> int:
        """Write each session's `items_text` again: its agenda items' topics and `search_text`,
        in order. AgendaItemQuerySet.refresh_search_text calls this for the items' sessions, and
        renaming a topic for the sessions that discussed it (sessions.signals)."""
        ordered = connections[self.db].features.supports_aggregate_order_by_clause
        texts = (
            AgendaItem.objects.filter(session=models.OuterRef("pk"))
            .order_by()
            .values("session")
            .annotate(
                text=StringAgg(
                    JoinedText("topic__name", models.Value(" "), "search_text"),
                    delimiter=models.Value(" "),
                    order_by=("order", "pk") if ordered else None,
                    output_field=models.TextField(),
                )
            )
            .values("text")
        )
        # Words to search by only, which no page shows: no content version moves (a plain
        # QuerySet's update, not ChangeReportingQuerySet's).
        return models.QuerySet.update(
            self,
            items_text=Coalesce(
                models.Subquery(texts), models.Value(""), output_field=models.TextField()
            ),
        )


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Session(models.Model):
    Status = SessionStatus

    date = models.DateField(validators=[MinValueValidator(EARLIEST_SESSION_DATE)])
    start_time = models.TimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    units = models.ManyToManyField(BargainingUnit, related_name="sessions")
    status = models.CharField(max_length=10, choices=Status, default=Status.SCHEDULED)
    county_attendees = long_text(
        "County attendees", help_text="One name (and title, if known) per line."
    )
    upe_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="sessions_attended",
        verbose_name="UPE staff present",
    )
    upe_attendees = long_text(
        "other UPE attendees",
        help_text="UPE people present who have no account here, one per line.",
    )
    summary = long_text("summary", help_text="The purpose of the meeting in a sentence or two.")
    next_steps = long_text("next steps", help_text="What happens next, as members should hear it.")
    internal_notes = long_text(
        "internal notes", help_text="For UPE staff only: never in an update, feed or email."
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions_logged",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking: a save carries the version it was read at and is refused if stale.
    version = models.PositiveIntegerField(default=1, editable=False)
    # Derived, for the admin's search of sessions: the words of its agenda items (their topics
    # and `search_text`, SessionQuerySet.refresh_items_text). On PostgreSQL a stored tsvector of
    # the summary, location and these words, with a GIN index, is generated from it (migration
    # 0016): one row to test per session, however many items it has.
    items_text = models.TextField(blank=True, default="", editable=False)

    history = HistoricalRecords(m2m_fields=[units], excluded_fields=["items_text"])
    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-start_time", "-pk"]
        permissions = [
            ("read_all_units", "Can read the sessions of every unit"),
            ("change_all_units", "Can change the sessions of every unit"),
        ]
        # The lists' order (newest first), also any range of dates.
        indexes = [
            models.Index(fields=["-date", "-start_time", "-id"], name="confer_session_list_idx"),
            # The admin's status filter: its count, and its date drill-down's first and last
            # dates and years, read from the index alone.
            models.Index(fields=["status", "date"], name="confer_session_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values),
                name="confer_session_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(date__gte=EARLIEST_SESSION_DATE), name="confer_session_date_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"Meet and confer, {long_date(self.date)}"

    def get_absolute_url(self) -> str:
        return reverse("admin:confer_session_change", args=[self.pk])

    @property
    def unit_codes(self) -> str:
        """ "005 and 008"; uses prefetched units when there are any."""
        return join_unit_codes(unit.code for unit in self.units.all())

    def county_attendee_names(self) -> list[str]:
        return [line.strip() for line in self.county_attendees.splitlines() if line.strip()]

    def upe_attendee_names(self) -> list[str]:
        return [line.strip() for line in self.upe_attendees.splitlines() if line.strip()]


class AdvocateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Advocate(models.Model):
    """A member who speaks for the unit's members at meet-and-confer sessions."""

    name = models.CharField(max_length=200)
    unit = models.ForeignKey(
        BargainingUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="advocates",
        help_text="Blank when the source does not say.",
    )
    classification = models.CharField(
        max_length=200, blank=True, help_text="e.g. Social Worker, Clerical."
    )
    active = models.BooleanField(default=True)
    sessions = models.ManyToManyField(
        Session, through="Attendance", related_name="advocates", blank=True
    )

    history = HistoricalRecords()
    objects = AdvocateQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "unit"],
                name="confer_advocate_name_unit_unique",
                violation_error_message="This unit already has an advocate with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit.code if self.unit else 'unit not known'})"


class Attendance(models.Model):
    """An advocate present at a session."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances")
    advocate = models.ForeignKey(Advocate, on_delete=models.PROTECT, related_name="attendances")

    history = HistoricalRecords()

    class Meta:
        # In the order they were recorded: an update thanks advocates in that order.
        ordering = ["session", "pk"]
        verbose_name_plural = "attendance"
        constraints = [
            models.UniqueConstraint(
                fields=["session", "advocate"],
                name="confer_attendance_once_per_session",
                violation_error_message="This advocate is already listed for this session.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.advocate} at {self.session}"


class AgendaItemQuerySet(ChangeReportingQuerySet):
    def refresh_search_text(self) -> int:
        """Write each item's `search_text` again from the database, in one UPDATE: what is typed
        in the item, its positions and its commitments. Saves keep it fresh (sessions.signals);
        writers that skip signals (bulk_create, update) call this."""

        def typed_in(model: type[models.Model]):
            # In the rows' order, so the same record always gives the same text (SQLite before
            # 3.44 cannot order an aggregate; it reads the rows in id order).
            ordered = connections[self.db].features.supports_aggregate_order_by_clause
            joined = StringAgg(
                _words_of(model),
                delimiter=models.Value(" "),
                order_by=("order", "pk") if ordered else None,
                output_field=models.TextField(),
            )
            rows = model.objects.filter(agenda_item=models.OuterRef("pk")).order_by()
            return Coalesce(
                models.Subquery(rows.values("agenda_item").annotate(text=joined).values("text")),
                models.Value(""),
                output_field=models.TextField(),
            )

        # Words to search by only, which no page shows: no content version moves (the write
        # that made the text stale moved them already).
        count = models.QuerySet.update(
            self,
            search_text=JoinedText(
                _words_of(AgendaItem),
                models.Value(" "),
                typed_in(Position),
                models.Value(" "),
                typed_in(Commitment),
            ),
        )
        Session.objects.filter(pk__in=self.values("session")).refresh_items_text()
        return count


def count_of(queryset: models.QuerySet, field: str):
    """How many rows of `queryset` point at the row through `field`, as a subquery: a list
    then sorts and cuts its page first and counts for those rows only (a join with GROUP BY
    counts for every row of the table before the page is cut)."""
    rows = queryset.filter(**{field: models.OuterRef("pk")}).order_by().values(field)
    return Coalesce(
        models.Subquery(
            rows.annotate(n=models.Count("*")).values("n"), output_field=models.IntegerField()
        ),
        models.Value(0),
    )


class JoinedText(models.Func):
    """Texts that are never NULL joined with SQL's `||` (SQLite and PostgreSQL alike). Django's
    Concat wraps each pair in COALESCE and nests them: compiling it took most of the time of
    keeping an item's search text fresh, which every save of a position or commitment does."""

    arg_joiner = " || "
    template = "(%(expressions)s)"
    output_field = models.TextField()


def _words_of(model: type[models.Model]):
    """Every typed field of a row, joined by spaces (the fields are never NULL)."""
    parts = []
    for name in text_fields(model):
        parts += [models.F(name), models.Value(" ")]
    if len(parts) == 2:
        return parts[0]
    return JoinedText(*parts[:-1])


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    discussion = long_text("what was discussed")
    outcome = long_text("outcome")
    member_guidance = long_text(
        "what members should do",
        help_text="Advice for members, e.g. talk to your supervisor about pairing.",
    )
    union_view = long_text(
        "UPE's view",
        help_text="The union's own assessment for members, apart from what was said at the "
        "table: “This is unacceptable…”.",
    )
    internal_notes = long_text(
        "internal notes", help_text="For UPE staff only: never in an update, feed or email."
    )
    # Derived, for searching the record: every word typed in the item, its positions and its
    # commitments (AgendaItemQuerySet.refresh_search_text). On PostgreSQL a stored tsvector
    # column with a GIN index is generated from it (migration 0008).
    search_text = models.TextField(blank=True, default="", editable=False)

    history = HistoricalRecords(excluded_fields=["search_text"])
    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        ordering = ["session", "order", "pk"]
        # A topic's sessions and commitments, counted and listed (topic histories) without
        # reading the items: the id comes along (a key column: SQLite has no INCLUDE) so the
        # commitments are counted from the index alone.
        indexes = [
            models.Index(fields=["topic", "session", "id"], name="confer_agendaitem_topic_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "order"],
                name="confer_agendaitem_order_unique",
                violation_error_message="Another agenda item of this session has this order.",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PositionKind(models.TextChoices):
    STATEMENT = "statement", "Said"
    PROPOSAL = "proposal", "Proposed"
    CONCERN = "concern", "Raised a concern"
    COUNTER = "counter", "Countered"
    RESPONSE = "response", "Responded"
    AGREEMENT = "agreement", "Agreed"
    REFUSAL = "refusal", "Refused"


class Position(models.Model):
    Kind = PositionKind

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="positions")
    order = models.PositiveSmallIntegerField(default=1)
    party = models.CharField(max_length=10, choices=Party)
    kind = models.CharField(max_length=10, choices=Kind, default=Kind.PROPOSAL)
    statement = models.TextField(validators=[MaxLengthValidator(LONG_TEXT_LIMIT)])

    history = HistoricalRecords()

    class Meta:
        ordering = ["agenda_item", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agenda_item", "order"],
                name="confer_position_order_unique",
                violation_error_message="Another position of this agenda item has this order.",
            ),
            models.CheckConstraint(
                condition=Q(party__in=Party.values), name="confer_position_party_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=PositionKind.values), name="confer_position_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} {self.get_kind_display().lower()}"


class CommitmentQuerySet(ChangeReportingQuerySet):
    def open(self):
        return self.filter(Commitment.open_q())

    def overdue(self, today: datetime.date | None = None):
        return self.filter(Commitment.overdue_q(today or timezone.localdate()))

    def due_within(self, days: int, today: datetime.date | None = None):
        return self.filter(Commitment.due_within_q(days, today or timezone.localdate()))

    def awaiting_trigger(self):
        return self.filter(Commitment.awaiting_trigger_q())

    def undated(self):
        return self.filter(Commitment.undated_q())

    def waiting_long(self, today: datetime.date | None = None):
        """Awaiting a trigger for more than LONG_WAIT_DAYS."""
        return self.filter(
            Commitment.stale_trigger_q(LONG_WAIT_DAYS, today or timezone.localdate())
        )

    def by_party(self, party: str):
        return self.filter(party=party)

    def with_state(self, today: datetime.date | None = None):
        """Each commitment with `is_overdue` and `is_awaiting_trigger`, worked out in the query by
        the same rules as the filters above; `days_overdue()` and `days_waiting()` read them."""
        today = today or timezone.localdate()
        return self.annotate(
            is_overdue=models.ExpressionWrapper(
                Commitment.overdue_q(today), output_field=models.BooleanField()
            ),
            is_awaiting_trigger=models.ExpressionWrapper(
                Commitment.awaiting_trigger_q(), output_field=models.BooleanField()
            ),
        )

    def for_units_or_topics(self, units, topics):
        """Commitments made at a session of any of these units, or on any of these topics.

        A subquery rather than a join, so no row comes twice and the result can still be
        annotated and ordered freely."""
        made_there = Commitment.objects.filter(
            Q(agenda_item__session__units__in=units) | Q(agenda_item__topic__in=topics)
        ).values("pk")
        return self.filter(pk__in=made_there)

    def carry_over_for(self, session: "Session"):
        """The open commitments to follow up at this session: those of its units and of the
        topics on its agenda, made at another session on or before this one's date."""
        topics = Topic.objects.filter(agenda_items__session=session)
        return (
            self.open()
            .for_units_or_topics(session.units.all(), topics)
            .exclude(agenda_item__session=session)
            .filter(agenda_item__session__date__lte=session.date)
        )

    def counts(self, today: datetime.date, due_within_days: int) -> dict[str, int]:
        """How many are open, overdue, due within the days, awaiting a trigger, waiting long:
        two queries. Each is a kind of open commitment, so only the open ones are read.

        Waiting long is counted as those awaiting a trigger less those made recently: the
        recent ones are found from the few latest sessions (by the date index), where counting
        the long-waiting ones directly would look up the session of every awaiting one."""
        counts = self.open().aggregate(
            open=models.Count("pk", filter=Commitment.open_q()),
            overdue=models.Count("pk", filter=Commitment.overdue_q(today)),
            due_soon=models.Count("pk", filter=Commitment.due_within_q(due_within_days, today)),
            awaiting_trigger=models.Count("pk", filter=Commitment.awaiting_trigger_q()),
            undated=models.Count("pk", filter=Commitment.undated_q()),
        )
        recent = self.filter(Commitment.recent_trigger_q(LONG_WAIT_DAYS, today)).count()
        counts["waiting_long"] = counts["awaiting_trigger"] - recent
        return counts

    def scorecard(self, today: datetime.date | None = None):
        """One row per unit and year (of the session where it was made), with each party's
        commitments made, kept, broken, withdrawn, open and overdue, how many were kept on
        time, and the on-time rate in percent: kept on time / (kept + broken + overdue), i.e.
        among commitments that have come due or been settled. All in one aggregate query.

        A commitment made at a session of two units counts for both units."""
        today = today or timezone.localdate()
        settled = {status: Q(status=status) for status in CommitmentStatus.values}
        counts = {}
        for party in Party.values:
            mine = Q(party=party)
            counts |= {
                f"{party}_made": models.Count("pk", filter=mine),
                f"{party}_kept": models.Count("pk", filter=mine & settled["kept"]),
                f"{party}_broken": models.Count("pk", filter=mine & settled["broken"]),
                f"{party}_withdrawn": models.Count("pk", filter=mine & settled["withdrawn"]),
                f"{party}_open": models.Count("pk", filter=mine & Commitment.open_q()),
                f"{party}_overdue": models.Count("pk", filter=mine & Commitment.overdue_q(today)),
                f"{party}_on_time": models.Count("pk", filter=mine & Commitment.kept_on_time_q()),
            }
        rates = {
            f"{party}_on_time_rate": models.ExpressionWrapper(
                Cast(models.F(f"{party}_on_time"), models.FloatField())
                * 100.0
                / NullIf(
                    models.F(f"{party}_kept")
                    + models.F(f"{party}_broken")
                    + models.F(f"{party}_overdue"),
                    models.Value(0),
                ),
                output_field=models.FloatField(),
            )
            for party in Party.values
        }
        return (
            self.values(
                unit_code=models.F("agenda_item__session__units__code"),
                unit_name=models.F("agenda_item__session__units__name"),
                year=ExtractYear("agenda_item__session__date"),
            )
            .annotate(**counts)
            .annotate(**rates)
            .order_by("unit_code", "year")
        )

    def with_report_columns(self):
        """Everything a report row shows, in the one query: session, topic, owner, and the
        session's unit codes as "005,008" (a subquery, so rows stream without prefetching)."""
        unit_codes = (
            Session.units.through.objects.filter(session=models.OuterRef("agenda_item__session"))
            .values("session")
            .annotate(
                # Unordered: SQLite before 3.44 cannot order inside an aggregate; readers sort.
                codes=models.StringAgg("bargainingunit__code", delimiter=models.Value(","))
            )
            .values("codes")
        )
        return self.select_related("agenda_item__session", "agenda_item__topic", "owner").annotate(
            unit_codes=models.Subquery(unit_codes, output_field=models.CharField())
        )


class CommitmentStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Commitment(models.Model):
    Status = CommitmentStatus

    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="commitments"
    )
    order = models.PositiveSmallIntegerField(default=1)
    party = models.CharField(max_length=10, choices=Party)
    description = models.TextField(
        "what was committed", validators=[MaxLengthValidator(LONG_TEXT_LIMIT)]
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="commitments_owned",
        help_text="Who at UPE follows this up.",
    )
    due_date = models.DateField(null=True, blank=True)
    trigger = models.CharField(
        max_length=300,
        blank=True,
        help_text='When it falls due, if not on a date: "after the volunteers finish training".',
    )
    trigger_offset_days = models.SmallIntegerField(
        "days after the trigger",
        null=True,
        blank=True,
        validators=[MinValueValidator(-3650), MaxValueValidator(3650)],
        help_text="When it falls due counted from the trigger: 30 for 30 days after, -10 for "
        "10 days before; blank for the day itself.",
    )
    trigger_occurred_on = models.DateField(null=True, blank=True)
    trigger_note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    resolved_on = models.DateField(null=True, blank=True)
    resolution_note = long_text("resolution note")
    followed_up_in = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="followed_up_commitments",
        help_text="The later session where this was followed up.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["agenda_item", "order", "pk"]
        permissions = [
            ("follow_up_commitment", "Can follow up commitments and record their triggers"),
            ("run_reports", "Can run the follow-up reports"),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="confer_commitment_due_idx"),
            # The follow-up reports and the agent's list read only open commitments, by due
            # date: a fifth of the table, in order.
            models.Index(
                fields=["due_date", "id"],
                condition=Q(status=CommitmentStatus.OPEN),
                name="confer_commitment_open_due_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(party__in=Party.values), name="confer_commitment_party_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values),
                name="confer_commitment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=CommitmentStatus.OPEN, resolved_on__isnull=True)
                | (~Q(status=CommitmentStatus.OPEN) & Q(resolved_on__isnull=False)),
                name="confer_commitment_resolved_on_iff_resolved",
            ),
            models.CheckConstraint(
                condition=~Q(trigger="")
                | Q(trigger_occurred_on__isnull=True, trigger_offset_days__isnull=True),
                name="confer_commitment_trigger_details_need_trigger",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()}: {self.description[:80]}"

    # The rules of follow-up, each defined once: the queryset's filters, its counts, the
    # scorecard and `with_state()` all build on these.

    @staticmethod
    def open_q() -> Q:
        return Q(status=CommitmentStatus.OPEN)

    @staticmethod
    def overdue_q(today: datetime.date) -> Q:
        """Open, and the due date has passed (in the union's own time zone)."""
        return Commitment.open_q() & Q(due_date__lt=today)

    @staticmethod
    def due_within_q(days: int, today: datetime.date) -> Q:
        """Open, due today or within `days` days."""
        return Commitment.open_q() & Q(
            due_date__gte=today, due_date__lte=today + datetime.timedelta(days=days)
        )

    @staticmethod
    def awaiting_trigger_q() -> Q:
        """Open, due after an event that has not been recorded yet."""
        return (
            Commitment.open_q()
            & Q(due_date__isnull=True, trigger_occurred_on__isnull=True)
            & ~Q(trigger="")
        )

    @staticmethod
    def stale_trigger_q(days: int, today: datetime.date) -> Q:
        """Awaiting a trigger for more than `days` days, counted from its session (as
        `days_waiting` counts)."""
        return Commitment.awaiting_trigger_q() & Q(
            agenda_item__session__date__lt=today - datetime.timedelta(days=days)
        )

    @staticmethod
    def recent_trigger_q(days: int, today: datetime.date) -> Q:
        """Awaiting a trigger, but not yet for more than `days` days: every awaiting one is
        either this or `stale_trigger_q`."""
        # The agenda items of the latest sessions, a short list looked up by the date index.
        recent = AgendaItem.objects.filter(
            session__date__gte=today - datetime.timedelta(days=days)
        ).values("pk")
        return Commitment.awaiting_trigger_q() & Q(agenda_item__in=recent)

    @staticmethod
    def undated_q() -> Q:
        """Open, and neither a date nor a trigger was given: staff need to find out when."""
        return Commitment.open_q() & Q(due_date__isnull=True, trigger="")

    @staticmethod
    def kept_on_time_q() -> Q:
        """Kept by its due date; kept with no due date (before its trigger) counts as on time."""
        return Q(status=CommitmentStatus.KEPT) & (
            Q(due_date__isnull=True) | Q(resolved_on__lte=models.F("due_date"))
        )

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.status == self.Status.OPEN and self.resolved_on:
            errors["resolved_on"] = "An open commitment has no resolved date; change its status."
        if self.status != self.Status.OPEN and not self.resolved_on:
            errors["resolved_on"] = "Give the date it was kept, broken or withdrawn."
        if not self.trigger.strip() and self.trigger_offset_days:
            errors["trigger"] = "Say what the trigger is: the days are counted from it."
        elif not self.trigger.strip() and self.trigger_occurred_on:
            errors["trigger"] = "Say what the trigger is before recording when it happened."
        if errors:
            raise ValidationError(errors)

    @property
    def when_due(self) -> str:
        """The due date or the trigger in words, as a member would read it: "by October 16,
        2023", "after the training", "30 days after the training", "no date given"."""
        if self.due_date and not self.trigger_occurred_on:
            return f"by {long_date(self.due_date)}"
        if self.trigger:
            due = offset_from(self.trigger, self.trigger_offset_days)
            if self.trigger_occurred_on:
                due += f" (by {long_date(self.due_date)})"
            return due
        return NO_DATE_GIVEN

    @property
    def due_phrase(self) -> str:
        """ "due by October 16, 2023", "due after the training", "no date given"."""
        when = self.when_due
        return when if when == NO_DATE_GIVEN else f"due {when}"

    def days_overdue(self, today: datetime.date) -> int | None:
        """Days past the due date; None unless overdue. Read through `with_state()`."""
        return (today - self.due_date).days if self.is_overdue else None

    def days_waiting(self, today: datetime.date) -> int | None:
        """How long it has waited for its trigger, counted from its session; None unless it is
        awaiting one. Read through `with_state()`."""
        return (today - self.agenda_item.session.date).days if self.is_awaiting_trigger else None

    def record_trigger(self, on: datetime.date, note: str = "") -> None:
        """The trigger happened: the due date follows from it and the offset."""
        if not self.trigger.strip():
            raise ValidationError({"trigger": "This commitment has a due date, not a trigger."})
        self.trigger_occurred_on = on
        self.trigger_note = note
        self.due_date = self.due_date_after_trigger(on)
        self.save(update_fields=["trigger_occurred_on", "trigger_note", "due_date", "updated_at"])

    def due_date_after_trigger(self, on: datetime.date) -> datetime.date:
        return on + datetime.timedelta(days=self.trigger_offset_days or 0)

    def resolve(
        self,
        status: str,
        on: datetime.date,
        note: str = "",
        session: Session | None = None,
    ) -> None:
        """Kept, broken or withdrawn on `on`; `session` is where it was followed up, if any."""
        self.status = status
        self.resolved_on = on
        self.resolution_note = note
        if session is not None:
            self.followed_up_in = session
        self.full_clean()
        self.save()

    def mark_kept(self, on: datetime.date, note: str = "", session: Session | None = None) -> None:
        self.resolve(self.Status.KEPT, on, note, session)

    def mark_broken(
        self, on: datetime.date, note: str = "", session: Session | None = None
    ) -> None:
        self.resolve(self.Status.BROKEN, on, note, session)

    def withdraw(self, on: datetime.date, note: str = "", session: Session | None = None) -> None:
        self.resolve(self.Status.WITHDRAWN, on, note, session)


class ReminderLog(models.Model):
    """One reminder email per owner per day: the unique constraint is what makes
    `send_reminders` idempotent, even when two runs overlap."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_logs"
    )
    sent_on = models.DateField()
    commitment_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="confer_reminderlog_once_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder to {self.user} on {self.sent_on}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


def hash_calendar_token(token: str) -> str:
    """A calendar token as it is stored. The token is 256 random bits, so a plain SHA-256 is
    enough: nothing could be guessed from it faster than the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


class SessionDraftQuerySet(models.QuerySet):
    def of(self, author):
        """Drafts are private: nobody reads or resumes another person's draft."""
        return self.filter(author=author)


class SessionDraft(models.Model):
    """What an agent has typed on the "log a session" page but not saved yet, kept as they type
    (the page's autosave) so that nothing is lost. Private to its author; resumable from their
    home; discarded when the session is saved."""

    # Not form data: buttons, the CSRF token and the draft's own id.
    NOT_TYPED = frozenset({"csrfmiddlewaretoken", "action", "add", "draft"})

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_drafts"
    )
    session = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
        help_text="The session being changed; empty for a new session.",
    )
    data = models.JSONField(default=dict, help_text="The page's fields as typed: name → values.")
    saved_at = models.DateTimeField(auto_now=True)

    objects = SessionDraftQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at", "-pk"]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        """The page with the draft back in it."""
        if self.session_id:
            page = reverse("sessions:session_edit", args=[self.session_id])
        else:
            page = reverse("sessions:session_new")
        return f"{page}?draft={self.pk}"

    @property
    def label(self) -> str:
        """What the agent recognises: the session if it exists, else the date and first item."""
        if self.session_id:
            return str(self.session)
        title = self._typed("items-0-title") or "no agenda item yet"
        return f"New session of {self._typed('date') or 'no date yet'}: {title}"

    def typed(self) -> QueryDict:
        """The data as the page sends it, to show the page again."""
        data = QueryDict(mutable=True)
        for name, values in self.data.items():
            data.setlist(name, [str(value) for value in values])
        return data

    def _typed(self, name: str) -> str:
        values = self.data.get(name) or [""]
        return str(values[0]).strip()


class CalendarToken(models.Model):
    """The secret in a user's calendar feed URL, kept only as its hash: the address is shown once,
    when it is made, and nobody (Staff included) can read it back from the database, the admin
    or a backup. Making a new one breaks every old link."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar link of {self.user}"

    @classmethod
    def issue(cls, user) -> str:
        """A new secret for the user's feed, replacing any old one; returned this once only."""
        token = new_calendar_token()
        cls.objects.update_or_create(user=user, defaults={"token_hash": hash_calendar_token(token)})
        return token

    @classmethod
    def active_user_for(cls, token: str):
        """The active user whose feed the token opens, or None."""
        found = (
            cls.objects.select_related("user")
            .filter(token_hash=hash_calendar_token(token), user__is_active=True)
            .first()
        )
        return found.user if found else None

    def reset(self) -> str:
        return CalendarToken.issue(self.user)


# --- Documents ------------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    COUNTY_PROPOSAL = "county_proposal", "County proposal"
    UPE_PROPOSAL = "upe_proposal", "UPE proposal"
    SIGN_IN_SHEET = "sign_in_sheet", "Sign-in sheet"
    AGREEMENT = "agreement", "Tentative agreement / side letter"
    CORRESPONDENCE = "correspondence", "Correspondence"
    OTHER = "other", "Other"


def document_path(document: "Document", filename: str) -> str:
    """The stored name: generated, never the uploader's (that is kept as data), with the
    extension of the type read from the content."""
    from .documents import extension_for  # documents.py imports this module

    today = timezone.localdate()
    return f"documents/{today:%Y/%m}/{secrets.token_hex(16)}{extension_for(document.content_type)}"


class DocumentQuerySet(ChangeReportingQuerySet):
    def active(self):
        """Not deleted: deleted documents stay, restorable, in the admin and the history."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)

    def shared(self):
        return self.active().filter(shared_with_members=True)


class Document(models.Model):
    """A paper of the record (a proposal, a sign-in sheet, a side letter, an email) attached to a
    session and, when it concerns one, to an agenda item or a commitment of that session.
    Private: downloaded through a view that applies the session's per-unit rules."""

    Kind = DocumentKind

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    commitment = models.ForeignKey(
        "Commitment", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    date = models.DateField(null=True, blank=True, help_text="The date the paper bears.")
    file = models.FileField(upload_to=document_path, max_length=200)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64)
    shared_with_members = models.BooleanField(
        "shared with members",
        default=False,
        help_text="Linked from the session's published update, with the update's visibility.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents_added",
    )
    added_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["session", "date", "pk"]
        permissions = [("restore_document", "Can restore a deleted document")]
        indexes = [models.Index(fields=["sha256"], name="confer_document_sha256_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="confer_document_kind_valid"
            ),
            # The same file attached twice to one session is noticed, not stored twice.
            models.UniqueConstraint(
                fields=["session", "sha256"],
                condition=Q(deleted_at__isnull=True),
                name="confer_document_once_per_session",
                violation_error_message="This file is already attached to this session.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sessions:document_download", args=[self.pk])

    def clean(self) -> None:
        # What it is about belongs to its own session.
        if (
            self.agenda_item_id
            and self.session_id
            and self.agenda_item.session_id != self.session_id
        ):
            raise ValidationError({"agenda_item": "Choose an agenda item of this session."})
        if (
            self.commitment_id
            and self.session_id
            and self.commitment.agenda_item.session_id != self.session_id
        ):
            raise ValidationError({"commitment": "Choose a commitment of this session."})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


# --- What members may read ------------------------------------------------------------------
# Every text field of the record is either published (it may appear in an update, hence on a
# member page, in a feed, a search result or an email) or internal. This table is the one
# declaration: the update generator reads only these fields (`published_text`), and the agent's
# form and the admin mark every text field from it. A text field not named here is internal.
PUBLISHED_TEXT: dict[type[models.Model], tuple[str, ...]] = {
    BargainingUnit: ("code", "name"),
    Topic: ("name", "description"),
    Session: ("summary", "next_steps"),
    AgendaItem: ("title", "discussion", "outcome", "member_guidance", "union_view"),
    Position: ("statement",),
    Commitment: ("description", "trigger"),
    Advocate: ("name",),
    # A document's title is read by members once the document is shared with them (a link on the
    # update); its file names and everything else about it are internal.
    Document: ("title",),
}


def text_fields(model: type[models.Model]) -> list[str]:
    """The free-text fields of a model: what someone types (choices and slugs are not)."""
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and field.editable
        and not field.choices
        and not isinstance(field, models.SlugField)
    ]


def is_published(model: type[models.Model], field_name: str) -> bool:
    return field_name in PUBLISHED_TEXT.get(model, ())


def published_text(obj: models.Model) -> dict[str, str]:
    """The published text fields of a record, and nothing else."""
    return {name: getattr(obj, name) for name in PUBLISHED_TEXT[type(obj)]}


def publication_note(model: type[models.Model], field_name: str) -> str:
    """What a form says beside a text field: who will read it."""
    if field_name not in text_fields(model):
        return ""
    if is_published(model, field_name):
        return "Members read this in the update."
    return "Internal: never shown to members."


# --- Evidence packets -----------------------------------------------------------------------


def packet_path(packet: "EvidencePacket", filename: str) -> str:
    today = timezone.localdate()
    return f"packets/{today:%Y/%m}/{secrets.token_hex(16)}.pdf"


class EvidencePacketQuerySet(models.QuerySet):
    def rendered(self):
        return self.exclude(file="")


class EvidencePacket(models.Model):
    """A PDF of the record for a charge or an arbitration: the sessions on a topic, or chosen
    ones, in a date range, as one person could read them when they asked for it. The PDF is made
    by a background task (sessions/tasks.py); `fingerprint` is the SHA-256 of the facts it shows
    (sessions/packet.py), so a later look can say whether the record has changed since."""

    topic = models.ForeignKey(
        Topic,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_packets",
        help_text="Only this topic's agenda items; blank: every item of the sessions.",
    )
    # The sessions the choice found when it was made: the record the packet is made from.
    sessions = models.ManyToManyField(Session, related_name="evidence_packets")
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    include_internal_notes = models.BooleanField(default=False)
    # Who made it is part of the evidence: such a user is deactivated, never deleted.
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evidence_packets"
    )
    produced_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=packet_path, max_length=200, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)

    objects = EvidencePacketQuerySet.as_manager()

    class Meta:
        ordering = ["-produced_at", "-pk"]
        permissions = [
            (
                "include_internal_notes",
                "Can include internal notes in an evidence packet",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_from__isnull=True)
                | Q(date_to__isnull=True)
                | Q(date_from__lte=models.F("date_to")),
                name="confer_evidencepacket_date_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        about = self.topic.name if self.topic_id else "chosen sessions"
        return f"Evidence packet: {about}, {self.produced_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("sessions:packet_download", args=[self.pk])

    @property
    def is_rendered(self) -> bool:
        return bool(self.file)


# --- Imports ----------------------------------------------------------------------------------


class ImportBatch(models.Model):
    """One spreadsheet imported into the record (sessions/imports.py): who imported it, and the
    rows it created, so the whole import can be rolled back while nobody has changed them."""

    file_name = models.CharField(max_length=255)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    imported_at = models.DateTimeField(default=timezone.now)
    row_count = models.PositiveIntegerField(default=0)
    # {"confer.session": [pks], ...}: what the import created, in the order it created it.
    created = models.JSONField(default=dict)
    # A SHA-256 of the created rows as the import left them: rollback refuses if they changed.
    created_sha256 = models.CharField(max_length=64, blank=True)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    rolled_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name_plural = "import batches"
        permissions = [
            ("import_record", "Can import past sessions from a spreadsheet and roll imports back")
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.file_name}"

    def count(self, label: str) -> int:
        return len(self.created.get(label, []))
