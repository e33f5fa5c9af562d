// OC Pizza service worker: precaches the app shell so the app opens without network.
// The list below is written at build time; its version changes with every build.
const VERSION = "@VERSION@";
const SHELL = @PRECACHE@;
const CACHE = "ocpizza-shell-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k.startsWith("ocpizza-") && k !== CACHE).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Never cache the API or anything but same-origin GETs.
  if (request.method !== "GET" || url.origin !== location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  // Navigations: the network first (fresh index), the cached shell when offline.
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/index.html")));
    return;
  }
  // Hashed assets never change: the cache first.
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
