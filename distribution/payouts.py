"""Paying a withdrawal: WeChat Pay 商家转账 to the promoter's WeChat balance, through payments'
transfer service (``payments.transfers``).

- **Who is paid**: the promoter's openid under one of the shop's appids, as the payer-identity port
  knows them (their WeChat login; ``transfer_payee``): the official account's for a request made
  in H5, the mini-program's for one made in the mini-program (the other when that one is
  unknown). It is fixed on the withdrawal when asked for, so the promoter confirms the transfer
  in the client they asked from.
- **Paying**: the merchant's approval creates the transfer in its own transaction
  (``transfer_create``, reference ``withdrawal:<id>``); payments sends it after commit.
- **The end**: ``transfer_result_listener`` (registered on ``transfer_result_register``) hears each
  transfer's final state once, in payments' transaction: 已到账 → the withdrawal is paid; 转账失败
  or 已撤销 → it failed or was cancelled and the reversal entry gives the amount back.
- **Waiting for the payee** (``WAIT_USER_CONFIRM``): WeChat asks the promoter to confirm receipt;
  the 推广中心 and the API give the client ``transfer_confirm_params`` (only to that promoter).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ApplicationError
from distribution.models import Withdrawal
from payments import transfers
from payments.models import Transfer
from shop.models import Shop

REFERENCE_PREFIX = "withdrawal:"
SCENES = {"h5": ("jsapi", "miniprogram"), "miniprogram": ("miniprogram", "jsapi")}


@dataclass(frozen=True)
class Payee:
    appid: str
    openid: str


def promoter_payee(*, shop: Shop, user: User, client: str = "h5") -> Payee | None:
    """Where a transfer to ``user`` from this shop goes (None: WeChat does not know them here)."""
    for scene in SCENES.get(client, SCENES["h5"]):
        try:
            found = transfers.transfer_payee(shop=shop, user=user, scene=scene)
        except ApplicationError:
            continue
        return Payee(appid=found.appid, openid=found.openid)
    return None


def transfer_start(*, shop: Shop, withdrawal: Withdrawal, actor: User | None) -> Transfer:
    """Create the transfer paying ``withdrawal`` (in the caller's transaction; sent after commit)."""
    return transfers.transfer_create(
        shop=shop, openid=withdrawal.openid, appid=withdrawal.appid or None, amount_fen=withdrawal.amount_fen,
        remark=_("推广佣金提现"), reference=f"{REFERENCE_PREFIX}{withdrawal.pk}", actor=actor,
    )  # fmt: skip


def withdrawal_id_of(reference: str) -> int | None:
    if not reference.startswith(REFERENCE_PREFIX):
        return None
    rest = reference.removeprefix(REFERENCE_PREFIX)
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) <= 18 else None


def transfer_result_listener(*, transfer: Transfer) -> None:
    """payments' transfer-result port: a transfer of one of our withdrawals reached its end."""
    from distribution import services

    withdrawal_id = withdrawal_id_of(transfer.reference)
    if withdrawal_id is None:
        return  # not ours
    if transfer.state == Transfer.State.SUCCEEDED:
        services.withdrawal_transfer_result(transfer=transfer, withdrawal_id=withdrawal_id, outcome="paid")
    elif transfer.state == Transfer.State.CANCELLED:
        services.withdrawal_transfer_result(
            transfer=transfer, withdrawal_id=withdrawal_id, outcome="cancelled"
        )
    else:
        services.withdrawal_transfer_result(transfer=transfer, withdrawal_id=withdrawal_id, outcome="failed")


def confirm_params(*, withdrawal: Withdrawal) -> dict[str, str] | None:
    """What the promoter's client passes to ``requestMerchantTransfer`` while WeChat waits for them
    to confirm receipt (None otherwise). Only ever shown to the withdrawal's own promoter."""
    transfer = withdrawal.transfer
    if transfer is None or transfer.state != Transfer.State.WAITING or not transfer.package_info:
        return None
    try:
        return transfers.transfer_confirm_params(transfer=transfer).for_client()
    except ApplicationError:
        return None


def transfer_check(*, withdrawal: Withdrawal) -> None:
    """Ask WeChat about the withdrawal's transfer now (the promoter is back from confirming).
    A network call: never with a row locked."""
    if withdrawal.transfer is not None and not withdrawal.transfer.is_final:
        transfers.transfer_query(transfer=withdrawal.transfer)
