"""A local WeChat Pay APIv3 server (``/wechatpay-sim/``), for ``make run`` and the tests.

It checks our requests' ``Authorization`` signatures with the merchant's key, answers prepay,
query, close and refund with signed responses, shows a payment sheet where the demo shopper
confirms or cancels, and then POSTs a signed, encrypted notification to our notify URL — so the
real ``wechatpayv3`` client and our real verification run end to end with no internet.
It is installed and mounted only when ``WECHATPAY_SIMULATOR`` is on (default: with DEBUG; tests turn
it on).
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from typing import Any

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt

from accounts.auth import safe_next
from devtools.wechatpay_sim import keys as simulator
from devtools.wechatpay_sim.models import SimulatedRefund, SimulatedTransaction
from payments.models import PaymentAttempt, WeChatPayConfig
from payments.wechat import crypto

AUTH = re.compile(r'(\w+)="([^"]*)"')
REQUEST_MAX_SKEW_SECONDS = 300
OUT_TRADE_NO = re.compile(r"^[0-9A-Za-z_\-|*]{6,32}$")
PATHS = {"jsapi": "JSAPI", "native": "NATIVE", "h5": "MWEB"}


def _signed(status: int, data: Any | None = None) -> HttpResponse:
    """An API answer signed with the simulator's platform key — or, when a test sets
    ``WECHATPAY_SIMULATOR_FAULT``, one of the ways a real answer goes wrong: ``wrong_key`` (signed
    by a key the shop does not trust, as after a platform key rotation), ``slow`` (after
    ``WECHATPAY_SIMULATOR_DELAY`` seconds, the work already done), ``html`` (a 200 that is not
    JSON), ``bad_gateway`` (a proxy's 502 page)."""
    fault = getattr(settings, "WECHATPAY_SIMULATOR_FAULT", "")
    if fault == "slow":
        time.sleep(float(getattr(settings, "WECHATPAY_SIMULATOR_DELAY", 3)))
    if fault in ("html", "bad_gateway"):
        return HttpResponse(
            "<html><body>upstream</body></html>",
            status=200 if fault == "html" else 502,
            content_type="text/html",
        )
    body = crypto.dumps(data).encode() if data is not None else b""
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    headers = simulator.signed_headers(body)
    if fault == "wrong_key":
        message = crypto.callback_message(headers["Wechatpay-Timestamp"], headers["Wechatpay-Nonce"], body)
        headers["Wechatpay-Signature"] = crypto.sign(crypto.new_private_key(), message.decode())
    for name, value in headers.items():
        response[name] = value
    return response


def _error(status: int, code: str, message: str) -> HttpResponse:
    return _signed(status, {"code": code, "message": message})


def _authenticate(request: HttpRequest) -> WeChatPayConfig | HttpResponse:
    """Check ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,signature=…`` like WeChat does."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("WECHATPAY2-SHA256-RSA2048 "):
        return _error(401, "SIGN_ERROR", "missing or unsupported Authorization")
    fields = dict(AUTH.findall(header))
    config = WeChatPayConfig.objects.filter(mchid=fields.get("mchid", "")).first()
    if config is None or fields.get("serial_no") != config.merchant_serial_no:
        return _error(401, "SIGN_ERROR", "unknown merchant or certificate serial")
    path = request.get_full_path().removeprefix("/wechatpay-sim")
    message = f"{request.method}\n{path}\n{fields.get('timestamp')}\n{fields.get('nonce_str')}\n{request.body.decode()}\n"
    public = crypto.load_private_key(config.merchant_private_key).public_key()
    if not crypto.verify(public, message.encode(), fields.get("signature", "")):
        return _error(401, "SIGN_ERROR", "signature does not verify")
    timestamp = fields.get("timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > REQUEST_MAX_SKEW_SECONDS:
        # WeChat refuses a request signed more than 5 minutes from its clock (a replayed request)
        return _error(401, "SIGN_ERROR", "timestamp is out of the allowed window")
    return config


def _transaction_json(tx: SimulatedTransaction) -> dict[str, Any]:
    data = {
        "appid": tx.appid, "mchid": tx.mchid, "out_trade_no": tx.out_trade_no, "trade_type": tx.trade_type,
        "trade_state": tx.trade_state, "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付", "CLOSED": "已关闭"}.get(tx.trade_state, tx.trade_state),
        "amount": {"total": tx.amount_fen, "currency": "CNY"}, "attach": "",
    }  # fmt: skip
    if tx.trade_state in ("SUCCESS", "REFUND"):
        data.update(
            transaction_id=tx.transaction_id, bank_type="OTHERS", payer={"openid": tx.payer_openid or "o-simulator"},
            success_time=timezone.localtime(tx.success_time).isoformat(timespec="seconds"),
            amount={"total": tx.amount_fen, "payer_total": tx.amount_fen, "currency": "CNY", "payer_currency": "CNY"},
        )  # fmt: skip
    return data


@csrf_exempt
def prepay(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in PATHS:
        return _error(404, "NOT_FOUND", "unknown API")
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    try:
        body = json.loads(request.body)
        total = body["amount"]["total"]
        problems = [
            name for name, ok in (
                ("appid", body.get("appid") in config.appids()), ("mchid", body.get("mchid") == config.mchid),
                ("description", 0 < len(body.get("description", "")) <= 127),
                ("out_trade_no", bool(OUT_TRADE_NO.match(body.get("out_trade_no", "")))),
                ("amount.total", isinstance(total, int) and total > 0),
                ("amount.currency", body["amount"].get("currency", "CNY") == "CNY"),
                ("notify_url", str(body.get("notify_url", "")).startswith(("http://", "https://"))),
                ("payer.openid", kind != "jsapi" or bool((body.get("payer") or {}).get("openid"))),
                ("scene_info", kind != "h5" or bool((body.get("scene_info") or {}).get("payer_client_ip"))),
            ) if not ok
        ]  # fmt: skip
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "malformed body")
    if problems:
        return _error(400, "PARAM_ERROR", f"invalid: {', '.join(problems)}")
    with transaction.atomic():
        tx = (
            SimulatedTransaction.objects.select_for_update()
            .filter(mchid=config.mchid, out_trade_no=body["out_trade_no"])
            .first()
        )
        if tx is not None and tx.trade_state != "NOTPAY":
            return _error(
                400, "ORDERPAID" if tx.trade_state == "SUCCESS" else "ORDER_CLOSED", "order is not payable"
            )
    if tx is None:
        try:  # two prepays of the same out_trade_no at once get the same transaction, as at WeChat
            with transaction.atomic():
                tx = SimulatedTransaction.objects.create(
                    mchid=config.mchid, appid=body["appid"], out_trade_no=body["out_trade_no"],
                    prepay_id=f"wx{timezone.now():%d%H%M%S}{secrets.token_hex(12)}", trade_type=PATHS[kind],
                    description=body["description"], amount_fen=total, notify_url=body["notify_url"],
                    payer_openid=(body.get("payer") or {}).get("openid", ""),
                )  # fmt: skip
        except IntegrityError:
            tx = SimulatedTransaction.objects.get(mchid=config.mchid, out_trade_no=body["out_trade_no"])
    # Like WeChat's answers, with the simulator's own sheet where WeChat's pages would be: the H5
    # ``h5_url`` (a path on the shopper's host; the merchant appends ``&redirect_url=``) and the
    # Native ``code_url`` (a web address here, so a browser can open the "QR code" as a link).
    sheet = reverse("wechatpay-sim-sheet", args=[tx.prepay_id])
    if kind == "native":
        return _signed(200, {"code_url": request.build_absolute_uri(sheet)})
    if kind == "h5":
        return _signed(200, {"h5_url": f"{sheet}?prepay_id={tx.prepay_id}"})
    return _signed(200, {"prepay_id": tx.prepay_id})


@csrf_exempt
def query(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    tx = SimulatedTransaction.objects.filter(mchid=config.mchid, out_trade_no=out_trade_no).first()
    if tx is None:
        return _error(404, "ORDER_NOT_EXIST", "order does not exist")
    return _signed(200, _transaction_json(tx))


@csrf_exempt
def close(request: HttpRequest, out_trade_no: str) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    with transaction.atomic():
        tx = (
            SimulatedTransaction.objects.select_for_update()
            .filter(mchid=config.mchid, out_trade_no=out_trade_no)
            .first()
        )
        if tx is None:
            return _error(404, "ORDER_NOT_EXIST", "order does not exist")
        if tx.trade_state == "SUCCESS":
            return _error(400, "ORDERPAID", "order already paid")
        tx.trade_state = "CLOSED"
        tx.save(update_fields=["trade_state"])
    return _signed(204)


def _refund_json(known: SimulatedRefund, tx: SimulatedTransaction) -> dict[str, Any]:
    return {
        "refund_id": known.refund_id, "out_refund_no": known.out_refund_no, "transaction_id": tx.transaction_id,
        "out_trade_no": tx.out_trade_no, "status": known.status,
        "amount": {"total": known.total_fen, "refund": known.amount_fen, "payer_total": known.total_fen,
                   "payer_refund": known.amount_fen, "currency": "CNY"},
    }  # fmt: skip


@csrf_exempt
def refund_query(request: HttpRequest, out_refund_no: str) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    known = SimulatedRefund.objects.filter(mchid=config.mchid, out_refund_no=out_refund_no).first()
    if known is None:
        return _error(404, "RESOURCE_NOT_EXISTS", "refund does not exist")
    tx = SimulatedTransaction.objects.get(mchid=config.mchid, out_trade_no=known.out_trade_no)
    return _signed(200, _refund_json(known, tx))


@csrf_exempt
def refund(request: HttpRequest) -> HttpResponse:
    config = _authenticate(request)
    if isinstance(config, HttpResponse):
        return config
    try:
        body = json.loads(request.body)
        amount = body["amount"]
        lookup = (
            {"transaction_id": body["transaction_id"]}
            if body.get("transaction_id")
            else {"out_trade_no": body["out_trade_no"]}
        )
    except (ValueError, KeyError, TypeError):
        return _error(400, "PARAM_ERROR", "malformed body")
    with transaction.atomic():
        tx = SimulatedTransaction.objects.select_for_update().filter(mchid=config.mchid, **lookup).first()
        if tx is None or tx.trade_state not in ("SUCCESS", "REFUND"):
            return _error(404, "RESOURCE_NOT_EXISTS", "no paid order")
        known = SimulatedRefund.objects.filter(
            mchid=config.mchid, out_refund_no=body.get("out_refund_no", "")
        ).first()
        if known is not None:  # the same out_refund_no again: the same refund, never a second one
            return _signed(200, _refund_json(known, tx))
        if (
            amount.get("total") != tx.amount_fen
            or not 0 < amount.get("refund", 0) <= tx.amount_fen - tx.refunded_fen
        ):
            return _error(400, "PARAM_ERROR", "refund amount is more than what is left")
        tx.refunded_fen += amount["refund"]
        tx.trade_state = "REFUND"
        tx.save(update_fields=["refunded_fen", "trade_state"])
        known = SimulatedRefund.objects.create(
            mchid=config.mchid, out_refund_no=body.get("out_refund_no", ""), out_trade_no=tx.out_trade_no,
            refund_id=f"5030{secrets.randbelow(10**24):024d}", amount_fen=amount["refund"], total_fen=tx.amount_fen,
        )  # fmt: skip
    result = {**_refund_json(known, tx), "status": "PROCESSING"}
    # Like WeChat, the money moves a moment later and a REFUND.SUCCESS notification says so (here:
    # at once, before this answer — our side must cope with either order).
    notify_to = body.get("notify_url") or tx.notify_url
    finished = {
        **result,
        "mchid": tx.mchid,
        "refund_status": "SUCCESS",
        "success_time": timezone.localtime().isoformat(timespec="seconds"),
    }
    headers, payload = simulator.notification(config, finished, event_type="REFUND.SUCCESS")
    with contextlib.suppress(requests.RequestException):
        requests.post(
            notify_to, data=payload, headers={**headers, "Content-Type": "application/json"}, timeout=(3, 10)
        )
    return _signed(200, result)


def _back(request: HttpRequest, tx: SimulatedTransaction) -> str:
    """Where "返回商户" leads: ``back`` (a local path), else H5's ``redirect_url`` (on this site
    only), else — as WeChat returns the shopper to the merchant after a JSAPI or Native payment —
    the merchant's order page for this transaction; "" if none is known."""
    source = request.GET  # the sheet's form posts back to its own URL, query and all
    if back := safe_next(request, default="", target=source.get("back", "")):
        return back
    redirect_url = source.get("redirect_url", "")
    if redirect_url and url_has_allowed_host_and_scheme(
        redirect_url, allowed_hosts={request.get_host()}, require_https=False
    ):
        return redirect_url
    attempt = (
        PaymentAttempt.objects.filter(out_trade_no=tx.out_trade_no).select_related("order", "shop").first()
    )
    if attempt is None:
        return ""
    return reverse("h5:order", args=[attempt.shop.slug, attempt.order.order_no])


def sheet(request: HttpRequest, prepay_id: str) -> HttpResponse:
    """The payment sheet: the demo shopper confirms (money moves, WeChat notifies) or cancels."""
    tx = get_object_or_404(SimulatedTransaction, prepay_id=prepay_id)
    back = _back(request, tx)
    if request.method == "POST" and tx.trade_state == "NOTPAY":
        if request.POST.get("action") == "pay":
            tx = _pay(tx)
        return render(request, "wechatpay_sim/sheet.html", {"tx": tx, "done": True, "back": back})
    return render(
        request, "wechatpay_sim/sheet.html", {"tx": tx, "done": tx.trade_state != "NOTPAY", "back": back}
    )


def _pay(tx: SimulatedTransaction) -> SimulatedTransaction:
    """The payer confirms: money moves once (under the row lock), then WeChat notifies."""
    with transaction.atomic():
        tx = SimulatedTransaction.objects.select_for_update().get(pk=tx.pk)
        if tx.trade_state != "NOTPAY":
            return tx
        tx.trade_state, tx.success_time = "SUCCESS", timezone.now()
        tx.transaction_id = f"4200{secrets.randbelow(10**24):024d}"
        tx.save(update_fields=["trade_state", "success_time", "transaction_id"])
    deliver_notification(tx)
    return tx


def _request_payment_fail(reason: str) -> JsonResponse:
    return JsonResponse({"errMsg": f"requestPayment:fail {reason}"})


@csrf_exempt
def device_pay(request: HttpRequest) -> HttpResponse:
    """``wx.requestPayment(params)`` in the mini-program, played by the phone: POST the parameters
    the API signed (``appId, timeStamp, nonceStr, package, signType, paySign``) and the payer's choice
    ``action`` (``pay`` or ``cancel``). Like WeChat, the sheet opens only for a ``paySign`` that
    verifies with the merchant's key over ``appId\ntimeStamp\nnonceStr\npackage\n``, for the appid
    the prepay was made for, signed within 5 minutes; paying moves the money and sends the signed
    notification. The answer is what ``wx.requestPayment`` calls back with: ``requestPayment:ok``
    or ``requestPayment:fail …`` (``cancel`` when the payer closes the sheet)."""
    if request.method != "POST":
        return _request_payment_fail("POST the parameters")
    try:
        params = json.loads(request.body or b"{}")
    except ValueError:
        return _request_payment_fail("parameters are not JSON")
    if not isinstance(params, dict):
        return _request_payment_fail("parameters are not an object")
    values = {
        k: str(params.get(k, ""))
        for k in ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")
    }
    tx = SimulatedTransaction.objects.filter(prepay_id=values["package"].removeprefix("prepay_id=")).first()
    if tx is None or not values["package"].startswith("prepay_id="):
        return _request_payment_fail("prepay_id is unknown")
    if values["signType"] != "RSA" or values["appId"] != tx.appid:
        return _request_payment_fail("appId or signType does not match the prepay")
    config = WeChatPayConfig.objects.filter(mchid=tx.mchid).first()
    message = f"{values['appId']}\n{values['timeStamp']}\n{values['nonceStr']}\n{values['package']}\n"
    if config is None or not crypto.verify(
        crypto.load_private_key(config.merchant_private_key).public_key(), message.encode(), values["paySign"]
    ):
        return _request_payment_fail("paySign does not verify")
    if (
        not values["timeStamp"].isdigit()
        or abs(time.time() - int(values["timeStamp"])) > REQUEST_MAX_SKEW_SECONDS
    ):
        return _request_payment_fail("timeStamp is out of the allowed window")
    if tx.trade_state != "NOTPAY":
        return _request_payment_fail("the order is not payable")
    if params.get("action", "pay") != "pay":
        return JsonResponse({"errMsg": "requestPayment:fail cancel"})
    _pay(tx)
    return JsonResponse({"errMsg": "requestPayment:ok"})


def deliver_notification(tx: SimulatedTransaction) -> int | None:
    """POST the TRANSACTION.SUCCESS notification to the merchant's notify URL, as WeChat does
    (retries are the real WeChat's business; the demo shopper can also come back and we query)."""
    config = WeChatPayConfig.objects.get(mchid=tx.mchid)
    resource = {**_transaction_json(tx), "payer": {"openid": tx.payer_openid or "o-simulator"}}
    headers, body = simulator.notification(config, resource)
    try:
        return requests.post(
            tx.notify_url, data=body, headers={**headers, "Content-Type": "application/json"}, timeout=(3, 10)
        ).status_code
    except requests.RequestException:
        return None
