// A first visit: the app loads once (its service worker takes over without reloading it), a
// staff screen opened first still works offline after that single load, and an anonymous
// customer's journey logs no error and meets no 401.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DEMO_PASSWORD, DRIVER, PHONE, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";
import { plentifulSize, trackerStatus } from "../screens.mjs";

/** Time left for a reload to show, had the service worker's takeover caused one. */
const SETTLE_MS = 1_500;

/** Counts the documents a tab loads, across reloads (sessionStorage lives as long as the tab). */
async function countDocuments(context) {
  await context.addInitScript(() => {
    const seen = Number(sessionStorage.getItem("e2e-documents") || 0);
    sessionStorage.setItem("e2e-documents", String(seen + 1));
  });
}

function documents(page) {
  return page.evaluate(() => Number(sessionStorage.getItem("e2e-documents")));
}

test("a first visit loads the app once while its service worker takes over", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    await countDocuments(context);
    const page = await context.newPage();
    await page.goto("/");
    await see(page.getByRole("heading", { name: /OC Pizza Paris 11e/ }));
    await page.evaluate(() => {
      window.__firstDocument = true;
    });
    await waitForServiceWorker(page);
    await page.waitForTimeout(SETTLE_MS);

    assert.equal(await documents(page), 1, "the page was loaded once");
    assert.equal(await page.evaluate(() => window.__firstDocument === true), true);
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true);
    await context.close();
  });
});

test("a staff screen opened first is loaded once and opens offline afterwards", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    await countDocuments(context);
    // Logged in without visiting the app: the driver's screen is the first page it loads.
    const login = await context.request.post("/api/v1/auth/login", {
      data: { email: DRIVER, password: DEMO_PASSWORD },
    });
    assert.equal(login.status(), 200);
    const page = await context.newPage();
    const title = page.getByRole("heading", { level: 1, name: "Livraisons" });
    await page.goto("/driver");
    await see(title);
    await waitForServiceWorker(page);
    await page.waitForTimeout(SETTLE_MS);
    assert.equal(await documents(page), 1, "the page was loaded once");
    // The staff bundle is kept for offline use although this page fetched it on its own.
    await page.waitForFunction(async () => {
      for (const name of await caches.keys()) {
        if (await (await caches.open(name)).match("/staff.html")) return true;
      }
      return false;
    });

    await context.setOffline(true);
    await page.reload();
    await see(title);
    await see(page.getByTestId("offline-copy"));
    assert.equal(await page.evaluate(() => document.documentElement.dataset.bundle), "staff");
    await context.close();
  });
});

test("an anonymous customer's menu, checkout and tracker log no error and meet no 401", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    const errors = [];
    const refused = [];
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
    page.on("response", (response) => {
      if (response.status() === 401) refused.push(response.url());
    });

    await page.goto("/");
    await see(page.getByRole("heading", { name: /OC Pizza Paris 11e/ }));
    await page.goto("/shops/1");
    await page.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await page.locator('input[name="name"]').fill("Inès Garnier");
    await page.locator('input[name="phone"]').fill("06 98 76 54 32");
    await page.locator('input[name="email"]').fill("ines.garnier@example.fr");
    await page.getByTestId("fulfilment-pickup").check();
    await page.getByTestId("place-order").click();
    await page.waitForURL("**/track/*");
    await see(trackerStatus(page, "placed"));
    await waitForServiceWorker(page);
    await page.reload();
    await see(trackerStatus(page, "placed"));

    assert.deepEqual(refused, [], "no request answered 401");
    assert.deepEqual(errors, [], "no error in the console");
    await context.close();
  });
});
