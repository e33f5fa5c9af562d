// Registers the service worker and offers a reload when a new version is waiting.
//
// On a first visit the worker precaches the shell and claims the page: the page keeps running
// (everything it needs came from the network already), so it is not loaded a second time. Only
// a new version replacing the one that controlled the page reloads it, as the person asked.
(function () {
  if (!("serviceWorker" in navigator)) return;
  const banner = document.getElementById("update");
  function offer(worker) {
    banner.hidden = false;
    document.getElementById("reload").onclick = function () {
      worker.postMessage("skip-waiting");
    };
  }
  // The staff bundle is not precached for everyone: a staff page asks for it to be kept (with
  // the data its screens read offline), once a worker is active — on a first visit, that is
  // before it controls the page, so nothing this page fetched has gone through it.
  if (document.documentElement.dataset.bundle === "staff") {
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage("keep-staff-bundle");
    });
  }
  // A page whose navigation began while the first worker was still installing is not claimed
  // when that worker activates (it was not running yet): it asks the worker to claim it now, so
  // that it works offline from this visit on, as every other page does.
  navigator.serviceWorker.ready.then(function (reg) {
    if (!navigator.serviceWorker.controller && reg.active) reg.active.postMessage("claim");
  });
  navigator.serviceWorker.register("/sw.js").then(function (reg) {
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", function () {
      const worker = reg.installing;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
  });
  let controlled = Boolean(navigator.serviceWorker.controller);
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    const replaced = controlled;
    controlled = true;
    if (!replaced || reloading) return;
    reloading = true;
    location.reload();
  });
})();

// A push that arrives while a window of the app is open also shows in the page, on top of the
// screen: the worker posts it here. A tap on the banner opens its page.
(function () {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", function (event) {
    const data = event.data;
    if (!data || data.type !== "push" || !data.message) return;
    const message = data.message;
    let banner = document.getElementById("push-banner");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "push-banner";
      banner.className = "push-banner";
      banner.setAttribute("role", "status");
      banner.setAttribute("aria-live", "polite");
      banner.dataset.testid = "push-banner";
      document.body.appendChild(banner);
    }
    banner.textContent = "";
    const link = document.createElement("a");
    link.href = message.url;
    link.className = "push-banner-text";
    const title = document.createElement("strong");
    title.textContent = message.title;
    const body = document.createElement("span");
    body.textContent = message.body;
    link.append(title, body);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "push-banner-close";
    close.setAttribute("aria-label", document.documentElement.lang === "en" ? "Close" : "Fermer");
    close.textContent = "×";
    close.onclick = function () {
      banner.hidden = true;
    };
    banner.append(link, close);
    banner.dataset.tag = message.tag;
    banner.hidden = false;
  });
})();
