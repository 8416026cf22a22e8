"""The forms of follow-up: when a commitment was kept or broken, when its trigger happened, and
how each carried-over commitment ended at a session. The admin's actions and the agent's
carry-over page use them, then call the operations (sessions/operations.py)."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import Commitment


def not_in_the_future(day: datetime.date) -> None:
    if day > timezone.localdate():
        raise ValidationError("This date is in the future; record it once it has happened.")


class ResolveForm(forms.Form):
    """When and why a commitment was kept or broken (the bulk actions)."""

    on = forms.DateField(
        label="On",
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day it was kept or broken.",
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TriggerForm(forms.Form):
    """The trigger happened: when, and a word on how we know."""

    on = forms.DateField(
        label="The trigger happened on",
        validators=[not_in_the_future],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label="Note", required=False, max_length=500)


class FollowUpForm(forms.Form):
    """One open commitment at a session: leave it open, or say how it ended."""

    OUTCOMES = [
        ("", "Still open"),
        (Commitment.Status.KEPT, "Kept"),
        (Commitment.Status.BROKEN, "Broken"),
        (Commitment.Status.WITHDRAWN, "Withdrawn"),
    ]

    outcome = forms.ChoiceField(choices=OUTCOMES, required=False, label="Outcome")
    note = forms.CharField(label="Note", required=False, max_length=2000)

    @staticmethod
    def all_valid(rows: list[tuple[Commitment, "FollowUpForm"]]) -> bool:
        """All or nothing: one wrong row and none is saved."""
        return all(form.is_valid() for _, form in rows)

    @staticmethod
    def decisions(
        rows: list[tuple[Commitment, "FollowUpForm"]],
    ) -> list[tuple[Commitment, str, str]]:
        """(commitment, status, note) for the `follow_up` operation; "" leaves it open."""
        return [(c, f.cleaned_data["outcome"], f.cleaned_data["note"]) for c, f in rows]


def follow_up_forms(commitments, data=None) -> list[tuple[Commitment, FollowUpForm]]:
    """One FollowUpForm per carried-over commitment, prefixed by its id."""
    return [(c, FollowUpForm(data, prefix=f"c{c.pk}")) for c in commitments]
