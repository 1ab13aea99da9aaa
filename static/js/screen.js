/* The meeting-room screen: one page at a time, advanced with the arrow keys (also PageUp /
   PageDown / space, Home / End, or a click), or automatically every N seconds (?auto=N); after
   the last page the screen reloads so the figures stay current. F toggles full screen, T the
   dark/light theme, P pauses the automatic advance. No editing controls. */
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var pageNo = document.getElementById("page-no");
  var autoState = document.getElementById("auto-state");
  var interval = parseInt(document.body.getAttribute("data-interval") || "0", 10);
  var current = 0;
  var timer = null;

  function show(index) {
    if (!slides.length) { return; }
    current = (index + slides.length) % slides.length;
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    pageNo.textContent = String(current + 1);
    if (history.replaceState) { history.replaceState(null, "", "#" + (current + 1)); }
    if (window.portfolioCharts) {
      window.portfolioCharts.drawAll(slides[current]);
      window.portfolioCharts.resize();
    }
  }
  function next() {
    if (interval && current === slides.length - 1) { window.location.reload(); return; }
    show(current + 1);
  }
  function previous() { show(current - 1); }
  function startAuto() {
    if (interval > 0 && !timer) { timer = window.setInterval(next, interval * 1000); }
  }
  function toggleAuto() {
    if (!interval) { return; }
    if (timer) {
      window.clearInterval(timer);
      timer = null;
      autoState.textContent = autoState.getAttribute("data-paused") || "⏸";
    } else {
      startAuto();
      autoState.textContent = autoState.getAttribute("data-running") || "▶";
    }
  }
  function restartAuto() {
    if (timer) { window.clearInterval(timer); timer = null; startAuto(); }
  }
  function toggleTheme() {
    var url = new URL(window.location.href);
    var dark = document.documentElement.getAttribute("data-theme") !== "light";
    url.searchParams.set("theme", dark ? "light" : "dark");
    window.location.replace(url.toString());
  }
  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch(function () { /* refused: stay windowed */ });
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    switch (event.key) {
      case "ArrowRight": case "ArrowDown": case "PageDown": case " ":
        next(); restartAuto(); break;
      case "ArrowLeft": case "ArrowUp": case "PageUp":
        previous(); restartAuto(); break;
      case "Home": show(0); break;
      case "End": show(slides.length - 1); break;
      case "f": case "F": toggleFullscreen(); break;
      case "t": case "T": toggleTheme(); break;
      case "p": case "P": toggleAuto(); break;
      default: return;
    }
    event.preventDefault();
  });
  document.getElementById("slides").addEventListener("click", function () { next(); restartAuto(); });
  window.addEventListener("resize", function () { if (window.portfolioCharts) { window.portfolioCharts.resize(); } });

  var start = parseInt((window.location.hash || "#1").slice(1), 10);
  show(isNaN(start) ? 0 : start - 1);
  startAuto();
})();
