"""Talking to WeChat: ``wechatpy`` clients pointed at the account's ``api_base_url`` (WeChat's
servers for live accounts, the local simulator for simulator ones; this module does not care which).

- ``account_client(account)`` / ``miniprogram_client(account)``: ``wechatpy.WeChatClient`` whose
  access token comes from ``wechat.tokens`` (one refresher for all processes) and which, when WeChat
  answers "token expired/invalid" (40001, 40014, 42001), refreshes once and retries once.
- ``oauth(account, redirect_uri, scope, state)``: ``wechatpy.oauth.WeChatOAuth`` for H5 login.
Every HTTP call has a timeout (``WECHAT_HTTP_TIMEOUT``); wechatpy's own default is none.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.oauth import WeChatOAuth

from wechat import tokens
from wechat.models import WeChatAccount

EXPIRED_TOKEN_CODES = frozenset({40001, 40014, 42001})


class TimeoutSession(requests.Session):
    """Every call has a timeout, and its own connection. Clients are short-lived (one per use case)
    and WeChat's calls are few, while reusing a kept-alive connection the server is closing fails
    with "Remote end closed connection without response": so nothing is kept alive."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["Connection"] = "close"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", settings.WECHAT_HTTP_TIMEOUT)
        try:
            return super().request(*args, **kwargs)
        finally:
            self.close()  # drop the pool: the next call opens a fresh connection


class Client(WeChatClient):
    """A ``WeChatClient`` with a shared, locked token cache and a configurable base URL."""

    def __init__(self, *, appid: str, secret: str, base_url: str) -> None:
        super().__init__(appid, secret, timeout=settings.WECHAT_HTTP_TIMEOUT, auto_retry=False)
        self._http = TimeoutSession()
        self.base_url = base_url
        self.API_BASE_URL = f"{base_url}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{base_url}/"

    # -- access token: cached for every process, one refresher
    def fetch_access_token(self) -> dict[str, Any]:
        response = self._http.get(
            f"{self.base_url}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )
        result = self._decode_result(response)
        if not isinstance(result, dict) or "access_token" not in result:
            errcode = result.get("errcode") if isinstance(result, dict) else None
            errmsg = result.get("errmsg") if isinstance(result, dict) else response.text[:200]
            raise WeChatClientException(errcode, errmsg, client=self, response=response)
        return result

    def token(self, *, stale: str | None = None) -> str:
        def fetch() -> tuple[str, int]:
            result = self.fetch_access_token()
            return result["access_token"], int(result.get("expires_in", 7200))

        return tokens.credential(kind="access_token", appid=self.appid, fetch=fetch, stale=stale)

    @property
    def access_token(self) -> str:  # wechatpy reads this for every call
        return self.token()

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        params = kwargs.get("params") or {}
        if not isinstance(params, dict) or "access_token" in params:
            return super()._request(method, url_or_endpoint, **kwargs)
        token = self.token()
        try:
            return super()._request(
                method, url_or_endpoint, **{**kwargs, "params": {**params, "access_token": token}}
            )
        except WeChatClientException as exc:
            if exc.errcode not in EXPIRED_TOKEN_CODES:
                raise
        # WeChat refused the token (expired early, or refreshed elsewhere): one refresh, one retry.
        token = self.token(stale=token)
        return super()._request(
            method, url_or_endpoint, **{**kwargs, "params": {**params, "access_token": token}}
        )

    # -- JS-SDK ticket, cached like the token
    def jsapi_ticket(self) -> str:
        def fetch() -> tuple[str, int]:
            result = self.jsapi.get_ticket("jsapi")
            return result["ticket"], int(result.get("expires_in", 7200))

        return tokens.credential(kind="jsapi_ticket", appid=self.appid, fetch=fetch)

    # -- mini-program calls wechatpy lacks or gets slightly wrong
    def code_to_session(self, js_code: str) -> dict[str, Any]:
        # A list of params (not a dict) keeps wechatpy from adding an access token this call needs not.
        return self.get(
            "sns/jscode2session",
            api_base_url=f"{self.base_url}/",
            params=[("appid", self.appid), ("secret", self.secret), ("js_code", js_code),
                    ("grant_type", "authorization_code")],
        )  # fmt: skip

    def phone_number(self, code: str) -> dict[str, Any]:
        return self.post(
            "wxa/business/getuserphonenumber", api_base_url=f"{self.base_url}/", data={"code": code}
        )

    def send_subscribe_message(
        self, *, openid: str, template_id: str, data: dict, page: str
    ) -> dict[str, Any]:
        return self.post(
            "message/subscribe/send",
            data={"touser": openid, "template_id": template_id, "page": page, "data": data,
                  "miniprogram_state": "formal", "lang": "zh_CN"},
        )  # fmt: skip


def account_client(account: WeChatAccount) -> Client:
    return Client(appid=account.appid, secret=account.secret, base_url=account.api_base_url)


def miniprogram_client(account: WeChatAccount) -> Client:
    return Client(
        appid=account.miniprogram_appid, secret=account.miniprogram_secret, base_url=account.api_base_url
    )


def oauth(
    account: WeChatAccount, *, redirect_uri: str, scope: str = "snsapi_base", state: str = ""
) -> WeChatOAuth:
    client = WeChatOAuth(account.appid, account.secret, redirect_uri, scope=scope, state=state)
    client.API_BASE_URL = f"{account.api_base_url}/"
    # the authorize page is the shopper's browser's: an absolute URL, or a path on the page's host
    client.OAUTH_BASE_URL = f"{account.web_base_url}/connect/"
    client._http = TimeoutSession()
    return client
