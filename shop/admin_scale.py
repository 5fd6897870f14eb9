"""Big changelists (a shop's orders, a big shop's products) at the cost of a small one
(docs/architecture.md#scale-search-and-big-tables).

- ``LargeTablePaginator``: counts exactly up to ``exact_up_to`` rows, and above that takes
  PostgreSQL's estimate of the filtered query (``EXPLAIN``), never less than what it counted; a
  page of a million orders no longer counts a million rows. Use it with
  ``show_full_result_count = False`` (Django otherwise counts the unfiltered list too).
- ``ProbedDatesChangeList``: the date hierarchy asks ``queryset.datetimes(field, kind)``, a
  ``SELECT DISTINCT`` over every row of the list. Its years, months or days are instead taken
  between the list's first and last date (one query) and kept if an index probe finds a row in
  them: at most 31 one-row probes, whatever the number of rows.
"""

from __future__ import annotations

import functools
import itertools
from datetime import datetime, timedelta
from typing import Any

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Max, Min, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from core.api.pagination import count_up_to

EXACT_COUNT_UP_TO = 5000


def planner_rows(queryset: QuerySet) -> int | None:
    """PostgreSQL's estimate of the number of rows ``queryset`` returns (None elsewhere)."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


class LargeTablePaginator(Paginator):
    exact_up_to = EXACT_COUNT_UP_TO
    #: True when ``count`` is PostgreSQL's estimate
    estimated = False

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        counted = count_up_to(rows, self.exact_up_to + 1)
        if counted <= self.exact_up_to:
            return counted
        estimate = planner_rows(rows)
        if estimate is None:
            return rows.count()
        self.estimated = True
        return max(counted, estimate)


def _next(start: datetime, kind: str) -> datetime:
    if kind == "year":
        return start.replace(year=start.year + 1)
    if kind == "month":
        return (
            start.replace(year=start.year + 1, month=1)
            if start.month == 12
            else start.replace(month=start.month + 1)
        )
    return start + timedelta(days=1)


def _buckets(first: datetime, last: datetime, kind: str) -> list[datetime]:
    """The starts of the years, months or days from ``first``'s to the one after ``last``'s."""
    start = first.replace(hour=0, minute=0, second=0, microsecond=0, day=1 if kind != "day" else first.day)
    if kind == "year":
        start = start.replace(month=1)
    starts = [start]
    while starts[-1] <= last:
        starts.append(_next(starts[-1], kind))
    return starts


class ProbedDatesQuerySet(QuerySet):
    """A changelist's queryset whose ``datetimes`` (asked only by the date hierarchy) probes."""

    def datetimes(
        self, field_name: str, kind: str, order: str = "ASC", tzinfo: Any = None, is_dst: Any = None
    ):
        if kind not in ("year", "month", "day"):
            return super().datetimes(field_name, kind, order, tzinfo)  # type: ignore[arg-type]
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = (timezone.localtime(bounds[k], zone).replace(tzinfo=None) for k in ("first", "last"))
        starts = [timezone.make_aware(start, zone) for start in _buckets(first, last, kind)]
        found = [
            begin
            for begin, end in itertools.pairwise(starts)
            if self.filter(**{f"{field_name}__gte": begin, f"{field_name}__lt": end}).exists()
        ]
        return found if order == "ASC" else found[::-1]


@functools.cache
def _probed(queryset_class: type[QuerySet]) -> type[QuerySet]:
    return type(f"ProbedDates{queryset_class.__name__}", (ProbedDatesQuerySet, queryset_class), {})


class ProbedDatesChangeList(ChangeList):
    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        probed = queryset.all()
        probed.__class__ = _probed(type(queryset))
        return probed
