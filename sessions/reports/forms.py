from django import forms
from django.contrib.auth import get_user_model

from ..models import BargainingUnit, Commitment, Party, Topic


class ReportFilterForm(forms.Form):
    unit = forms.ModelChoiceField(BargainingUnit.objects.all(), required=False)
    party = forms.ChoiceField(choices=[("", "Both")] + Party.choices, required=False)
    topic = forms.ModelChoiceField(Topic.objects.all(), required=False)
    owner = forms.ModelChoiceField(get_user_model().objects.none(), required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, commitments=Commitment.objects, units=None, **kwargs) -> None:
        """`commitments` and `units`: what the person running the report may see (None: every
        unit)."""
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units
        # Only people who own a commitment: the list stays short whatever the user count.
        self.fields["owner"].queryset = (
            get_user_model().objects.filter(pk__in=commitments.values("owner")).order_by("username")
        )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end of the range is before its start.")
        return data

    def apply(self, commitments, on_session_date: bool):
        data = self.cleaned_data
        if data.get("unit"):
            commitments = commitments.filter(
                pk__in=Commitment.objects.filter(agenda_item__session__units=data["unit"]).values(
                    "pk"
                )
            )
        if data.get("party"):
            commitments = commitments.by_party(data["party"])
        if data.get("topic"):
            commitments = commitments.filter(agenda_item__topic=data["topic"])
        if data.get("owner"):
            commitments = commitments.filter(owner=data["owner"])
        field = "agenda_item__session__date" if on_session_date else "due_date"
        if data.get("date_from"):
            commitments = commitments.filter(**{f"{field}__gte": data["date_from"]})
        if data.get("date_to"):
            commitments = commitments.filter(**{f"{field}__lte": data["date_to"]})
        return commitments
