"""Shipping many orders at once from the CSV a merchant exports from their carrier's system.

Each row is ``订单号,快递公司,运单号``; the carrier is recognised by the names merchants write
(顺丰, 顺丰快递, 顺丰速运, sf, ＳＦ). The file is read whole or refused before any order ships; then
each row ships through ``order_ship`` on its own and reports its own result.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext as _

from core.errors import ApplicationError
from orders.models import Carrier, Order
from orders.services.shipping import order_ship

CSV_MAX_ROWS = 2000
CSV_MAX_BYTES = 2 * 1024 * 1024  # a shipping CSV is read whole or refused, never cut short

CARRIER_ALIASES = {label: value for value, label in Carrier.choices} | {
    "顺丰": "sf", "中通": "zto", "圆通": "yto", "申通": "sto", "韵达": "yunda", "京东": "jd", "EMS": "ems", "邮政": "ems",  # i18n: data
    "其他": "other", **{value: value for value in Carrier.values},  # i18n: data
}  # fmt: skip
_CARRIER_SUFFIX = re.compile(r"(?:快递|速运|速递|快运|物流)$")  # i18n: data


def carrier_for(text: str) -> str | None:
    """The carrier a merchant means by ``text``: 顺丰, 顺丰快递, 顺丰速运, sf or ＳＦ (full width), or None."""
    text = unicodedata.normalize("NFKC", text).strip()
    for candidate in (text, text.lower(), _CARRIER_SUFFIX.sub("", text)):
        if candidate in CARRIER_ALIASES:
            return CARRIER_ALIASES[candidate]
    return None


def orders_ship_from_csv(*, shops: Iterable, raw: bytes, actor) -> list[dict] | None:
    """Ship the orders a CSV names, in the given shops only. ``None`` when the file is neither
    UTF-8 nor GBK; ``ValueError`` (a Chinese message) when it cannot be read whole; otherwise one
    result per row: ``{"line", "order_no", "ok", "message"}``."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    report = []
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise ValueError(_("无法读取文件：不是有效的 CSV。")) from exc
    header = 1 if rows and rows[0] and not rows[0][0].strip().isdigit() else 0
    if len(rows) - header > CSV_MAX_ROWS:
        raise ValueError(_("最多 %(n)d 行，请分批上传。") % {"n": CSV_MAX_ROWS})
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and cells and not cells[0].isdigit()):
            continue  # blank line or header
        result = {"line": number, "order_no": cells[0] if cells else "", "ok": False, "message": ""}
        if len(cells) < 3:
            result["message"] = _("需要 3 列：订单号,快递公司,运单号")
        elif (carrier := carrier_for(cells[1])) is None:
            result["message"] = _("不认识的快递公司：%(c)s") % {"c": cells[1]}
        else:
            order = Order.objects.filter(order_no=cells[0], shop__in=shops).select_related("shop").first()
            if order is None:
                result["message"] = _("订单不存在")
            else:
                try:
                    order_ship(shop=order.shop, order_no=order.order_no, carrier=carrier, tracking_no=cells[2],
                                        actor=actor, carrier_name=cells[1] if carrier == "other" else "")  # fmt: skip
                    result.update(ok=True, message=_("已发货"))
                except ApplicationError as exc:
                    result["message"] = exc.message
        report.append(result)
    return report
