// A cook's recipe cards stay readable without network once the recipes page has been opened.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, KITCHEN_SCREEN, logIn, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";

/** Whether some cache of the service worker holds the recipes' API answer. */
function recipesCached() {
  return (async () => {
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        if (new URL(request.url).pathname.startsWith("/api/v1/recipes")) return true;
      }
    }
    return false;
  })();
}

test("recipe cards are shown offline after a first visit", async () => {
  await withApp(async ({ server, browser, api }) => {
    const pizzas = (await api().menu(1)).pizzas;
    const first = pizzas[0];
    // A second pizza whose name the search cannot confuse with the first's.
    const second = pizzas.find(
      (p) =>
        p.id !== first.id &&
        !p.name.toLowerCase().includes(first.name.toLowerCase()) &&
        !first.name.toLowerCase().includes(p.name.toLowerCase()),
    );
    assert.ok(second, "the demo menu has two pizzas with distinct names");

    const context = await newContext(browser, server, KITCHEN_SCREEN);
    const page = await context.newPage();
    await logIn(page, COOK);
    await page.goto("/recipes");
    await see(page.getByTestId(`recipe-${first.id}`));
    await waitForServiceWorker(page);
    await see(page.getByTestId(`recipe-${first.id}`));
    await page.waitForFunction(recipesCached);

    await context.setOffline(true);
    await page.reload();
    await see(page.getByTestId(`recipe-${first.id}`).filter({ hasText: first.name }));
    await see(page.getByTestId(`recipe-${second.id}`).filter({ hasText: second.name }));
    assert.equal(await page.evaluate(() => document.documentElement.dataset.bundle), "staff");

    // Searching works offline too.
    await page.getByTestId("recipe-search").fill(second.name);
    await see(page.getByTestId(`recipe-${second.id}`));
    await page.getByTestId(`recipe-${first.id}`).waitFor({ state: "hidden" });
    await context.close();
  });
});
