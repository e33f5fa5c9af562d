// Alerts on the managers' dashboard: an ingredient that an order takes below its low-stock
// threshold raises an alert live on its shop's card, and a restock clears it, without a
// reload; an order waiting longer than the placed stage's limit (10 min) is an alert of its
// stage, seen from a browser whose clock is a quarter of an hour later.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LIVE_MS, MANAGER, assertSameDocument, gone, logIn, markDocument, newContext, see, withApp } from "../harness.mjs";
import { connection, shopCard } from "../screens.mjs";

const LAPTOP = { width: 1366, height: 768 };
const MINUTE = 60_000;

async function openDashboard(browser, server, clockAt = null) {
  const context = await newContext(browser, server, LAPTOP);
  if (clockAt) await context.clock.setFixedTime(clockAt);
  const page = await context.newPage();
  await logIn(page, MANAGER);
  await page.goto("/manage");
  await see(shopCard(page, 1));
  await see(connection(page, "online"));
  return page;
}

test("an ingredient falling below its threshold is an alert until it is restocked", async () => {
  await withApp(async ({ server, browser, api }) => {
    const manager = await api().login(MANAGER);
    const guest = api();
    const menu = await guest.menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled);
    const size = pizza.sizes[0];
    const recipe = await manager.get(`/api/v1/pizzas/${pizza.id}/recipe`);
    const item = recipe.sizes.find((s) => s.code === size.code).items[0];
    // Free stock three pizzas above the threshold.
    const threshold = 10 * item.quantity;
    await manager.post("/api/v1/shops/1/stock/correction", {
      ingredient_id: item.ingredient_id,
      on_hand: threshold + 3 * item.quantity,
      reason: "Inventaire (test de bout en bout)",
      low_threshold: threshold,
    });

    const dashboard = await openDashboard(browser, server);
    await markDocument(dashboard);
    const alert = dashboard.getByTestId(`alert-stock-1-${item.ingredient_id}`);
    assert.equal(await alert.count(), 0, "above its threshold: no alert");

    await guest.placeOrder([{ pizza_id: pizza.id, size: size.code, quantity: 4 }]);
    await see(alert, LIVE_MS);
    assert.match(await alert.textContent(), /Stock bas/);
    assert.match(await alert.textContent(), /seuil/);
    assert.equal(await alert.getByRole("link", { name: "Réapprovisionner" }).getAttribute("href"), "/manage/shops/1/stock");

    await manager.restock(item.ingredient_id, 50 * item.quantity);
    await gone(alert, LIVE_MS);
    await assertSameDocument(dashboard);
  });
});

test("an order waiting past the placed stage's limit is an alert of that stage", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const menu = await guest.menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled);
    await guest.placeOrder([{ pizza_id: pizza.id, size: pizza.sizes[0].code }]);

    const now = await openDashboard(browser, server);
    assert.equal(await now.getByTestId("alert-late-1-placed").count(), 0, "just placed: on time");

    const later = await openDashboard(browser, server, Date.now() + 15 * MINUTE);
    const alert = later.getByTestId("alert-late-1-placed");
    await see(alert);
    assert.match(await alert.textContent(), /1 commande en attente depuis plus de 10 min/);
  });
});
