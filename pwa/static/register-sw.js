// Registers the service worker and offers a reload when a new version is waiting.
(function () {
  if (!("serviceWorker" in navigator)) return;
  const banner = document.getElementById("update");
  function offer(worker) {
    banner.hidden = false;
    document.getElementById("reload").onclick = function () {
      worker.postMessage("skip-waiting");
    };
  }
  // The staff bundle is not precached for everyone: a staff page asks for it to be kept.
  if (document.documentElement.dataset.bundle === "staff") {
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.active) reg.active.postMessage("keep-staff-bundle");
    });
  }
  navigator.serviceWorker.register("/sw.js").then(function (reg) {
    if (reg.waiting && navigator.serviceWorker.controller) offer(reg.waiting);
    reg.addEventListener("updatefound", function () {
      const worker = reg.installing;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offer(worker);
      });
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", function () {
    if (reloading) return;
    reloading = true;
    location.reload();
  });
})();
