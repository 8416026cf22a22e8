import csv
import datetime
import io
from dataclasses import dataclass

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from sessions.models import BargainingUnit, Topic

from .models import Update


class UpdateFilterForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=BargainingUnit.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="All units",
    )
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="All topics",
    )


class SearchForm(forms.Form):
    q = forms.CharField(label="Search updates", max_length=200, required=False)


# Paths under /updates/ that are pages of their own, not updates.
RESERVED_SLUGS = {"search", "feed", "unit", "topic", "manage"}


class UpdateForm(forms.ModelForm):
    class Meta:
        model = Update
        fields = ["title", "slug", "summary", "visibility", "units", "topics", "body"]
        widgets = {
            "units": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "body": forms.Textarea(attrs={"rows": 30}),
        }

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise ValidationError("This address is used by another page; choose another.")
        return slug


class PublishForm(forms.Form):
    NOW, LATER = "now", "later"
    when = forms.ChoiceField(
        choices=[(NOW, "Publish now"), (LATER, "Schedule for a later time")],
        widget=forms.RadioSelect,
        initial=NOW,
    )
    publish_at = forms.DateTimeField(
        label="Publish at",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Pacific time. Only for a scheduled update.",
    )

    def __init__(self, *args, now: datetime.datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()

    def clean(self):
        data = super().clean()
        if data.get("when") == self.LATER:
            publish_at = data.get("publish_at")
            if publish_at is None:
                self.add_error("publish_at", "Give the date and time it should go live.")
            elif publish_at <= self.now:
                self.add_error("publish_at", "That time has passed; choose “Publish now”.")
        return data

    def go_live_at(self) -> datetime.datetime:
        if self.cleaned_data["when"] == self.LATER:
            return self.cleaned_data["publish_at"]
        return self.now


class RegenerateForm(forms.Form):
    confirm = forms.BooleanField(
        label="Replace the text of the update with the new version shown above",
        help_text="Your edits stay in the update's history and can be copied back from there.",
    )


# --- Member roster import ------------------------------------------------------------------------

ROSTER_COLUMNS = ["email", "first_name", "last_name"]
ROSTER_MAX_BYTES = 2_000_000


@dataclass
class RosterRow:
    line: int
    email: str
    first_name: str
    last_name: str


class RosterImportForm(forms.Form):
    roster = forms.FileField(
        label="Roster (CSV)",
        help_text="A CSV file with a header row: email, first_name, last_name. "
        "Every row is checked; nothing is imported unless every row is right.",
    )

    def clean_roster(self) -> list[RosterRow]:
        upload = self.cleaned_data["roster"]
        if upload.size > ROSTER_MAX_BYTES:
            raise ValidationError("The file is too large: split the roster into smaller files.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValidationError("Save the roster as a UTF-8 CSV file.") from error
        reader = csv.DictReader(io.StringIO(text))
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        missing = [column for column in ROSTER_COLUMNS if column not in header]
        if missing:
            raise ValidationError(
                f"The header row must name the columns {', '.join(ROSTER_COLUMNS)}; "
                f"missing: {', '.join(missing)}."
            )
        reader.fieldnames = header
        rows, errors, seen = [], [], set()
        existing = {
            email.lower()
            for email in get_user_model().objects.exclude(email="").values_list("email", flat=True)
        }
        existing_usernames = {
            name.lower() for name in get_user_model().objects.values_list("username", flat=True)
        }
        for line, record in enumerate(reader, start=2):
            email = (record.get("email") or "").strip()
            first = (record.get("first_name") or "").strip()
            last = (record.get("last_name") or "").strip()
            if not any([email, first, last]):
                continue
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"Line {line}: “{email}” is not an email address.")
                continue
            key = email.lower()
            if key in seen:
                errors.append(f"Line {line}: {email} appears more than once in the file.")
            elif key in existing or key in existing_usernames:
                errors.append(f"Line {line}: an account for {email} already exists.")
            elif len(email) > 150 or len(first) > 150 or len(last) > 150:
                errors.append(f"Line {line}: a value is longer than 150 characters.")
            else:
                rows.append(RosterRow(line, email, first, last))
            seen.add(key)
        if errors:
            raise ValidationError(errors)
        if not rows:
            raise ValidationError("The file has no members in it.")
        return rows


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, except that the mail is not sent while the request is answered: `save()`
    only prepares it, and `send_prepared_mail()` sends it once the response has gone out (see
    views.PasswordResetView). An address we know and one we do not then take the same time to
    answer, even with a slow mail server."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.prepared_mail: list[tuple[tuple, dict]] = []

    def send_mail(self, *args, **kwargs) -> None:
        self.prepared_mail.append((args, kwargs))

    def send_prepared_mail(self) -> None:
        # Django's send_mail logs a failure instead of raising it.
        for args, kwargs in self.prepared_mail:
            super().send_mail(*args, **kwargs)
        self.prepared_mail.clear()


class ApiTokenForm(forms.Form):
    """ "My account": a new personal API token."""

    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What it is for, so you know which one to revoke.",
    )


class SubscriptionForm(forms.Form):
    """ "My account": which update emails to receive."""

    email_updates = forms.BooleanField(label="Email me when an update is published", required=False)
    all_units = forms.TypedChoiceField(
        label="Updates of",
        choices=[("true", "Every bargaining unit"), ("false", "Only the units I choose below")],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    units = forms.ModelMultipleChoiceField(
        queryset=BargainingUnit.objects.active().order_by("code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="My units",
    )

    def clean(self):
        data = super().clean()
        if data.get("email_updates") and data.get("all_units") is False and not data.get("units"):
            self.add_error("units", "Choose at least one unit, or every unit.")
        return data
