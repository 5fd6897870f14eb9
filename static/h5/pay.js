/* The pay page. Inside WeChat (JSAPI): the button hands the server-signed parameters (a JSON data
   block) to WeixinJSBridge, which WeChat's browser provides; back to the order afterwards.
   On a desktop (QR code): ask the server every 2 s whether the order is paid, then go to it. */
(function () {
  "use strict";
  var page = document.getElementById("pay");
  if (!page) return;
  var orderUrl = page.dataset.orderUrl;
  var button = document.getElementById("pay-now"), params = document.getElementById("pay-params");
  if (button && params) {
    button.addEventListener("click", function () {
      var data = JSON.parse(params.textContent);
      function go() {
        window.WeixinJSBridge.invoke("getBrandWCPayRequest", data, function () { location.href = orderUrl; });
      }
      if (window.WeixinJSBridge) { go(); } else { document.addEventListener("WeixinJSBridgeReady", go, false); }
    });
  }
  if (page.dataset.poll && window.fetch) {
    (function poll() {
      fetch(page.dataset.poll, {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (d) { if (d.paid) { location.href = orderUrl; } else { setTimeout(poll, 2000); } })
        .catch(function () { setTimeout(poll, 4000); });
    })();
  }
})();
