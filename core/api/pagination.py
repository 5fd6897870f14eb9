from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, cast

from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.utils.functional import cached_property
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=2&page_size=50``: 20 per page by default, at most 100.

    A ``page_size`` that is not a whole number from 1 to 100 is a 400 ``invalid`` rather than
    being silently ignored; a page past the end, or a ``page`` that is not a whole number
    (``page=``, ``page=last``), is a 404 ``not_found``.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    last_page_strings = ()  # the schema says `page` is an integer

    def get_page_number(self, request: Request, paginator: DjangoPaginator[Any]) -> int:
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        return int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else 0  # page 0 does not exist: 404

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # ASCII digits only, and few of them: "²".isdigit() is True but int("²") raises.
        if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError({self.page_size_query_param: ["must be a whole number from 1 to 100"]})
        return int(raw)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Results per page (default 20, at most 100).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def count_up_to(rows: QuerySet[Any], limit: int) -> int:
    """How many rows, counting no further than ``limit`` (``SELECT COUNT(*) FROM (… LIMIT n)``):
    the cost of a count that stops, however long the table."""
    return rows.order_by().values("pk")[:limit].count()


if TYPE_CHECKING:
    _BasePaginator = DjangoPaginator[Any]
else:  # Django's Paginator is generic only in its stubs
    _BasePaginator = DjangoPaginator


class CappedCountPaginator(_BasePaginator):
    """Counts at most ``cap`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT cap + 1)``): a list of a
    hundred thousand products costs what one of ten thousand does. Beyond ``cap`` the list is
    ``cap`` long (``exact`` is False): its pages end there."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        counted = count_up_to(rows, self.cap + 1)
        self.exact = counted <= self.cap
        return min(counted, self.cap)

    exact = True


class CappedCountPagination(PageNumberPagination):
    """``PageNumberPagination`` for lists that may be very long (a big shop's products): ``count``
    is exact up to 10,000 and ``count_is_exact`` says whether it is; beyond, the pages stop at
    10,000 results (narrow the list with a category or a search)."""

    django_paginator_class = CappedCountPaginator

    def get_paginated_response(self, data: Any) -> Response:
        page = cast("Page[Any]", self.page)  # paginate_queryset made it
        paginator = cast(CappedCountPaginator, page.paginator)
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        found = super().get_paginated_response_schema(schema)
        found["properties"]["count"]["description"] = (
            f"How many results, exactly up to {CappedCountPaginator.cap:,}; a longer list says "
            f"{CappedCountPaginator.cap:,} and its pages end there."
        )
        found["properties"]["count_is_exact"] = {
            "type": "boolean",
            "description": f"False when the list is longer than {CappedCountPaginator.cap:,} (show 10,000+).",
        }
        return found
