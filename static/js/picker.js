/* The project form's location picker (projects/_location_picker.html): the districts' outlines
   drawn with ECharts; a click anywhere on the map writes its latitude and longitude (6 places)
   into the form's fields and moves the marker; typing in the fields moves it too. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var el = document.querySelector("[data-picker]");
  if (!el) { return; }
  var data = JSON.parse(document.getElementById(el.getAttribute("data-picker")).textContent);
  var lat = document.getElementById(el.getAttribute("data-lat"));
  var lng = document.getElementById(el.getAttribute("data-lng"));
  if (!lat || !lng) { return; }
  echarts.registerMap("picker", data);
  var chart = echarts.init(el);
  function point() {
    var y = parseFloat(lat.value), x = parseFloat(lng.value);
    return isFinite(x) && isFinite(y) ? [[x, y]] : [];
  }
  chart.setOption({
    animation: false,
    geo: { map: "picker", roam: true, selectedMode: false, label: { show: true, fontSize: 11 },
           itemStyle: { areaColor: "#edf2f7", borderColor: "#4a5568" },
           emphasis: { itemStyle: { areaColor: "#bee3f8" } } },
    series: [{ type: "scatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 28,
               itemStyle: { color: "#c53030" }, data: point() }]
  });
  function refresh() { chart.setOption({ series: [{ data: point() }] }); }
  chart.getZr().on("click", function (event) {
    var at = chart.convertFromPixel({ geoIndex: 0 }, [event.offsetX, event.offsetY]);
    if (!at) { return; }
    lng.value = at[0].toFixed(6);
    lat.value = at[1].toFixed(6);
    [lat, lng].forEach(function (input) { input.dispatchEvent(new Event("input", { bubbles: true })); });
    refresh();
  });
  lat.addEventListener("change", refresh);
  lng.addEventListener("change", refresh);
  el.setAttribute("data-ready", "true");
  window.pickerPixel = function (x, y) { return chart.convertToPixel({ geoIndex: 0 }, [x, y]); };
  window.addEventListener("resize", function () { chart.resize(); });
})();
