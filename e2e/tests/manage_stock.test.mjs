// A manager has a shop's stock open while a guest orders and the cook starts the order: the
// ingredients are first reserved, then consumed — the on-hand figures drop on the open page,
// without a reload. A supplier's delivery entered in the form shows up the same way, and a
// wrong quantity gets the server's explanation next to the field.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  COOK,
  LIVE_MS,
  MANAGER,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection, plentifulSize } from "../screens.mjs";

const LAPTOP = { width: 1366, height: 768 };


/** Waits until the cell `testId` carries `value` in its `data-value`. */
function valueIs(page, testId, value) {
  return see(page.locator(`[data-testid="${testId}"][data-value="${value}"]`), LIVE_MS);
}

test("the stock screen follows an order's ingredients from reserved to consumed, live", async () => {
  await withApp(async ({ server, browser, api }) => {
    const manager = await api().login(MANAGER);
    const guest = api();
    const { pizza, size } = plentifulSize(await guest.menu(1));
    const recipe = await manager.get(`/api/v1/pizzas/${pizza.id}/recipe`);
    const item = recipe.sizes.find((s) => s.code === size.code).items[0];
    const level = (await manager.get("/api/v1/shops/1/stock")).items.find(
      (l) => l.ingredient_id === item.ingredient_id,
    );

    const context = await newContext(browser, server, LAPTOP);
    const page = await context.newPage();
    await logIn(page, MANAGER);
    await page.goto("/manage/shops/1/stock");
    await see(page.getByTestId(`stock-row-${item.ingredient_id}`));
    await see(connection(page, "online"));
    await valueIs(page, `on-hand-${item.ingredient_id}`, level.on_hand);
    await markDocument(page);

    // A guest orders: the ingredient is reserved, nothing leaves the shelf yet.
    const order = await guest.placeOrder([{ pizza_id: pizza.id, size: size.code, quantity: 2 }]);
    await valueIs(page, `reserved-${item.ingredient_id}`, level.reserved + 2 * item.quantity);
    await valueIs(page, `on-hand-${item.ingredient_id}`, level.on_hand);

    // The cook starts it: the reservation becomes a consumption.
    const cook = await api().login(COOK);
    await cook.transition(order.id, "preparing");
    await valueIs(page, `on-hand-${item.ingredient_id}`, level.on_hand - 2 * item.quantity);
    await valueIs(page, `reserved-${item.ingredient_id}`, level.reserved);
    await see(page.locator('[data-testid="ledger"] tr[data-kind="consumption"]').first(), LIVE_MS);
    await assertSameDocument(page);

    // A wrong quantity: the server's explanation, next to the field.
    const form = page.getByTestId("movement-form");
    await form.getByTestId("movement-ingredient").selectOption(String(item.ingredient_id));
    await form.getByTestId("movement-quantity").fill("0");
    await form.getByTestId("movement-submit").click();
    await see(form.getByTestId("error-quantity"), LIVE_MS);

    // A supplier's delivery.
    await form.getByTestId("movement-quantity").fill("500");
    await form.getByTestId("movement-reason").fill("BL 4471");
    await form.getByTestId("movement-submit").click();
    await valueIs(page, `on-hand-${item.ingredient_id}`, level.on_hand - 2 * item.quantity + 500);
    await see(page.locator('[data-testid="ledger"] tr[data-kind="restock"]').filter({ hasText: "BL 4471" }), LIVE_MS);
    assert.equal(await form.getByTestId("error-quantity").count(), 0);
    await assertSameDocument(page);
  });
});
