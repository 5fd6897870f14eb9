"""The simulator plays WeChat's browser: inside WeChat, ``WeixinJSBridge`` is injected into every
page by WeChat itself, and ``getBrandWCPayRequest`` opens WeChat's payment sheet. Here the
middleware adds ``bridge.js`` to every HTML page opened with a WeChat user agent, and the script's
``getBrandWCPayRequest`` opens the simulator's sheet for the ``prepay_id`` in ``package`` — so the
real pay page (payments/h5.py, static/h5/pay.js) runs unchanged — and its
``requestMerchantTransfer`` (a 商家转账 waiting for its payee) opens the simulator's 确认收款 page
for the ``package``, which returns to the page it came from. Installed only with the
simulator (config/settings.py ``SIMULATOR_MIDDLEWARE``)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import escape

from core.h5 import is_wechat

SCRIPT = """(function () {
  "use strict";
  var base = document.currentScript.src.replace(/\\/bridge\\.js.*$/, "");
  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      var pkg = String((params || {})["package"] || "");
      if (name === "requestMerchantTransfer") {  // 商家转账: the payee confirms receipt
        location.href = base + "/transfer/?package=" + encodeURIComponent(pkg) +
          "&back=" + encodeURIComponent(location.pathname + location.search);
        return;
      }
      if (name !== "getBrandWCPayRequest") {
        if (callback) callback({err_msg: name + ":fail the simulator knows only getBrandWCPayRequest and requestMerchantTransfer"});
        return;
      }
      location.href = base + "/pay/" + encodeURIComponent(pkg.replace(/^prepay_id=/, "")) + "/";
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
})();
"""


def bridge_script(request: HttpRequest) -> HttpResponse:
    return HttpResponse(SCRIPT, content_type="text/javascript; charset=utf-8")


class BridgeMiddleware:
    """Adds ``<script src="/wechatpay-sim/bridge.js">`` to HTML pages seen in WeChat's browser."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            is_wechat(request)
            and response.status_code == 200
            and not response.streaming
            and response.get("Content-Type", "").startswith("text/html")
            and b"</body>" in response.content
        ):
            tag = f'<script src="{escape(reverse("wechatpay-sim-bridge"))}" defer></script></body>'
            response.content = response.content.replace(b"</body>", tag.encode(), 1)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
