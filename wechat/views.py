"""WeChat on the H5 side: silent OAuth login, the account's message callback, JS-SDK config."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wechatpy import create_reply, parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException, WeChatException

from accounts.auth import safe_next, shopper_login_complete
from core.errors import ApplicationError
from core.h5 import H5_SHOP_PATH, is_wechat
from wechat import services, share
from wechat.client import account_client, oauth
from wechat.identity import identity_login, openid_for
from wechat.models import WeChatAccount, WeChatIdentity

logger = logging.getLogger(__name__)

SESSION_KEY = "wechat_oauth"
STATE_SECONDS = 600  # an OAuth round trip must come back within 10 minutes
MAX_PENDING = 5  # a few tabs may start a login at once
FAILED_COOKIE = "ws_wx_login_failed"  # stops the silent login from looping after a failure
MAX_SKEW_SECONDS = 300


def site_url(request: HttpRequest) -> str:
    return settings.PUBLIC_URL or f"{request.scheme}://{request.get_host()}"


def _account_or_404(shop_slug: str) -> WeChatAccount:
    account = services.account_for_shop(shop_slug=shop_slug)
    if account is None:
        raise Http404("this shop has no WeChat official account")
    return account


def oauth_url(shop_slug: str, next_path: str, *, scope: str = "base") -> str:
    return f"{reverse('wechat-oauth', args=[shop_slug])}?{urlencode({'next': next_path, 'scope': scope})}"


# ---------------------------------------------------------------- OAuth login


def oauth_start(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """Send the visitor to WeChat's authorize page with a fresh, unguessable ``state`` kept in the
    session. ``scope=userinfo`` asks for nickname and avatar (only when the shopper chose to)."""
    account = _account_or_404(shop_slug)
    home = reverse("h5:home", args=[shop_slug])
    next_path = safe_next(request, default=home)
    scope = "snsapi_userinfo" if request.GET.get("scope") == "userinfo" else "snsapi_base"
    state = secrets.token_urlsafe(24)
    pending = {
        k: v for k, v in request.session.get(SESSION_KEY, {}).items() if time.time() - v["at"] < STATE_SECONDS
    }
    while len(pending) >= MAX_PENDING:
        pending.pop(min(pending, key=lambda k: pending[k]["at"]))
    pending[state] = {"shop": shop_slug, "next": next_path, "scope": scope, "at": time.time()}
    request.session[SESSION_KEY] = pending
    callback = f"{site_url(request)}{reverse('wechat-oauth-callback', args=[shop_slug])}"
    try:
        client = oauth(account, redirect_uri=callback, scope=scope, state=state)
    except ApplicationError as exc:  # simulator_off: a simulator-mode account with the simulator off
        return _login_failed(request, account, exc.message, status=exc.http_status)
    # a live account's authorize URL is absolute; a simulator one's is a path on the page's own host
    return redirect(request.build_absolute_uri(client.authorize_url))


def _login_failed(
    request: HttpRequest, account: WeChatAccount, message: str, status: int = 400
) -> HttpResponse:
    response = render(
        request, "wechat/login_failed.html",
        {"shop": account.shop, "message": message, "retry": oauth_url(account.shop.slug, reverse("h5:home", args=[account.shop.slug])),
         "phone_login": f"{reverse('shopper-login')}?{urlencode({'next': reverse('h5:home', args=[account.shop.slug])})}"},
        status=status,
    )  # fmt: skip
    response.set_cookie(FAILED_COOKIE, "1", max_age=300, httponly=True, samesite="Lax")
    return response


def oauth_callback(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """WeChat comes back with ``code`` and our ``state``. The state must be one we issued to this
    browser for this shop, unused and recent; the code is traded server-side (single use)."""
    account = _account_or_404(shop_slug)
    state = request.GET.get("state", "")
    pending_all = dict(request.session.get(SESSION_KEY, {}))
    pending = pending_all.pop(state, None) if state else None
    request.session[SESSION_KEY] = pending_all  # a state is used once, whatever happens next
    if pending is None or pending["shop"] != shop_slug or time.time() - pending["at"] > STATE_SECONDS:
        return _login_failed(request, account, _("登录链接已失效或不是从本店发起的，请重新进入。"))
    code = request.GET.get("code", "")
    if not code:  # the shopper declined (snsapi_userinfo): carry on as before
        return redirect(safe_next(request, target=pending["next"]))
    client = oauth(account, redirect_uri="", scope=pending["scope"])
    try:
        result = client.fetch_access_token(code)
    except (WeChatException, requests.RequestException, ValueError, KeyError) as exc:
        logger.info("OAuth code exchange failed for %s: %s", shop_slug, exc)
        return _login_failed(request, account, _("微信登录未完成（授权码无效或已使用），请重新进入。"))
    if str(result.get("is_snapshotuser", "")) == "1":  # a Moments preview: no real identity
        return _login_failed(request, account, _("请点击页面下方的“使用完整服务”后继续。"), status=200)
    user, identity, _created = identity_login(
        kind=WeChatIdentity.Kind.ACCOUNT, appid=account.appid, openid=result["openid"],
        unionid=result.get("unionid", ""), current_user=request.user,
    )  # fmt: skip
    if not user.is_active:
        return _login_failed(request, account, _("该账号已停用，请联系店铺客服。"), status=403)
    if pending["scope"] == "snsapi_userinfo":
        try:
            info = client.get_user_info(openid=result["openid"], access_token=result["access_token"])
        except (WeChatException, requests.RequestException) as exc:
            logger.info("userinfo failed for %s: %s", shop_slug, exc)
        else:
            identity.nickname = str(info.get("nickname", ""))[:64]
            identity.avatar_url = str(info.get("headimgurl", ""))[:500]
            identity.save(update_fields=["nickname", "avatar_url", "updated_at"])
            if identity.nickname:
                user.nickname = identity.nickname
                user.save(update_fields=["nickname", "updated_at"])
    shopper_login_complete(request, user)
    response = redirect(safe_next(request, target=pending["next"]))
    response.delete_cookie(FAILED_COOKIE)
    return response


def wechat_login_url(request: HttpRequest, next_path: str) -> str:
    """Where this browser signs in through the shop's official account and comes back to
    ``next_path`` (a shop page), or "" outside WeChat, off shop pages, or for shops without one."""
    match = H5_SHOP_PATH.match(next_path)
    if not (match and is_wechat(request) and services.shop_has_account(shop_slug=match["slug"])):
        return ""
    return oauth_url(match["slug"], next_path)


def member_centre_context(request: HttpRequest, shop) -> dict[str, object]:
    """The member centre's WeChat part (an ``accounts.ports`` section, registered in
    ``WeChatConfig.ready()``): how the shop's account knows this shopper, and inside WeChat a link
    to show their nickname and avatar."""
    account = services.account_for_shop(shop_slug=shop.slug)
    identity = (
        WeChatIdentity.objects.filter(user=request.user, appid=account.appid).first() if account else None
    )
    here = reverse("h5:me", args=[shop.slug])
    show = account and is_wechat(request) and not (identity and identity.avatar_url)
    return {
        "identity": identity,
        "show_profile_url": oauth_url(shop.slug, here, scope="userinfo") if show else "",
    }


class WeChatPayerIdentity:
    """payments' payer-identity port (payments/ports.py), registered in ``WeChatConfig.ready()``:
    the shopper's openid from their WeChat login, and the shop's OAuth login to get one."""

    def openid(self, *, user, config, scene: str) -> str:
        if scene not in ("jsapi", "miniprogram"):
            return ""
        return openid_for(user=user, appid=config.appid_for(scene))

    def login_url(self, *, shop, next_path: str) -> str:
        return oauth_url(shop.slug, next_path) if services.shop_has_account(shop_slug=shop.slug) else ""


class SilentLoginMiddleware:
    """Inside WeChat, an anonymous visitor of a shop page with an official account is sent through
    ``snsapi_base`` OAuth and comes back logged in: no password, no form. Outside WeChat, and for
    shops without an account, nothing happens (the page may be served from the cache)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and is_wechat(request)
            and not request.COOKIES.get(FAILED_COOKIE)
            and "application/json" not in request.headers.get("Accept", "")
            and H5_SHOP_PATH.match(request.path_info)  # cheap checks first: no session read
            and not request.user.is_authenticated
            and (url := wechat_login_url(request, request.get_full_path()))
        ):
            return redirect(url)
        return self.get_response(request)


# ---------------------------------------------------------------- message callback


def _plain_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()  # noqa: S324


def _nonce_unused(account: WeChatAccount, timestamp: str, nonce: str, body: bytes) -> bool:
    """False if this signed (timestamp, nonce) already came with another body. The plain signature
    covers only token, timestamp and nonce, so a captured query could carry any body for as long as
    the timestamp is fresh; each one is remembered, per account, in the shared cache (Redis with
    ``REDIS_URL``) for the whole freshness window. The same query with the same body is WeChat's
    retry (its answer is deduplicated further on), so it passes."""
    key = "wechat:nonce:" + hashlib.sha256(f"{account.pk}:{timestamp}:{nonce}".encode()).hexdigest()
    digest = hashlib.sha256(body).hexdigest()
    if cache.add(key, digest, timeout=2 * MAX_SKEW_SECONDS):
        return True
    return cache.get(key) == digest


@csrf_exempt
def message_callback(request: HttpRequest, shop_slug: str) -> HttpResponse:
    """The account's server URL (服务器地址). GET: WeChat's setup check (echo ``echostr``). POST: a
    message or event, plain or AES ("safe mode", ``encrypt_type=aes``); answered within WeChat's 5 s
    with a reply or ``success``. A signature that does not verify, a timestamp more than 5
    minutes off, or a nonce already used for another body is refused with 403 and changes nothing."""
    account = services.account_for_shop(shop_slug=shop_slug)
    if account is None:
        raise Http404("this shop has no WeChat official account")
    timestamp, nonce = request.GET.get("timestamp", ""), request.GET.get("nonce", "")
    if not re.fullmatch(r"[0-9]{1,12}", timestamp) or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return HttpResponseForbidden("stale or missing timestamp")
    if not nonce:
        return HttpResponseForbidden("missing nonce")
    expected = _plain_signature(account.token, timestamp, nonce)
    if not hmac.compare_digest(expected, request.GET.get("signature", "")):
        return HttpResponseForbidden("invalid signature")
    if request.method == "GET":
        return HttpResponse(request.GET.get("echostr", ""), content_type="text/plain")
    if request.method != "POST":
        return HttpResponse(status=405)
    if not _nonce_unused(account, timestamp, nonce, request.body):
        return HttpResponseForbidden("nonce already used")

    crypto = None
    body = request.body
    if request.GET.get("encrypt_type") == "aes":
        if not account.encoding_aes_key:
            return HttpResponseForbidden("safe mode needs an EncodingAESKey")
        crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.appid)
        try:
            body = crypto.decrypt_message(body, request.GET.get("msg_signature", ""), timestamp, nonce)
        except (InvalidSignatureException, InvalidAppIdException):
            return HttpResponseForbidden("invalid message signature or appid")
        except Exception:  # malformed XML or ciphertext
            logger.info("undecryptable WeChat message for %s", shop_slug, exc_info=True)
            return HttpResponse("bad message", status=400)
    try:
        message = parse_message(body)
    except Exception:  # xmltodict raises several types on bad XML
        return HttpResponse("bad message", status=400)
    if message is None or not message.source:
        return HttpResponse("bad message", status=400)
    text = services.message_handle(account=account, message=message, site_url=site_url(request))
    if not text:
        return HttpResponse("success", content_type="text/plain")
    reply = create_reply(text, message).render()
    if crypto is not None:
        reply = crypto.encrypt_message(reply, nonce, timestamp)
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


# ---------------------------------------------------------------- JS-SDK


def jssdk_config(request: HttpRequest, shop_slug: str) -> JsonResponse:
    """``wx.config`` parameters for the page at ``url`` (signed server-side with the jsapi ticket),
    the JS-SDK's address, and the link to share: the page with the viewer's own referral code."""
    account = services.account_for_shop(shop_slug=shop_slug)
    url = request.GET.get("url", "").split("#")[0]
    parts = urlsplit(url)
    if account is None:
        return JsonResponse(
            {"code": "wechat_not_configured", "message": "no official account", "fields": {}}, status=404
        )
    if parts.scheme not in ("http", "https") or parts.netloc != request.get_host():
        return JsonResponse(
            {"code": "url_invalid", "message": "url must be a page of this site", "fields": {}}, status=400
        )
    try:
        client = account_client(account)
        ticket = client.jsapi_ticket()
    except (ApplicationError, WeChatException, requests.RequestException) as exc:
        logger.warning("jsapi ticket for %s failed: %s", shop_slug, exc)
        return JsonResponse(
            {"code": "wechat_error", "message": "WeChat is unavailable", "fields": {}}, status=502
        )
    nonce, timestamp = secrets.token_hex(8), str(int(time.time()))
    code = (
        share.referral_code(shop_id=account.shop_id, shop_slug=shop_slug, user_id=request.user.pk)
        if request.user.is_authenticated
        else None
    )
    return JsonResponse({
        "appId": account.appid, "timestamp": timestamp, "nonceStr": nonce,
        "signature": client.jsapi.get_jsapi_signature(nonce, ticket, timestamp, url),
        "script": request.build_absolute_uri(account.jssdk_url),
        "link": share.share_link(url, code=code),
    }, headers={"Cache-Control": "private, no-store"})  # fmt: skip
