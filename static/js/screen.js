/* The meeting-room screen: one page at a time, advanced with the arrow keys (also PageUp /
   PageDown / space, Home / End, or a click), or automatically every N seconds (?auto=N); after
   the last page the screen reloads so the figures stay current. F toggles full screen, T the
   dark/light theme, P pauses the automatic advance. No editing controls.

   The lists (decks) come without their rows: each deck is measured once at the screen's size —
   how many one-line rows fit between its header and the footer — and cut into that many slides;
   a slide's rows are fetched from the server (htmx) when it is shown, the next one ahead. On a
   resize the decks are cut again. So a province's screen never carries its lists in the page. */
(function () {
  "use strict";
  var main = document.getElementById("slides");
  var pageNo = document.getElementById("page-no");
  var pageCount = document.getElementById("page-count");
  var autoState = document.getElementById("auto-state");
  var interval = parseInt(document.body.getAttribute("data-interval") || "0", 10);
  var PHONE_ROWS = 8;   // a phone scrolls: rows wrap, so they are not measured
  var MAX_ROWS = 40;    // the server's own limit (dashboard.SCREEN_MAX_ROWS)
  var decks = Array.prototype.slice.call(main.querySelectorAll(".slide.deck"));
  var statics = Array.prototype.slice.call(main.querySelectorAll(".slide:not(.deck)"));
  var maps = statics.filter(function (s) { return s.getAttribute("data-kind") === "map"; });
  var before = statics.filter(function (s) { return maps.indexOf(s) < 0; });
  var slides = [];
  var current = 0;
  var timer = null;
  var perSlide = 0;

  function scaleCharts() {
    // Chart labels sized for 1080 lines: larger on a larger screen (a 4K wall doubles them).
    var factor = Math.max(1, window.innerHeight / 1080);
    if (factor === 1) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("script[type='application/json'][id^='screen-ranking']"), function (script) {
      var option = JSON.parse(script.textContent);
      (function walk(node) {
        if (Array.isArray(node)) { node.forEach(walk); return; }
        if (node && typeof node === "object") {
          Object.keys(node).forEach(function (key) {
            if (key === "fontSize" && typeof node[key] === "number") { node[key] = Math.round(node[key] * factor); }
            else { walk(node[key]); }
          });
        }
      })(option);
      script.textContent = JSON.stringify(option);
    });
  }

  function measure(deck) {
    // How many rows of `deck` fit: the slide's bottom less its table body's top, over a row.
    if (window.innerWidth <= 700) { return PHONE_ROWS; }
    var wasHidden = deck.hidden;
    deck.hidden = false;
    var probe = deck.querySelector("tr.probe");
    var body = deck.querySelector("tbody");
    var rowHeight = probe.getBoundingClientRect().height;
    var room = deck.getBoundingClientRect().bottom - body.getBoundingClientRect().top;
    deck.hidden = wasHidden;
    if (!rowHeight) { return PHONE_ROWS; }
    return Math.max(1, Math.min(MAX_ROWS, Math.floor((room - 2) / rowHeight)));
  }

  function cut() {
    // Every deck into slides of `perSlide` rows (the same for all: one row height, one room).
    slides.forEach(function (slide) { if (slide.classList.contains("deck-page")) { slide.remove(); } });
    var measured = decks.map(function (deck) { return measure(deck); });
    perSlide = measured.length ? Math.min.apply(null, measured) : 0;
    var pages = [];
    decks.forEach(function (deck) {
      var count = parseInt(deck.getAttribute("data-count") || "0", 10);
      var n = Math.max(1, Math.ceil(count / perSlide));
      for (var i = 0; i < n; i += 1) {
        var page = deck.cloneNode(true);
        page.classList.remove("deck");
        page.classList.add("deck-page");
        page.hidden = true;
        page.setAttribute("data-offset", String(i * perSlide));
        page.querySelector("tbody").innerHTML = "";
        page.querySelector(".part").textContent = n > 1 ? "（" + (i + 1) + "/" + n + "）" : "";
        main.insertBefore(page, maps[0] || null);
        pages.push(page);
      }
      deck.hidden = true;
    });
    slides = before.concat(pages, maps);
    slides.forEach(function (slide, i) { slide.id = "slide-" + (i + 1); });
    pageCount.textContent = String(slides.length);
  }

  function load(slide) {
    if (!slide || !slide.classList.contains("deck-page") || slide.getAttribute("data-loaded")) { return; }
    slide.setAttribute("data-loaded", "loading");
    var url = slide.getAttribute("data-src") + "&offset=" + slide.getAttribute("data-offset") + "&limit=" + perSlide;
    // The slide is the request's source: htmx keeps one request in flight per source and
    // answers a second call from the same source at once, queueing (or dropping) its request;
    // with the body as everyone's source, a slide fetched ahead while another was loading was
    // marked loaded and stayed empty.
    window.htmx.ajax("GET", url, { source: slide, target: slide.querySelector("tbody"), swap: "innerHTML" }).then(function () {
      slide.setAttribute("data-loaded", "true");
    }, function () { slide.removeAttribute("data-loaded"); });
  }

  function show(index) {
    if (!slides.length) { return; }
    current = (index + slides.length) % slides.length;
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    pageNo.textContent = String(current + 1);
    if (history.replaceState) { history.replaceState(null, "", "#" + (current + 1)); }
    load(slides[current]);
    load(slides[current + 1]);  // ahead, so the next page is there when it is turned
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
  main.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("a")) { return; }  // a figure's list
    next(); restartAuto();
  });
  var resizing = null;
  window.addEventListener("resize", function () {
    if (window.portfolioCharts) { window.portfolioCharts.resize(); }
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () {
      var was = perSlide;
      if (decks.map(measure).reduce(function (a, b) { return Math.min(a, b); }, MAX_ROWS) !== was) {
        cut();
        show(Math.min(current, slides.length - 1));
      }
    }, 250);
  });

  scaleCharts();
  cut();
  var start = parseInt((window.location.hash || "#1").slice(1), 10);
  show(isNaN(start) ? 0 : start - 1);
  document.body.setAttribute("data-ready", "true");
  startAuto();
})();
