"""The simulator's 商家转账 (transfer bills, 用户确认模式), at WeChat Pay's own paths:

- ``POST /v3/fund-app/mch-transfer/transfer-bills``: checks the request's signature (as for
  payments), the fields (appid of the merchant, ``out_bill_no`` of 1–32 letters and digits, a
  scene the merchant holds, the scene's report infos, ``transfer_amount`` from ¥0.10, the payee's
  real name from ¥2,000 — encrypted with the platform key, ``transfer_remark`` of 1–32
  characters), and at most ¥20,000 a day to one payee. A new bill waits for its payee
  (``WAIT_USER_CONFIRM`` with a ``package_info``); the same ``out_bill_no`` again gets the same
  bill's answer (other details: ``INVALID_REQUEST``), never a second bill.
- ``GET …/out-bill-no/{no}`` (``NOT_FOUND`` when unknown), ``POST …/out-bill-no/{no}/cancel``
  (before the payee confirmed: ``CANCELING``, then ``CANCELLED`` and its notification).
- the payee's side: ``/wechatpay-sim/transfer/?package=…`` is what ``wx.requestMerchantTransfer``
  / ``requestMerchantTransfer`` open (bridge.js); 确认收款 moves the bill to ``SUCCESS`` (or
  ``FAIL`` when a test asked for it) and POSTs the signed, encrypted
  ``MCHTRANSFER.BILL.FINISHED`` notification to the bill's ``notify_url``.
- a bill its payee never confirms is cancelled after ``CONFIRM_HOURS`` (checked when it is read).

Tests reach WeChat's side through tests/devtools/hooks.py (``SimulatorSwitch`` rows): the next
bill fails, the next request is refused, the operating account's balance.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
from datetime import timedelta
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.hashes import SHA1
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts.auth import safe_next
from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim.models import SimulatedTransfer, SimulatorSwitch
from devtools.wechatpay_sim.views import _authenticate, _error, _signed
from payments.models import WeChatPayConfig
from payments.wechat import crypto

OUT_BILL_NO = re.compile(r"^[0-9A-Za-z]{1,32}$")
MIN_FEN = 10  # ¥0.10
USER_NAME_FROM_FEN = 200_000  # ¥2,000
DAY_LIMIT_PER_PAYEE_FEN = 2_000_000  # ¥20,000 a day to one payee
CONFIRM_HOURS = 24
#: the scenes the simulated merchant accounts hold, with what each must report
SCENES: dict[str, set[str]] = {"1000": {"活动名称", "奖励说明"}, "1005": {"岗位类型", "报酬说明"}}
FINAL = {"SUCCESS", "FAIL", "CANCELLED"}


def _time(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def _bill_json(bill: SimulatedTransfer) -> dict[str, Any]:
    """The query answer (``mch_id``, as WeChat spells it there)."""
    data = {
        "mch_id": bill.mchid, "out_bill_no": bill.out_bill_no, "transfer_bill_no": bill.transfer_bill_no,
        "appid": bill.appid, "state": bill.state, "transfer_amount": bill.amount_fen,
        "transfer_remark": bill.remark, "openid": bill.openid, "create_time": _time(bill.created_at),
        "update_time": _time(bill.updated_at),
    }  # fmt: skip
    if bill.state == "FAIL":
        data["fail_reason"] = bill.fail_reason
    return data


def _create_answer(bill: SimulatedTransfer) -> dict[str, Any]:
    data = {
        "out_bill_no": bill.out_bill_no, "transfer_bill_no": bill.transfer_bill_no,
        "create_time": _time(bill.created_at), "state": bill.state,
    }  # fmt: skip
    if bill.state == "WAIT_USER_CONFIRM":
        data["package_info"] = bill.package_info
    if bill.state == "FAIL":
        data["fail_reason"] = bill.fail_reason
    return data


def _switch(mchid: str, kind: str, *, take: bool = False) -> dict[str, Any] | None:
    """A test's switch for this merchant (``take``: a one-shot switch, used up by reading it)."""
    row = SimulatorSwitch.objects.filter(mchid=mchid, kind=kind).first()
    if row is None:
        return None
    if take:
        row.delete()
    return row.data


def _user_name_ok(request: HttpRequest, value: Any) -> bool:
    """The real name must be encrypted with the platform public key (RSA-OAEP, SHA-1) and the
    request must say which key (``Wechatpay-Serial``)."""
    key = simulator.simulator_key()
    if request.headers.get("Wechatpay-Serial") not in (key.public_key_id, key.certificate_serial):
        return False
    try:
        private = crypto.load_private_key(key.private_key_pem)
        name = private.decrypt(
            base64.b64decode(str(value)),
            OAEP(mgf=MGF1(algorithm=SHA1()), algorithm=SHA1(), label=None),  # noqa: S303
        ).decode()
    except (ValueError, TypeError):
        return False
    return bool(name.strip())


def _problems(request: HttpRequest, config: WeChatPayConfig, body: dict[str, Any]) -> list[str]:
    amount = body.get("transfer_amount")
    reported = {
        str(i.get("info_type"))
        for i in body.get("transfer_scene_report_infos") or []
        if i.get("info_content")
    }
    checks = (
        ("appid", body.get("appid") in config.appids()),
        ("out_bill_no", bool(OUT_BILL_NO.match(str(body.get("out_bill_no", ""))))),
        ("openid", 0 < len(str(body.get("openid") or "")) <= 128),
        ("transfer_amount", isinstance(amount, int) and not isinstance(amount, bool) and amount >= MIN_FEN),
        ("transfer_remark", 0 < len(str(body.get("transfer_remark") or "")) <= 32),
        ("notify_url", body.get("notify_url") in (None, "") or str(body["notify_url"]).startswith(("http://", "https://"))),
        ("transfer_scene_report_infos", SCENES.get(str(body.get("transfer_scene_id")), set()) <= reported),
        ("user_name", not (isinstance(amount, int) and amount >= USER_NAME_FROM_FEN) or _user_name_ok(request, body.get("user_name"))),
    )  # fmt: skip
    return [name for name, ok in checks if not ok]


def _same_request(bill: SimulatedTransfer, body: dict[str, Any]) -> bool:
    return (bill.appid, bill.openid, bill.amount_fen, bill.scene_id, bill.remark) == (
        body.get("appid"), body.get("openid"), body.get("transfer_amount"), str(body.get("transfer_scene_id")),
        body.get("transfer_remark"),
    )  # fmt: skip


@csrf_exempt
def transfer_create(request: HttpRequest) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    try:
        body = json.loads(request.body)
        if not isinstance(body, dict):
            raise TypeError("not an object")
    except (ValueError, TypeError):
        return _error(400, "PARAM_ERROR", "malformed body")
    if refusal := _switch(config.mchid, "transfer_refuse_next", take=True):
        return _error(
            int(refusal.get("status", 500)), str(refusal.get("code", "SYSTEM_ERROR")), "refused by a test"
        )
    if str(body.get("transfer_scene_id")) not in SCENES:
        return _error(400, "INVALID_REQUEST", "你尚未获取该转账场景")
    if problems := _problems(request, config, body):
        return _error(400, "PARAM_ERROR", f"invalid: {', '.join(problems)}")
    out_bill_no = body["out_bill_no"]
    with transaction.atomic():
        bill = (
            SimulatedTransfer.objects.select_for_update()
            .filter(mchid=config.mchid, out_bill_no=out_bill_no)
            .first()
        )
        if bill is None:
            bill, refused = _new_bill(config, body)
            if refused is not None:
                return refused
    if not _same_request(bill, body):
        return _error(400, "INVALID_REQUEST", "商户单号已存在，但请求参数与原单不一致")
    return _signed(200, _create_answer(bill))


def _new_bill(config: WeChatPayConfig, body: dict[str, Any]) -> tuple[SimulatedTransfer, HttpResponse | None]:
    """Make the bill, unless the merchant's balance or the payee's day limit refuses it. Two
    requests of one ``out_bill_no`` at once make one bill (the unique constraint; the loser reads
    the winner's)."""
    amount = body["transfer_amount"]
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    paid_today = (
        SimulatedTransfer.objects.filter(mchid=config.mchid, openid=body["openid"], created_at__gte=today)
        .exclude(state__in=("FAIL", "CANCELLED"))
        .aggregate(total=Sum("amount_fen"))["total"]
        or 0
    )
    if paid_today + amount > DAY_LIMIT_PER_PAYEE_FEN:
        return SimulatedTransfer(), _error(400, "INVALID_REQUEST", "超出单日向该用户转账的额度")
    balance = SimulatorSwitch.objects.select_for_update().filter(mchid=config.mchid, kind="balance").first()
    if balance is not None:
        if int(balance.data.get("fen", 0)) < amount:
            return SimulatedTransfer(), _error(400, "NOT_ENOUGH", "商户运营账户资金不足")
        balance.data = {"fen": int(balance.data["fen"]) - amount}  # frozen for the bill, back if it fails
        balance.save(update_fields=["data"])
    try:
        with transaction.atomic():
            bill = SimulatedTransfer.objects.create(
                mchid=config.mchid, appid=body["appid"], out_bill_no=body["out_bill_no"],
                transfer_bill_no=f"1330{secrets.randbelow(10**36):036d}", scene_id=str(body["transfer_scene_id"]),
                openid=body["openid"], amount_fen=amount, remark=body["transfer_remark"],
                has_user_name=bool(body.get("user_name")), notify_url=body.get("notify_url") or "",
                package_info=base64.b64encode(secrets.token_bytes(48)).decode(),
            )  # fmt: skip
    except IntegrityError:
        bill = SimulatedTransfer.objects.get(mchid=config.mchid, out_bill_no=body["out_bill_no"])
    return bill, None


def _expire(bill: SimulatedTransfer) -> SimulatedTransfer:
    """WeChat cancels a bill its payee did not confirm in time (and says so)."""
    if bill.state == "WAIT_USER_CONFIRM" and bill.created_at <= timezone.now() - timedelta(
        hours=CONFIRM_HOURS
    ):
        return finish(bill, "CANCELLED")
    return bill


@csrf_exempt
def transfer_query(request: HttpRequest, out_bill_no: str) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    bill = SimulatedTransfer.objects.filter(mchid=config.mchid, out_bill_no=out_bill_no).first()
    if bill is None:
        return _error(404, "NOT_FOUND", "记录不存在")
    return _signed(200, _bill_json(_expire(bill)))


@csrf_exempt
def transfer_cancel(request: HttpRequest, out_bill_no: str) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    bill = SimulatedTransfer.objects.filter(mchid=config.mchid, out_bill_no=out_bill_no).first()
    if bill is None:
        return _error(404, "NOT_FOUND", "记录不存在")
    with transaction.atomic():
        bill = SimulatedTransfer.objects.select_for_update().get(pk=bill.pk)
        if bill.state not in ("ACCEPTED", "WAIT_USER_CONFIRM"):
            return _error(400, "INVALID_REQUEST", "当前转账单状态不支持撤销")
        bill.state = "CANCELING"
        bill.save(update_fields=["state", "updated_at"])
    answer = {
        "out_bill_no": bill.out_bill_no, "transfer_bill_no": bill.transfer_bill_no, "state": "CANCELING",
        "update_time": _time(bill.updated_at),
    }  # fmt: skip
    # Like WeChat, the bill is cancelled a moment later and a notification says so (here: at once,
    # before this answer — our side must cope with either order).
    finish(bill, "CANCELLED")
    return _signed(200, answer)


def finish(bill: SimulatedTransfer, state: str, *, fail_reason: str = "") -> SimulatedTransfer:
    """Move a bill to a final state once (money back to the balance if it did not go out) and
    notify the merchant as WeChat does."""
    with transaction.atomic():
        bill = SimulatedTransfer.objects.select_for_update().get(pk=bill.pk)
        if bill.state in FINAL:
            return bill
        bill.state, bill.fail_reason = state, fail_reason
        bill.save(update_fields=["state", "fail_reason", "updated_at"])
        balance = SimulatorSwitch.objects.select_for_update().filter(mchid=bill.mchid, kind="balance").first()
        if balance is not None and state != "SUCCESS":
            balance.data = {"fen": int(balance.data.get("fen", 0)) + bill.amount_fen}
            balance.save(update_fields=["data"])
    deliver_transfer_notification(bill)
    return bill


def notification_resource(bill: SimulatedTransfer) -> dict[str, Any]:
    """The decrypted resource of ``MCHTRANSFER.BILL.FINISHED`` (``mchid``, as WeChat spells it there)."""
    data = {
        "mchid": bill.mchid, "out_bill_no": bill.out_bill_no, "transfer_bill_no": bill.transfer_bill_no,
        "state": bill.state, "transfer_amount": bill.amount_fen, "openid": bill.openid,
        "create_time": _time(bill.created_at), "update_time": _time(bill.updated_at),
    }  # fmt: skip
    if bill.state == "FAIL":
        data["fail_reason"] = bill.fail_reason
    return data


def deliver_transfer_notification(bill: SimulatedTransfer) -> int | None:
    """POST the signed, encrypted notification to the bill's ``notify_url`` (none: nothing sent,
    the merchant must query)."""
    if not bill.notify_url:
        return None
    config = WeChatPayConfig.objects.get(mchid=bill.mchid)
    headers, body = simulator.notification(
        config, notification_resource(bill), event_type="MCHTRANSFER.BILL.FINISHED"
    )
    with contextlib.suppress(requests.RequestException):
        return requests.post(
            bill.notify_url,
            data=body,
            headers={**headers, "Content-Type": "application/json"},
            timeout=(3, 10),
        ).status_code
    return None


def confirm(bill: SimulatedTransfer) -> SimulatedTransfer:
    """The payee confirms receipt: the money moves (``TRANSFERING`` → ``SUCCESS``), or fails when a
    test asked for it (``hooks.fail_next_transfer``)."""
    with transaction.atomic():
        bill = SimulatedTransfer.objects.select_for_update().get(pk=bill.pk)
        if bill.state != "WAIT_USER_CONFIRM":
            return bill
        bill.state = "TRANSFERING"
        bill.save(update_fields=["state", "updated_at"])
    failure = _switch(bill.mchid, "transfer_fail_next", take=True)
    if failure is not None:
        return finish(bill, "FAIL", fail_reason=str(failure.get("fail_reason", "PAYEE_ACCOUNT_ABNORMAL")))
    return finish(bill, "SUCCESS")


def confirm_page(request: HttpRequest) -> HttpResponse:
    """What WeChat shows the payee for ``requestMerchantTransfer``: 确认收款 or not now."""
    bill = SimulatedTransfer.objects.filter(package_info=request.GET.get("package", "")).first()
    if bill is None:
        return render(request, "wechatpay_sim/transfer.html", {"bill": None}, status=404)
    bill = _expire(bill)
    back = safe_next(request, default="", target=request.GET.get("back", ""))
    if request.method == "POST" and request.POST.get("action") == "confirm":
        bill = confirm(bill)
    elif request.method == "POST":  # 暂不收款: the bill keeps waiting
        return redirect(back or reverse("wechatpay-sim-transfer") + "?" + request.GET.urlencode())
    config = WeChatPayConfig.objects.filter(mchid=bill.mchid).select_related("shop").first()
    context = {"bill": bill, "shop": config.shop if config else None, "back": back}
    return render(request, "wechatpay_sim/transfer.html", context)
