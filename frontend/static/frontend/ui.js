// Small behaviours every page shares; no inline handlers (the Content-Security-Policy forbids them).
// - A button with data-print prints the page (labels, badges, the floor plan).
// - A tab list that scrolls sideways shows the current tab: it is scrolled into view on load.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-print]") : null;
  if (button) {
    event.preventDefault();
    window.print();
  }
});

document.addEventListener("DOMContentLoaded", () => {
  for (const current of document.querySelectorAll(".tabs [aria-current='page']")) {
    const list = current.closest(".tabs");
    if (list && list.scrollWidth > list.clientWidth) {
      list.scrollLeft = current.offsetLeft - list.offsetLeft - 16;
    }
  }
});
