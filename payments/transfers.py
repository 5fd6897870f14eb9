"""商家转账: paying money from the merchant's WeChat Pay account to a person's WeChat balance (a
promoter's withdrawal), through WeChat Pay's transfer-bills API. The caller (distribution) never
sees WeChat: it creates a transfer with ``transfer_create`` inside its own transaction, shows the
payee what ``transfer_confirm_params`` gives while WeChat waits for them to confirm, and learns the
end through the transfer-result port (``payments.ports.transfer_result_register``).

How a transfer moves (``Transfer.State``, table in ``payments/state.py``)::

    待发起 created ──send──> 已受理 accepted ─> 待用户确认收款 waiting ─(user confirms)─> 转账中 transfering
        │                       │                  │                                   │
        │                       └──────────────────┴──cancel──> 撤销中 canceling ──> 已撤销 cancelled
        └─(WeChat refused, and a query shows it has no such bill)─> 转账失败 failed   已到账 succeeded <┘

Rules that keep money from moving twice or being lost:

- Sending is a network call made after the caller's commit, with no row locked. Its answer, the
  notification (``MCHTRANSFER.BILL.FINISHED``) and our query all go through
  ``transfer_apply_result``, which locks the row and takes only forward moves: a late or repeated
  answer changes nothing, and the final state and the result listeners happen exactly once.
- An answer we cannot believe (timeout, no connection, a 5xx, a bad signature) is not a failure:
  WeChat may have the bill. The transfer stays 待发起 and ``transfers_sync`` **queries before it
  sends again**, always under the same ``out_bill_no`` (WeChat keeps it unique, so a repeat can
  never pay twice). A refusal (4xx) is also followed by a query; only when WeChat says it has no
  such bill is the transfer failed (nothing was paid), or, for a passing refusal (balance too low,
  too frequent, system busy), left to be sent again by the job until ``GIVE_UP_HOURS``.
- A new ``out_bill_no`` is never made for a transfer: a caller that wants to pay again after a
  failure creates a new transfer (a new ``reference``) only once this one is final.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import ApplicationError
from payments.models import Transfer, TransferEvent, WeChatPayConfig
from payments.ports import payer_openid, transfer_result_publish
from payments.providers import ProviderError
from payments.state import transfer_created, transfer_move

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

    from accounts.models import User
    from payments.wechat.notify import NotificationRejected
    from shop.models import Shop

logger = logging.getLogger(__name__)
T = Transfer.State
A = TransferEvent.Actor

MIN_FEN = 10  # WeChat's smallest transfer: ¥0.10
USER_NAME_FROM_FEN = 200_000  # from ¥2,000 WeChat requires the payee's real name
REMARK_MAX = 32  # ``transfer_remark``, shown to the payee
GIVE_UP_HOURS = 24  # a transfer WeChat still has no bill of after this long is failed
SYNC_AFTER = timedelta(minutes=1)  # ask WeChat about a transfer quiet for this long…
SYNC_WAITING_AFTER = timedelta(minutes=30)  # …or this long while the payee has to confirm

#: WeChat's transfer states -> ours
STATES: dict[str, str] = {
    "ACCEPTED": T.ACCEPTED,
    "PROCESSING": T.ACCEPTED,
    "WAIT_USER_CONFIRM": T.WAITING,
    "TRANSFERING": T.TRANSFERING,
    "SUCCESS": T.SUCCEEDED,
    "FAIL": T.FAILED,
    "CANCELING": T.CANCELING,
    "CANCELLED": T.CANCELLED,
}
#: refusals that pass: the same bill is sent again later (after a query shows WeChat has none)
PASSING_REFUSALS = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH"}
REFUSALS: dict[str, StrPromise] = {
    "NOT_ENOUGH": gettext_lazy("商户运营账户余额不足，请在微信支付商户平台充值。"),
    "NO_AUTH": gettext_lazy("商户号未开通商家转账或没有该转账场景的权限。"),
    "PARAM_ERROR": gettext_lazy("转账参数有误。"),
    "INVALID_REQUEST": gettext_lazy("微信支付拒绝了这笔转账。"),
    "FREQUENCY_LIMITED": gettext_lazy("转账请求过于频繁，稍后自动重试。"),
    "SYSTEM_ERROR": gettext_lazy("微信支付系统繁忙，稍后自动重试。"),
}
#: ``fail_reason`` codes of a transfer that failed at WeChat
FAIL_REASONS: dict[str, StrPromise] = {
    "ACCOUNT_FROZEN": gettext_lazy("收款用户账户已冻结"),
    "ACCOUNT_NOT_EXIST": gettext_lazy("收款用户微信账户不存在"),
    "REAL_NAME_CHECK_FAIL": gettext_lazy("收款用户未实名认证"),
    "NAME_NOT_CORRECT": gettext_lazy("收款用户姓名校验失败"),
    "OPENID_INVALID": gettext_lazy("收款用户 OpenID 无效"),
    "TRANSFER_QUOTA_EXCEED": gettext_lazy("超过收款用户单笔收款额度"),
    "DAY_RECEIVED_QUOTA_EXCEED": gettext_lazy("超过收款用户单日收款额度"),
    "DAY_RECEIVED_COUNT_EXCEED": gettext_lazy("超过收款用户单日收款次数"),
    "PAYEE_ACCOUNT_ABNORMAL": gettext_lazy("收款用户账户收款受限"),
    "PAYER_ACCOUNT_ABNORMAL": gettext_lazy("商户账户付款受限"),
    "TRANSFER_RISK": gettext_lazy("该笔转账可能存在风险，已被微信拦截"),
    "PRODUCT_AUTH_CHECK_FAIL": gettext_lazy("商户号未开通商家转账"),
    "OVERDUE_CLOSE": gettext_lazy("超过系统重试期，已自动关闭"),
}


# ---------------------------------------------------------------- creating and sending


def transfer_create(
    *,
    shop: Shop,
    openid: str,
    amount_fen: int,
    remark: str,
    reference: str,
    appid: str | None = None,
    user_name: str = "",
    actor: User | None = None,
) -> Transfer:
    """Create a transfer of ``amount_fen`` to ``openid`` (under ``appid``: the shop's official
    account by default, or its mini-program's; ``transfer_payee`` finds both for a user) and send
    it to WeChat after the caller's transaction commits, with no row locked. Call it inside the
    transaction that records why the money is paid (a withdrawal's approval), so that both exist or
    neither. ``remark`` (at most 32 characters) is shown to the payee; ``user_name`` (the payee's
    real name) is required from ¥2,000. ``reference`` is the caller's name for what it pays
    (``withdrawal:12``): creating again with the same reference returns the same transfer (and
    sends nothing twice); with other details it is refused (``transfer_reference_conflict``)."""
    config = WeChatPayConfig.objects.filter(shop=shop).first()
    if config is None:
        raise ApplicationError("payment_not_configured", _("店铺尚未开通微信支付。"), http_status=409)
    if not config.transfer_scene_id:
        raise ApplicationError(
            "transfer_not_configured",
            _("店铺尚未设置商家转账场景 ID（微信支付配置），暂时不能向推广员转账。"),
            http_status=409,
        )
    appid = appid or config.appid
    remark = remark.strip()
    problems = {
        "amount_fen": _("转账金额最少 0.10 元。")
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < MIN_FEN
        else "",
        "remark": _("转账备注须为 1 到 32 个字。") if not 0 < len(remark) <= REMARK_MAX else "",
        "openid": _("没有收款用户的 OpenID。") if not 0 < len(openid) <= 64 else "",
        "appid": _("AppID 不是本店的公众号或小程序。") if appid not in config.appids() else "",
        "reference": _("业务单据最长 64 个字符。") if len(reference) > 64 else "",
        "user_name": _("单笔 2000 元及以上的转账须填写收款用户的真实姓名。")
        if isinstance(amount_fen, int) and amount_fen >= USER_NAME_FROM_FEN and not user_name.strip()
        else "",
    }
    fields = {name: message for name, message in problems.items() if message}
    if fields:
        raise ApplicationError("transfer_invalid", next(iter(fields.values())), fields=fields)
    details = {"appid": appid, "openid": openid, "amount_fen": amount_fen, "remark": remark}
    if reference and (existing := Transfer.objects.filter(shop=shop, reference=reference).first()):
        return _same_transfer(existing, details)
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                shop=shop, reference=reference, user_name=user_name.strip(), scene_id=config.transfer_scene_id,
                **details,
            )  # fmt: skip
            transfer_created(
                transfer=transfer,
                actor_kind=A.MERCHANT if actor else A.SYSTEM,
                actor=actor,
                message=reference,
            )
    except IntegrityError:  # the same reference at the same moment: the other one won
        return _same_transfer(Transfer.objects.get(shop=shop, reference=reference), details)
    pk = transfer.pk
    transaction.on_commit(lambda: _send_after_commit(pk), robust=True)
    return transfer


def _same_transfer(existing: Transfer, details: dict[str, Any]) -> Transfer:
    if any(getattr(existing, name) != value for name, value in details.items()):
        raise ApplicationError(
            "transfer_reference_conflict",
            _("该业务单据已有一笔金额或收款人不同的转账。"),
            http_status=409,
        )
    return existing


def _send_after_commit(pk: int) -> None:
    transfer = Transfer.objects.filter(pk=pk).first()
    if transfer is not None:
        transfer_send(transfer=transfer)


def transfer_send(*, transfer: Transfer) -> Transfer:
    """Send a 待发起 transfer to WeChat (with no row locked: it is a network call) and record the
    answer; any other state: nothing to do. Safe to call twice or from two processes at once: the
    same ``out_bill_no`` is one bill at WeChat, and its answers are recorded once."""
    from payments.wechat import provider

    transfer.refresh_from_db()
    if transfer.state != T.CREATED:
        return transfer
    config = WeChatPayConfig.objects.get(shop_id=transfer.shop_id)
    now = timezone.now()
    Transfer.objects.filter(pk=transfer.pk).update(
        send_count=F("send_count") + 1, sent_at=now, checked_at=now, updated_at=now
    )
    try:
        answer = provider.transfer_bill_create(
            config=config, transfer=transfer, notify_url=provider.notify_url_for(transfer.shop)
        )
    except provider.WeChatPayError as exc:
        return _after_refusal(transfer, config, exc)
    except (ProviderError, OSError, ValueError) as exc:  # unknown: WeChat may have the bill
        return _note_error(transfer, _("微信支付未给出可信应答，将先查询再决定是否重发：%(e)s") % {"e": exc})
    return _record(transfer, config, answer)


def _after_refusal(transfer: Transfer, config: WeChatPayConfig, refusal: Exception) -> Transfer:
    """WeChat refused the request. Whether the bill exists is still only known by asking: the
    refusal may answer a repeat of a request that did create it (query before deciding)."""
    from payments.wechat import provider

    code = getattr(refusal, "code", "")
    words = str(REFUSALS.get(code) or _("微信支付拒绝了这笔转账（%(code)s）。") % {"code": code or "?"})
    try:
        answer = provider.transfer_bill_query(config=config, out_bill_no=transfer.out_bill_no)
    except provider.WeChatPayError as exc:
        if exc.code != "NOT_FOUND":
            return _note_error(transfer, f"{words} {refusal}")
        if code in PASSING_REFUSALS and not _too_old(transfer):
            return _note_error(transfer, f"{words} {refusal}")
        return _fail_unsent(transfer, code=code or "REFUSED", reason=words, detail=str(refusal))
    except (ProviderError, OSError, ValueError):
        return _note_error(transfer, f"{words} {refusal}")
    return _record(transfer, config, answer)


def _too_old(transfer: Transfer) -> bool:
    return transfer.created_at <= timezone.now() - timedelta(hours=GIVE_UP_HOURS)


def _note_error(transfer: Transfer, message: str) -> Transfer:
    logger.warning("transfer %s: %s", transfer.out_bill_no, message)
    Transfer.objects.filter(pk=transfer.pk).update(last_error=message[:255], updated_at=timezone.now())
    transfer.refresh_from_db()
    return transfer


def _fail_unsent(transfer: Transfer, *, code: str, reason: str, detail: str) -> Transfer:
    """WeChat has no bill of this transfer and will not take it: fail it (nothing was paid)."""
    with transaction.atomic():
        moved = transfer_move(
            transfer_id=transfer.pk, to=T.FAILED, actor_kind=A.PROVIDER, message=reason,
            data={"refusal": detail[:255]},
            fields={"fail_code": code[:64], "fail_reason": reason[:255], "last_error": detail[:255]},
        )  # fmt: skip
        if moved is not None:
            transfer_result_publish(transfer=moved)
    transfer.refresh_from_db()
    return transfer


def _record(transfer: Transfer, config: WeChatPayConfig, answer: dict[str, Any]) -> Transfer:
    """Apply an answer of ours (create, query, cancel): one that does not match is logged, never
    believed."""
    from payments.wechat.notify import NotificationRejected

    try:
        transfer_apply_result(shop=transfer.shop, config=config, resource=answer)
    except NotificationRejected as exc:
        logger.error("transfer %s: WeChat's answer does not match: %s", transfer.out_bill_no, exc.message)
        _note_error(transfer, _("微信支付的应答与转账单不符：%(m)s") % {"m": exc.message})
    transfer.refresh_from_db()
    return transfer


# ---------------------------------------------------------------- results


def _reject(code: str, message: str, status: int = 400) -> NotificationRejected:
    from payments.wechat.notify import NotificationRejected

    return NotificationRejected(code, message, status)


def transfer_apply_result(*, shop: Shop, config: WeChatPayConfig, resource: dict[str, Any]) -> str:
    """A transfer bill's state from WeChat — a notification's decrypted resource, our query's or
    create's or cancel's answer: check it against our transfer and record it. Returns what
    happened (``succeeded``, ``waiting``, …, ``unchanged`` when the transfer is already there or
    further on); raises ``NotificationRejected`` if it does not match (another merchant, amount,
    payee) or names no transfer of ours. The row lock makes concurrent answers (a notification
    twice, a notification racing a query) record the final state once and call the result
    listeners once."""
    mchid = resource.get("mchid") or resource.get("mch_id")
    if mchid is not None and mchid != config.mchid:
        raise _reject("mchid_mismatch", "mchid does not match this shop's merchant account")
    state = str(resource.get("state", ""))
    if state not in STATES:
        raise _reject("state_unexpected", f"unexpected transfer state {state!r}")
    found = (
        Transfer.objects.filter(shop=shop, out_bill_no=str(resource.get("out_bill_no", "")))
        .values_list("pk", flat=True)
        .first()
    )
    if found is None:
        raise _reject("transfer_unknown", "no transfer with this out_bill_no", 404)
    to = STATES[state]
    fields: dict[str, Any] = {"wechat_state": state, "checked_at": timezone.now(), "last_error": ""}
    if resource.get("transfer_bill_no"):
        fields["transfer_bill_no"] = str(resource["transfer_bill_no"])[:64]
    if to == T.WAITING and resource.get("package_info"):
        fields["package_info"] = str(resource["package_info"])
    message = ""
    if to == T.FAILED:
        code = str(resource.get("fail_reason") or "FAIL")
        message = str(FAIL_REASONS.get(code) or _("转账失败（%(code)s）") % {"code": code})
        fields.update(fail_code=code[:64], fail_reason=message[:255])
    with transaction.atomic():
        from payments.locks import transfer_lock

        transfer = transfer_lock(pk=found)
        if resource.get("transfer_amount") not in (None, transfer.amount_fen):
            raise _reject("amount_mismatch", "transfer_amount does not match the transfer")
        if resource.get("openid") not in (None, transfer.openid):
            raise _reject("openid_mismatch", "openid does not match the transfer")
        if resource.get("appid") not in (None, transfer.appid):
            raise _reject("appid_mismatch", "appid does not match the transfer")
        moved = transfer_move(
            transfer_id=transfer.pk, to=to, actor_kind=A.PROVIDER, message=message, fields=fields,
            data={"state": state},
        )  # fmt: skip
        if moved is None:
            return _unmoved(transfer, to=to, state=state, fields=fields)
        if moved.is_final:
            transfer_result_publish(transfer=moved)
    return str(to)


def _unmoved(transfer: Transfer, *, to: str, state: str, fields: dict[str, Any]) -> str:
    """An answer that moves nothing (the transfer is there already, or further on). It may still
    carry what the first answer lacked (the ``package_info`` of a bill we learnt of by a query);
    one that contradicts a final state is for a person to look at."""
    if transfer.is_final and to in Transfer.FINAL_STATES and to != transfer.state:
        logger.error(
            "transfer %s is %s here but WeChat says %s: check it in the merchant console",
            transfer.out_bill_no, transfer.state, state,
        )  # fmt: skip
        words = _("微信支付报告的状态（%(s)s）与本地记录不符，请在商户平台核对。") % {"s": state}
        Transfer.objects.filter(pk=transfer.pk).update(last_error=words[:255])
        return "contradicts_final"
    fill = {
        name: value
        for name, value in fields.items()
        if name in ("transfer_bill_no", "package_info", "checked_at", "last_error")
        and (name in ("checked_at", "last_error") or not getattr(transfer, name))
    }  # fmt: skip
    if transfer.state == to and fill:
        Transfer.objects.filter(pk=transfer.pk).update(**fill)
    return "unchanged"


# ---------------------------------------------------------------- asking WeChat


def transfer_query(*, transfer: Transfer) -> Transfer:
    """Ask WeChat about a transfer now and record its answer (the payee is back from confirming:
    their client's "ok" is not proof). A 待发起 transfer WeChat has no bill of is sent (the
    query-before-retry rule); one it has is recorded as WeChat sees it."""
    from payments.wechat import provider

    transfer.refresh_from_db()
    if transfer.is_final:
        return transfer
    config = WeChatPayConfig.objects.get(shop_id=transfer.shop_id)
    Transfer.objects.filter(pk=transfer.pk).update(checked_at=timezone.now())
    try:
        answer = provider.transfer_bill_query(config=config, out_bill_no=transfer.out_bill_no)
    except provider.WeChatPayError as exc:
        if exc.code != "NOT_FOUND":
            return _note_error(transfer, _("查询转账失败：%(e)s") % {"e": exc})
        if transfer.state == T.CREATED:
            if _too_old(transfer):
                reason = transfer.last_error or _("长时间未能向微信支付发起。")
                return _fail_unsent(transfer, code="NOT_SENT", reason=reason, detail=str(exc))
            return transfer_send(transfer=transfer)
        logger.error("transfer %s (%s) is unknown to WeChat", transfer.out_bill_no, transfer.state)
        return _note_error(transfer, _("微信支付查不到这笔已受理的转账，请在商户平台核对。"))
    except (ProviderError, OSError, ValueError) as exc:
        return _note_error(transfer, _("查询转账失败：%(e)s") % {"e": exc})
    transfer = _record(transfer, config, answer)
    if transfer.state == T.WAITING and not transfer.package_info:
        transfer = _fetch_package(transfer, config)
    return transfer


def _fetch_package(transfer: Transfer, config: WeChatPayConfig) -> Transfer:
    """A bill we learnt of by a query (the create answer was lost) lacks the ``package_info`` its
    payee needs, which only the create answer carries: ask again with the same ``out_bill_no``
    and details, which WeChat answers with the same bill (never a second one)."""
    from payments.wechat import provider

    try:
        answer = provider.transfer_bill_create(
            config=config, transfer=transfer, notify_url=provider.notify_url_for(transfer.shop)
        )
    except (ProviderError, OSError, ValueError) as exc:
        return _note_error(transfer, _("未能取得确认收款参数：%(e)s") % {"e": exc})
    return _record(transfer, config, answer)


def transfers_sync(*, limit: int = 200) -> int:
    """The periodic job: every transfer that is not final and has been quiet for a while (a lost
    notification, an answer we could not believe, a process that died before sending, a payee who
    has not confirmed yet) is queried, and a 待发起 one WeChat has no bill of is sent (again) under
    its own ``out_bill_no``. Returns how many reached a final state."""
    now = timezone.now()
    quiet = Q(checked_at__isnull=True) | Q(checked_at__lte=now - SYNC_AFTER)
    waiting_quiet = Q(checked_at__isnull=True) | Q(checked_at__lte=now - SYNC_WAITING_AFTER)
    due = (
        Transfer.objects.exclude(state__in=Transfer.FINAL_STATES)
        .filter((~Q(state=T.WAITING) & quiet & Q(created_at__lte=now - SYNC_AFTER)) | (Q(state=T.WAITING) & waiting_quiet))
        .select_related("shop")
        .order_by("checked_at", "pk")[:limit]
    )  # fmt: skip
    finished = 0
    for transfer in due:
        try:
            finished += transfer_query(transfer=transfer).is_final
        except Exception:  # one transfer must not stop the others
            logger.exception("transfer sync failed for %s", transfer.out_bill_no)
    return finished


# ---------------------------------------------------------------- cancelling


def transfer_cancel(*, transfer: Transfer, actor: User | None = None) -> Transfer:
    """Cancel a transfer the payee has not confirmed yet (撤销转账). WeChat answers 撤销中 and then
    reports 已撤销 (its notification or our query), which calls the result listeners. A transfer
    WeChat has not accepted yet cannot be cancelled (``transfer_not_cancellable``: it is first
    queried by the job); one the payee confirmed meanwhile is recorded as WeChat reports it, and
    the cancel is refused."""
    from payments.wechat import provider

    transfer.refresh_from_db()
    if transfer.state not in (T.ACCEPTED, T.WAITING):
        raise ApplicationError(
            "transfer_not_cancellable",
            _("这笔转账当前为“%(s)s”，只有微信支付已受理、收款用户尚未确认的转账可以撤销。")
            % {"s": transfer.get_state_display()},
            http_status=409,
        )
    config = WeChatPayConfig.objects.get(shop_id=transfer.shop_id)
    try:
        answer = provider.transfer_bill_cancel(config=config, out_bill_no=transfer.out_bill_no)
    except provider.WeChatPayError as exc:
        transfer = transfer_query(transfer=transfer)  # the payee may have just confirmed
        raise ApplicationError(
            "transfer_cancel_refused",
            _("微信支付未接受撤销，这笔转账当前为“%(s)s”。") % {"s": transfer.get_state_display()},
            http_status=409,
        ) from exc
    except (ProviderError, OSError, ValueError) as exc:
        raise ApplicationError(
            "payment_provider_unavailable", _("微信支付暂时不可用，请稍后再试。"), http_status=503
        ) from exc
    with transaction.atomic():
        TransferEvent.objects.create(
            shop_id=transfer.shop_id, transfer=transfer, actor_kind=A.MERCHANT if actor else A.SYSTEM, actor=actor,
            from_state=transfer.state, to_state=transfer.state, message=_("申请撤销转账"),
        )  # fmt: skip
    return _record(transfer, config, answer)


# ---------------------------------------------------------------- the payee's confirmation


@dataclass(frozen=True)
class TransferConfirmation:
    """What the payee's client needs to confirm receipt (用户确认收款): mini-program
    ``wx.requestMerchantTransfer({mchId, appId, package, success, fail})``, H5 inside WeChat
    ``WeixinJSBridge.invoke('requestMerchantTransfer', {mchId, appId, package}, callback)``. The
    client's "ok" proves nothing: call ``transfer_query`` afterwards."""

    mch_id: str
    app_id: str
    package: str

    def for_client(self) -> dict[str, str]:
        """The parameters, named as the WeChat client APIs name them."""
        return {"mchId": self.mch_id, "appId": self.app_id, "package": self.package}


def transfer_confirm_params(*, transfer: Transfer) -> TransferConfirmation:
    """The confirmation parameters of a transfer waiting for its payee (``transfer_not_waiting``
    otherwise). Only the payee may be shown them: the caller checks who asks. (If WeChat's first
    answer was lost, they are fetched from WeChat first: a network call, with no row locked.)"""
    transfer.refresh_from_db()
    if transfer.state == T.WAITING and not transfer.package_info:
        transfer = _fetch_package(transfer, WeChatPayConfig.objects.get(shop_id=transfer.shop_id))
    if transfer.state != T.WAITING or not transfer.package_info:
        raise ApplicationError(
            "transfer_not_waiting",
            _("这笔转账当前为“%(s)s”，无需确认收款。") % {"s": transfer.get_state_display()},
            http_status=409,
        )
    config = WeChatPayConfig.objects.get(shop_id=transfer.shop_id)
    return TransferConfirmation(mch_id=config.mchid, app_id=transfer.appid, package=transfer.package_info)


@dataclass(frozen=True)
class Payee:
    appid: str
    openid: str


def transfer_payee(*, shop: Shop, user: User, scene: str = "miniprogram") -> Payee:
    """Who a transfer to ``user`` goes to, as WeChat knows them: their openid under the
    mini-program's appid (``scene="miniprogram"``, when the shop has one) or the official
    account's (``"jsapi"``), from the payer-identity port (the user's WeChat login).
    ``transfer_payee_unknown`` when WeChat does not know them there."""
    config = WeChatPayConfig.objects.filter(shop=shop).first()
    openid = payer_openid(user=user, config=config, scene=scene)
    if config is None or not openid:
        raise ApplicationError(
            "transfer_payee_unknown",
            _("还不知道你的微信身份：请先在微信中登录本店，再申请提现。"),
            http_status=409,
        )
    return Payee(appid=config.appid_for(scene), openid=openid)
