"""Segments: a customer filter as data (``Segment.filters``), turned into a queryset over the
shop's profiles (docs/crm.md#segments). The same filter serves the admin's customer list (its
filters are these conditions: ``filters_from_params``), a saved segment's live size, its CSV export
and a campaign's audience.

A filter is a dict; every key is one condition and all of them must hold:

================  ==========================================  ===================================
key               value                                       a profile matches when
================  ==========================================  ===================================
min_spent_fen     int ≥ 0 (fen)                               累计消费 ≥ value
inactive_days     int 1–3650                                  no paid order in the last N days
                                                              (never ordered included)
min_orders        int 1–100000                                at least N paid orders
category          a category id of the shop                   bought (a paid order, not fully
                                                              refunded) a product in it or in one
                                                              of its sub-categories
channel           a channel code                              first came from that channel
province          a province name (上海市)                      province of the latest paid order
level             a member level id of the shop               at that level
tag               a tag id of the shop                        has the tag
follower          bool                                        follows the official account (or not)
================  ==========================================  ===================================

An unknown key or a value of the wrong kind raises ``ApplicationError("segment_filter_invalid")``
with a Chinese message saying which; so does a tag, level or category of another shop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Category, Product
from core.errors import ApplicationError
from core.integers import is_int
from core.money import format_yuan
from crm.models.members import MemberLevel
from crm.models.profiles import CustomerProfile, Tag
from orders.models import OrderLine, OrderStatus
from shop.models import Shop

FILTER_KEYS: tuple[str, ...] = (
    "min_spent_fen",
    "inactive_days",
    "min_orders",
    "category",
    "channel",
    "province",
    "level",
    "tag",
    "follower",
)
MAX_SPENT_FEN = 10**12  # ¥100 亿: beyond any shop's customer
CHANNEL_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
YUAN = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")

# (key, lowest, highest) of the whole-number conditions
_RANGES: dict[str, tuple[int, int]] = {
    "min_spent_fen": (0, MAX_SPENT_FEN),
    "inactive_days": (1, 3650),
    "min_orders": (1, 100000),
    "category": (1, 10**18),
    "level": (1, 10**18),
    "tag": (1, 10**18),
}
_LABELS = {
    "min_spent_fen": gettext_lazy("累计消费"),
    "inactive_days": gettext_lazy("未下单天数"),
    "min_orders": gettext_lazy("订单数"),
    "category": gettext_lazy("购买过分类"),
    "channel": gettext_lazy("来源渠道"),
    "province": gettext_lazy("省份"),
    "level": gettext_lazy("会员等级"),
    "tag": gettext_lazy("标签"),
    "follower": gettext_lazy("已关注"),
}


def _invalid(message: str) -> ApplicationError:
    return ApplicationError("segment_filter_invalid", message)


def filters_clean(
    *, filters: Mapping[str, Any], shop_ids: Sequence[int] | None, check_refs: bool = True
) -> dict[str, Any]:
    """``filters`` checked key by key and returned in key order. ``shop_ids``: the shops whose
    tags, levels and categories may be named (None: any, for the platform operator); one query per
    kind named, none with ``check_refs=False`` (a page of saved segments: a tag deleted since just
    matches nobody)."""
    if not isinstance(filters, Mapping):
        raise _invalid(_("筛选条件格式不正确。"))
    unknown = [str(key) for key in filters if key not in FILTER_KEYS]
    if unknown:
        raise _invalid(_("不认识的筛选条件：%(keys)s。") % {"keys": "、".join(sorted(unknown))})
    clean: dict[str, Any] = {}
    for key in FILTER_KEYS:
        if key not in filters:
            continue
        value = filters[key]
        if key in _RANGES:
            low, high = _RANGES[key]
            if not is_int(value) or not low <= value <= high:
                raise _invalid(
                    _("筛选条件“%(label)s”应为 %(low)d–%(high)d 的整数。")
                    % {"label": _LABELS[key], "low": low, "high": high}
                )
        elif key == "channel":
            if not isinstance(value, str) or not CHANNEL_CODE.fullmatch(value):
                raise _invalid(_("筛选条件“来源渠道”应为渠道代码。"))
        elif key == "province":
            if not isinstance(value, str) or not value.strip() or len(value) > 32:
                raise _invalid(_("筛选条件“省份”应为省份名称。"))
            value = value.strip()
        elif key == "follower" and not isinstance(value, bool):
            raise _invalid(_("筛选条件“已关注”应为是或否。"))
        clean[key] = value
    if check_refs:
        _check_owned(clean, shop_ids)
    return clean


def _check_owned(clean: dict[str, Any], shop_ids: Sequence[int] | None) -> None:
    """A tag, level or category must exist, in one of ``shop_ids``."""
    for key, model, what in (
        ("tag", Tag, _("标签")),
        ("level", MemberLevel, _("会员等级")),
        ("category", Category, _("分类")),
    ):
        if key not in clean:
            continue
        rows = model._default_manager.filter(pk=clean[key])
        if shop_ids is not None:
            rows = rows.filter(shop_id__in=list(shop_ids))
        if not rows.exists():
            raise _invalid(_("筛选条件中的%(what)s不存在或已删除。") % {"what": what})


def profile_conditions(filters: Mapping[str, Any], *, now: datetime | None = None) -> Q:
    """The conditions of checked ``filters`` (``filters_clean``) as one ``Q`` over
    ``CustomerProfile``, without joins (tags and purchases are ``EXISTS`` subqueries), so it also
    serves as a ``Count(filter=...)`` and never duplicates rows. It names no shop: tags, levels and
    categories belong to one, and the caller limits the profiles to theirs."""
    q = Q()
    if (spent := filters.get("min_spent_fen")) is not None:
        q &= Q(spent_fen__gte=spent)
    if (days := filters.get("inactive_days")) is not None:
        cutoff = (now or timezone.now()) - timedelta(days=days)
        q &= Q(last_order_at__isnull=True) | Q(last_order_at__lt=cutoff)
    if (orders := filters.get("min_orders")) is not None:
        q &= Q(orders_count__gte=orders)
    if (category := filters.get("category")) is not None:
        products = Product.objects.filter(Q(category_id=category) | Q(category__parent_id=category)).values(
            "pk"
        )
        bought = OrderLine.objects.filter(
            order__shop_id=OuterRef("shop_id"),
            order__user_id=OuterRef("user_id"),
            order__paid_at__isnull=False,
            product_id_snapshot__in=products,
        ).exclude(order__status=OrderStatus.CLOSED)
        q &= Q(Exists(bought))
    if (channel := filters.get("channel")) is not None:
        q &= Q(first_channel_code=channel)
    if (province := filters.get("province")) is not None:
        q &= Q(province=province)
    if (level := filters.get("level")) is not None:
        q &= Q(level_id=level)
    if (tag := filters.get("tag")) is not None:
        through = CustomerProfile.tags.through
        q &= Q(Exists(through.objects.filter(customerprofile_id=OuterRef("pk"), tag_id=tag)))
    if (follower := filters.get("follower")) is not None:
        q &= Q(is_follower=follower)
    return q


def profiles_matching(*, shop: Shop, filters: dict[str, Any]) -> QuerySet[CustomerProfile]:
    """The shop's profiles that match every condition in ``filters`` (an unknown key or a bad
    value raises ``ApplicationError("segment_filter_invalid")``)."""
    clean = filters_clean(filters=filters, shop_ids=[shop.pk])
    return CustomerProfile.objects.filter(shop=shop).filter(profile_conditions(clean))


# ---------------------------------------------------------------- the admin list's query string


# query-string parameter of each key (the spend is typed in yuan)
PARAMS: dict[str, str] = {
    "min_spent_fen": "spent",
    "inactive_days": "inactive_days",
    "min_orders": "min_orders",
    "category": "category",
    "channel": "channel",
    "province": "province",
    "level": "level",
    "tag": "tag",
    "follower": "follower",
}


def filters_from_params(params: Mapping[str, str]) -> dict[str, Any]:
    """The admin customer list's query string (``?spent=100&tag=3``) as a filter (not yet
    checked against shops: ``filters_clean``). A value that is no number where one is needed
    raises ``segment_filter_invalid``, naming it; empty values are no condition."""
    filters: dict[str, Any] = {}
    for key, param in PARAMS.items():
        raw = (params.get(param) or "").strip()
        if not raw:
            continue
        if key == "min_spent_fen":
            if not YUAN.fullmatch(raw):
                raise _invalid(_("“累计消费满”请填写金额（元），例如 100 或 99.5。"))
            try:
                filters[key] = int(Decimal(raw) * 100)
            except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numerals
                raise _invalid(_("“累计消费满”请填写金额（元）。")) from exc
        elif key in ("channel", "province"):
            filters[key] = raw
        elif key == "follower":
            if raw not in ("1", "0"):
                raise _invalid(_("筛选条件“已关注”应为是或否。"))
            filters[key] = raw == "1"
        else:
            if not ASCII_DIGITS.fullmatch(raw):
                raise _invalid(_("筛选条件“%(label)s”请填写整数（阿拉伯数字）。") % {"label": _LABELS[key]})
            filters[key] = int(raw)
    return filters


def params_from_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """The customer list's query string that shows ``filters`` (a segment's 查看顾客 link)."""
    params: dict[str, str] = {}
    for key, value in filters.items():
        if key not in PARAMS:
            continue
        if key == "min_spent_fen":
            text = format_yuan(int(value), symbol=False)
        elif key == "follower":
            text = "1" if value else "0"
        else:
            text = str(value)
        params[PARAMS[key]] = text
    return params


# ---------------------------------------------------------------- in words


@dataclass
class FilterNames:
    """Names of what filters refer to, loaded once for a page of segments (``filter_names``)."""

    tags: dict[int, str] = field(default_factory=dict)
    levels: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    channels: dict[tuple[int, str], str] = field(default_factory=dict)


def filter_names(items: Iterable[tuple[int, Mapping[str, Any]]]) -> FilterNames:
    """Names for the filters of several segments (``(shop_id, filters)``): at most four queries
    whatever their number."""
    from marketing.models import Channel

    wanted: dict[str, set[int]] = {"tag": set(), "level": set(), "category": set()}
    channels: set[tuple[int, str]] = set()
    for shop_id, filters in items:
        for key in wanted:
            if is_int(filters.get(key)):
                wanted[key].add(int(filters[key]))
        if isinstance(filters.get("channel"), str):
            channels.add((shop_id, filters["channel"]))
    names = FilterNames()
    if wanted["tag"]:
        names.tags = dict(Tag.objects.filter(pk__in=wanted["tag"]).values_list("pk", "name"))
    if wanted["level"]:
        names.levels = dict(MemberLevel.objects.filter(pk__in=wanted["level"]).values_list("pk", "name"))
    if wanted["category"]:
        names.categories = {
            c.pk: str(c) for c in Category.objects.filter(pk__in=wanted["category"]).select_related("parent")
        }
    if channels:
        rows = Channel.objects.filter(
            shop_id__in={s for s, _c in channels}, code__in={c for _s, c in channels}
        ).values_list("shop_id", "code", "name")
        names.channels = {(shop_id, code): name for shop_id, code, name in rows}
    return names


def filters_describe(filters: Mapping[str, Any], *, shop_id: int, names: FilterNames) -> list[str]:
    """Each condition in Chinese (累计消费满 ¥100, 30 天未下单, 标签“老客户”), in key order; a
    tag, level or category deleted since reads 已删除."""
    gone = _("（已删除）")
    lines: list[str] = []
    for key in FILTER_KEYS:
        if key not in filters:
            continue
        value = filters[key]
        if key == "min_spent_fen":
            lines.append(_("累计消费满 %(amount)s") % {"amount": format_yuan(int(value))})
        elif key == "inactive_days":
            lines.append(_("%(n)s 天未下单") % {"n": value})
        elif key == "min_orders":
            lines.append(_("订单数至少 %(n)s") % {"n": value})
        elif key == "category":
            lines.append(_("购买过分类“%(name)s”") % {"name": names.categories.get(value, gone)})
        elif key == "channel":
            name = names.channels.get((shop_id, str(value)))
            label = f"{name}（{value}）" if name else str(value)
            lines.append(_("来源渠道“%(name)s”") % {"name": label})
        elif key == "province":
            lines.append(_("省份：%(name)s") % {"name": value})
        elif key == "level":
            lines.append(_("会员等级“%(name)s”") % {"name": names.levels.get(value, gone)})
        elif key == "tag":
            lines.append(_("标签“%(name)s”") % {"name": names.tags.get(value, gone)})
        elif key == "follower":
            lines.append(_("已关注公众号") if value else _("未关注公众号"))
    return lines or [_("全部顾客")]
