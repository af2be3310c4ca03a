// Installs Market Link's service worker (/sw.js) and tells it which files this page loaded, so that a page
// that works offline (check-in, intake) opens again with no network after one visit online.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  function keep(worker) {
    var assets = [];
    document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href], img[src]").forEach(function (el) {
      var src = el.src || el.href;
      if (src && new URL(src).origin === location.origin) assets.push(src);
    });
    worker.postMessage({ type: "keep", page: location.pathname, assets: assets });
  }
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then(function () {
      return navigator.serviceWorker.ready;
    })
    .then(function (registration) {
      if (registration.active) keep(registration.active);
    })
    .catch(function () {});
})();
