"""Site-wide request handling that belongs to no app."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve


class DebugNotFoundMiddleware:
    """The shop's own 404 page under ``DEBUG`` too (``make run``, demos): Django would show its
    English technical page. Without ``DEBUG`` it does nothing; Django calls ``handler404`` itself.
    Placed after ``CommonMiddleware``, so a missing slash is still added first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exc:
                return self._not_found(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if settings.DEBUG and isinstance(exception, Http404):
            return self._not_found(request, exception)
        return None

    @staticmethod
    def _not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
        from shop.views import page_not_found

        return page_not_found(request, exception if isinstance(exception, Http404) else None)
