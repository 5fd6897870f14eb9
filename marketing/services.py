"""Marketing's use cases: saving channels and the shop's settings, issuing a channel's official-
account QR code, counting a channel's visits (in the cache, never in the database on the request
path) and flushing those counters into ``ChannelDayStat`` rows (a periodic job)."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.attribution import VALUE
from core.errors import ApplicationError
from marketing.models import Channel, ChannelDayStat, MarketingSettings
from marketing.selectors import COUNTER_TTL, FLUSH_DAYS, counter_key, longest_window_days, profile_cache_key
from wechat.models import ChannelQRCode

FLUSH_BATCH = 500


def profile_changed(*, shop_id: int) -> None:
    """After a write to a shop's channels or settings: its cached profile goes now and again once
    the write commits (a page read between the two may have cached the old rows)."""
    key = profile_cache_key(shop_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


# ---------------------------------------------------------------- channels and settings


def channel_save(*, channel: Channel) -> Channel:
    """Create or change a channel. Its code is fixed once it exists (orders record it); a product
    channel needs a product of its own shop; an official-account channel gets a parametric QR code
    row of the ``wechat`` app (scene = the channel's code), issued by ``channel_qrcode_issue``."""
    if not VALUE.fullmatch(channel.code or ""):
        raise ApplicationError("channel_code_invalid", _("渠道代码为 1–32 位字母、数字、下划线或连字符。"))
    with transaction.atomic():
        if channel.pk is not None:
            stored = Channel.objects.filter(pk=channel.pk).values_list("shop_id", "code").first()
            if stored is not None and stored != (channel.shop_id, channel.code):
                raise ApplicationError("channel_code_fixed", _("渠道创建后不能修改代码或店铺。"))
        if channel.target == Channel.Target.PRODUCT:
            if channel.product is None:
                raise ApplicationError("channel_product_required", _("请选择商品。"))
            if channel.product.shop_id != channel.shop_id:
                raise ApplicationError("channel_product_not_found", _("只能选择本店的商品。"))
        else:
            channel.product = None
        if channel.target == Channel.Target.OFFICIAL_ACCOUNT and channel.qrcode_id is None:
            qrcode, _created = ChannelQRCode.objects.get_or_create(
                shop_id=channel.shop_id, scene=channel.code, defaults={"name": channel.name[:64]}
            )
            channel.qrcode = qrcode
        try:
            with transaction.atomic():
                channel.save()
        except IntegrityError as exc:
            raise ApplicationError("channel_code_taken", _("本店已有使用该代码的渠道。")) from exc
        profile_changed(shop_id=channel.shop_id)
    return channel


def channel_qrcode_issue(*, channel: Channel) -> ChannelQRCode:
    """Ask WeChat for an official-account channel's parametric QR code (a network call: never
    inside a transaction). ``wechat_not_configured`` and WeChat's own errors pass through."""
    from wechat.services import qrcode_issue

    if channel.target != Channel.Target.OFFICIAL_ACCOUNT or channel.qrcode is None:
        raise ApplicationError("channel_not_official_account", _("只有“公众号”渠道需要申请二维码。"))
    return qrcode_issue(qrcode=channel.qrcode)


def marketing_settings_save(*, settings: MarketingSettings) -> MarketingSettings:
    cap = longest_window_days()
    if not 1 <= settings.attribution_window_days <= cap:
        raise ApplicationError("window_out_of_range", _("平台最长记忆 %(n)d 天，请填 1–%(n)d。") % {"n": cap})
    with transaction.atomic():
        settings.save()
        profile_changed(shop_id=settings.shop_id)
    return settings


# ---------------------------------------------------------------- visits (cache only)


def _incr(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # the day's first: make the counter (or count on one another process made)
        if not cache.add(key, 1, COUNTER_TTL):
            cache.incr(key)


def channel_visit_record(*, channel_id: int, visitor: str, day: date | None = None) -> None:
    """Count one visit through a channel, and the visitor once a day (``visitor``: ``u<user id>``,
    a cookie id or a client's own id). Only the cache is written: no database on the request
    path. ``channel_stats_flush`` writes the counts into ``ChannelDayStat``."""
    day = day or timezone.localdate()
    _incr(counter_key("visits", channel_id, day))
    seen = hashlib.sha256(visitor.encode()).hexdigest()[:24]
    if cache.add(f"{counter_key('seen', channel_id, day)}:{seen}", 1, COUNTER_TTL):
        _incr(counter_key("visitors", channel_id, day))


def channel_stats_flush(*, days: int = FLUSH_DAYS, today: date | None = None) -> int:
    """Write the cache counters of the last ``days`` days into ``ChannelDayStat`` rows; returns how
    many rows it created or changed. A counter holds the day's running total, so a row is set to
    it (never added to): running the job twice, or in two workers at once, counts nothing twice.
    A row never goes down (a cache that lost its counters leaves the flushed numbers as they were)."""
    today = today or timezone.localdate()
    day_list = [today - timedelta(days=n) for n in range(days)]
    written = 0
    last = 0
    channels = Channel.objects.order_by("pk").values_list("pk", "shop_id")
    while shop_of := dict(channels.filter(pk__gt=last)[:FLUSH_BATCH]):
        last = max(shop_of)
        keys = [
            counter_key(what, cid, day)
            for cid in shop_of
            for day in day_list
            for what in ("visits", "visitors")
        ]
        found = cache.get_many(keys)
        if not found:
            continue
        counted = {
            (cid, day): (
                int(found.get(counter_key("visits", cid, day)) or 0),
                int(found.get(counter_key("visitors", cid, day)) or 0),
            )
            for cid in shop_of
            for day in day_list
            if counter_key("visits", cid, day) in found or counter_key("visitors", cid, day) in found
        }
        with transaction.atomic():
            stored = {
                (row.channel_id, row.day): row
                for row in ChannelDayStat.objects.filter(
                    channel_id__in={cid for cid, _day in counted}, day__in=day_list
                )
            }
            new, changed = [], []
            for (cid, day), (visits, visitors) in counted.items():
                row = stored.get((cid, day))
                if row is None:
                    new.append(ChannelDayStat(shop_id=shop_of[cid], channel_id=cid, day=day, visits=visits,
                                              visitors=visitors))  # fmt: skip
                elif visits > row.visits or visitors > row.visitors:
                    row.visits, row.visitors = max(row.visits, visits), max(row.visitors, visitors)
                    row.updated_at = timezone.now()
                    changed.append(row)
            if new:  # another worker may have just made one: then it is set to the same totals
                ChannelDayStat.objects.bulk_create(
                    new, update_conflicts=True, unique_fields=["channel", "day"],
                    update_fields=["visits", "visitors", "updated_at"],
                )  # fmt: skip
            if changed:
                ChannelDayStat.objects.bulk_update(changed, ["visits", "visitors", "updated_at"])
            written += len(new) + len(changed)
    return written
