"""complaints' part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: the complaints they made against the shop (number, type, text, state, the
  platform's resolution note).
- **Eraser**: a complaint stays in the platform's records of the shop (the operator's queue and the
  shop's complaint count), but no longer names who made it: its shopper link and masked contact go.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from complaints.models import Complaint
from shop.models import Shop


def complaints_export(user: User, shop: Shop) -> dict[str, Any]:
    complaints = Complaint.objects.filter(user=user, shop=shop).select_related("order").order_by("pk")
    return {
        _("我的投诉"): [
            {
                _("投诉编号"): c.complaint_no,
                _("投诉类型"): c.get_kind_display(),
                _("投诉内容"): c.text,
                _("相关订单"): c.order.order_no if c.order else "",
                _("状态"): c.get_status_display(),
                _("处理结果"): c.resolution_note,
                _("投诉时间"): local_time(c.created_at),
            }
            for c in complaints
        ]
    }


def complaints_erase(user: User) -> None:
    Complaint.objects.filter(user=user).update(user=None, contact_masked="")


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register(
        "complaints", section=gettext_lazy("投诉"), export=complaints_export, erase=complaints_erase
    )
