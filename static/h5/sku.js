/* The product page's SKU selector: plain JS, no framework. Without it the page still lists every
   SKU with its price and stock (the table below the selector). */
(function () {
  "use strict";
  var node = document.getElementById("sku-data");
  var form = document.getElementById("sku-form");
  if (!node) return;
  var data = JSON.parse(node.textContent);
  var priceEl = document.getElementById("sku-price");
  var stockEl = document.getElementById("sku-stock");
  var chosenEl = document.getElementById("sku-chosen");
  var table = document.getElementById("sku-table");
  if (table && form) table.removeAttribute("open");
  var byKey = {};
  data.skus.forEach(function (s) { byKey[s.spec_value_ids.slice().sort(function (a, b) { return a - b; }).join(",")] = s; });

  function yuan(fen) {
    var whole = Math.floor(fen / 100), cents = fen % 100;
    return "¥" + whole + (cents ? "." + (cents < 10 ? "0" : "") + cents : "");
  }
  function keyOf(ids) { return ids.slice().sort(function (a, b) { return a - b; }).join(","); }
  function selected() {
    return data.specs.map(function (spec) {
      var input = form.querySelector('input[name="spec-' + spec.id + '"]:checked');
      return input ? Number(input.value) : null;
    });
  }
  /* Is there an in-stock SKU using value `vid` for spec `index`, given the other choices? */
  function possible(choice, index, vid) {
    return data.skus.some(function (s) {
      if (s.stock <= 0 || s.spec_value_ids.indexOf(vid) < 0) return false;
      return choice.every(function (c, i) { return i === index || c === null || s.spec_value_ids.indexOf(c) >= 0; });
    });
  }
  function showImage(url) {
    var gallery = document.querySelector(".gallery");
    if (!url || !gallery) return;
    var imgs = gallery.querySelectorAll("img");
    for (var i = 0; i < imgs.length; i++) {
      if (imgs[i].getAttribute("src") === url) { gallery.scrollTo({ left: imgs[i].offsetLeft, behavior: "smooth" }); return; }
    }
    imgs[0] && imgs[0].setAttribute("src", url);
  }
  function update() {
    var choice = selected();
    data.specs.forEach(function (spec, index) {
      form.querySelectorAll('input[name="spec-' + spec.id + '"]').forEach(function (input) {
        var ok = possible(choice, index, Number(input.value));
        input.disabled = !ok;
        input.parentNode.classList.toggle("off", !ok);
        if (!ok && input.checked) { input.checked = false; }
      });
    });
    choice = selected();
    var missing = data.specs.filter(function (s, i) { return choice[i] === null; }).map(function (s) { return s.name; });
    if (missing.length) {
      priceEl.textContent = priceEl.getAttribute("data-range");
      chosenEl.textContent = "请选择 " + missing.join(" / ");
      return;
    }
    var sku = byKey[keyOf(choice)];
    if (!sku) { chosenEl.textContent = "该组合暂不可售"; return; }
    priceEl.textContent = yuan(sku.price_fen);
    stockEl.innerHTML = sku.stock > 0 ? "库存 " + sku.stock + " 件" : '<span class="so">已售罄</span>';
    chosenEl.textContent = "已选：" + sku.spec_text.replace(/\S+?:/g, "");
    showImage(sku.image);
    document.dispatchEvent(new CustomEvent("sku:selected", { detail: sku }));
  }
  if (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });  /* choosing only */
    form.addEventListener("change", update);
    update();
  } else if (data.skus.length === 1) {
    document.dispatchEvent(new CustomEvent("sku:selected", { detail: data.skus[0] }));
  }
})();
/* Keep the buy form's SKU choice in step with the spec buttons (the select is the no-JS fallback). */
(function () {
  "use strict";
  var select = document.getElementById("buy-sku");
  if (!select) return;
  if (document.getElementById("sku-form")) select.hidden = true;
  document.addEventListener("sku:selected", function (event) { select.value = String(event.detail.id); });
  document.getElementById("buy-form").addEventListener("submit", function (event) {
    if (!select.value) { event.preventDefault(); var c = document.getElementById("sku-chosen"); if (c) c.scrollIntoView({ behavior: "smooth" }); }
  });
})();
