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

  /* The buy bar: the select is the no-JS fallback; with JS the spec buttons drive it, and a tap
     with nothing (or too much) chosen says why in a hint just above the bar. */
  var select = document.getElementById("buy-sku");
  var buyForm = document.getElementById("buy-form");
  var qty = buyForm && buyForm.querySelector('input[name="quantity"]');
  var hint = document.getElementById("buy-hint");
  var current = null, hintTimer = null;
  function say(text) {
    if (!hint) return;
    hint.textContent = text;
    hint.hidden = false;
    clearTimeout(hintTimer);
    hintTimer = setTimeout(function () { hint.hidden = true; }, 3000);
  }
  document.addEventListener("sku:selected", function (event) {
    current = event.detail;
    if (select) select.value = String(current.id);
    if (qty && current.stock > 0) qty.max = String(Math.min(current.stock, 999));
  });
  if (buyForm && select) {
    if (form || data.skus.length === 1) select.hidden = true; /* one SKU: nothing to choose */
    buyForm.noValidate = true; /* a hidden select cannot show the browser's own bubble: we say it instead */
    buyForm.addEventListener("submit", function (event) {
      if (!select.value) {
        event.preventDefault();
        var choice = form ? selected() : [];
        var missing = [];
        data.specs.forEach(function (spec, i) {
          var box = form && form.querySelector('fieldset[data-spec="' + spec.id + '"]');
          var need = choice[i] === null;
          if (box) box.classList.toggle("need", need);
          if (need) missing.push(spec.name);
        });
        say(missing.length ? "请先选择 " + missing.join(" / ") : "请先选择规格");
        if (form) form.scrollIntoView({ behavior: "smooth", block: "center" });
        return;
      }
      var sku = current || data.skus.filter(function (s) { return String(s.id) === select.value; })[0];
      var n = Number(qty && qty.value);
      if (sku && qty && (!(n >= 1) || n > sku.stock)) {
        event.preventDefault();
        say(sku.stock > 0 ? (n >= 1 ? "库存只剩 " + sku.stock + " 件" : "请输入购买数量") : "该规格已售罄");
        qty.focus();
      }
    });
  }
  if (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); });  /* choosing only */
    form.addEventListener("change", function (event) {
      var box = event.target.closest("fieldset");
      if (box) box.classList.remove("need");
      update();
    });
    /* Back from a refused tap (the server kept the choice in the select): show it on the buttons. */
    var kept = select && select.value && data.skus.filter(function (s) { return String(s.id) === select.value; })[0];
    if (kept) {
      kept.spec_value_ids.forEach(function (vid) {
        var input = form.querySelector('input[type="radio"][value="' + vid + '"]');
        if (input) input.checked = true;
      });
    }
    update();
  } else if (data.skus.length === 1) {
    document.dispatchEvent(new CustomEvent("sku:selected", { detail: data.skus[0] }));
  }
})();
