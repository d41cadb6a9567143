// The companion app's service worker (SPEC §4.6): keeps the shell for
// offline use, shows pushed requests, and tells open pages to refresh.
"use strict";
var CACHE = "espace-companion-v1";
var SHELL = [
  "/companion/offline",
  "/static/espace.css",
  "/static/espace.js",
  "/static/companion.js",
  "/static/companion.svg"
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Always the network (requests must be fresh); the shell when offline.
    event.respondWith(fetch(request).catch(function () {
      return caches.match("/companion/offline");
    }));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.match(request, { ignoreSearch: true });
    }));
  }
});

function tellPages() {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) { page.postMessage("refresh"); });
  });
}

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  event.waitUntil(
    self.registration.showNotification(data.text || "Espace", {
      tag: data.request || "espace",
      icon: "/static/companion.svg",
      requireInteraction: true,
      data: { url: data.url || "/companion" }
    }).then(tellPages)
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = (event.notification.data && event.notification.data.url) || "/companion";
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then(function (pages) {
      for (var i = 0; i < pages.length; i++) {
        if (new URL(pages[i].url).pathname.indexOf("/companion") === 0) {
          return pages[i].focus().then(function (page) { return page.navigate(target); });
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
