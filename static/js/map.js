/* 挂图作战: draws the element with data-map="ID" from the JSON of <script id="ID">
   (web/_map.html, assessment.maps.map_data with compact=True): the region's children from
   their outlines (fetched from data-outlines, /map/outlines/?v=VERSION, kept by the browser
   until a boundary is reloaded), coloured by the chosen measure (visualMap legend), and the
   projects as points (column arrays, one scatter series per colour) sized by total
   investment. A click on a district opens its own map (?region=CODE, keeping the filters); a
   click on a point opens the project. No request leaves the server unless the installation
   set its own tile server (data-tiles, MAP_TILE_URL: {z}/{x}/{y} drawn beneath). */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var el = document.querySelector("[data-map]");
  if (!el) { return; }
  var source = document.getElementById(el.getAttribute("data-map"));
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var layer = data.regions;
  var P = data.points;

  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function wan(v) { return v === null || v === undefined ? "—" : Number(v).toLocaleString("en-US", { maximumFractionDigits: 0 }); }
  function esc(s) { return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function size(inv) { return Math.max(5, Math.min(26, Math.sqrt(inv || 0) / 12)); }

  /* Web Mercator tiles (x, y at zoom z) ↔ longitude / latitude */
  function lon2x(lng, z) { return (lng + 180) / 360 * Math.pow(2, z); }
  function lat2y(lat, z) { var r = lat * Math.PI / 180; return (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * Math.pow(2, z); }
  function x2lon(x, z) { return x / Math.pow(2, z) * 360 - 180; }
  function y2lat(y, z) { var n = Math.PI - 2 * Math.PI * y / Math.pow(2, z); return 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n))); }

  function draw(outlines) {
    var features = [];
    layer.features.forEach(function (f) {
      if (outlines[f.id]) { features.push({ type: "Feature", id: f.id, properties: f.properties, geometry: outlines[f.id] }); }
    });
    if (!features.length && outlines[layer.region.code]) {
      features = [{ type: "Feature", id: layer.region.code,
                    properties: { code: layer.region.code, name: layer.region.name, value: null, has_children: false },
                    geometry: outlines[layer.region.code] }];
    }
    var mapName = "r" + layer.region.code;
    echarts.registerMap(mapName, { type: "FeatureCollection", features: features });
    var byName = {};
    features.forEach(function (f) { byName[f.properties.name] = f.properties; });
    var values = features.map(function (f) { return f.properties.value; }).filter(function (v) { return v !== null && v !== undefined; });
    var better = layer.measure.higher_is_better;
    var ramp = better ? ["#fde0dd", "#fbd38d", "#9ae6b4", "#2f855a"] : ["#e6f4ea", "#fbd38d", "#f6ad55", "#c53030"];
    var max = values.length ? Math.max.apply(null, values.concat([better ? 1 : 0.01])) : 1;
    var tileUrl = el.getAttribute("data-tiles");

    /* the points: one series per colour and size class (green beneath, red on top), each
       drawn as one path when large ("large" mode), data [lng, lat, investment, i] */
    var order = ["", "green", "white", "yellow", "red"];
    var classes = [5, 8, 12, 18, 26];
    function sizeClass(inv) {
      var s = size(inv);
      for (var k = 0; k < classes.length - 1; k++) { if (s <= (classes[k] + classes[k + 1]) / 2) { return k; } }
      return classes.length - 1;
    }
    var groups = {};
    var n = P.code.length;
    for (var i = 0; i < n; i++) {
      var c = data.palette[P.colour[i]] ? P.colour[i] : "";
      var key = c + "|" + sizeClass(P.inv[i]);
      (groups[key] = groups[key] || []).push([P.lng[i], P.lat[i], P.inv[i] || 0, i]);
    }
    var series = [
      { type: "map", geoIndex: 0, data: features.map(function (f) { return { name: f.properties.name, value: f.properties.value, code: f.properties.code }; }) }
    ];
    if (tileUrl) {
      series.push({ id: "tiles", type: "custom", coordinateSystem: "geo", geoIndex: 0, silent: true, z: 0,
                    data: [], renderItem: function (params, api) {
                      var x = api.value(0), y = api.value(1), z = api.value(2);
                      var a = api.coord([x2lon(x, z), y2lat(y, z)]), b = api.coord([x2lon(x + 1, z), y2lat(y + 1, z)]);
                      return { type: "image", silent: true, style: {
                        image: tileUrl.replace("{z}", z).replace("{x}", x).replace("{y}", y),
                        x: a[0], y: a[1], width: b[0] - a[0], height: b[1] - a[1] } };
                    } });
    }
    order.forEach(function (c) {
      classes.forEach(function (px, k) {
        var points = groups[c + "|" + k];
        if (!points) { return; }
        series.push({ type: "scatter", coordinateSystem: "geo", data: points, zlevel: 1,
                      large: true, largeThreshold: 1, symbolSize: px,
                      itemStyle: { color: data.palette[c] || "#718096", borderColor: "#1a202c", borderWidth: 0.5 },
                      emphasis: { scale: 1.6 } });
      });
    });

    var reasons = {};
    function tip(i, reason) {
      var colour = P.colour[i];
      return "<b>" + esc(P.name[i]) + "</b><br>" + esc(P.code[i]) + " · " + esc(P.districts[P.district[i]]) +
        "<br>" + esc(data.colour_labels[colour] || "—") + " · " + esc(reason) +
        "<br>总投资 " + wan(P.inv[i]) + " 万元 · 年度计划 " + wan(P.plan[i]) +
        " 万元<br>累计完成 " + wan(P.ytd[i]) + " 万元 · 投资完成率 " + pct(P.rate[i]);
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (params, ticket, callback) {
          if (params.seriesType === "scatter") {
            var i = params.value[3], code = P.code[i], colour = P.colour[i];
            if (colour !== "red" && colour !== "yellow") { return tip(i, P.meanings[colour] || ""); }
            if (!reasons[code]) {  /* yellow or red: the reason from the project API, once */
              fetch("/api/v1/projects/" + encodeURIComponent(code) + "/?period=" + data.period,
                    { credentials: "same-origin", headers: { Accept: "application/json" } })
                .then(function (r) { return r.ok ? r.json() : null; })
                .then(function (body) {
                  reasons[code] = (body && body.colour_reason) || data.colour_labels[colour];
                  callback(ticket, tip(i, reasons[code]));
                });
            }
            return tip(i, reasons[code] || "…");
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
        inRange: tileUrl ? { color: ramp, colorAlpha: 0.55 } : { color: ramp },
        formatter: function (v) { return pct(v); }
      },
      geo: {
        map: mapName, roam: true, selectedMode: false, z: 1,
        label: { show: !el.classList.contains("wallmap-compact"), fontSize: 11, color: "#1a202c" },
        itemStyle: { borderColor: "#4a5568", borderWidth: 1, areaColor: tileUrl ? "rgba(237,242,247,0.35)" : "#edf2f7" },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#bee3f8" } }
      },
      series: series
    });

    /* the tiles that cover the view at the zoom whose tiles are about 256 px wide (at most 64) */
    function tiles() {
      var w = chart.getWidth(), h = chart.getHeight();
      var tl = chart.convertFromPixel({ geoIndex: 0 }, [0, 0]), br = chart.convertFromPixel({ geoIndex: 0 }, [w, h]);
      if (!tl || !br) { return []; }
      var dpp = Math.abs(br[0] - tl[0]) / w;
      var z = Math.max(0, Math.min(18, Math.round(Math.log(360 / (256 * dpp)) / Math.LN2)));
      var top = Math.pow(2, z) - 1;
      function clamp(v) { return Math.max(0, Math.min(top, Math.floor(v))); }
      var x0 = clamp(lon2x(tl[0], z)), x1 = clamp(lon2x(br[0], z));
      var y0 = clamp(lat2y(Math.min(85, tl[1]), z)), y1 = clamp(lat2y(Math.max(-85, br[1]), z));
      var list = [];
      for (var x = x0; x <= x1; x++) {
        for (var y = y0; y <= y1 && list.length < 64; y++) { list.push([x, y, z]); }
      }
      return list;
    }
    function refreshTiles() {
      if (!tileUrl) { return; }
      var list = tiles();
      chart.setOption({ series: [{ id: "tiles", data: list }] });
      el.setAttribute("data-tiles-drawn", String(list.length));
    }
    refreshTiles();
    chart.on("georoam", refreshTiles);

    el.setAttribute("data-districts", String(features.length));
    el.setAttribute("data-points", String(n));
    el.setAttribute("data-ready", "true");
    chart.on("click", function (params) {
      if (params.seriesType === "scatter") {
        window.location.href = P.url_prefix + P.code[params.value[3]] + "/";
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
    window.addEventListener("resize", function () { chart.resize(); refreshTiles(); });
    /* drawn while hidden (a meeting-screen slide not yet shown): sized when it appears */
    if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); refreshTiles(); }).observe(el); }
  }

  fetch(el.getAttribute("data-outlines"), { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : { outlines: {} }; })
    .catch(function () { return { outlines: {} }; })
    .then(function (body) { draw(body.outlines || {}); });
})();
