/* WeChat share card: inside WeChat only, ask our server for a signed wx.config (and the link to
   share: this page with the viewer's own referral code), load the JS-SDK, and set the card's
   title, description, image and link. Outside WeChat this does nothing. */
(function () {
  var el = document.getElementById("wx-share");
  if (!el || !/MicroMessenger/i.test(navigator.userAgent) || !window.fetch) return;
  var here = location.href.split("#")[0];
  fetch(el.dataset.config + "?url=" + encodeURIComponent(here), {credentials: "same-origin"})
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (c) {
      if (!c) return;
      var s = document.createElement("script");
      s.src = c.script;
      s.onload = function () {
        wx.config({debug: false, appId: c.appId, timestamp: c.timestamp, nonceStr: c.nonceStr,
                   signature: c.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"]});
        wx.ready(function () {
          var card = {title: el.dataset.title, desc: el.dataset.desc, link: c.link,
                      imgUrl: el.dataset.image ? new URL(el.dataset.image, here).href : ""};
          wx.updateAppMessageShareData(card);
          wx.updateTimelineShareData({title: card.title, link: card.link, imgUrl: card.imgUrl});
        });
      };
      document.head.appendChild(s);
    })
    .catch(function () { /* no card: WeChat falls back to the page title */ });
})();
