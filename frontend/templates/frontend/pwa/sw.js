// Market Link's service worker (ours, no framework). It keeps the app shell and the static files (their
// names change with their content, so a kept copy is never stale), and the pages that work offline (the
// fair check-in, the intake form) as they were last opened online. Pages are asked for on the network
// first; only with no network does the kept copy answer. The API is never answered from a cache: the pages
// queue their writes themselves (frontend/offline-queue.js) and send them when the network is back.
"use strict";
const CONFIG = {{ config|safe }};
const SHELL = "shell-" + CONFIG.version;
const PAGES = "pages";
const offlinePatterns = CONFIG.offlinePages.map(function (p) { return new RegExp(p); });

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(CONFIG.shell); }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.startsWith("shell-") && n !== SHELL; }).map(function (n) {
        return caches.delete(n);
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function offlineCapable(url) {
  return url.origin === self.location.origin && offlinePatterns.some(function (re) { return re.test(url.pathname); });
}

function keepPage(request, response) {
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
  }
  return response;
}

// A page asks to be kept, with the files it loaded, when it first opens (before this worker controlled it).
self.addEventListener("message", function (event) {
  const data = event.data || {};
  if (data.type !== "keep") return;
  const page = new URL(data.page, self.location.origin);
  const work = [];
  if (offlineCapable(page)) {
    work.push(fetch(page.href, { credentials: "same-origin" }).then(function (r) { keepPage(new Request(page.href), r); }));
  }
  const assets = (data.assets || []).filter(function (a) {
    return new URL(a, self.location.origin).pathname.startsWith(CONFIG.staticPrefix);
  });
  work.push(caches.open(SHELL).then(function (cache) { return cache.addAll(assets); }));
  event.waitUntil(Promise.all(work).catch(function () {}));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === CONFIG.logout) {
    // Signing out forgets the pages kept for this person.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.startsWith(CONFIG.staticPrefix)) {
    event.respondWith(
      caches.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) {
            const copy = response.clone();
            caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
          }
          return response;
        });
      })
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(
      fetch(request).then(function (response) {
        return offlineCapable(url) ? keepPage(request, response) : response;
      }).catch(function () {
        return caches.match(request.url, { cacheName: PAGES }).then(function (hit) {
          return hit || caches.match(CONFIG.offlinePage);
        });
      })
    );
  }
});
