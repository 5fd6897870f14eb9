/* Flash-sale countdowns: every <time class="js-countdown" datetime="..."> shows the time left
   (时:分:秒) and reloads the page when it reaches zero. Without JavaScript the printed time stays. */
(function () {
  var els = document.querySelectorAll("time.js-countdown");
  if (!els.length) return;
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function tick() {
    var now = Date.now();
    for (var i = 0; i < els.length; i++) {
      var left = Math.floor((Date.parse(els[i].getAttribute("datetime")) - now) / 1000);
      if (isNaN(left)) continue;
      if (left <= 0) { location.reload(); return; }
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600);
      var m = Math.floor(left % 3600 / 60), s = left % 60;
      els[i].textContent = (d ? d + "天 " : "") + pad(h) + ":" + pad(m) + ":" + pad(s);
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
