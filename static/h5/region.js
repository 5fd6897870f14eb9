/* The address form's region picker: province → city → district, three plain selects refilled from
   GET /api/v1/regions/?parent=<code> when a level changes. No framework. Without it the server
   renders each select with the children of the level chosen above, so the form still works. */
(function () {
  "use strict";
  var box = document.querySelector("[data-region-picker]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-regions-url");
  var none = box.getAttribute("data-none");
  var levels = ["province_code", "city_code", "district_code"].map(function (name) {
    var select = box.querySelector('select[name="' + name + '"]');
    return { select: select, label: select.closest("label"), prompt: select.options[0].text };
  });
  var cache = {};

  function children(parent) {
    if (cache[parent]) return Promise.resolve(cache[parent]);
    return fetch(url + "?parent=" + encodeURIComponent(parent), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (list) { cache[parent] = list; return list; });
  }

  function fill(level, list) {
    var select = levels[level].select;
    select.length = 0;
    select.add(new Option(list.length ? levels[level].prompt : none, ""));
    list.forEach(function (r) { select.add(new Option(r.name, r.code)); });
    select.disabled = false;
    if (level === 2) levels[2].label.hidden = !list.length;
  }

  function clear(level) {
    for (var i = level; i < levels.length; i++) {
      var select = levels[i].select;
      select.length = 0;
      select.add(new Option(levels[i].prompt, ""));
    }
    levels[2].label.hidden = false;
  }

  [0, 1].forEach(function (level) {
    levels[level].select.addEventListener("change", function () {
      var code = this.value;
      clear(level + 1);
      if (!code) return;
      var next = levels[level + 1].select;
      next.disabled = true;
      children(code).then(function (list) {
        if (levels[level].select.value !== code) return; // changed again meanwhile
        fill(level + 1, list);
        if (list.length === 1) { // a municipality's one city: choose it and go on to its districts
          next.value = list[0].code;
          next.dispatchEvent(new Event("change"));
        } else if (list.length) {
          next.focus();
        }
      }, function () { next.disabled = false; });
    });
  });
})();
