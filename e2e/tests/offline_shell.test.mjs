// Once visited, the app opens without network: the service worker serves the shell.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PHONE, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";

/** The app's name in its top bar: drawn by the web app itself, so the wasm ran. */
function brand(page) {
  return page.locator("header.topbar .brand").filter({ hasText: "OC Pizza" });
}

test("after a first visit the app shell opens offline", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/");
    await see(page.getByRole("heading", { name: /OC Pizza Paris 11e/ }));
    await waitForServiceWorker(page);

    await context.setOffline(true);

    // Reloading the page it was on…
    await page.reload();
    await see(brand(page));
    await see(page.locator(".content h1"));
    assert.equal(await page.title(), "OC Pizza");
    // Customers get the small bundle, without the staff screens.
    assert.equal(await page.evaluate(() => document.documentElement.dataset.bundle), "app");
    // …and opening the app again in a new tab, on another address of the app.
    const again = await context.newPage();
    await again.goto("/shops/1");
    await see(brand(again));
    assert.equal(await again.title(), "OC Pizza");
    await context.close();
  });
});

/** A promise and the function that resolves it. */
function gate() {
  let open;
  const opened = new Promise((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

test("a page whose loading began while the worker installed comes under the worker once it activates", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    // The worker's script and the second page are held, so that the page's navigation starts
    // before any worker is active and its document appears only after the worker claimed the
    // pages that were open when it activated.
    const script = gate();
    const secondPage = gate();
    await context.route("**/sw.js", async (route) => {
      await script.opened;
      await route.continue();
    });
    await context.route("**/shops/1", async (route) => {
      await secondPage.opened;
      await route.continue();
    });
    const page = await context.newPage();
    await page.goto("/");
    await see(page.getByRole("heading", { name: /OC Pizza Paris 11e/ }));
    const loading = page.goto("/shops/1");
    script.open();
    const [worker] = context.serviceWorkers().length
      ? context.serviceWorkers()
      : [await context.waitForEvent("serviceworker")];
    await worker.evaluate(
      () =>
        new Promise((resolve) => {
          const check = () => (self.registration.active?.state === "activated" ? resolve() : setTimeout(check, 20));
          check();
        })
    );
    secondPage.open();
    await loading;
    await see(brand(page));

    await waitForServiceWorker(page);
    await context.setOffline(true);
    await page.reload();
    await see(brand(page));
    assert.equal(await page.title(), "OC Pizza");
    await context.close();
  });
});
