"""A local stand-in for WeChat's servers, speaking the formats of ../shared/WECHAT.md.

Installed and mounted at ``/wechat-sim/`` only when ``WECHAT_SIMULATOR`` is on (development, demo,
tests); accounts in "simulator" mode send their calls here (``WeChatAccount.api_base_url``) instead
of ``api.weixin.qq.com`` / ``open.weixin.qq.com``.
It checks what WeChat checks (appid + secret, single-use 5-minute codes, valid access tokens, menu
limits) and answers with WeChat's error codes, so our real client code runs against it.

Besides WeChat's server paths it plays the phone: ``device/login`` is ``wx.login`` (a code for a
simulated WeChat user), ``device/phone`` is a ``getPhoneNumber`` tap, ``jweixin.js`` is a JS-SDK
whose ``wx.config`` checks our signature here. A browser's simulated WeChat user is a cookie.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
import xmltodict
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto

from devtools.wechat_sim.models import SimulatorRecord
from wechat.models import ChannelQRCode, WeChatAccount

USER_COOKIE = "wxsim_uid"
CODE_SECONDS = 300


# ---------------------------------------------------------------- simulated people


def _digest(text: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).decode()


def openid_for(appid: str, user: str) -> str:
    """The openid a simulated WeChat user has under ``appid`` (stable, differs per appid)."""
    return "o" + _digest(f"{appid}|{user}")[:27]


def unionid_for(user: str) -> str:
    """The unionid of a simulated WeChat user: the same under every appid of the platform."""
    return "u" + _digest(f"union|{user}")[:27]


def _ok(data: dict[str, Any] | None = None) -> JsonResponse:
    return JsonResponse(
        {"errcode": 0, "errmsg": "ok", **(data or {})}, json_dumps_params={"ensure_ascii": False}
    )


def _err(errcode: int, errmsg: str) -> JsonResponse:
    return JsonResponse({"errcode": errcode, "errmsg": errmsg})


def _account(appid: str) -> tuple[WeChatAccount | None, str]:
    """The simulated account owning ``appid`` and that appid's secret."""
    account = WeChatAccount.objects.filter(appid=appid, mode=WeChatAccount.Mode.SIMULATOR).first()
    if account is not None:
        return account, account.secret
    account = WeChatAccount.objects.filter(miniprogram_appid=appid, mode=WeChatAccount.Mode.SIMULATOR).first()
    return account, (account.miniprogram_secret if account else "")


def _issue(kind: str, *, appid: str, data: dict[str, Any], prefix: str = "") -> str:
    key = prefix + secrets.token_urlsafe(24)
    SimulatorRecord.objects.create(kind=kind, key=key, appid=appid, data=data)
    return key


def _use_code(kind: str, code: str, appid: str) -> SimulatorRecord | JsonResponse:
    """Codes are single-use and live 5 minutes (40029 invalid, 40163 already used)."""
    with transaction.atomic():
        record = SimulatorRecord.objects.select_for_update().filter(kind=kind, key=code, appid=appid).first()
        if record is None or record.created_at < timezone.now() - timedelta(seconds=CODE_SECONDS):
            return _err(40029, "invalid code")
        if record.used_at is not None:
            return _err(40163, "code been used")
        record.used_at = timezone.now()
        record.save(update_fields=["used_at"])
    return record


def _token_owner(request: HttpRequest) -> str | JsonResponse:
    """The appid an access token was issued to (40001 invalid, 42001 expired)."""
    record = SimulatorRecord.objects.filter(
        kind="access_token", key=request.GET.get("access_token", "")
    ).first()
    if record is None:
        return _err(40001, "invalid credential, access_token is invalid or not latest")
    if record.data.get("expires_at", 0) < time.time():
        return _err(42001, "access_token expired")
    return record.appid


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


# ---------------------------------------------------------------- OAuth (H5 login)


def _our_site(request: HttpRequest, url: str) -> bool:
    """WeChat sends the browser back only to the account's 网页授权域名; the simulator's stand-in is
    this site (the host the page came from, or ``PUBLIC_URL``'s): never an open redirect."""
    hosts = {request.get_host()}
    if settings.PUBLIC_URL:
        hosts.add(urlsplit(settings.PUBLIC_URL).netloc)
    return url_has_allowed_host_and_scheme(url, allowed_hosts=hosts, require_https=False)


def authorize(request: HttpRequest) -> HttpResponse:
    """``open.weixin.qq.com/connect/oauth2/authorize``: silent for snsapi_base, a consent sheet for
    snsapi_userinfo; back to ``redirect_uri`` with ``code`` and ``state``."""
    appid = request.GET.get("appid", "")
    scope = request.GET.get("scope", "")
    redirect_uri = request.GET.get("redirect_uri", "")
    account, _secret = _account(appid)
    if (
        account is None
        or scope not in ("snsapi_base", "snsapi_userinfo")
        or not redirect_uri.startswith(("http://", "https://"))
        or not _our_site(request, redirect_uri)
    ):
        return HttpResponse(
            "10003 redirect_uri 参数错误 / appid 无效", status=400, content_type="text/plain; charset=utf-8"
        )
    user = request.COOKIES.get(USER_COOKIE) or secrets.token_hex(6)
    separator = "&" if "?" in redirect_uri else "?"
    state = request.GET.get("state", "")
    if scope == "snsapi_userinfo" and request.GET.get("confirm") != "1":
        if request.GET.get("confirm") == "0":  # the person declined: back without a code
            response = HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode({'state': state})}")
        else:
            query = request.GET.copy()
            query["confirm"] = "1"
            allow = f"{request.path}?{query.urlencode()}"
            query["confirm"] = "0"
            deny = f"{request.path}?{query.urlencode()}"
            response = render(
                request, "wechat_sim/consent.html", {"account": account, "allow": allow, "deny": deny}
            )
    else:
        code = _issue("oauth_code", appid=appid, data={"user": user, "scope": scope})
        response = HttpResponseRedirect(
            f"{redirect_uri}{separator}{urlencode({'code': code, 'state': state})}"
        )
    response.set_cookie(USER_COOKIE, user, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


def _redeem(request: HttpRequest, kind: str, code_param: str) -> SimulatorRecord | JsonResponse:
    """An app (appid + secret, 40013/40125) trading one of its codes."""
    appid = request.GET.get("appid", "")
    account, secret = _account(appid)
    if account is None:
        return _err(40013, "invalid appid")
    if not secrets.compare_digest(request.GET.get("secret", ""), secret):
        return _err(40125, "invalid appsecret")
    return _use_code(kind, request.GET.get(code_param, ""), appid)


def oauth_access_token(request: HttpRequest) -> JsonResponse:
    record = _redeem(request, "oauth_code", "code")
    if isinstance(record, JsonResponse):
        return record
    appid = record.appid
    user, scope = record.data["user"], record.data["scope"]
    token = _issue("oauth_token", appid=appid, data={"user": user, "scope": scope})
    return JsonResponse({
        "access_token": token, "expires_in": 7200, "refresh_token": secrets.token_urlsafe(24),
        "openid": openid_for(appid, user), "scope": scope, "unionid": unionid_for(user),
    })  # fmt: skip


def userinfo(request: HttpRequest) -> JsonResponse:
    record = SimulatorRecord.objects.filter(
        kind="oauth_token", key=request.GET.get("access_token", "")
    ).first()
    if record is None:
        return _err(40001, "invalid credential, access_token is invalid or not latest")
    if record.data["scope"] != "snsapi_userinfo":
        return _err(48001, "api unauthorized")
    user = record.data["user"]
    if request.GET.get("openid") != openid_for(record.appid, user):
        return _err(40003, "invalid openid")
    return JsonResponse({
        "openid": openid_for(record.appid, user), "nickname": f"微信用户{user[:4]}", "sex": 0, "province": "",
        "city": "", "country": "", "privilege": [], "unionid": unionid_for(user),
        "headimgurl": request.build_absolute_uri(f"/wechat-sim/avatar/{user}.svg"),
    }, json_dumps_params={"ensure_ascii": False})  # fmt: skip


def avatar(request: HttpRequest, user: str) -> HttpResponse:
    hue = int(hashlib.sha256(user.encode()).hexdigest()[:2], 16) * 360 // 256
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132">'
        f'<rect width="132" height="132" rx="16" fill="hsl({hue},55%,55%)"/>'
        '<circle cx="66" cy="52" r="24" fill="#fff" opacity=".9"/>'
        '<rect x="26" y="84" width="80" height="36" rx="18" fill="#fff" opacity=".9"/></svg>'
    )
    return HttpResponse(svg, content_type="image/svg+xml")


# ---------------------------------------------------------------- server APIs


def token(request: HttpRequest) -> JsonResponse:
    """``/cgi-bin/token``: a new access token; each issue is recorded (tests count refreshes)."""
    appid = request.GET.get("appid", "")
    account, secret = _account(appid)
    if request.GET.get("grant_type") != "client_credential":
        return _err(40002, "invalid grant_type")
    if account is None:
        return _err(40013, "invalid appid")
    if not secrets.compare_digest(request.GET.get("secret", ""), secret):
        return _err(40125, "invalid appsecret")
    if settings.WECHAT_SIMULATOR_TOKEN_DELAY:
        time.sleep(settings.WECHAT_SIMULATOR_TOKEN_DELAY)
    value = _issue("access_token", appid=appid, data={"expires_at": time.time() + 7200}, prefix="SIM_")
    return JsonResponse({"access_token": value, "expires_in": 7200})


def ticket(request: HttpRequest) -> JsonResponse:
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    if request.GET.get("type") != "jsapi":
        return _err(40097, "invalid args")
    value = _issue("jsapi_ticket", appid=appid, data={}, prefix="TICKET_")
    return _ok({"ticket": value, "expires_in": 7200})


def _bytes(text: Any) -> int:
    return len(str(text).encode())


def _menu_error(menu: dict[str, Any]) -> str:
    buttons = menu.get("button")
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        return "1 to 3 top-level buttons"
    for button in buttons:
        if not button.get("name") or _bytes(button["name"]) > 16:
            return f"top button name over 16 bytes: {button.get('name')}"
        subs = button.get("sub_button")
        if subs:
            if len(subs) > 5:
                return "at most 5 sub buttons"
            for sub in subs:
                if not sub.get("name") or _bytes(sub["name"]) > 60:
                    return f"sub button name over 60 bytes: {sub.get('name')}"
                if problem := _button_error(sub):
                    return problem
        elif problem := _button_error(button):
            return problem
    return ""


def _button_error(button: dict[str, Any]) -> str:
    kind = button.get("type")
    if kind == "view":
        return (
            ""
            if str(button.get("url", "")).startswith("http") and _bytes(button["url"]) <= 1024
            else "bad view url"
        )
    if kind == "miniprogram":
        ok = button.get("appid") and button.get("pagepath") and str(button.get("url", "")).startswith("http")
        return "" if ok else "miniprogram button needs appid, pagepath and a fallback url"
    if kind in ("click",):
        return "" if button.get("key") else "click button needs a key"
    return f"unsupported button type {kind}"


@csrf_exempt
def menu_create(request: HttpRequest) -> JsonResponse:
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    menu = _json_body(request)
    if menu is None:
        return _err(47001, "data format error")
    if problem := _menu_error(menu):
        return _err(40016 if "button" in problem else 40017, f"invalid button: {problem}")
    SimulatorRecord.objects.create(kind="menu", key=secrets.token_hex(12), appid=appid, data=menu)
    return _ok()


@csrf_exempt
def qrcode_create(request: HttpRequest) -> JsonResponse:
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    body = _json_body(request) or {}
    action = body.get("action_name")
    scene = (body.get("action_info") or {}).get("scene") or {}
    value = scene.get("scene_str") if "STR" in str(action) else scene.get("scene_id")
    if action not in ("QR_SCENE", "QR_STR_SCENE", "QR_LIMIT_SCENE", "QR_LIMIT_STR_SCENE") or not value:
        return _err(40053, "invalid action info")
    if "STR" in action and not 1 <= len(str(value)) <= 64:
        return _err(40053, "scene_str must be 1-64 characters")
    temporary = "LIMIT" not in action
    expire = min(int(body.get("expire_seconds") or 60), 2592000) if temporary else None
    key = _issue("qrcode", appid=appid, data={"scene": str(value), "expire_seconds": expire}, prefix="gQ")
    data = {"ticket": key, "url": f"http://weixin.qq.com/q/{key[:22]}"}
    if temporary:
        data["expire_seconds"] = expire
    return JsonResponse(data)


def _send(request: HttpRequest, kind: str) -> JsonResponse:
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    body = _json_body(request)
    if (
        not body
        or not body.get("touser")
        or not body.get("template_id")
        or not isinstance(body.get("data"), dict)
    ):
        return _err(47003, "argument invalid! data.touser, template_id and data are required")
    if SimulatorRecord.objects.filter(kind="refuse", key=body["touser"]).exists():
        return _err(43101, "user refuse to accept the msg")
    if kind == "subscribe_message" and not _spend_acceptance(appid, body["touser"], body["template_id"]):
        return _err(43101, "user refuse to accept the msg")  # no acceptance left for this template
    if SimulatorRecord.objects.filter(kind="fail_next", key=body["touser"], used_at=None).exists():
        SimulatorRecord.objects.filter(kind="fail_next", key=body["touser"]).update(used_at=timezone.now())
        return _err(-1, "system error")
    for name, item in body["data"].items():
        value = str((item or {}).get("value", ""))
        if (name.startswith("thing") and len(value) > 20) or (
            name.startswith("character_string") and len(value) > 32
        ):
            return _err(47003, f"argument invalid! data.{name}.value too long")
    record = SimulatorRecord.objects.create(kind=kind, key=secrets.token_hex(12), appid=appid, data=body)
    return _ok({"msgid": record.pk})


@csrf_exempt
def template_send(request: HttpRequest) -> JsonResponse:
    return _send(request, "template_message")


SUBSCRIBE_STATES = ("developer", "trial", "formal")
SUBSCRIBE_LANGS = ("zh_CN", "en_US", "zh_HK", "zh_TW")


@csrf_exempt
def subscribe_send(request: HttpRequest) -> JsonResponse:
    body = _json_body(request) or {}
    if body.get("miniprogram_state", "formal") not in SUBSCRIBE_STATES:
        return _err(47003, "argument invalid! data.miniprogram_state invalid")
    if body.get("lang", "zh_CN") not in SUBSCRIBE_LANGS:
        return _err(47003, "argument invalid! data.lang invalid")
    return _send(request, "subscribe_message")


# ---------------------------------------------------------------- customer-service messages

CS_WINDOW_SECONDS = 48 * 3600
CS_MAX_BYTES = 2048
CS_TYPES = (
    "text",
    "image",
    "voice",
    "video",
    "music",
    "news",
    "mpnews",
    "msgmenu",
    "wxcard",
    "miniprogrampage",
)


def _follower_key(appid: str, openid: str) -> str:
    return f"{appid}|{openid}"[:128]


def follower_interacted(
    *, appid: str, openid: str, at: float | None = None, subscribed: bool | None = None
) -> None:
    """What WeChat remembers of a follower for the 48-hour rule: their last message, menu click,
    follow or scan (``at``, epoch seconds), and whether they follow."""
    record, _created = SimulatorRecord.objects.get_or_create(
        kind="follower",
        key=_follower_key(appid, openid),
        defaults={"appid": appid, "data": {"subscribed": True}},
    )
    if at is not None:
        record.data["last_interaction"] = at
    if subscribed is not None:
        record.data["subscribed"] = subscribed
    record.save(update_fields=["data"])


def _chat_line(appid: str, openid: str, text: str) -> None:
    """Show a message the account sent in the follower's chat window (as their phone would), for
    a person who opened it."""
    log = SimulatorRecord.objects.filter(kind="chat", key=f"{appid}|{openid}"[:128]).first()
    if log is None:
        return
    lines = log.data.setdefault("lines", [])
    lines.append({"me": "", "reply": text})
    log.data["lines"] = lines[-30:]
    log.save(update_fields=["data"])


@csrf_exempt
def custom_send(request: HttpRequest) -> JsonResponse:
    """``/cgi-bin/message/custom/send``: a customer-service message, taken only from an account the
    person follows (43004) within 48 hours of their last interaction (45015), as WeChat does."""
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    body = _json_body(request)
    if not body or not body.get("touser") or not body.get("msgtype"):
        return _err(47001, "data format error: touser and msgtype are required")
    msgtype = body["msgtype"]
    if msgtype not in CS_TYPES or not isinstance(body.get(msgtype), dict):
        return _err(40008, "invalid message type")
    if msgtype == "text":
        content = str(body["text"].get("content", ""))
        if not content:
            return _err(44003, "empty news data")  # WeChat's answer to an empty text too
        if len(content.encode()) > CS_MAX_BYTES:
            return _err(45002, "content size out of limit")
    openid = str(body["touser"])
    state = SimulatorRecord.objects.filter(kind="follower", key=_follower_key(appid, openid)).first()
    if state is None or not state.data.get("subscribed", True):
        return _err(43004, "require subscribe")
    if time.time() - float(state.data.get("last_interaction", 0)) > CS_WINDOW_SECONDS:
        return _err(45015, "response out of time limit or subscription is canceled")
    if SimulatorRecord.objects.filter(kind="fail_next", key=openid, used_at=None).exists():
        SimulatorRecord.objects.filter(kind="fail_next", key=openid).update(used_at=timezone.now())
        return _err(-1, "system error")
    SimulatorRecord.objects.create(kind="custom_message", key=secrets.token_hex(12), appid=appid, data=body)
    if msgtype == "text":
        _chat_line(appid, openid, str(body["text"]["content"]))
    return _ok()


def jscode2session(request: HttpRequest) -> JsonResponse:
    record = _redeem(request, "js_code", "js_code")
    if isinstance(record, JsonResponse):
        return record
    appid = record.appid
    user = record.data["user"]
    return JsonResponse({
        "openid": openid_for(appid, user), "session_key": base64.b64encode(secrets.token_bytes(16)).decode(),
        "unionid": unionid_for(user),
    })  # fmt: skip


@csrf_exempt
def phone_number(request: HttpRequest) -> JsonResponse:
    appid = _token_owner(request)
    if isinstance(appid, JsonResponse):
        return appid
    record = _use_code("phone_code", str((_json_body(request) or {}).get("code", "")), appid)
    if isinstance(record, JsonResponse):
        return record
    phone = record.data["phone"]
    return _ok({"phone_info": {
        "phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
        "watermark": {"timestamp": int(time.time()), "appid": appid},
    }})  # fmt: skip


# ---------------------------------------------------------------- the phone's side


@csrf_exempt
def device_login(request: HttpRequest) -> JsonResponse:
    """``wx.login()`` in the mini-program: a 5-minute code for simulated user ``user``."""
    appid, user = request.GET.get("appid", ""), request.GET.get("user", "") or secrets.token_hex(6)
    if _account(appid)[0] is None:
        return _err(40013, "invalid appid")
    return _ok({"code": issue_js_code(appid=appid, user=user)})


def issue_js_code(*, appid: str, user: str) -> str:
    return _issue("js_code", appid=appid, data={"user": user})


def issue_phone_code(*, appid: str, phone: str) -> str:
    return _issue("phone_code", appid=appid, data={"phone": phone})


@csrf_exempt
def device_phone(request: HttpRequest) -> JsonResponse:
    """A tap on a ``getPhoneNumber`` button: a code the server trades for the number."""
    appid, phone = request.GET.get("appid", ""), request.GET.get("phone", "")
    if _account(appid)[0] is None or not phone.isascii() or not phone.isdigit():
        return _err(40013, "invalid appid or phone")
    return _ok({"code": issue_phone_code(appid=appid, phone=phone)})


def _acceptance_key(appid: str, openid: str, template_id: str) -> str:
    return f"{appid}|{openid}|{template_id}"[:128]


def accept_subscriptions(*, appid: str, openid: str, template_ids: list[str]) -> dict[str, str]:
    """The person taps “允许” on ``wx.requestSubscribeMessage``: one more message of each template."""
    for template_id in template_ids:
        record, _created = SimulatorRecord.objects.get_or_create(
            kind="acceptance", key=_acceptance_key(appid, openid, template_id), defaults={"appid": appid}
        )
        record.data["count"] = record.data.get("count", 0) + 1
        record.save(update_fields=["data"])
    return {template_id: "accept" for template_id in template_ids}


def _spend_acceptance(appid: str, openid: str, template_id: str) -> bool:
    with transaction.atomic():
        record = (
            SimulatorRecord.objects.select_for_update()
            .filter(kind="acceptance", key=_acceptance_key(appid, openid, template_id))
            .first()
        )
        if record is None or record.data.get("count", 0) < 1:
            return False
        record.data["count"] -= 1
        record.save(update_fields=["data"])
    return True


@csrf_exempt
def device_subscribe(request: HttpRequest) -> JsonResponse:
    """``wx.requestSubscribeMessage({tmplIds})`` answered “允许” by simulated user ``user``."""
    appid, user = request.GET.get("appid", ""), request.GET.get("user", "")
    templates = [t for t in request.GET.getlist("tmplIds") if t][:3]
    if _account(appid)[0] is None or not user or not templates:
        return _err(40013, "invalid appid, user or tmplIds")
    results = accept_subscriptions(appid=appid, openid=openid_for(appid, user), template_ids=templates)
    return JsonResponse({"errMsg": "requestSubscribeMessage:ok", **results})


def jssdk_script(request: HttpRequest) -> HttpResponse:
    """A JS-SDK for the simulator: ``wx.config`` has its signature checked by ``jssdk/verify``; the
    share data it is given is kept in ``window.__wxShare`` (what WeChat would put on the card)."""
    script = """(function () {
  var base = document.currentScript.src.replace(/\\/jweixin\\.js.*$/, "");
  var state = "pending", readyFns = [], errorFns = [];
  window.__wxShare = {};
  window.wx = {
    config: function (c) {
      var q = new URLSearchParams({appid: c.appId, timestamp: c.timestamp, noncestr: c.nonceStr,
        signature: c.signature, url: location.href.split("#")[0]});
      fetch(base + "/jssdk/verify?" + q).then(function (r) { return r.json(); }).then(function (r) {
        if (r.errcode === 0) { state = "ready"; readyFns.forEach(function (f) { f(); }); }
        else { state = "error"; window.__wxConfigError = r;
               errorFns.forEach(function (f) { f({errMsg: "config:" + r.errmsg}); }); }
      });
    },
    ready: function (f) { if (state === "ready") { f(); } else { readyFns.push(f); } },
    error: function (f) { errorFns.push(f); },
    updateAppMessageShareData: function (d) { window.__wxShare.appMessage = d; if (d.success) d.success(); },
    updateTimelineShareData: function (d) { window.__wxShare.timeline = d; if (d.success) d.success(); }
  };
})();
"""
    return HttpResponse(script, content_type="text/javascript; charset=utf-8")


def jssdk_verify(request: HttpRequest) -> JsonResponse:
    """Check a ``wx.config`` signature against the tickets issued to that appid, as WeChat does."""
    appid, url = request.GET.get("appid", ""), request.GET.get("url", "")
    fields = {k: request.GET.get(k, "") for k in ("timestamp", "noncestr", "signature")}
    if urlsplit(url).fragment:
        return _err(63002, "invalid signature: url must not contain #")
    for ticket_value in SimulatorRecord.objects.filter(kind="jsapi_ticket", appid=appid).values_list(
        "key", flat=True
    ):
        plain = f"jsapi_ticket={ticket_value}&noncestr={fields['noncestr']}&timestamp={fields['timestamp']}&url={url}"
        if secrets.compare_digest(hashlib.sha1(plain.encode()).hexdigest(), fields["signature"]):  # noqa: S324
            return _ok()
    return _err(63002, "invalid signature")


# ---------------------------------------------------------------- the account's chat window


def _push(request: HttpRequest, account: WeChatAccount, xml: str, *, safe: bool) -> str:
    """Deliver a message to the shop's callback as WeChat does (signed; AES in safe mode) and
    return the text of the reply ("" for ``success``)."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
    signature = hashlib.sha1("".join(sorted([account.token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324
    params = {"signature": signature, "timestamp": timestamp, "nonce": nonce}
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.appid) if safe else None
    body = xml
    if crypto is not None:
        body = crypto.encrypt_message(xml, nonce, timestamp)
        params.update(encrypt_type="aes", msg_signature=xmltodict.parse(body)["xml"]["MsgSignature"])
    url = f"{request.scheme}://{request.get_host()}{reverse('wechat-callback', args=[account.shop.slug])}"
    response = requests.post(url, params=params, data=body.encode(), timeout=5,
                             headers={"Content-Type": "text/xml", "Connection": "close"})  # fmt: skip
    if response.status_code != 200:
        return f"[HTTP {response.status_code}] {response.text[:100]}"
    if response.text in ("", "success"):
        return ""
    reply = response.text
    if crypto is not None:
        fields = xmltodict.parse(reply)["xml"]
        reply = crypto.decrypt_message(reply, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
    return getattr(parse_message(reply), "content", "") or ""


def chat(request: HttpRequest, appid: str) -> HttpResponse:
    """The official account as a follower sees it: send text, follow, unfollow, scan a channel's QR
    code, and read the replies; every push goes to the shop's real callback, signed."""
    account = (
        WeChatAccount.objects.select_related("shop")
        .filter(appid=appid, mode=WeChatAccount.Mode.SIMULATOR)
        .first()
    )
    if account is None:
        raise Http404("no simulated account with this appid")
    user = request.COOKIES.get(USER_COOKIE) or secrets.token_hex(6)
    openid = openid_for(appid, user)
    log, _created = SimulatorRecord.objects.get_or_create(
        kind="chat", key=f"{appid}|{openid}"[:128], defaults={"appid": appid}
    )
    lines = log.data.setdefault("lines", [])
    if request.method == "POST":
        action, text = request.POST.get("action", "text"), request.POST.get("text", "").strip()[:600]
        created = int(time.time())
        head = (f"<ToUserName><![CDATA[gh_{appid[-8:]}]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{created}</CreateTime>")  # fmt: skip
        if action in ("text", "subscribe", "scan") and (text or action != "text"):
            follower_interacted(appid=appid, openid=openid, at=time.time(), subscribed=True)
        elif action == "unsubscribe":
            follower_interacted(appid=appid, openid=openid, subscribed=False)
        if action == "text" and text:
            shown = text
            body = f"<xml>{head}<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{text.replace(']]>', '')}]]></Content><MsgId>{created}{secrets.randbelow(10**6)}</MsgId></xml>"
        elif action in ("subscribe", "unsubscribe", "scan"):
            scene = request.POST.get("scene", "")[:64]
            key = {"subscribe": f"qrscene_{scene}" if scene else "", "scan": scene}.get(action, "")
            event = "SCAN" if action == "scan" else action
            shown = {"subscribe": "关注公众号", "unsubscribe": "取消关注", "scan": "扫描二维码"}[action] + (
                f"（{scene}）" if scene else ""
            )
            body = f"<xml>{head}<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey></xml>"
        else:
            return HttpResponseRedirect(request.path)
        reply = _push(
            request, account, body, safe=bool(request.POST.get("safe")) and bool(account.encoding_aes_key)
        )
        lines.append({"me": shown, "reply": reply})
        log.data["lines"] = lines[-30:]
        log.save(update_fields=["data"])
        response = HttpResponseRedirect(request.path)
    else:
        response = render(request, "wechat_sim/chat.html", {
            "account": account, "lines": lines, "openid": openid,
            "scenes": list(ChannelQRCode.objects.filter(shop=account.shop).values_list("scene", "name")),
        })  # fmt: skip
    response.set_cookie(USER_COOKIE, user, max_age=365 * 86400, httponly=True, samesite="Lax")
    return response


def enabled(view):
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.WECHAT_SIMULATOR:
            raise Http404("the WeChat simulator is off")
        return view(request, *args, **kwargs)

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper
