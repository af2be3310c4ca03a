/* Behaviour every page may use, wired by data- attributes (the Content-Security-Policy forbids inline code
   and on*= handlers; see docs/security-headers.md). */
(function () {
  "use strict";

  // Numbers a script writes for people to read (counts), grouped as the page's language writes them and as the
  // server writes them on the same page (format_decimal): "1.200" in Vietnamese, "1,200" in English. Numbers a
  // program reads back (data- attributes, input values, JSON) stay bare.
  var numbers = new Intl.NumberFormat(document.documentElement.lang || "vi", { maximumFractionDigits: 3 });
  window.MarketNumbers = {
    format: function (value) {
      return numbers.format(value);
    },
  };

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

  // Every htmx request gets its answer within the page's data-answer-timeout-ms (8 s; read at each request, an
  // element's own hx-request timeout aside) or ends as htmx:timeout. Then htmx swaps nothing, so a form keeps
  // what was typed; it says so above the form, until a later request of that form is answered. A page script
  // that deals with the timeout itself (the check-in queues the scan) calls preventDefault() on the event.
  function answerTimeouts() {
    document.addEventListener("htmx:configRequest", function (event) {
      var ms = Number(document.body.dataset.answerTimeoutMs);
      if (!event.detail.timeout && ms > 0) event.detail.timeout = ms;
    });
    document.addEventListener("htmx:timeout", function (event) {
      var form = event.target instanceof Element ? event.target.closest("form") : null;
      if (!form || event.defaultPrevented) return;
      var notice = noAnswerNotice(form) || document.createElement("p");
      notice.className = "notice warning";
      notice.setAttribute("role", "alert");
      notice.dataset.noAnswer = "";
      notice.textContent = document.body.dataset.tNoAnswer;
      form.before(notice);
    });
    document.addEventListener("htmx:afterRequest", function (event) {
      var form = event.target instanceof Element ? event.target.closest("form") : null;
      var notice = form && event.detail.successful ? noAnswerNotice(form) : null;
      if (notice) notice.remove();
    });
  }

  function noAnswerNotice(form) {
    var before = form.previousElementSibling;
    return before && before.hasAttribute("data-no-answer") ? before : null;
  }

  openWhenWide();
  printButtons();
  announceVisible();
  answerTimeouts();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showCurrentTab);
  else showCurrentTab();
})();
