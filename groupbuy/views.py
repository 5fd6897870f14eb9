"""Group-buy's H5: the product page's 拼团 section, a group's page (shared in WeChat), 我的拼团.

Pages only read (no page view writes to the database); opening and joining are the ordinary
buy-now checkout (``/checkout/?sku=…&qty=…&group_buy=<activity>[&group_no=<group>]``), where the
group price is applied server-side by the pricing rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.h5 import is_wechat
from groupbuy import posters, selectors
from groupbuy.models import GroupMember
from shop.h5 import shop_page
from shop.models import Shop


def storefront_section(*, shop: Shop, product: Any = None, csrf_token: str = "", user: Any = None) -> str:
    """On a product page with a running group-buy: the group price, 发起拼团 (a GET form to the
    buy-now checkout) and a few open groups to join. The same for every anonymous visitor (their
    page is cached); a signed-in ``user`` (their page is fresh: catalog's per-viewer section) sees
    their own open groups first as 我的团 · 邀请好友, never offered to join."""
    if product is None:
        return ""
    found = selectors.product_group_buy(shop=shop, product_id=product.pk, viewer=user)
    if found is None:
        return ""
    groups = [
        {"group": group, "leader": selectors.mask_name(group.leader.display_name), "left": group.seats_left}
        for group in found.groups
    ]
    mine = [
        {"group": m.group, "left": m.group.seats_left, "unpaid": m.status == GroupMember.Status.PENDING}
        for m in found.mine
    ]
    back = reverse("h5:product", args=[shop.slug, product.pk])
    return render_to_string(
        "groupbuy/product_section.html",
        {
            "shop": shop,
            "found": found,
            "activity": found.activity,
            "groups": groups,
            "mine": mine,
            "back": back,
        },
    )


@shop_page
def group_detail(request: HttpRequest, shop: Shop, group_no: str) -> HttpResponse:
    """A group's page (the share link): seats left, the paid members (masked), the countdown, the
    share card, and 参团 while a seat is open; after it filled or failed, the outcome."""
    group = selectors.group_get_public(shop=shop, group_no=group_no)
    now = timezone.now()
    state = selectors.group_state(group, now)
    mine = selectors.group_member_of(
        group=group, user=request.user if request.user.is_authenticated else None
    )
    members = [
        {"name": selectors.mask_name(m.user.display_name), "leader": m.is_leader}
        for m in group.paid_members  # type: ignore[attr-defined]
    ]
    items = group.activity_items  # type: ignore[attr-defined]
    product = group.activity.product
    here = reverse("h5:group", args=[shop.slug, group.group_no])
    price_min = min((item.group_price_fen for item in items), default=None)
    context = {
        "shop": shop, "is_wechat": is_wechat(request), "group": group, "activity": group.activity,
        "product": product, "items": items, "members": members, "seats": range(group.seats_left),
        "state": state, "mine": mine, "price_min_fen": price_min, "back": here,
        "product_url": reverse("h5:product", args=[shop.slug, product.pk]),
        "checkout_url": reverse("h5:checkout", args=[shop.slug]),
        "pay_url": reverse("h5:pay", args=[shop.slug, mine.order.order_no])
        if mine is not None and mine.status == GroupMember.Status.PENDING else "",
        "order_url": reverse("h5:order", args=[shop.slug, mine.order.order_no]) if mine is not None else "",
        "share_image": product.cover.detail_url if product.cover is not None else "",
        "poster_url": reverse("h5:group-poster", args=[shop.slug, group.group_no]),
    }  # fmt: skip
    return render(request, "groupbuy/group.html", context)


@require_safe
@shop_page
def group_poster(request: HttpRequest, shop: Shop, group_no: str) -> HttpResponse:
    """The group's share poster (PNG: long-press to save it in WeChat), drawn once and cached."""
    group = selectors.group_get_public(shop=shop, group_no=group_no)
    png = posters.group_poster(request=request, shop=shop, group=group)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@shop_page
def my_groups(request: HttpRequest, shop: Shop) -> HttpResponse:
    """我的拼团: the shopper's groups in this shop with each one's state."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("shopper-login"))
    now = timezone.now()
    rows = [
        {
            "member": member, "group": member.group, "state": selectors.group_state(member.group, now),
            "label": selectors.member_state_label(member, now), "active": member.status in GroupMember.ACTIVE,
        }
        for member in selectors.my_group_memberships(shop=shop, user=request.user)[:50]
    ]  # fmt: skip
    return render(
        request,
        "groupbuy/mine.html",
        {"shop": shop, "is_wechat": is_wechat(request), "rows": rows, "tab": "me"},
    )


def _member_of_order(order: Any) -> GroupMember | None:
    """The order's place in a group with its group (one query for the order page's two ports)."""
    if not hasattr(order, "_groupbuy_member"):
        order._groupbuy_member = GroupMember.objects.filter(order_id=order.pk).select_related("group").first()
    member: GroupMember | None = order._groupbuy_member
    return member


def order_links(order: Any) -> list[tuple[str, str]]:
    """The shopper's order page links to its group (orders' order page links port)."""
    member = _member_of_order(order)
    if member is None:
        return []
    url = reverse("h5:group", args=[order.shop.slug, member.group.group_no])
    if selectors.group_state(member.group) == "open" and member.status == GroupMember.Status.JOINED:
        return [(str(_("邀请好友参团")), url)]
    return [(str(_("查看拼团")), url)]


def order_state(order: Any) -> str | None:
    """What the order's group means for it, under the order's status (orders' order page states
    port): 拼团中 · 还差 N 人, 拼团成功, 拼团失败 · 已退款…"""
    member = _member_of_order(order)
    if member is None or member.status == GroupMember.Status.CANCELLED:
        return None
    return selectors.member_state_label(member)


def order_event_label(event: Any) -> str | None:
    """Group-buy's notes on the order page's timeline read as they are, without 备注 (orders'
    timeline labels port)."""
    if event.type == "note" and isinstance(event.data, dict) and "groupbuy" in event.data:
        return ""
    return None


def member_centre_context(request: HttpRequest, shop: Any) -> dict[str, Any]:
    """个人中心 lists 我的拼团 (accounts' member-centre port)."""
    return {"me_links": [{"url": reverse("h5:my-groups", args=[shop.slug]), "label": _("我的拼团")}]}
