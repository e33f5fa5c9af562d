// A customer looking at a shop's menu sees a size go out of stock the moment other orders take
// its last units, and come back when the manager restocks — without reloading.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LIVE_MS,
  MANAGER,
  PHONE,
  assertSameDocument,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection, orderable, outOfStock, sizeRow } from "../screens.mjs";

/** Reconnecting waits a little between attempts; this bounds the whole recovery. */
const RECONNECT_MS = 20_000;

/** An orderable size with the fewest units left by the menu's count (the demo keeps some
 * stocks low; above a few left, the menu says only "many"). */
function scarcestSize(menu) {
  let best = null;
  for (const pizza of menu.pizzas.filter((p) => p.enabled)) {
    for (const size of pizza.sizes.filter((s) => s.available > 0)) {
      if (!best || size.available < best.size.available) best = { pizza, size };
    }
  }
  assert.ok(best, "the demo menu of shop 1 has something to order");
  return best;
}

test("a size goes out of stock live and comes back after a restock", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const { pizza, size } = scarcestSize(await guest.menu(1));

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    const row = sizeRow(page, pizza, size.code);
    await see(orderable(page, row));
    await see(connection(page, "online"));
    await markDocument(page);

    // Other customers take the last units.
    const manager = await api().login(MANAGER);
    await manager.sellOut(guest, pizza.id, size.code);
    const after = (await guest.menu(1)).pizzas.find((p) => p.id === pizza.id);
    assert.equal(after.sizes.find((s) => s.code === size.code).available, 0);

    await see(outOfStock(page, row), LIVE_MS);
    await assertSameDocument(page);

    // The manager receives a delivery of everything that size needs.
    const recipe = await manager.get(`/api/v1/pizzas/${pizza.id}/recipe`);
    const items = recipe.sizes.find((s) => s.code === size.code).items;
    for (const item of items) {
      await manager.restock(item.ingredient_id, item.quantity * 10);
    }

    await see(orderable(page, row), LIVE_MS);
    await assertSameDocument(page);
    await context.close();
  });
});

test("the menu reconnects after a server restart and stays live", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const { pizza, size } = scarcestSize(await guest.menu(1));

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    const row = sizeRow(page, pizza, size.code);
    await see(orderable(page, row));
    await see(connection(page, "online"));
    await markDocument(page);

    await server.restart(async () => {
      await see(connection(page, "connecting").or(connection(page, "offline")), RECONNECT_MS);
    });
    // The last units go as soon as the server is back, likely before the page reconnected.
    const manager = await api().login(MANAGER);
    await manager.sellOut(guest, pizza.id, size.code);

    await see(connection(page, "online"), RECONNECT_MS);
    await see(outOfStock(page, row), LIVE_MS);
    await assertSameDocument(page);
    await context.close();
  });
});
