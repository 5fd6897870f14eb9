"""payments' part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: the payment attempts and refunds of their orders in the shop, with the openid WeChat
  Pay knew them by.
- **Eraser**: attempts and refunds are the merchant's accounts (reconciliation with WeChat Pay's
  bill needs them), so they are kept; the payer's openid is emptied and a refund's reason (the
  shopper's after-sale words) goes. (Promoters' 商家转账 are distribution's to anonymise.)
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from core.money import format_yuan
from payments.models import PaymentAttempt, Refund
from shop.models import Shop


def payments_export(user: User, shop: Shop) -> dict[str, Any]:
    attempts = (
        PaymentAttempt.objects.filter(order__user=user, shop=shop).select_related("order").order_by("pk")
    )
    refunds = Refund.objects.filter(order__user=user, shop=shop).select_related("order").order_by("pk")
    return {
        _("支付记录"): [
            {
                _("订单号"): a.order.order_no,
                _("商户订单号"): a.out_trade_no,
                _("场景"): a.get_scene_display(),
                _("金额"): format_yuan(a.amount_fen),
                _("状态"): a.get_status_display(),
                _("微信支付单号"): a.transaction_id,
                _("付款人 OpenID"): a.payer_openid,
                _("支付时间"): local_time(a.paid_at),
            }
            for a in attempts
        ],
        _("退款记录"): [
            {
                _("订单号"): r.order.order_no,
                _("退款单号"): r.out_refund_no,
                _("金额"): format_yuan(r.amount_fen),
                _("状态"): r.get_status_display(),
                _("退款原因"): r.reason,
                _("退款时间"): local_time(r.succeeded_at),
            }
            for r in refunds
        ],
    }


def payments_erase(user: User) -> None:
    PaymentAttempt.objects.filter(order__user=user).exclude(payer_openid="").update(payer_openid="")
    Refund.objects.filter(order__user=user).exclude(reason="").update(reason="")


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register("payments", section=gettext_lazy("支付"), export=payments_export, erase=payments_erase)
