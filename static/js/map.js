/* 挂图作战: draws the element with data-map="ID" from the JSON of <script id="ID">
   (web/_map.html, assessment.maps.map_data): the region's children from their outlines,
   coloured by the chosen measure (visualMap legend), and the projects as points coloured by
   their four-colour status, sized by total investment. A click on a district opens its own
   map (?region=CODE, keeping the filters); a click on a point opens the project. No tiles, no
   request leaves the server. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var el = document.querySelector("[data-map]");
  if (!el) { return; }
  var source = document.getElementById(el.getAttribute("data-map"));
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var layer = data.regions;
  var features = layer.features.slice();
  if (!features.length && layer.outline) {
    features = [{ type: "Feature", id: layer.region.code,
                  properties: { code: layer.region.code, name: layer.region.name, value: null, has_children: false },
                  geometry: layer.outline }];
  }
  var mapName = "r" + layer.region.code;
  echarts.registerMap(mapName, { type: "FeatureCollection", features: features });
  var byName = {};
  features.forEach(function (f) { byName[f.properties.name] = f.properties; });

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function wan(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 }); }
  function esc(s) { return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }

  var values = features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null && v !== undefined; });
  var better = layer.measure.higher_is_better;
  var ramp = better ? ["#fde0dd", "#fbd38d", "#9ae6b4", "#2f855a"] : ["#e6f4ea", "#fbd38d", "#f6ad55", "#c53030"];
  var max = values.length ? Math.max.apply(null, values.concat([better ? 1 : 0.01])) : 1;
  var points = data.projects.features.map(function (f) {
    var p = f.properties;
    var inv = Number(p.total_investment || 0);
    return { name: p.name, value: f.geometry.coordinates.concat([inv]), props: p,
             itemStyle: { color: data.palette[p.colour] || "#718096", borderColor: "#1a202c", borderWidth: 0.5 },
             symbolSize: Math.max(5, Math.min(26, Math.sqrt(inv) / 12)) };
  });
  var reasons = {};
  function tip(p, reason) {
    return "<b>" + esc(p.name) + "</b><br>" + esc(p.code) + " · " + esc(p.district) +
      "<br>" + esc(p.colour_label || "—") + " · " + esc(reason) +
      "<br>总投资 " + wan(p.total_investment) + " 万元 · 年度计划 " + wan(p.annual_plan) +
      " 万元<br>累计完成 " + wan(p.completed_ytd) + " 万元 · 投资完成率 " + pct(p.investment_rate);
  }
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "item", confine: true,
      formatter: function (params, ticket, callback) {
        if (params.seriesType === "scatter") {
          var p = params.data.props;
          var reason = p.reason;
          if (reason === null) {  /* yellow or red: the reason from the project API, once */
            reason = reasons[p.code] || "…";
            if (!reasons[p.code]) {
              fetch("/api/v1/projects/" + encodeURIComponent(p.code) + "/?period=" + data.period,
                    { credentials: "same-origin", headers: { Accept: "application/json" } })
                .then(function (r) { return r.ok ? r.json() : null; })
                .then(function (body) {
                  reasons[p.code] = (body && body.colour_reason) || p.colour_label;
                  callback(ticket, tip(p, reasons[p.code]));
                });
            }
          }
          return tip(p, reason);
        }
        var r = byName[params.name];
        if (!r) { return esc(params.name); }
        return "<b>" + esc(r.name) + "</b><br>" + esc(layer.measure.label) + " " + pct(r.value) +
          "<br>项目 " + (r.projects || 0) + " 个 · 红灯 " + (r.red || 0) + " 个" +
          "<br>投资完成率 " + pct(r.investment_rate) + " · 开工率 " + pct(r.start_rate);
      }
    },
    visualMap: {
      type: "continuous", min: 0, max: max, seriesIndex: 0, calculable: false,
      text: [layer.measure.label + " " + pct(max), pct(0)], left: 8, bottom: 8,
      inRange: { color: ramp }, formatter: function (v) { return pct(v); }
    },
    geo: {
      map: mapName, roam: true, selectedMode: false,
      label: { show: !el.classList.contains("wallmap-compact"), fontSize: 11, color: "#1a202c" },
      itemStyle: { borderColor: "#4a5568", borderWidth: 1, areaColor: "#edf2f7" },
      emphasis: { label: { show: true }, itemStyle: { areaColor: "#bee3f8" } }
    },
    series: [
      { type: "map", geoIndex: 0, data: features.map(function (f) { return { name: f.properties.name, value: f.properties.value, code: f.properties.code }; }) },
      { type: "scatter", coordinateSystem: "geo", data: points, zlevel: 1,
        emphasis: { scale: 1.6 } }
    ]
  });
  el.setAttribute("data-districts", String(features.length));
  el.setAttribute("data-points", String(points.length));
  el.setAttribute("data-ready", "true");
  chart.on("click", function (params) {
    if (params.seriesType === "scatter") {
      window.location.href = params.data.props.url;
      return;
    }
    var r = byName[params.name];
    if (!r || !r.has_children || r.code === layer.region.code) { return; }
    var query = new URLSearchParams(window.location.search);
    query.set("region", r.code);
    window.location.href = el.getAttribute("data-url") + "?" + query.toString();
  });
  /* for the browser tests and keyboard users: the pixel of a district's or a project's place */
  window.wallmapPixel = function (lng, lat) { return chart.convertToPixel({ geoIndex: 0 }, [lng, lat]); };
  window.addEventListener("resize", function () { chart.resize(); });
  /* drawn while hidden (a meeting-screen slide not yet shown): sized when it appears */
  if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); }).observe(el); }
})();
