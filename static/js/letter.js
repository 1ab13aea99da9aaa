/* The printable letter: the print button (no inline handlers: the pages allow only their own
   scripts, Content-Security-Policy). */
document.addEventListener("click", function (event) {
  "use strict";
  if (event.target.closest && event.target.closest("[data-print]")) { window.print(); }
});
