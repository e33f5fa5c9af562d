// A guest orders on a phone while a cook works from the kitchen display: the ticket shows up
// live, the cook starts it, and the customer's tracker follows.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  COOK,
  KITCHEN_SCREEN,
  LIVE_MS,
  PHONE,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  gone,
  withApp,
} from "../harness.mjs";
import { STATUS_LABEL, connection, plentifulSize, ticketIn, trackerStatus } from "../screens.mjs";

/** The kitchen's undo window: a start or bump is sent to the server when it ends. */
const UNDO_WINDOW_MS = 5_000;


test("a guest's pickup order reaches the kitchen live and the tracker follows the cook", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));

    // The cook has the kitchen display open.
    const kitchenContext = await newContext(browser, server, KITCHEN_SCREEN);
    const kitchen = await kitchenContext.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(kitchen.getByTestId("column-placed"));
    await see(connection(kitchen, "online"));
    await markDocument(kitchen);

    // A guest orders on a phone: menu → cart → checkout.
    const phoneContext = await newContext(browser, server, PHONE);
    const phone = await phoneContext.newPage();
    await phone.goto("/shops/1");
    await phone.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await phone.getByTestId("cart-checkout").click();
    await phone.waitForURL("**/checkout/1");
    await phone.locator('input[name="name"]').fill("Camille Martin");
    await phone.locator('input[name="phone"]').fill("06 12 34 56 78");
    await phone.locator('input[name="email"]').fill("camille.martin@example.fr");
    await phone.getByTestId("fulfilment-pickup").check();
    await phone.getByTestId("place-order").click();
    await phone.waitForURL("**/track/*");
    const token = new URL(phone.url()).pathname.split("/").pop();
    const placedAt = Date.now();

    await see(trackerStatus(phone, "placed").filter({ hasText: STATUS_LABEL.placed }));
    await see(phone.getByTestId("cancel-order"));
    const { order } = await api().get(`/api/v1/track/${token}`);
    assert.equal(order.fulfilment, "pickup");
    assert.equal(order.lines[0].pizza_id, pizza.id);

    // The ticket appears in the kitchen without a reload.
    await see(ticketIn(kitchen, "placed", order.id), LIVE_MS);
    const delay = Date.now() - placedAt;
    await assertSameDocument(kitchen);
    assert.ok(delay < LIVE_MS, `the ticket took ${delay} ms to appear`);

    // A line of the ticket opens its recipe card.
    await kitchen.getByTestId(`line-${order.id}-0`).click();
    await see(kitchen.getByTestId("recipe-card").filter({ hasText: pizza.name }));
    await kitchen.getByTestId("recipe-close").click();
    await gone(kitchen.getByTestId("recipe-card"));

    // The cook starts it: the ticket moves at once, the server hears of it after the undo window.
    let sentAt = 0;
    const transition = kitchen.waitForRequest(
      (r) => {
        const match = r.method() === "POST" && r.url().endsWith(`/api/v1/orders/${order.id}/transition`);
        if (match) sentAt = Date.now();
        return match;
      },
      { timeout: UNDO_WINDOW_MS + LIVE_MS },
    );
    transition.catch(() => {}); // awaited below; a failure before that must not go unhandled
    const startedAt = Date.now();
    await kitchen.getByTestId(`start-${order.id}`).click();
    await see(ticketIn(kitchen, "preparing", order.id), LIVE_MS);
    await see(kitchen.getByTestId(`undo-${order.id}`), LIVE_MS);
    await transition;
    const sentAfter = sentAt - startedAt;
    assert.ok(sentAfter >= UNDO_WINDOW_MS - 500, `the start was sent after ${sentAfter} ms, within the undo window`);

    // The customer's tracker follows, and the order can no longer be cancelled.
    await see(
      trackerStatus(phone, "preparing").filter({ hasText: STATUS_LABEL.preparing }),
      UNDO_WINDOW_MS + LIVE_MS,
    );
    await gone(phone.getByTestId("cancel-order"));
    await gone(kitchen.getByTestId(`undo-${order.id}`));
    const cook = await api().login(COOK);
    assert.equal((await cook.order(order.id)).status, "preparing");

    await phoneContext.close();
    await kitchenContext.close();
  });
});
