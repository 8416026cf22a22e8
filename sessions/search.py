"""Searching the record: agenda items (with their positions and commitments) of the sessions a
person may read, by words, unit, topic, party and dates.

Every word must appear somewhere in the item: its text, a position's statement or a
commitment's text, all kept in the item's `search_text`. On PostgreSQL the words are matched
as English full text (stems: "staffing" finds "staffed") on a stored, GIN-indexed vector;
SQLite matches each word case-insensitively inside the text. Internal
notes are searched too: this is the staff's and agents' side, never shown to members."""

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import Expression

from .models import AgendaItem, BargainingUnit, Commitment, Party, Position, Topic


class StoredVector(Expression):
    """The generated `search_vector` column of the query's own table, under whatever alias it
    has ("U0" in a subquery): agenda items (migration 0008) and sessions (0016) have one on
    PostgreSQL. The models do not declare it, so SQLite has none."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{compiler.quote_name(alias)}.search_vector", []


SEARCH_VECTOR = StoredVector()


class ItemVector(Expression):
    """The stored vector of the agenda item reached through `path` ("" for the item itself),
    read on the query's own join to the item's table, whatever alias it has there."""

    output_field = SearchVectorField()

    def __init__(self, path: str = "") -> None:
        super().__init__()
        # Any column of the item's table brings in (or reuses) the join to it; the vector is
        # read beside it. Not the id: a foreign key's id is read without the join.
        self.column = F(f"{path}__order" if path else "order")

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        return f"{compiler.quote_name(self.column.alias)}.search_vector", []


def words_query(words: str) -> SearchQuery:
    """English full text, web search syntax: "quoted phrases", -excluded."""
    return SearchQuery(words, config="english", search_type="websearch")


def matches(words: str) -> Q:
    """On PostgreSQL, that the row's own stored vector (StoredVector) matches `words`."""
    return Q(SearchVectorExact(SEARCH_VECTOR, words_query(words)))


def item_matches(path: str, words: str) -> Q:
    """On PostgreSQL, that the agenda item reached through `path` ("" for the item itself)
    matches `words`, tested on the row the list joins anyway. The planner can then walk a
    long list in its order and stop at the end of the page when most items match (a common
    word), or look the words up in the GIN index when few do; `pk__in` a list of matching
    items made it build the whole list first, every item for a common word."""
    return Q(SearchVectorExact(ItemVector(path), words_query(words)))


class RecordSearchForm(forms.Form):
    q = forms.CharField(label="Words", max_length=200, required=False)
    unit = forms.ModelChoiceField(BargainingUnit.objects.none(), required=False)
    topic = forms.ModelChoiceField(Topic.objects.order_by("name"), required=False)
    party = forms.ChoiceField(choices=[("", "Either")] + Party.choices, required=False)
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units: QuerySet[BargainingUnit], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("code")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end of the range is before its start.")
        return data

    def has_criteria(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


def matching_words(items: QuerySet[AgendaItem], words: str) -> QuerySet[AgendaItem]:
    """On PostgreSQL, the items whose stored vector matches `words` (English full text, web
    search syntax: "quoted phrases", -excluded), found through its GIN index."""
    return items.filter(matches(words))


def search_record(items: QuerySet[AgendaItem], data: dict) -> QuerySet[AgendaItem]:
    """The agenda items among `items` that meet the form's cleaned `data`, newest first (the
    record reads as a chronology, so relevance does not reorder it)."""
    if words := (data.get("q") or "").strip():
        if connection.vendor == "postgresql":
            items = matching_words(items, words)
        else:
            for word in words.split():
                items = items.filter(search_text__icontains=word)
    if data.get("unit"):
        items = items.filter(session__in=data["unit"].sessions.values("pk"))
    if data.get("topic"):
        items = items.filter(topic=data["topic"])
    if party := data.get("party"):
        items = items.filter(
            Exists(Position.objects.filter(agenda_item=OuterRef("pk"), party=party))
            | Exists(Commitment.objects.filter(agenda_item=OuterRef("pk"), party=party))
        )
    if data.get("date_from"):
        items = items.filter(session__date__gte=data["date_from"])
    if data.get("date_to"):
        items = items.filter(session__date__lte=data["date_to"])
    return items.order_by("-session__date", "session__pk", "order")
