"""Reads of the customer pages: names for a page of profiles (channel, referrer), a page of
segments' live sizes in one query, and a segment's rows for its CSV export — each a fixed number
of queries whatever the number of rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from core.masking import mask_phone
from core.money import format_yuan
from crm.models.profiles import CustomerProfile, Segment, Tag
from crm.segments import filters_clean, profile_conditions

EXPORT_CHUNK = 2000


def profiles_for_list(queryset: QuerySet[CustomerProfile]) -> QuerySet[CustomerProfile]:
    """What a list of profiles shows, joined or prefetched: the shopper, the level, the tags."""
    return (
        queryset.select_related("user", "level")
        .prefetch_related(None)  # a queryset already prepared keeps one prefetch of the tags
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def referrer_names(codes: Iterable[str]) -> dict[str, str]:
    """The sharers behind referrer codes (a code is the sharer's user id: wechat/share.py), by
    the name they go by (one query); a code that is nobody stays as it is."""
    ids = {int(code) for code in codes if code and code.isdigit() and len(code) < 19}
    if not ids:
        return {}
    users = User.objects.filter(pk__in=ids).only(
        "pk", "nickname", "first_name", "last_name", "username", "erased_at"
    )
    return {str(user.pk): user.display_name for user in users}


def channel_names(shop_ids: Iterable[int]) -> dict[tuple[int, str], str]:
    """``(shop_id, code) -> name`` of the shops' channels (marketing's cached profile: no query
    once warm)."""
    from marketing.selectors import marketing_profile

    names: dict[tuple[int, str], str] = {}
    for shop_id in set(shop_ids):
        for code, entry in marketing_profile(shop_id=shop_id).channels.items():
            names[(shop_id, code)] = entry.name or code
    return names


def profiles_annotate_names(profiles: Sequence[CustomerProfile]) -> None:
    """Give each profile of a page ``channel_name`` (宝妈群（mama-group）, or the bare code of a
    channel since deleted), ``channel_short`` (宝妈群) and ``referrer_name``: two queries at most
    for the page."""
    channels = channel_names(p.shop_id for p in profiles)
    referrers = referrer_names(p.first_referrer_code for p in profiles)
    for profile in profiles:
        code = profile.first_channel_code
        name = channels.get((profile.shop_id, code))
        profile.channel_name = f"{name}（{code}）" if name and name != code else code  # type: ignore[attr-defined]
        profile.channel_short = name or code  # type: ignore[attr-defined]
        ref = profile.first_referrer_code
        profile.referrer_name = referrers.get(ref, ref)  # type: ignore[attr-defined]


def export_header() -> list[str]:
    return [
        _("顾客"),
        _("手机号"),
        _("首次来源"),
        _("推荐人"),
        _("已关注"),
        _("订单数"),
        _("累计消费（元）"),
        _("客单价（元）"),
        _("最近下单"),
        _("会员等级"),
        _("可用积分"),
        _("标签"),
        _("省份"),
    ]


def profiles_export_rows(queryset: QuerySet[CustomerProfile]) -> Iterator[list[Any]]:
    """One CSV row per profile (``export_header``), phones masked; read in chunks of
    ``EXPORT_CHUNK`` with three queries each (profiles, tags, referrers)."""
    from django.utils import timezone

    rows = profiles_for_list(queryset.order_by("pk"))
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:EXPORT_CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        profiles_annotate_names(chunk)
        for p in chunk:
            user = p.user if p.user_id else None
            yield [
                str(p),
                mask_phone(user.phone) if user is not None else "",
                getattr(p, "channel_name", ""),
                getattr(p, "referrer_name", ""),
                _("是") if p.is_follower else _("否"),
                p.orders_count,
                format_yuan(p.spent_fen, symbol=False),
                format_yuan(p.average_order_fen, symbol=False),
                timezone.localtime(p.last_order_at).strftime("%Y-%m-%d %H:%M") if p.last_order_at else "",
                p.level.name if p.level_id and p.level is not None else "",
                p.points_available,
                "、".join(t.name for t in p.tags.all()),
                p.province,
            ]


@dataclass(frozen=True)
class SegmentSize:
    count: int | None  # None: the conditions no longer hold (a value no longer allowed)
    error: str = ""


def segment_sizes(segments: Sequence[Segment]) -> dict[int, SegmentSize]:
    """The live size of each segment of a page, in one query whatever their number (each is a
    ``Count`` with its conditions over its shop's profiles)."""
    counts: dict[str, Any] = {}
    sizes: dict[int, SegmentSize] = {}
    shop_ids: set[int] = set()
    for segment in segments:
        try:
            clean = filters_clean(filters=segment.filters, shop_ids=None, check_refs=False)
        except ApplicationError as exc:
            sizes[segment.pk] = SegmentSize(None, exc.message)
            continue
        counts[f"s{segment.pk}"] = Count("pk", filter=Q(shop_id=segment.shop_id) & profile_conditions(clean))
        shop_ids.add(segment.shop_id)
    if counts:
        found = CustomerProfile.objects.filter(shop_id__in=shop_ids).aggregate(**counts)
        for segment in segments:
            if f"s{segment.pk}" in found:
                sizes[segment.pk] = SegmentSize(int(found[f"s{segment.pk}"] or 0))
    return sizes
