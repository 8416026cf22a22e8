"""The business agent's "log a session" flow: one page of plain Django forms and formsets.

Layout of the page (every prefix is a plain formset prefix, so the page needs no JavaScript):

    session form               fields of the Session, the advocates present, the version read
    advocates-N-…              new advocates added on the page
    items-N-…                  agenda items
    items-N-positions-M-…      the positions of agenda item N, in order
    items-N-commitments-M-…    the commitments of agenda item N
    cID-…                      an earlier open commitment followed up at this session

`SessionFlow` builds all of them from one request and validates them together; `cleaned_log()`
hands what they say to the `log_session` operation, which saves it all or nothing.
"""

import datetime
import re
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import CharField, OuterRef, Q, StringAgg, Subquery, Value
from django.forms.models import BaseModelFormSet, modelformset_factory
from django.forms.utils import ErrorDict
from django.utils import timezone

from upe_confer.text import long_date

from .access import sessions_readable_by
from .documents import CheckedFile, check_upload
from .followup import FollowUpForm, follow_up_forms
from .models import (
    Advocate,
    AgendaItem,
    BargainingUnit,
    Commitment,
    Document,
    Position,
    Session,
    Topic,
    join_unit_codes,
    publication_note,
)
from .operations import AgendaEntry, NewAdvocate, NewDocument, SessionLog, duplicates
from .packet import packet_sessions

# Text is stored and shown as plain text. Markup is refused with a message rather than stored:
# the updates generated from the record are published, and a tag in them is never intended.
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!?][^>]*>|<\s*script|javascript\s*:", re.IGNORECASE)
# A session logged more than two years ahead is a typo, not a plan.
FURTHEST_AHEAD = datetime.timedelta(days=2 * 365)


def no_markup(value: str) -> None:
    if isinstance(value, str) and MARKUP.search(value):
        raise ValidationError(
            "Plain text only: remove the HTML tags (anything written like <b> or <script>).",
            code="markup",
        )


class PlainTextMixin:
    """Every text input of the flow refuses markup."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(no_markup)


class MarksWhoReadsMixin:
    """Beside every text field, who will read it: members (in the update) or UPE staff only,
    as sessions.models.PUBLISHED_TEXT declares."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if note := publication_note(self._meta.model, name):
                field.help_text = f"{field.help_text} {note}".strip()


@dataclass
class FlowChoices:
    """Everything the flow's select boxes offer, read once per request so that a page's query
    count does not grow with the number of agenda items, positions and commitments."""

    units: list[BargainingUnit]
    topics: list[Topic]
    owners: list
    advocates: list[Advocate]

    @classmethod
    def load(cls, units, session: Session | None = None) -> "FlowChoices":
        on_session = set(session.units.all()) if session is not None else set()
        units = [unit for unit in units.distinct() if unit.active or unit in on_session]
        in_session = Q(pk__in=[]) if session is None else Q(attendances__session=session)
        advocates = (
            Advocate.objects.filter(Q(active=True, unit__in=units) | in_session)
            .select_related("unit")
            .distinct()
            .order_by("unit__code", "name")
        )
        # Owners are the people who may follow commitments up.
        may_follow_up = Q(
            groups__permissions__codename="follow_up_commitment",
            groups__permissions__content_type__app_label="confer",
        ) | Q(
            user_permissions__codename="follow_up_commitment",
            user_permissions__content_type__app_label="confer",
        )
        owned = Q(pk__in=[])
        if session is not None:
            owned = Q(commitments_owned__agenda_item__session=session)
        owners = (
            get_user_model()
            .objects.filter(Q(is_active=True) & may_follow_up | owned)
            .distinct()
            .order_by("first_name", "last_name", "username")
        )
        return cls(
            units=sorted(set(units), key=lambda unit: unit.code),
            topics=list(Topic.objects.order_by("name")),
            owners=list(owners),
            advocates=list(advocates),
        )


class CachedChoiceField(forms.TypedChoiceField):
    """A select over objects read once (FlowChoices): validating it runs no query."""

    def __init__(self, objects, label_from=str, **kwargs) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [("", "---------")] + [(key, label_from(o)) for key, o in self.objects.items()]
        super().__init__(choices=choices, coerce=self.objects.get, empty_value=None, **kwargs)

    def prepare_value(self, value):
        return getattr(value, "pk", value)

    def has_changed(self, initial, data) -> bool:
        initial = "" if initial is None else str(getattr(initial, "pk", initial))
        return initial != (data or "")


class CachedMultipleChoiceField(forms.TypedMultipleChoiceField):
    def __init__(self, objects, label_from=str, **kwargs) -> None:
        self.objects = {str(obj.pk): obj for obj in objects}
        choices = [(key, label_from(obj)) for key, obj in self.objects.items()]
        super().__init__(choices=choices, coerce=self.objects.get, **kwargs)

    def prepare_value(self, value):
        return [str(getattr(v, "pk", v)) for v in value or []]


def user_label(user) -> str:
    return user.get_full_name() or user.get_username()


class SessionForm(MarksWhoReadsMixin, PlainTextMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Session
        fields = [
            "date",
            "start_time",
            "location",
            "county_attendees",
            "upe_attendees",
            "summary",
            "next_steps",
            "internal_notes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "county_attendees": forms.Textarea(attrs={"rows": 3}),
            "upe_attendees": forms.Textarea(attrs={"rows": 3}),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
            "internal_notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        session = self.instance
        self.fields["units"] = CachedMultipleChoiceField(
            choices.units,
            label="Units",
            widget=forms.CheckboxSelectMultiple,
            help_text="The units this session was for.",
        )
        self.fields["advocates"] = CachedMultipleChoiceField(
            choices.advocates,
            label_from=str,
            label="Advocates present",
            widget=forms.CheckboxSelectMultiple,
            required=False,
        )
        if session.pk:
            self.fields["version"].initial = session.version
            # The instance was read with units and attendances prefetched (see the view).
            # Units the user may not change are not offered, and kept on save.
            offered = self.fields["units"].objects
            self.fields["units"].initial = [
                str(unit.pk) for unit in session.units.all() if str(unit.pk) in offered
            ]
            self.fields["advocates"].initial = [
                str(attendance.advocate_id) for attendance in session.attendances.all()
            ]
        elif len(choices.units) == 1:
            self.fields["units"].initial = [str(choices.units[0].pk)]
        # Keep the order of the page: units right after the place.
        order = ["date", "start_time", "location", "units", "county_attendees", "upe_attendees"]
        self.order_fields([*order, "advocates"])

    def clean_date(self) -> datetime.date:
        date = self.cleaned_data["date"]
        if date and date > datetime.date.today() + FURTHEST_AHEAD:
            raise ValidationError("That date is more than two years ahead: check the year.")
        return date


class NewAdvocateForm(PlainTextMixin, forms.Form):
    name = forms.CharField(max_length=200)
    unit = forms.Field()  # replaced in __init__
    classification = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"] = CachedChoiceField(choices.units, label="Unit")
        if len(choices.units) == 1:
            self.fields["unit"].initial = str(choices.units[0].pk)
        self.fields["classification"].help_text = "e.g. Social Worker, Clerical."


class NewAdvocateFormSet(forms.BaseFormSet):
    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        self.choices = choices
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"choices": self.choices}


class ListModelFormSet(BaseModelFormSet):
    """A model formset over objects already read (prefetched), so building it runs no query.

    The hidden primary key only accepts those objects: a forged id of another session's row is
    an error on the page, not a way to touch that row.
    """

    def __init__(self, *args, objects=(), choices: FlowChoices, **kwargs) -> None:
        self.objects = list(objects)
        self.choices = choices
        super().__init__(*args, queryset=self.model.objects.none(), **kwargs)

    def get_queryset(self):
        return self.objects

    def get_form_kwargs(self, index):
        return {"choices": self.choices}

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        pk_name = self.model._meta.pk.name
        form.fields[pk_name].queryset = self.model.objects.filter(
            pk__in=[obj.pk for obj in self.objects]
        )
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = f"Remove this {self.model._meta.verbose_name}"


class AgendaItemForm(MarksWhoReadsMixin, PlainTextMixin, forms.ModelForm):
    new_topic = forms.CharField(
        label="…or a new topic",
        max_length=200,
        required=False,
        help_text="Type a name if the topic is not in the list.",
    )

    class Meta:
        model = AgendaItem
        fields = [
            "title",
            "discussion",
            "outcome",
            "member_guidance",
            "union_view",
            "internal_notes",
        ]
        widgets = {
            "discussion": forms.Textarea(attrs={"rows": 3}),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "member_guidance": forms.Textarea(attrs={"rows": 2}),
            "union_view": forms.Textarea(attrs={"rows": 2}),
            "internal_notes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "discussion": "What was discussed, and what nobody in particular said (not a "
            "party's position)."
        }

    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"] = CachedChoiceField(choices.topics, label="Topic", required=False)
        if self.instance.pk:
            self.fields["topic"].initial = str(self.instance.topic_id)
        self.order_fields(["topic", "new_topic", "title", "discussion"])

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("topic") and not (cleaned.get("new_topic") or "").strip():
            self.add_error("topic", "Pick the topic, or type a new one below.")
        return cleaned


class PositionForm(MarksWhoReadsMixin, PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Position
        fields = ["party", "kind", "statement"]
        widgets = {"statement": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class CommitmentForm(MarksWhoReadsMixin, PlainTextMixin, forms.ModelForm):
    class Meta:
        model = Commitment
        fields = ["party", "description", "due_date", "trigger", "trigger_offset_days", "owner"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "due_date": "A due date, or a trigger below; leave both blank if none was given."
        }

    def __init__(self, *args, choices: FlowChoices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = CachedChoiceField(
            choices.owners,
            label_from=user_label,
            label="Owner",
            required=False,
            help_text="Who at UPE follows this up.",
        )
        if self.instance.pk:
            self.fields["owner"].initial = self.instance.owner_id and str(self.instance.owner_id)


# Generous limits that no real session reaches, so a forged form count cannot make the server
# build thousands of forms.
LIMITS = {"max_num": 60, "absolute_max": 100, "validate_max": True}
AgendaItemFormSet = modelformset_factory(
    AgendaItem, form=AgendaItemForm, formset=ListModelFormSet, extra=0, can_delete=True, **LIMITS
)
PositionFormSet = modelformset_factory(
    Position, form=PositionForm, formset=ListModelFormSet, extra=0, can_delete=True, **LIMITS
)
CommitmentFormSet = modelformset_factory(
    Commitment, form=CommitmentForm, formset=ListModelFormSet, extra=0, can_delete=True, **LIMITS
)
AdvocateFormSet = forms.formset_factory(
    NewAdvocateForm, formset=NewAdvocateFormSet, extra=0, **LIMITS
)


def in_use(form) -> bool:
    """A form whose row exists or was filled in (a blank extra row is ignored)."""
    instance = getattr(form, "instance", None)
    return bool(getattr(instance, "pk", None)) or form.has_changed() or not form.empty_permitted


def kept_forms(formset) -> list:
    deleted = set(map(id, formset.deleted_forms)) if formset.can_delete else set()
    return [form for form in formset.forms if id(form) not in deleted and in_use(form)]


class AgendaBlock:
    """One agenda item's form and its two nested formsets."""

    def __init__(self, form, positions, commitments) -> None:
        self.form = form
        self.positions = positions
        self.commitments = commitments

    @property
    def formsets(self):
        return [self.positions, self.commitments]


class SessionFlow:
    """All the forms of the page, validated and saved together."""

    ITEMS = "items"
    ADVOCATES = "advocates"
    DOCUMENTS = "documents"

    def __init__(
        self,
        data,
        *,
        session: Session,
        units,
        choices: FlowChoices | None = None,
        files=None,
        follow_up=(),
    ):
        self.session = session
        self.units = units
        self.choices = choices or FlowChoices.load(units, session if session.pk else None)
        self.data = data
        kwargs = {"choices": self.choices}
        self.session_form = SessionForm(data, instance=session, **kwargs)
        self.advocate_formset = AdvocateFormSet(data, prefix=self.ADVOCATES, **kwargs)
        items = list(session.agenda_items.all()) if session.pk else []
        self.item_formset = AgendaItemFormSet(
            data,
            prefix=self.ITEMS,
            objects=items,
            **kwargs,
        )
        if not items and data is None:
            # A new session starts with one empty agenda item to fill in.
            self.item_formset.extra = 1
        self.blocks = [self._block(i, form) for i, form in enumerate(self.item_formset.forms)]
        self.documents_form = DocumentUploadForm(
            data, files, prefix=self.DOCUMENTS, session=session, require_files=False
        )
        # Earlier open commitments of the session's units, to settle while logging it.
        self.follow_up_rows = follow_up_forms(follow_up, data)
        for block in self.blocks:
            # An agenda item left blank but given positions or commitments is not "unused".
            if not block.form.has_changed() and any(fs.has_changed() for fs in block.formsets):
                block.form.empty_permitted = False

    def _block(self, index: int, form) -> AgendaBlock:
        item = form.instance
        prefix = f"{self.ITEMS}-{index}"
        fresh = item.pk is None and self.data is None
        kwargs = {"choices": self.choices}
        positions = PositionFormSet(
            self.data,
            prefix=f"{prefix}-positions",
            objects=item.positions.all() if item.pk else [],
            **kwargs,
        )
        commitments = CommitmentFormSet(
            self.data,
            prefix=f"{prefix}-commitments",
            objects=item.commitments.all() if item.pk else [],
            **kwargs,
        )
        if fresh:
            positions.extra = commitments.extra = 1
        return AgendaBlock(form, positions, commitments)

    @classmethod
    def with_row_added(cls, data, prefix: str, **kwargs) -> "SessionFlow":
        """The page as typed, with one more empty row in the formset `prefix` (a prefix that is
        not one of the page's own adds nothing), shown without judging anything."""
        if prefix in add_row_prefixes(data):
            data = add_row(data, prefix)
        return cls(data, **kwargs).without_validation()

    def formsets(self) -> list:
        nested = [fs for block in self.blocks for fs in block.formsets]
        return [self.advocate_formset, self.item_formset, *nested]

    def without_validation(self) -> "SessionFlow":
        """For the "add a row" page: show what was typed, unjudged. (Rendering a bound field
        asks for its errors, which would validate every row of the page.)"""
        forms_ = [self.session_form, self.documents_form, *(f for _, f in self.follow_up_rows)]
        for form in [*forms_, *(f for fs in self.formsets() for f in fs.forms)]:
            form._errors = ErrorDict()
        for formset in self.formsets():
            formset._errors = [ErrorDict() for _ in formset.forms]
            formset._non_form_errors = formset.error_class()
        return self

    def is_valid(self) -> bool:
        results = [self.session_form.is_valid(), self.documents_form.is_valid()]
        results += [fs.is_valid() for fs in self.formsets()]
        results.append(FollowUpForm.all_valid(self.follow_up_rows) and self._follow_ups_fit())
        return all(results)

    def _follow_ups_fit(self) -> bool:
        """A commitment is settled at a session that has taken place, after it was made."""
        day = self.session_form.cleaned_data.get("date") if self.session_form.is_valid() else None
        fits = True
        for commitment, form in self.follow_up_rows:
            if not form.cleaned_data["outcome"] or day is None:
                continue
            if day > timezone.localdate():
                form.add_error("outcome", "This session is still to come: settle it once held.")
                fits = False
            elif commitment.agenda_item.session.date > day:
                form.add_error("outcome", "It was made after this session's date.")
                fits = False
        return fits

    def error_summary(self) -> list[tuple[str, str]]:
        """(field id, message) for every error on the page, for the list at its top."""
        summary = []

        def collect(form, where: str = "") -> None:
            for name, errors in form.errors.items():
                if name == "__all__":
                    anchor = ""
                    label = where or "This page"
                else:
                    field = form[name] if name in form.fields else None
                    anchor = field.auto_id if field is not None else ""
                    label = f"{where}{field.label if field is not None else name}"
                summary.extend((anchor, f"{label}: {error}") for error in errors)

        collect(self.session_form)
        for fs in self.formsets():
            for error in fs.non_form_errors():
                summary.append(("", str(error)))
        for n, form in enumerate(self.advocate_formset.forms, 1):
            collect(form, f"New advocate {n}, ")
        for n, block in enumerate(self.blocks, 1):
            collect(block.form, f"Agenda item {n}, ")
            for m, form in enumerate(block.positions.forms, 1):
                collect(form, f"Agenda item {n}, position {m}, ")
            for m, form in enumerate(block.commitments.forms, 1):
                collect(form, f"Agenda item {n}, commitment {m}, ")
        collect(self.documents_form, "Documents, ")
        for n, (_, form) in enumerate(self.follow_up_rows, 1):
            collect(form, f"Earlier commitment {n}, ")
        return summary

    def cleaned_log(self) -> SessionLog:
        """What the valid page says, for `log_session` to write."""
        cleaned = self.session_form.cleaned_data
        agenda, removed_items = [], []
        for block in self.blocks:
            if block.form in self.item_formset.deleted_forms or not in_use(block.form):
                if block.form.instance.pk:
                    removed_items.append(block.form.instance)
                continue
            agenda.append(
                AgendaEntry(
                    item=block.form.instance,
                    topic=block.form.cleaned_data.get("topic"),
                    new_topic=block.form.cleaned_data.get("new_topic", ""),
                    positions=[form.instance for form in kept_forms(block.positions)],
                    commitments=[form.instance for form in kept_forms(block.commitments)],
                    removed=[*removed_rows(block.positions), *removed_rows(block.commitments)],
                )
            )
        return SessionLog(
            session=self.session_form.instance,
            read_version=cleaned.get("version"),
            units=list(cleaned["units"]),
            units_offered=self.choices.units,
            advocates=list(cleaned["advocates"]),
            new_advocates=[
                NewAdvocate(
                    form.cleaned_data["name"],
                    form.cleaned_data["unit"],
                    form.cleaned_data["classification"],
                )
                for form in kept_forms(self.advocate_formset)
            ],
            agenda=agenda,
            removed_items=removed_items,
            documents=self.documents_form.new_documents(),
            follow_ups=FollowUpForm.decisions(self.follow_up_rows),
        )


def removed_rows(formset) -> list:
    return [form.instance for form in formset.deleted_forms if form.instance.pk]


def add_row(data, prefix: str) -> dict:
    """The data of the page with one more row in the formset `prefix` (the no-JavaScript
    "add another" buttons): everything typed so far is kept."""
    data = data.copy()
    total = f"{prefix}-TOTAL_FORMS"
    try:
        count = int(data.get(total, 0))
    except ValueError:
        count = 0
    data[total] = str(count + 1)
    data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    if prefix == SessionFlow.ITEMS:
        # The new agenda item comes with one empty position and one empty commitment.
        for nested in ("positions", "commitments"):
            data[f"{prefix}-{count}-{nested}-TOTAL_FORMS"] = "1"
            data[f"{prefix}-{count}-{nested}-INITIAL_FORMS"] = "0"
    return data


def add_row_prefixes(data) -> set[str]:
    """The prefixes an "add" button may name: the page's own formsets, nothing else."""
    prefixes = {SessionFlow.ITEMS, SessionFlow.ADVOCATES}
    try:
        items = int(data.get(f"{SessionFlow.ITEMS}-TOTAL_FORMS", 0))
    except ValueError:
        items = 0
    for n in range(min(items, LIMITS["absolute_max"])):
        prefixes |= {f"items-{n}-positions", f"items-{n}-commitments"}
    return prefixes


class MarkHeldForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- Documents -----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (a phone's camera is one of the choices it offers)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [f for f in files if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


# More files than this in one go is a mistake (or a forged request), not an afternoon's paper.
MAX_FILES_AT_ONCE = 20


class DocumentUploadForm(PlainTextMixin, forms.Form):
    """Attach one or several files to a session, with what they are. On the session page it
    may name one of the session's agenda items or commitments; in the flow, the session."""

    files = MultipleFileField(
        label="Files to attach",
        required=False,
        help_text="PDF, Office documents, photos or plain text, up to "
        "{limit} MB each. Several at once are fine; on a phone you can take a photo.",
    )
    title = forms.CharField(
        label="Document title",
        max_length=200,
        required=False,
        help_text="Members read this if the document is shared. Blank: the file's name.",
    )
    kind = forms.ChoiceField(
        label="Kind of document",
        choices=Document.Kind.choices,
        initial=Document.Kind.OTHER,
        required=False,
    )
    date = forms.DateField(
        label="Document date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The date on the paper. Blank: the session's date.",
    )
    attached_to = forms.ChoiceField(
        label="Document about",
        required=False,
        help_text="An agenda item or commitment it concerns.",
    )
    shared_with_members = forms.BooleanField(
        label="Share with members",
        required=False,
        help_text="Linked from the session's update once it is published, for the update's "
        "readers. Otherwise internal: UPE staff only.",
    )

    def __init__(self, *args, session: Session | None = None, require_files=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = session
        self.require_files = require_files
        self.fields["files"].help_text = self.fields["files"].help_text.format(
            limit=settings.DOCUMENT_MAX_MB
        )
        self.targets: dict[str, tuple[AgendaItem | None, Commitment | None]] = {"": (None, None)}
        choices = [("", "The session as a whole")]
        if session is not None and session.pk:
            for item in session.agenda_items.all():
                self.targets[f"item-{item.pk}"] = (item, None)
                choices.append((f"item-{item.pk}", f"Agenda item: {item.title}"))
                for commitment in item.commitments.all():
                    self.targets[f"commitment-{commitment.pk}"] = (None, commitment)
                    label = f"Commitment: {commitment.description[:60]}"
                    choices.append((f"commitment-{commitment.pk}", label))
        if len(choices) == 1:
            del self.fields["attached_to"]
        else:
            self.fields["attached_to"].choices = choices

    def clean_files(self) -> list[CheckedFile]:
        uploads = self.cleaned_data["files"]
        if not uploads and self.require_files:
            raise ValidationError("Choose at least one file to attach.", code="required")
        if len(uploads) > MAX_FILES_AT_ONCE:
            raise ValidationError(f"Attach at most {MAX_FILES_AT_ONCE} files at once.")
        checked, errors = [], []
        for upload in uploads:
            try:
                checked.append(check_upload(upload))
            except ValidationError as error:
                errors.extend(error.messages)
        seen: dict[str, str] = {}
        for file in checked:
            if file.sha256 in seen:
                errors.append(f"{file.original_name} is the same file as {seen[file.sha256]}.")
            seen.setdefault(file.sha256, file.original_name)
        for file in checked:
            if existing := duplicates(self.session, [file]).get(file.sha256):
                errors.append(
                    f"{file.original_name} is already attached to this session, "
                    f"as “{existing.title}”."
                )
        if errors:
            raise ValidationError(errors)
        return checked

    def has_files(self) -> bool:
        return bool(self.is_bound and self.cleaned_data.get("files"))

    def new_documents(self) -> list[NewDocument]:
        data = self.cleaned_data
        files = data.get("files") or []
        item, commitment = self.targets.get(data.get("attached_to") or "", (None, None))
        title = data.get("title", "").strip()
        return [
            NewDocument(
                checked=file,
                # One title for several files: numbered, so each can be told apart.
                title=f"{title} ({n})" if title and len(files) > 1 else title,
                kind=data.get("kind") or Document.Kind.OTHER,
                date=data.get("date"),
                agenda_item=item,
                commitment=commitment,
                shared_with_members=data.get("shared_with_members", False),
            )
            for n, file in enumerate(files, 1)
        ]


class DocumentDeleteForm(forms.Form):
    confirm = forms.BooleanField(required=True, widget=forms.HiddenInput, initial=True)


# --- Evidence packets ----------------------------------------------------------------------------


class PacketForm(forms.Form):
    """What an evidence packet covers: a topic and/or chosen sessions (among those the user may
    read), within dates. Internal notes are a choice for those who hold
    `confer.include_internal_notes` (Staff); others never see the box, and a posted one is
    refused."""

    topic = forms.ModelChoiceField(
        Topic.objects.order_by("name"),
        required=False,
        help_text="Every session where this topic was on the agenda; only its agenda items.",
    )
    sessions = forms.ModelMultipleChoiceField(
        Session.objects.none(),
        required=False,
        help_text="Or choose sessions (every agenda item of each). With a topic too: those of "
        "the chosen sessions where it was discussed.",
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    include_internal_notes = forms.BooleanField(
        label="Include internal notes",
        required=False,
        help_text="Staff only. The cover says the packet includes them.",
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sessions"].queryset = sessions_readable_by(user).order_by("-date", "-pk")
        self.may_include_internal_notes = user.has_perm("confer.include_internal_notes")
        if not self.may_include_internal_notes:
            del self.fields["include_internal_notes"]
        self.found_sessions: list[Session] = []

    def session_options(self) -> list[tuple[int, str, bool]]:
        """(id, label, selected) of each session offered, read as plain rows in one query: the
        page writes the options itself, as model instances and Django's widget templates took
        a second for two thousand sessions."""
        chosen = {str(value) for value in self["sessions"].value() or []}
        unit_codes = (
            Session.units.through.objects.filter(session=OuterRef("pk"))
            .values("session")
            .annotate(codes=StringAgg("bargainingunit__code", delimiter=Value(",")))
            .values("codes")
        )
        rows = (
            self.fields["sessions"]
            .queryset.annotate(codes=Subquery(unit_codes, output_field=CharField()))
            .values_list("pk", "date", "status", "codes")
        )
        statuses = dict(Session.Status.choices)
        options = []
        for pk, date, status, codes in rows:
            units = join_unit_codes((codes or "").split(","))
            where = f" · {units}" if units else ""
            label = f"{long_date(date)}{where} · {statuses[status]}"
            options.append((pk, label, str(pk) in chosen))
        return options

    def clean(self):
        data = super().clean()
        if not self.may_include_internal_notes and "include_internal_notes" in self.data:
            raise ValidationError("Only staff may include internal notes in a packet.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end of the range is before its start.")
        if self.errors:
            return data
        if not data.get("topic") and not data.get("sessions"):
            raise ValidationError("Choose a topic or some sessions.")
        self.found_sessions = list(
            packet_sessions(
                self.user,
                topic=data.get("topic"),
                sessions=data.get("sessions") or None,
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
            )
        )
        if not self.found_sessions:
            raise ValidationError("No session you may read matches this choice.")
        return data


# A spreadsheet of years of sessions is a few megabytes; more is a mistake or an attack.
IMPORT_MAX_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet",
        help_text="A .csv (UTF-8) or .xlsx file in the template's columns.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.name.rsplit(".", 1)[-1].lower() not in ("csv", "xlsx"):
            raise ValidationError("Upload a .csv or .xlsx file.")
        if upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MB; split it."
            )
        return upload
