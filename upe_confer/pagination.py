"""Counting long lists cheaply. An exact COUNT(*) reads every row that matches: over 100,000
commitments joined to their sessions that alone takes longer than the rest of a page. Above a few
thousand rows nobody needs the exact number to page through a list, so on PostgreSQL the count of
a long list is the planner's estimate (EXPLAIN, which reads the table statistics: the same
numbers as pg_class.reltuples for a whole table, and the planner's selectivity for a filtered
one). Short lists, and every list on SQLite, are counted exactly.

An estimate can be off by a few percent either way: the last page may then be a little short, or
hold a few more rows than the count said.
"""

import json

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.utils.functional import cached_property

# Below this many (estimated) rows the exact count is cheap enough, and worth showing.
EXACT_BELOW = 5000


def estimated_count(queryset) -> int | None:
    """The planner's estimate of how many rows `queryset` returns; None off PostgreSQL."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = queryset.order_by().query.sql_with_params()
    except EmptyResultSet:  # e.g. an id beyond the column's range: nothing to count
        return 0
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatedCountPaginator(Paginator):
    """A Paginator whose count is the planner's estimate when it is large (see above); then
    `is_estimate` is true, for a page to say "about".

    The planner cannot guess how many rows a search (`ILIKE '%word%'`, a common word in the
    full text) matches and often guesses few: the exact count is then tried with a time limit,
    and when it takes longer than that there are many, so the list says at least EXACT_BELOW."""

    is_estimate = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not hasattr(queryset, "query"):
            return super().count
        estimate = estimated_count(queryset)
        if estimate is None:
            return super().count
        if estimate >= EXACT_BELOW:
            self.is_estimate = True
            return estimate
        if not queryset.query.has_filters():  # a whole short table: the statistics are right
            return super().count
        exact = count_within(queryset, EXACT_COUNT_MS)
        if exact is None:
            self.is_estimate = True
            return EXACT_BELOW
        return exact


# How long an exact count may take before a list says "at least EXACT_BELOW" instead.
EXACT_COUNT_MS = 40


def count_within(queryset, milliseconds: int) -> int | None:
    """queryset.count(), or None when PostgreSQL takes longer than `milliseconds`."""
    connection = connections[queryset.db]
    try:
        with transaction.atomic(using=queryset.db):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = %s", [milliseconds])
            count = queryset.count()
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = DEFAULT")
            return count
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            return None
        raise
