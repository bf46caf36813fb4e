"use strict";
(function () {
  var tbody = document.querySelector("#table tbody");
  var rows = Array.prototype.slice.call(tbody.querySelectorAll("tr.finding"));
  var ranks = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  var q = document.getElementById("q");
  var severity = document.getElementById("severity");
  var rule = document.getElementById("rule");
  var namespace = document.getElementById("namespace");
  var shown = document.getElementById("shown");

  function apply() {
    var text = q.value.trim().toLowerCase();
    var max = severity.value === "" ? 4 : ranks[severity.value];
    var visible = 0;
    rows.forEach(function (row) {
      var ok = Number(row.dataset.rank) <= max &&
        (rule.value === "" || row.dataset.rule === rule.value) &&
        (namespace.selectedIndex === 0 || row.dataset.namespace === namespace.value) &&
        (text === "" || row.textContent.toLowerCase().indexOf(text) !== -1);
      row.hidden = !ok;
      if (ok) { visible += 1; }
    });
    shown.textContent = visible + " of " + rows.length + " findings";
  }

  function key(row, column) {
    var cells = row.children;
    switch (column) {
      case "severity": return [Number(row.dataset.rank), Number(row.dataset.i)];
      case "rule": return [row.dataset.rule, Number(row.dataset.i)];
      case "object": return [cells[2].textContent, Number(row.dataset.i)];
      case "namespace": return [row.dataset.namespace, Number(row.dataset.i)];
      case "file": return [row.dataset.file, Number(row.dataset.line), Number(row.dataset.column)];
      default: return [cells[5].textContent, Number(row.dataset.i)];
    }
  }

  function compare(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }

  Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (th) {
    th.addEventListener("click", function () {
      var down = th.getAttribute("aria-sort") === "ascending";
      Array.prototype.forEach.call(document.querySelectorAll("th[data-sort]"), function (other) {
        other.removeAttribute("aria-sort");
      });
      th.setAttribute("aria-sort", down ? "descending" : "ascending");
      var column = th.dataset.sort;
      rows.sort(function (a, b) {
        var c = compare(key(a, column), key(b, column));
        return down ? -c : c;
      });
      rows.forEach(function (row) { tbody.appendChild(row); });
    });
  });

  [q, severity, rule, namespace].forEach(function (control) {
    control.addEventListener("input", apply);
  });

  document.getElementById("theme").addEventListener("click", function () {
    var root = document.documentElement;
    var dark = root.dataset.theme
      ? root.dataset.theme === "dark"
      : window.matchMedia("(prefers-color-scheme: dark)").matches;
    root.dataset.theme = dark ? "light" : "dark";
  });

  // A view can be linked: #severity=high&rule=...&namespace=...&q=...&sort=file&theme=dark
  // (sort=-file sorts descending).
  var params = new URLSearchParams(location.hash.slice(1));
  if (params.has("q")) { q.value = params.get("q"); }
  if (params.has("severity")) { severity.value = params.get("severity"); }
  if (params.has("rule")) { rule.value = params.get("rule"); }
  if (params.has("namespace")) {
    Array.prototype.forEach.call(namespace.options, function (option, i) {
      if (i > 0 && option.value === params.get("namespace")) { namespace.selectedIndex = i; }
    });
  }
  if (params.has("sort")) {
    var column = params.get("sort").replace(/^-/, "");
    var th = document.querySelector("th[data-sort=\"" + column + "\"]");
    if (th) {
      th.setAttribute("aria-sort", "descending");
      th.click();
      if (params.get("sort").charAt(0) === "-") { th.click(); }
    }
  }
  if (params.has("theme")) { document.documentElement.dataset.theme = params.get("theme"); }
  apply();
}());
