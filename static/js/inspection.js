/* 现场检查 (supervision/inspection_new.html), all optional — the form works without it:
   - each chosen photo's time (File.lastModified, the camera's capture time on a phone) into the
     hidden `photo_times`, in the order of the files, and their names listed under the input;
   - 记录当前位置: the position, asked only when the button is pressed (never required);
   - 添加一条发现: a new finding row from the <template>, without reloading the page. */
(function () {
  "use strict";
  function setup(form) {
    var photos = form.querySelector("input[type=file][name=photos]");
    var times = form.querySelector("input[name=photo_times]");
    var list = form.querySelector("#photo-list");
    if (photos && times) {
      photos.addEventListener("change", function () {
        var files = Array.prototype.slice.call(photos.files || []);
        times.value = files.map(function (f) { return f.lastModified ? String(f.lastModified) : ""; }).join(",");
        if (list) {
          list.textContent = "";
          files.forEach(function (f) {
            var li = document.createElement("li");
            li.textContent = f.name + " · " + (f.lastModified ? new Date(f.lastModified).toLocaleString() : "");
            list.appendChild(li);
          });
        }
      });
    }
    var locate = form.querySelector("#locate");
    var shown = form.querySelector("#position");
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        shown.textContent = locate.getAttribute("data-waiting");
        navigator.geolocation.getCurrentPosition(function (pos) {
          var lat = pos.coords.latitude.toFixed(6);
          var lng = pos.coords.longitude.toFixed(6);
          form.querySelector("input[name=latitude]").value = lat;
          form.querySelector("input[name=longitude]").value = lng;
          shown.textContent = lat + ", " + lng + " (±" + Math.round(pos.coords.accuracy) + " m)";
        }, function () {
          shown.textContent = locate.getAttribute("data-failed");
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
    var add = form.querySelector("#add-finding");
    var template = form.querySelector("#finding-template");
    var rows = form.querySelector("#finding-rows");
    var total = form.querySelector("input[name=findings-TOTAL_FORMS]");
    var max = form.querySelector("input[name=findings-MAX_NUM_FORMS]");
    if (add && template && rows && total) {
      // With the script the row is added here, so Enter in a field saves (the first submit
      // button of the form would otherwise be 添加一条发现).
      add.type = "button";
      add.addEventListener("click", function (event) {
        var n = parseInt(total.value, 10) || 0;
        event.preventDefault();
        if (max && n >= parseInt(max.value, 10)) { return; }
        var html = template.innerHTML.replace(/__prefix__/g, String(n));
        rows.insertAdjacentHTML("beforeend", html);
        total.value = String(n + 1);
        var first = rows.lastElementChild && rows.lastElementChild.querySelector("textarea");
        if (first) { first.focus(); }
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("inspection-form");
    if (form) { setup(form); }
  });
})();
