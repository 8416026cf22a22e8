"""What members read and receive: updates, member accounts, the union's own details."""

import datetime

import nh3
from django.conf import settings
from django.contrib.auth.models import User, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection, models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt
from simple_history.models import HistoricalRecords

from sessions.models import BargainingUnit, Session, Topic, join_unit_codes
from upe_confer.roles import Role
from upe_confer.versions import ChangeReportingQuerySet

# --- The union's own details: one record staff can change -------------------------------------


class SiteConfiguration(models.Model):
    """The union's name and contact block, written into every generated update.

    A single row (pk=1), editable in the admin; `SiteConfiguration.current()` creates it with the
    details printed under the seed articles the first time it is asked for.
    """

    union_name = models.CharField(max_length=200, default="United Public Employees")
    address = models.TextField(
        default="9333 Tech Center Drive, #300\nSacramento, CA 95826",
        help_text="One line per line of the postal address.",
        validators=[MaxLengthValidator(1000)],
    )
    phone = models.CharField(max_length=50, blank=True, default="916-736-9503")
    fax = models.CharField(max_length=50, blank=True, default="916-736-9506")
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)

    history = HistoricalRecords()

    objects = ChangeReportingQuerySet.as_manager()

    class Meta:
        verbose_name = "site configuration"
        verbose_name_plural = "site configuration"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="members_siteconfiguration_single_row"),
        ]

    def __str__(self) -> str:
        return self.union_name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "SiteConfiguration":
        return cls.objects.get_or_create(pk=1)[0]

    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


# --- Member accounts -----------------------------------------------------------------------------


class MemberAccountManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().filter(groups__name=Role.MEMBER)


class MemberAccount(User):
    """A member's sign-in, as staff manage it: a user in the Member group and nothing more.

    A proxy so that staff can create and import members without holding `auth.change_user`,
    which would let them grant themselves superuser status.
    """

    objects = MemberAccountManager()

    class Meta:
        proxy = True
        verbose_name = "member account"


# --- Updates -------------------------------------------------------------------------------------

UPDATE_TEXT_LIMIT = 50_000


class UpdateQuerySet(ChangeReportingQuerySet):
    def published(self, now: datetime.datetime | None = None):
        """Live updates: published, or scheduled with a publish time that has passed.

        Scheduling needs no cron: a scheduled update counts as published from `publish_at` on.
        """
        now = now or timezone.now()
        return self.filter(
            status__in=[Update.Status.PUBLISHED, Update.Status.SCHEDULED], publish_at__lte=now
        )

    def public(self):
        return self.filter(visibility=Update.Visibility.PUBLIC)

    def readable_by(self, user, now: datetime.datetime | None = None):
        """What `user` may open: staff who edit updates see everything, members see the
        members-only ones too, everyone else the public published ones."""
        if user.has_perm("members.change_update"):
            return self.all()
        live = self.published(now)
        if user.has_perm("members.read_members_only_update"):
            return live
        return live.public()

    def for_unit(self, unit: BargainingUnit):
        return self.filter(units=unit)

    def for_topic(self, topic: Topic):
        return self.filter(topics=topic)

    def newest_first(self):
        return self.order_by(F("publish_at").desc(nulls_first=True), "-pk")

    def oldest_first(self):
        return self.order_by(F("publish_at").asc(nulls_last=True), "pk")

    def with_labels(self):
        return self.prefetch_related("units", "topics")

    def search(self, query: str):
        """Full-text search on PostgreSQL; a plain substring match elsewhere (SQLite)."""
        query = query.strip()
        if not query:
            return self.none()
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = (
                SearchVector("title", weight="A", config="english")
                + SearchVector("summary", weight="B", config="english")
                + SearchVector("body", weight="C", config="english")
            )
            search_query = SearchQuery(query, search_type="websearch", config="english")
            return (
                self.annotate(rank=SearchRank(vector, search_query))
                .filter(rank__gt=0)
                .order_by("-rank", F("publish_at").desc(nulls_first=True), "-pk")
            )
        matches = Q()
        for word in query.split():
            matches &= (
                Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
            )
        return self.filter(matches).newest_first()


class UpdateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    WITHDRAWN = "withdrawn", "Withdrawn"


class UpdateVisibility(models.TextChoices):
    PUBLIC = "public", "Public"
    MEMBERS = "members", "Members only"


class Update(models.Model):
    """A news update for members, generated from a session and then edited by staff."""

    Status = UpdateStatus
    Visibility = UpdateVisibility

    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        db_index=False,  # the unique constraint below is the index
        help_text="The last part of the update's address; letters, digits, -.",
    )
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences for lists, feeds and search engines.",
    )
    body = models.TextField(
        help_text="Markdown: ## for a heading, - for a list item, **bold**, a blank line "
        "between paragraphs.",
        validators=[MaxLengthValidator(UPDATE_TEXT_LIMIT)],
    )
    # The body as HTML, rendered from Markdown and sanitised on every save: pages and feeds
    # show it without rendering again.
    body_html = models.TextField(blank=True, editable=False)
    units = models.ManyToManyField(BargainingUnit, related_name="updates")
    topics = models.ManyToManyField(Topic, related_name="updates", blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.PUBLIC)
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is (or will be) visible to members."
    )
    session = models.ForeignKey(
        Session,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates",
        help_text="The session it was generated from.",
    )
    # What the generator wrote, kept to tell when the record has changed since.
    generated_title = models.CharField(max_length=200, blank=True, editable=False)
    generated_text = models.TextField(blank=True, editable=False)
    generated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="updates_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[units, topics], excluded_fields=["body_html"])
    objects = UpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        permissions = [
            ("publish_update", "Can publish, schedule and withdraw updates"),
            ("read_members_only_update", "Can read members-only updates"),
        ]
        indexes = [
            models.Index(fields=["status", "publish_at"], name="members_update_live_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="members_update_slug_unique",
                violation_error_message="Another update already has this address (slug).",
            ),
            models.CheckConstraint(
                condition=Q(status__in=UpdateStatus.values),
                name="members_update_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=UpdateVisibility.values),
                name="members_update_visibility_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[UpdateStatus.SCHEDULED, UpdateStatus.PUBLISHED])
                | Q(publish_at__isnull=False),
                name="members_update_live_needs_publish_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body_html = render_markdown(self.body)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "body" in update_fields:
            kwargs["update_fields"] = {*update_fields, "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("members:update_detail", args=[self.slug])

    def clean(self) -> None:
        if self.status in (self.Status.SCHEDULED, self.Status.PUBLISHED) and not self.publish_at:
            raise ValidationError({"publish_at": "Give the time it goes live."})

    def is_live(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.publish_at is not None
            and self.publish_at <= now
        )

    def public_status(self, now: datetime.datetime | None = None) -> str:
        """The status as a reader would put it: a scheduled update whose time has come is
        published."""
        if self.is_live(now):
            return "Published"
        return self.get_status_display()

    @property
    def members_only(self) -> bool:
        return self.visibility == self.Visibility.MEMBERS

    @property
    def has_manual_edits(self) -> bool:
        return self.body != self.generated_text or self.title != self.generated_title

    @property
    def unit_codes(self) -> str:
        return join_unit_codes(unit.code for unit in self.units.all())


def render_markdown(text: str) -> str:
    """Markdown to HTML that is safe to show: raw HTML in the text is escaped by the Markdown
    parser, and nh3 removes anything unsafe that could still get through (scripts, event
    handlers, javascript: links)."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


# --- Telling members: subscriptions and deliveries ----------------------------------------------


class Subscription(models.Model):
    """Which update emails a member receives. A member without a row gets the default: every
    update of every unit. Choosing units stores one row per unit (the `units` table)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="update_subscription"
    )
    email_updates = models.BooleanField("email me when an update is published", default=True)
    all_units = models.BooleanField(
        "every unit", default=True, help_text="Updates of every bargaining unit."
    )
    units = models.ManyToManyField(
        BargainingUnit, blank=True, related_name="subscriptions", help_text="Only these units."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "update subscription"

    def __str__(self) -> str:
        return f"Update emails of {self.user}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    """One member's email about one update: recorded before it is sent, so that each member
    gets each update at most once, whatever happens to the workers (see members/notify.py)."""

    Status = DeliveryStatus

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="update_deliveries"
    )
    email = models.EmailField(help_text="The address it was sent to.")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    # A worker claims a batch (claim, claimed_at), marks each message just before handing it to
    # the SMTP server (attempted_at), and records the outcome (sent_at or error).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["update", "user"], name="members_delivery_once_per_member"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="members_delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["update", "status"], name="members_delivery_status_idx"),
            models.Index(fields=["claim"], name="members_delivery_claim_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.update} to {self.email}"
