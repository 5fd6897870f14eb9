"""reviews' part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: the reviews they wrote in the shop (product, stars, text, photos' count, anonymous or
  not, the merchant's reply, hidden or not).
- **Eraser**: a review stays on its product (other shoppers read it, and the product's figures
  count it), but nothing names its author any more: it becomes anonymous under 已注销用户, and it
  points only at the scrubbed account.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from reviews.models import Review
from shop.models import Shop


def reviews_export(user: User, shop: Shop) -> dict[str, Any]:
    reviews = Review.objects.filter(user=user, shop=shop).select_related("product").order_by("pk")
    return {
        _("我的评价"): [
            {
                _("商品"): r.product.title,
                _("已购规格"): r.spec_text,
                _("评分"): r.rating,
                _("评价内容"): r.text,
                _("图片数"): r.photo_count,
                _("匿名评价"): r.is_anonymous,
                _("商家回复"): r.reply,
                _("已隐藏"): r.is_hidden,
                _("评价时间"): local_time(r.created_at),
            }
            for r in reviews
        ]
    }


def reviews_erase(user: User) -> None:
    Review.objects.filter(user=user).update(author_name=str(_("已注销用户")), is_anonymous=True)


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("reviews", section=gettext_lazy("评价"), export=reviews_export, erase=reviews_erase)
