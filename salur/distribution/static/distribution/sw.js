// Service worker of the handover pages: network first, the last copy from the cache when there is no signal,
// so a field worker can open the handover page offline. POST requests (the sync) are never cached.
"use strict";
var CACHE = "salur-penyaluran-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (!(url.pathname.indexOf("/penyaluran/") === 0 || url.pathname.indexOf("/static/") === 0)) return;
  event.respondWith(
    fetch(req)
      .then(function (resp) {
        if (resp.ok) {
          var copy = resp.clone();
          caches.open(CACHE).then(function (cache) { cache.put(req, copy); });
        }
        return resp;
      })
      .catch(function () {
        return caches.match(req).then(function (hit) {
          return hit || new Response("Luring: halaman ini belum tersimpan di perangkat.", {
            status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" },
          });
        });
      })
  );
});
