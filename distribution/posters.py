"""The promoter's poster (推广海报): marketing's share poster (``marketing.posters.poster_png``)
with the shop's name and logo, a line in the promoter's name, and a QR code of their signed link.
Drawn once and cached by its content (no database write)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from catalog.models import Product
from distribution.models import Promoter
from marketing.posters import poster_png
from shop.models import Shop


def _photo(shop: Shop) -> FieldFile | None:
    """The shop's logo, or else the picture of its best seller on shelf (one query)."""
    if shop.logo:
        return shop.logo
    best = (
        Product.objects.filter(shop=shop, status=Product.Status.ON_SALE, cover__isnull=False)
        .select_related("cover")
        .order_by("-sales_count", "pk")
        .first()
    )
    if best is None or best.cover is None:
        return None
    return best.cover.thumb_detail or best.cover.image


def promoter_poster_png(*, shop: Shop, promoter: Promoter, link: str) -> bytes:
    """``link``: the promoter's absolute signed link (``selectors.promoter_link``)."""
    return poster_png(
        shop=shop,
        title=_("%(shop)s · 好物推荐") % {"shop": shop.name},
        subtitle=_("%(name)s 邀请你来逛逛，长按识别二维码进店") % {"name": str(promoter)},
        image=_photo(shop),
        link=link,
        kind="promoter",
    )
