"""distribution's part of a shopper's privacy (accounts' privacy port, docs/privacy.md).

- **Export**: as a promoter of the shop, their account (status, balances), ledger and withdrawals;
  as a customer, the promoter they are bound to (masked) and when.
- **Blocker**, for each promoter account of theirs, in any shop: a withdrawal still under way (待审核
  or 转账中), commission still pending (it becomes withdrawable when its after-sales window
  closes), or a withdrawable balance of at least the shop's minimum withdrawal: deletion would
  forfeit money that is theirs. A balance below the minimum cannot be withdrawn and does not block
  (the confirmation page says it lapses).
- **Eraser**: promoter accounts, bindings, commissions and the ledger are the merchant's accounts
  and stay (they never change: the ledger only grows), anonymised: they name the person only
  through the user row accounts scrubs. A promoter account stops (已停用, or 未通过 if it was still
  waiting), so their old links earn nobody anything; the WeChat openid each withdrawal was paid to
  (and its 商家转账's openid and payee name) is emptied. The promoters' rows are locked and the
  blocker asked again first, so a settlement that just made money withdrawable refuses deletion.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.privacy import local_time
from core.errors import ApplicationError
from core.masking import mask_name
from core.money import format_yuan
from distribution import locks
from distribution.models import Binding, LedgerEntry, Promoter, Withdrawal
from distribution.services import min_withdraw_fen, promoter_balances
from payments.models import Transfer
from shop.models import Shop

P = Promoter.Status


def distribution_export(user: User, shop: Shop) -> dict[str, Any]:
    data: dict[str, Any] = {_("推广员账户"): None, _("我的推广员"): None}
    promoter = Promoter.objects.filter(user=user, shop=shop).first()
    if promoter is not None:
        balances = promoter_balances(promoter=promoter)
        data[_("推广员账户")] = {
            _("状态"): promoter.get_status_display(),
            _("申请时间"): local_time(promoter.applied_at),
            _("通过时间"): local_time(promoter.approved_at),
            _("待结算"): format_yuan(balances.pending_fen),
            _("可提现"): format_yuan(balances.balance_fen),
            _("提现中"): format_yuan(balances.withdrawing_fen),
            _("已提现"): format_yuan(balances.withdrawn_fen),
            _("佣金流水"): [
                {
                    _("时间"): local_time(e.created_at),
                    _("类型"): e.get_kind_display(),
                    _("账户"): e.get_bucket_display(),
                    _("金额"): format_yuan(e.amount_fen),
                    _("说明"): e.note,
                }
                for e in LedgerEntry.objects.filter(promoter=promoter).order_by("created_at", "pk")
            ],
            _("提现"): [
                {
                    _("申请时间"): local_time(w.created_at),
                    _("金额"): format_yuan(w.amount_fen),
                    _("状态"): w.get_status_display(),
                    _("收款微信 OpenID"): w.openid,
                    _("完成时间"): local_time(w.finished_at),
                }
                for w in Withdrawal.objects.filter(promoter=promoter).order_by("created_at", "pk")
            ],
        }
    binding = Binding.objects.filter(customer=user, shop=shop).select_related("promoter__user").first()
    if binding is not None:
        data[_("我的推广员")] = {
            _("推广员"): mask_name(binding.promoter.user.display_name),
            _("推荐访问时间"): local_time(binding.touched_at),
            _("绑定订单"): binding.order_no,
        }
    return data


def distribution_block(user: User) -> str | None:
    reasons = []
    for promoter in Promoter.objects.filter(user=user).select_related("shop").order_by("pk"):
        shop = promoter.shop
        if Withdrawal.objects.filter(promoter=promoter, status__in=Withdrawal.OPEN).exists():
            reasons.append(_("%(shop)s 有一笔提现还在处理中，到账或撤销后才能注销。") % {"shop": shop.name})
            continue
        balances = promoter_balances(promoter=promoter)
        if balances.pending_fen > 0:
            reasons.append(
                _("%(shop)s 还有 %(amount)s 推广佣金待结算，结算并提现后才能注销。")
                % {"shop": shop.name, "amount": format_yuan(balances.pending_fen)}
            )
        elif balances.balance_fen >= min_withdraw_fen(shop=shop) and balances.balance_fen > 0:
            reasons.append(
                _("%(shop)s 还有 %(amount)s 推广佣金可以提现，请先提现再注销。")
                % {"shop": shop.name, "amount": format_yuan(balances.balance_fen)}
            )
    return "；".join(reasons) or None


def distribution_erase(user: User) -> None:
    pks = list(Promoter.objects.filter(user=user).values_list("pk", flat=True))
    promoters = locks.promoters_lock(pks=pks)
    if promoters and (reason := distribution_block(user)):
        raise ApplicationError(
            "account_erase_blocked",
            _("暂时不能注销：%(reason)s") % {"reason": reason},
            fields={"blockers": [reason]},
            http_status=409,
        )
    note = _("账号已注销")
    for promoter in promoters:
        if promoter.status == P.PENDING:
            promoter.status = P.REJECTED
        elif promoter.status == P.APPROVED:
            promoter.status = P.DISABLED
        promoter.note = note
        promoter.save(update_fields=["status", "note", "updated_at"])
    withdrawals = Withdrawal.objects.filter(promoter__user=user)
    Transfer.objects.filter(pk__in=withdrawals.exclude(transfer=None).values("transfer_id")).update(
        openid="", user_name=""
    )
    withdrawals.update(openid="", appid="")


def privacy_ready() -> None:
    from accounts.ports import privacy_register

    privacy_register(
        "distribution",
        section=gettext_lazy("分销"),
        export=distribution_export,
        erase=distribution_erase,
        block=distribution_block,
    )
