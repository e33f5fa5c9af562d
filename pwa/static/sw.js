// OC Pizza service worker: precaches the app shell so the app opens without network.
// The list below is written at build time; its version changes with every build.
const VERSION = "@VERSION@";
const SHELL = @PRECACHE@;
// The staff screens' bundle, kept once a staff page asked for it, and their addresses.
const STAFF_SHELL = @STAFF_SHELL@;
const STAFF_PATHS = @STAFF_PATHS@;
const CACHE = "ocpizza-shell-" + VERSION;
// Kept across versions: the last copy of the data staff need offline.
const DATA = "ocpizza-data";
const RECIPES = ["/api/v1/recipes"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) =>
      Promise.all(keys.filter((k) => k.startsWith("ocpizza-shell-") && k !== CACHE).map((k) => caches.delete(k)))
    ).then(() => self.clients.claim())
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data === "keep-staff-bundle") {
    event.waitUntil(
      Promise.all([caches.open(CACHE).then((cache) => cache.addAll(STAFF_SHELL)), keepStaffData()])
    );
  }
});

// The staff data read offline, fetched here once: the page that asked may have fetched it
// before this worker controlled it, and then its copy never went through the worker.
function keepStaffData() {
  return caches.open(DATA).then((cache) =>
    Promise.all(
      RECIPES.map((path) =>
        fetch(path, { credentials: "same-origin" })
          .then((response) => (response.ok ? cache.put(path, response) : undefined))
          .catch(() => undefined)
      )
    )
  );
}

function isStaffPath(path) {
  return STAFF_PATHS.some((p) => path === p || path.startsWith(p + "/"));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  // Only same-origin GETs; API writes always go to the network.
  if (request.method !== "GET" || url.origin !== location.origin) {
    return;
  }
  // The recipe book is read in the kitchen even when the network drops: the network first,
  // the last copy when offline.
  if (RECIPES.includes(url.pathname)) {
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(DATA).then((cache) => cache.put(request, copy));
        }
        return response;
      }).catch(() => caches.match(request).then((hit) => hit || Response.error()))
    );
    return;
  }
  // Nothing else of the API is cached.
  if (url.pathname.startsWith("/api/")) {
    return;
  }
  // Navigations: the network first (fresh page), the cached page of the right bundle offline.
  if (request.mode === "navigate") {
    const page = isStaffPath(url.pathname) ? "/staff.html" : "/index.html";
    event.respondWith(fetch(request).catch(() => caches.match(page)));
    return;
  }
  // Hashed assets never change: the cache first.
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
});
