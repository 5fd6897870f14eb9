"""A group's share poster (拼团海报): the product photo, the group price, the shop's verified name
and a QR code of the group's page, drawn by ``marketing.posters.poster_png`` (once per content:
cached), for the group page (H5) and the API."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from groupbuy import selectors
from groupbuy.models import Group
from marketing import links
from marketing.posters import poster_png
from shop.models import Shop
from wechat.share import referral_code, share_link


def group_link(*, request: HttpRequest, shop: Shop, group: Group) -> str:
    """The group page's absolute link, carrying the viewer's signed referral code when they are
    logged in (so an order from the poster records who shared it)."""
    url = links.absolute(request, reverse("h5:group", args=[shop.slug, group.group_no]))
    user = getattr(request, "user", None)
    code = (
        referral_code(shop_id=shop.pk, shop_slug=shop.slug, user_id=user.pk)
        if user is not None and user.is_authenticated
        else None
    )
    return share_link(url, code=code)


def group_poster(*, request: HttpRequest, shop: Shop, group: Group) -> bytes:
    """The poster of ``group`` (from ``selectors.group_get_public``) as PNG bytes."""
    product = group.activity.product
    items = group.activity_items  # type: ignore[attr-defined]
    price = min((item.group_price_fen for item in items), default=None)
    state = selectors.group_state(group)
    if state == "open":
        subtitle = _("%(size)d人团 · 还差 %(n)d 人，扫码一起拼") % {"size": group.size, "n": group.seats_left}
    elif state == "succeeded":
        subtitle = _("%(size)d人团 · 已拼团成功") % {"size": group.size}
    else:
        subtitle = _("%(size)d人团 · 扫码开一个新团") % {"size": group.size}
    cover = product.cover
    image = (cover.thumb_detail or cover.image) if cover is not None else None
    return poster_png(
        shop=shop, title=product.title, price_fen=price, image=image, subtitle=subtitle, kind="group",
        link=group_link(request=request, shop=shop, group=group),
    )  # fmt: skip
