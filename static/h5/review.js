/* The review form's photo picker: a Chinese “添加图片” button over the browser's own file input
   (whose words follow the browser's language), and how many photos are chosen. Without
   JavaScript the browser's own input stays, and works the same. */
(function () {
  "use strict";
  var box = document.querySelector(".photopick");
  if (!box) return;
  var input = box.querySelector("input[type=file]");
  var button = box.querySelector(".pickbtn");
  var count = box.querySelector(".pickcount");
  if (!input || !button || !count) return;
  box.classList.add("js");
  button.hidden = false;
  input.addEventListener("change", function () {
    var n = input.files ? input.files.length : 0;
    count.textContent = n ? box.dataset.picked.replace("{n}", n) : "";
  });
})();
