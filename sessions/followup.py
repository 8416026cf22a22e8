"""Following commitments up: the forms and the operations that resolve them or record triggers.

Shared by the admin's bulk actions, the per-session follow-up page and (later) the business
agent's logging flow, so a commitment is kept, broken or triggered the same way everywhere.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Commitment, Session


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


@dataclass
class Outcome:
    resolved: int = 0
    skipped: int = 0


@transaction.atomic
def resolve_commitments(
    commitments, status: str, on: datetime.date, note: str = "", session: Session | None = None
) -> Outcome:
    """Mark the open ones among `commitments` kept/broken/withdrawn; the others are skipped.

    One save per commitment on purpose: each change is then in its history, with who made it."""
    outcome = Outcome()
    for commitment in commitments:
        if commitment.status != Commitment.Status.OPEN:
            outcome.skipped += 1
            continue
        commitment.resolve(status, on, note, session)
        outcome.resolved += 1
    return outcome


@transaction.atomic
def record_triggers(commitments, on: datetime.date, note: str = "") -> Outcome:
    """Record that the trigger of each awaiting commitment happened; the others are skipped."""
    outcome = Outcome()
    for commitment in commitments:
        if not commitment.is_awaiting_trigger():
            outcome.skipped += 1
            continue
        commitment.record_trigger(on, note)
        outcome.resolved += 1
    return outcome


@transaction.atomic
def follow_up_at_session(session: Session, decisions: list[tuple[Commitment, str, str]]) -> int:
    """Resolve commitments at `session`: each (commitment, status, note) is dated the session's
    day and records the session in `followed_up_in`. Returns how many were resolved."""
    resolved = 0
    for commitment, status, note in decisions:
        if not status or commitment.status != Commitment.Status.OPEN:
            continue
        commitment.resolve(status, session.date, note, session)
        resolved += 1
    return resolved


def follow_up_forms(commitments, data=None) -> list[tuple[Commitment, FollowUpForm]]:
    """One FollowUpForm per carried-over commitment, prefixed by its id."""
    return [(c, FollowUpForm(data, prefix=f"c{c.pk}")) for c in commitments]


def save_follow_up(session: Session, rows: list[tuple[Commitment, FollowUpForm]]) -> int | None:
    """Apply the forms' outcomes at `session`, all or nothing: None if any form is invalid."""
    if not all(form.is_valid() for _, form in rows):
        return None
    decisions = [(c, f.cleaned_data["outcome"], f.cleaned_data["note"]) for c, f in rows]
    return follow_up_at_session(session, decisions)
