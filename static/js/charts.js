/* Draws every element with data-chart="ID" with ECharts, from the option object the server put
   in <script type="application/json" id="ID"> (Django's json_script). Options are plain JSON:
   where a number needs formatting, the server writes a marker string instead of a function —
   "fmt:pct" (a fraction as 88.3%), "fmt:wan" (万元 with separators), "fmt:yi" (万元 shown in
   亿元) — and it is replaced here. A data item with a "url" is a link: clicking it opens the
   list of projects behind the number. */
(function () {
  "use strict";
  if (!window.echarts) { return; }

  function group(n, places) {
    return Number(n).toLocaleString("en-US", { minimumFractionDigits: places, maximumFractionDigits: places });
  }
  function blank(v) { return v === null || v === undefined || v === "-" || v === ""; }
  var VALUE = {
    pct: function (v) { return blank(v) ? "—" : group(v * 100, 1) + "%"; },
    wan: function (v) { return blank(v) ? "—" : group(v, 0); },
    yi: function (v) { return blank(v) ? "—" : group(v / 10000, 2); }
  };
  // "fmt:NAME" → f(value) (axis labels, tooltip.valueFormatter);
  // "label:NAME" → f(params) (series labels, which receive the data item's params).
  function formatter(marker) {
    var parts = marker.split(":");
    var fmt = VALUE[parts[1]];
    if (!fmt) { return null; }
    if (parts[0] === "fmt") { return fmt; }
    if (parts[0] === "label") {
      return function (p) { return fmt(Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value); };
    }
    return null;
  }
  function resolveFormatters(node) {
    if (Array.isArray(node)) { return node.map(resolveFormatters); }
    if (node && typeof node === "object") {
      Object.keys(node).forEach(function (key) {
        var value = node[key];
        var fn = typeof value === "string" && /^(fmt|label):/.test(value) ? formatter(value) : null;
        node[key] = fn || resolveFormatters(value);
      });
    }
    return node;
  }

  var charts = [];
  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || el.getAttribute("data-drawn")) { return; }
    if (!el.clientWidth || !el.clientHeight) { return; }  // hidden (e.g. a later screen page): drawn when shown
    var option = resolveFormatters(JSON.parse(source.textContent));
    var theme = el.getAttribute("data-theme") || null;
    var chart = window.echarts.init(el, theme, { renderer: "canvas" });
    if (theme === "dark") { option.backgroundColor = option.backgroundColor || "transparent"; }
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = params.data && params.data.url;
      if (url) { window.location.href = url; }
    });
    el.setAttribute("data-drawn", "1");
    charts.push(chart);
  }
  function drawAll(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(draw);
  }
  window.portfolioCharts = { drawAll: drawAll, resize: function () { charts.forEach(function (c) { c.resize(); }); } };
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawAll(event.target); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
