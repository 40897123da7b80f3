/* CityOps field pages' service worker (scope /field). It keeps a copy of the app's static files
 * (scripts, styles, component bundles) so the phone pages open fast and still draw on a weak
 * connection. It never caches the API or any answer with a case's data in it, and it never sends
 * anything itself: actions wait in the page's outbox (IndexedDB) until the page sends them. */
"use strict";
var CACHE = "cityops-field-v1";
var STATIC = /^\/(assets|_dash-component-suites)\//;

self.addEventListener("install", function (event) {
    event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(["/field"]).catch(function () {}); }));
    self.skipWaiting();
});

self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
    var req = event.request;
    if (req.method !== "GET") { return; }
    var url = new URL(req.url);
    if (url.origin !== self.location.origin) { return; }
    if (STATIC.test(url.pathname)) {          // versioned by Dash's fingerprints: the cache first
        event.respondWith(caches.open(CACHE).then(function (cache) {
            return cache.match(req).then(function (hit) {
                return hit || fetch(req).then(function (resp) {
                    if (resp.ok) { cache.put(req, resp.clone()); }
                    return resp;
                });
            });
        }));
    } else if (req.mode === "navigate" && url.pathname === "/field") {   // the frame: the network first
        event.respondWith(fetch(req).then(function (resp) {
            if (resp.ok) { caches.open(CACHE).then(function (cache) { cache.put("/field", resp.clone()); }); }
            return resp;
        }).catch(function () { return caches.match("/field"); }));
    }
});
