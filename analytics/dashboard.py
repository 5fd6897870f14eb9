"""The dashboard on a merchant's admin index (``config.admin_site``): which shop and which days the
query string asks for, and the context the template shows (docs/analytics.md#the-dashboard).

``?shop=<id>`` picks one of the merchant's shops (another's id is refused: the first shop is shown
with a message), ``?range=7`` / ``?range=30`` the last 7 or 30 days (today included), and
``?range=custom&since=YYYY-MM-DD&until=YYYY-MM-DD`` any range of at most ``MAX_DAYS`` days up to
today; a bad range says why in Chinese and shows the last 7 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics import charts, selectors
from shop.models import Shop

PRESETS = (7, 30)
MAX_DAYS = 366


@dataclass(frozen=True)
class Range:
    since: date
    until: date
    key: str  # "7", "30" or "custom"
    error: str = ""

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def _preset(days: int, today: date, error: str = "") -> Range:
    return Range(today - timedelta(days=days - 1), today, str(days), error)


def range_from(query: QueryDict, *, today: date | None = None) -> Range:
    """The range the query string asks for (see the module docstring)."""
    today = today or timezone.localdate()
    key = query.get("range", "7")
    if key in {str(days) for days in PRESETS}:
        return _preset(int(key), today)
    if key != "custom":
        return _preset(7, today)
    try:
        since = date.fromisoformat(query.get("since", ""))
        until = date.fromisoformat(query.get("until", ""))
    except ValueError:
        return _preset(7, today, _("请选择开始和结束日期（格式：2026-01-31）。"))
    if since > until:
        return _preset(7, today, _("开始日期不能晚于结束日期。"))
    if until > today:
        return _preset(7, today, _("结束日期不能晚于今天。"))
    if (until - since).days + 1 > MAX_DAYS:
        return _preset(7, today, _("一次最多查看 %(n)d 天。") % {"n": MAX_DAYS})
    return Range(since, until, "custom")


def shop_from(query: QueryDict, shops: Sequence[Shop]) -> tuple[Shop, str]:
    """The merchant's shop the query string names (their first when it names none or another's)."""
    wanted = query.get("shop", "")
    for shop in shops:
        if str(shop.pk) == wanted:
            return shop, ""
    return shops[0], (_("没有找到这个店铺，已显示 %(name)s。") % {"name": shops[0].name} if wanted else "")


def dashboard_context(
    query: QueryDict, *, shops: Sequence[Shop], today: date | None = None
) -> dict[str, Any]:
    """What ``admin/analytics/dashboard.html`` shows for the merchant's ``shops`` (at least one)."""
    today = today or timezone.localdate()
    shop, shop_error = shop_from(query, shops)
    chosen = range_from(query, today=today)
    figures = selectors.dashboard(shop_id=shop.pk, since=chosen.since, until=chosen.until, today=today)
    days = [row.day for row in figures.days]
    traffic = charts.trend_svg(
        days,
        [
            charts.Series(_("访客"), [row.numbers.visitors for row in figures.days]),
            charts.Series(_("商品访客"), [row.numbers.product_visitors for row in figures.days]),
            charts.Series(_("付款人数"), [row.numbers.payers for row in figures.days]),
        ],
        title=_("访客与付款人数趋势"),
    )
    money = charts.trend_svg(
        days,
        [
            charts.Series(_("支付金额"), [row.numbers.paid_fen for row in figures.days], money=True),
            charts.Series(_("退款"), [row.numbers.refund_fen for row in figures.days], money=True),
        ],
        title=_("支付金额与退款趋势"),
    )
    funnel = charts.funnel_svg(
        [(step.label, step.value, step.of_previous) for step in figures.funnel], title=_("转化漏斗")
    )
    return {
        "shop": shop,
        "shops": shops,
        "range": chosen,
        "presets": PRESETS,
        "errors": [message for message in (shop_error, chosen.error) if message],
        "figures": figures,
        "days_newest_first": list(reversed(figures.days)),
        "funnel_svg": funnel,
        "traffic_svg": traffic,
        "money_svg": money,
        "today": today,
    }
