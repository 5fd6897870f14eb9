/* The login page's "获取验证码" countdown: no second code until the server's wait is over
   (the button carries the seconds left in data-wait; the server refuses early requests anyway). */
(function () {
  "use strict";
  var button = document.getElementById("send-code");
  if (!button || !button.dataset.wait) return;
  var left = parseInt(button.dataset.wait, 10), label = button.textContent;
  button.disabled = true;
  (function tick() {
    if (!(left > 0)) { button.disabled = false; button.textContent = label; return; }
    button.textContent = left + " " + button.dataset.again;
    left -= 1;
    setTimeout(tick, 1000);
  })();
})();
