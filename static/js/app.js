/* Small progressive enhancements; every page works without them.
   Charts: an element with data-chart="<id of a json_script block>" is drawn with ECharts from
   the option object in that block (see static/js/charts.js). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Proportional segments (the colour bar): sized from data-flex by script, since the pages
  // carry no style attributes (Content-Security-Policy).
  function sizeSegments(root) {
    root.querySelectorAll("[data-flex]").forEach(function (el) { el.style.flex = el.getAttribute("data-flex"); });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeSegments(document); });
  document.addEventListener("htmx:afterSwap", function (event) { sizeSegments(event.target); });

  document.addEventListener("change", function (event) {
    var el = event.target;
    // A select marked data-autosubmit submits its form (the language switch, filter pickers).
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit();
    }
  });

  // Confirm before leaving a form with unsaved edits (monthly reporting).
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-warn-unsaved")) { form.dataset.dirty = "1"; }
  });
  document.addEventListener("submit", function (event) {
    if (event.target.dataset) { delete event.target.dataset.dirty; }
  });
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-dirty]")) { event.preventDefault(); event.returnValue = ""; }
  });
})();

/* The reporting sheet: Enter and the up/down arrows move between rows of the same column
   (as in a spreadsheet) instead of submitting the form half-filled. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var el = event.target;
    if (!el.closest || !el.closest("form[data-sheet]") || el.tagName !== "INPUT") { return; }
    var key = event.key;
    if (key !== "Enter" && key !== "ArrowDown" && key !== "ArrowUp") { return; }
    var column = el.classList.contains("cellinput") ? "input.cellinput" : (el.classList.contains("noteinput") ? "input.noteinput" : null);
    if (!column) { return; }
    var cells = Array.prototype.slice.call(el.form.querySelectorAll(column));
    var index = cells.indexOf(el) + (key === "ArrowUp" ? -1 : 1);
    event.preventDefault();
    if (index >= 0 && index < cells.length) {
      cells[index].focus();
      cells[index].select();
    } else if (key === "Enter") {
      el.form.querySelector("[type=submit]").focus();
    }
  });
})();

/* Issue actions: show only the fields the chosen action uses (all show without JavaScript). */
(function () {
  "use strict";
  function sync(form) {
    var chosen = form.querySelector("input[name=action]:checked");
    var action = chosen ? chosen.value : "";
    form.querySelectorAll("[data-for-actions]").forEach(function (field) {
      var wanted = field.getAttribute("data-for-actions").split(" ");
      field.hidden = !(wanted.indexOf("all") >= 0 || wanted.indexOf(action) >= 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form#transition-form").forEach(sync);
  });
  document.addEventListener("change", function (event) {
    if (event.target.name === "action" && event.target.form && event.target.form.id === "transition-form") {
      sync(event.target.form);
    }
  });
})();

document.addEventListener("click", function (event) {
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
