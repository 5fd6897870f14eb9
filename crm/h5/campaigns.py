"""crm's campaigns H5 pages (under /s/<shop_slug>/, namespace "h5"): the one-tap unsubscribe link
every marketing message carries (docs/crm.md#messages)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from core.errors import ApplicationError
from crm.selectors.campaigns import min_days_between
from crm.services import campaigns as services
from shop.h5 import shop_page
from shop.models import Shop


@require_http_methods(["GET", "HEAD", "POST"])
@shop_page
def unsubscribe(request: HttpRequest, shop: Shop, unsubscribe_token: str) -> HttpResponse:
    """Opening the link is the unsubscribe (one tap, no login: the signed token names the customer
    in this shop only); it is idempotent. The page says so and offers 重新订阅; a HEAD (a link
    checker's) changes nothing."""
    try:
        if request.method == "POST" and request.POST.get("action") == "resubscribe":
            profile = services.marketing_opt_in(shop=shop, token=unsubscribe_token)
        elif request.method == "HEAD":
            profile = services.marketing_subscription_get(shop=shop, token=unsubscribe_token)
        else:  # GET (the tap), or POST action == "unsubscribe" (after 重新订阅, changed their mind)
            profile = services.marketing_opt_out(shop=shop, token=unsubscribe_token)
    except ApplicationError as exc:
        raise Http404(exc.message) from exc
    context = {
        "shop": shop, "opted_out": profile.marketing_opt_out_at is not None, "tab": "",
        "days": min_days_between(shop_id=shop.pk),
    }  # fmt: skip
    response = render(request, "crm/unsubscribe.html", context)
    add_never_cache_headers(response)
    return response


urlpatterns: list[URLPattern] = [
    path("messages/unsubscribe/<str:unsubscribe_token>/", unsubscribe, name="marketing-unsubscribe"),
]
