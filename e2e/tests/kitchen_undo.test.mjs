// The cook starts a ticket by mistake and undoes it within the window: nothing reaches the
// server, the ticket is back with the new orders.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, KITCHEN_SCREEN, LIVE_MS, logIn, newContext, see, withApp } from "../harness.mjs";
import { connection, ticketIn } from "../screens.mjs";

/** The kitchen's undo window. */
const UNDO_WINDOW_MS = 5_000;

test("a start undone within the window leaves the order placed", async () => {
  await withApp(async ({ server, browser, api }) => {
    const context = await newContext(browser, server, KITCHEN_SCREEN);
    const kitchen = await context.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(connection(kitchen, "online"));

    const menu = await api().menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled && p.sizes.some((s) => s.available > 0));
    const size = pizza.sizes.find((s) => s.available > 0);
    const order = await api().placeOrder([{ pizza_id: pizza.id, size: size.code }]);
    await see(ticketIn(kitchen, "placed", order.id), LIVE_MS);

    // Every status change the page sends for this order.
    const sent = [];
    kitchen.on("request", (request) => {
      if (request.method() !== "GET" && request.url().includes(`/api/v1/orders/${order.id}/`)) {
        sent.push(request.url());
      }
    });

    await kitchen.getByTestId(`start-${order.id}`).click();
    await see(ticketIn(kitchen, "preparing", order.id), LIVE_MS);
    await kitchen.getByTestId(`undo-${order.id}`).click();
    await see(ticketIn(kitchen, "placed", order.id), LIVE_MS);

    // Nothing should happen when the window would have ended: this waits on purpose.
    await kitchen.waitForTimeout(UNDO_WINDOW_MS + 1_000);
    await see(ticketIn(kitchen, "placed", order.id), LIVE_MS);
    assert.equal(await kitchen.getByTestId("column-preparing").getByTestId(`ticket-${order.id}`).count(), 0);
    assert.deepEqual(sent, [], "an undone start must not reach the server");
    const cook = await api().login(COOK);
    assert.equal((await cook.order(order.id)).status, "placed");
    await context.close();
  });
});
