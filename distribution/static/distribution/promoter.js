/* 推广中心: copy the promoter's link; and 确认收款 for a withdrawal WeChat is holding until the
   promoter confirms it (WeixinJSBridge requestMerchantTransfer with the transfer's mchId, appId
   and package), then ask our server for the transfer's state. Without JavaScript the link can
   still be selected and copied by hand. */
(function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      if (!input) return;
      var done = function () { button.textContent = button.dataset.done; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
      } else {
        input.select();
        try { if (document.execCommand("copy")) done(); } catch (e) { /* selected: copy by hand */ }
      }
    });
  });

  function confirm(button) {
    var form = button.closest("form");
    var params = {mchId: button.dataset.mchId, appId: button.dataset.appId, "package": button.dataset["package"]};
    window.WeixinJSBridge.invoke("requestMerchantTransfer", params, function () {
      // whatever the client says, only WeChat's own record counts: ask the server
      if (form) form.querySelector("button[value=check]").click();
    });
  }

  document.querySelectorAll("[data-transfer]").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!/MicroMessenger/i.test(navigator.userAgent)) { alert(button.dataset.outside); return; }
      if (window.WeixinJSBridge) confirm(button);
      else document.addEventListener("WeixinJSBridgeReady", function () { confirm(button); }, {once: true});
    });
  });
})();
