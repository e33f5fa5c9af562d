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
  if (event.data === "claim") event.waitUntil(self.clients.claim());
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

// ==== Web push. A push carries {title, body, url, tag} (in the subscriber's language): it is
// shown as a notification (one per tag: a newer status replaces the older), and every open
// window of the app is told, so that the page on screen shows it as a banner too.
const ICON = "/icons/icon-192.png";

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (e) {
    message = { body: event.data ? event.data.text() : "" };
  }
  const shown = {
    title: message.title || "OC Pizza",
    body: message.body || "",
    url: message.url || "/",
    tag: message.tag || "",
  };
  const options = { body: shown.body, data: { url: shown.url }, icon: ICON, badge: ICON };
  if (shown.tag) {
    options.tag = shown.tag;
    options.renotify = true;
  }
  event.waitUntil(
    Promise.all([
      self.registration.showNotification(shown.title, options),
      self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) =>
        windows.forEach((w) => w.postMessage({ type: "push", message: shown }))
      ),
    ])
  );
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(openNotification(event.notification));
});

// A tap on a notification: closes it, then shows its page — the window already on it if
// there is one, else a new window; if the browser refuses a new window, an open window of
// the app goes there instead.
function openNotification(notification) {
  notification.close();
  const path = (notification.data && notification.data.url) || "/";
  const url = new URL(path, self.location.origin).href;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
    const same = windows.find((w) => w.url === url);
    if (same) return same.focus().catch(() => same);
    return self.clients.openWindow(url).catch(() => {
      const any = windows.find((w) => new URL(w.url).origin === self.location.origin);
      return any ? any.navigate(url) : null;
    });
  });
}
