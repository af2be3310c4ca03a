/* Behaviour every page may use, wired by data- attributes (the Content-Security-Policy forbids inline code
   and on*= handlers; see docs/security-headers.md). */
(function () {
  "use strict";

  // <details data-open-wide>: open from the start on a wide screen, folded on a phone (the catalogue's filters).
  function openWhenWide() {
    if (!window.matchMedia("(min-width: 56rem)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (details) { details.open = true; });
  }

  // <button data-print>: prints the page (labels, badges, the floor plan).
  function printButtons() {
    document.addEventListener("click", function (event) {
      var button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
      if (button) {
        event.preventDefault();
        window.print();
      }
    });
  }

  // A tab list that scrolls sideways shows the current tab: it is scrolled into view.
  function showCurrentTab() {
    document.querySelectorAll(".tabs [aria-current='page']").forEach(function (current) {
      var list = current.closest(".tabs");
      if (list && list.scrollWidth > list.clientWidth) list.scrollLeft = current.offsetLeft - list.offsetLeft - 16;
    });
  }

  // "market:visible" on the document when the tab comes back into view (the bell refreshes then). htmx trigger
  // filters such as visibilitychange[document.visibilityState=='visible'] would need eval, which the policy bars.
  function announceVisible() {
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") document.dispatchEvent(new Event("market:visible"));
    });
  }

  openWhenWide();
  printButtons();
  announceVisible();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showCurrentTab);
  else showCurrentTab();
})();
