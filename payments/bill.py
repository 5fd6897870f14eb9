"""Reconciling WeChat Pay's daily trade bill (交易账单) with our payment records.

The bill is WeChat's CSV: a header row, one row per transaction with every value prefixed by a
backtick, then a summary block. ``bill_reconcile`` reports every difference a merchant must look at:
money WeChat took that we never recorded, payments we never marked paid, amounts that differ, and
payments we recorded as paid on that day that the bill does not contain.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import yuan_to_fen
from payments.models import PaymentAttempt

PROBLEM_LABELS = {
    "missing_locally": gettext_lazy("本店无记录"),
    "amount_mismatch": gettext_lazy("金额不一致"),
    "not_marked_paid": gettext_lazy("未确认支付"),
    "missing_in_bill": gettext_lazy("账单中没有"),
    "bad_row": gettext_lazy("无法识别的行"),
}


@dataclass
class BillReport:
    rows: int = 0
    matched: int = 0
    problems: list[dict[str, str]] = field(default_factory=list)

    def add(self, kind: str, out_trade_no: str, detail: str) -> None:
        self.problems.append(
            {
                "kind": kind,
                "label": str(PROBLEM_LABELS.get(kind, kind)),
                "out_trade_no": out_trade_no,
                "detail": detail,
            }
        )

    def csv_rows(self) -> list[list[str]]:
        return [[p["label"], p["out_trade_no"], p["detail"]] for p in self.problems]


def decode_bill(raw: bytes) -> str:
    """Bills come as UTF-8 (with or without BOM) or GBK."""
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("无法读取账单：请上传 UTF-8 或 GBK 编码的 CSV。"))


# The bill's own column names, as WeChat Pay writes them (data, never translated).
TRADE_NO = "商户订单号"  # i18n: data
TRADE_STATE = "交易状态"  # i18n: data
MCHID = "商户号"  # i18n: data
TRADE_TIME = "交易时间"  # i18n: data
AMOUNT = "订单金额"  # i18n: data
SETTLED_AMOUNT = "应结订单金额"  # i18n: data
SUMMARY_START = "总交易单数"  # i18n: data


def _clean(value: str) -> str:
    return value.strip().lstrip("`").strip()


def parse_bill(text: str) -> tuple[list[dict[str, str]], str | None]:
    """Transaction rows as dicts keyed by the Chinese column names; the bill date (from 交易时间)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    if TRADE_NO not in header or TRADE_STATE not in header:
        raise ValueError(_("这不是微信支付交易账单：缺少“商户订单号”或“交易状态”列。"))
    rows = []
    for raw in reader:
        if not raw or raw[0].strip().startswith(SUMMARY_START):
            break
        rows.append({name: _clean(value) for name, value in zip(header, raw, strict=False)})
    day = rows[0].get(TRADE_TIME, "")[:10] if rows else None
    return rows, day


def bill_reconcile(*, shop, text: str, mchid: str) -> BillReport:
    rows, day = parse_bill(text)
    report = BillReport(rows=len(rows))
    seen: set[str] = set()
    attempts = {
        a.out_trade_no: a
        for a in PaymentAttempt.objects.filter(
            shop=shop,
            out_trade_no__in=[r.get(TRADE_NO, "") for r in rows],
        )
    }
    for row in rows:
        no = row.get(TRADE_NO, "")
        if row.get(TRADE_STATE) != "SUCCESS" or (row.get(MCHID) and row.get(MCHID) != mchid):
            continue
        seen.add(no)
        try:
            amount = yuan_to_fen(Decimal(row.get(AMOUNT) or row.get(SETTLED_AMOUNT) or "0"))
        except (InvalidOperation, ValueError):
            report.add("bad_row", no, _("金额无法识别：%(value)s") % {"value": row.get(AMOUNT)})
            continue
        attempt = attempts.get(no)
        if attempt is None:
            report.add(
                "missing_locally",
                no,
                _("微信已收款 %(amount)s 元，但本店没有这笔支付记录") % {"amount": f"{amount / 100:.2f}"},
            )
        elif attempt.amount_fen != amount:
            report.add(
                "amount_mismatch",
                no,
                _("账单金额 %(bill)s 元，本店记录 %(ours)s 元")
                % {"bill": f"{amount / 100:.2f}", "ours": f"{attempt.amount_fen / 100:.2f}"},
            )
        elif attempt.status != PaymentAttempt.Status.SUCCEEDED:
            report.add(
                "not_marked_paid", no, _("微信已收款，但本店尚未确认支付（通知可能丢失，对账任务会补查）")
            )
        else:
            report.matched += 1
    if day:
        try:
            bill_day = date.fromisoformat(day)
        except ValueError:
            bill_day = None
        if bill_day:
            ours = PaymentAttempt.objects.filter(
                shop=shop, status=PaymentAttempt.Status.SUCCEEDED, paid_at__date=bill_day
            )
            for attempt in ours.exclude(out_trade_no__in=seen):
                paid = timezone.localtime(attempt.paid_at).strftime("%H:%M")
                report.add(
                    "missing_in_bill",
                    attempt.out_trade_no,
                    _("本店记录已支付（%(time)s），但账单中没有") % {"time": paid},
                )
    return report
