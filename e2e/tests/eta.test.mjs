// Before ordering, the menu and the checkout say when the order would come; the tracker shows
// the promised time and the live estimate, which moves when the kitchen starts and finishes the
// order; the kitchen display and the dashboard flag an order that will miss its promise.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, KITCHEN_SCREEN, LIVE_MS, MANAGER, PHONE, logIn, newContext, see, gone, withApp } from "../harness.mjs";
import { STATUS_LABEL, lateFlag, orderEta, plentifulSize, shopEta, trackerStatus } from "../screens.mjs";

const MINUTE = 60_000;

/** A time as the French interface says it, in the shop's zone: "20 h 15". */
function parisClock(ms) {
  const text = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Paris",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(ms));
  const [hours, minutes] = text.split(":");
  return minutes === "00" ? `${Number(hours)} h` : `${Number(hours)} h ${minutes}`;
}

/** The Unix ms a time element carries, after checking it says that time after `label`. */
async function shownTime(locator, label) {
  const at = Number(await locator.getAttribute("data-at"));
  assert.ok(at > 0, "the element carries its time");
  assert.match(await locator.innerText(), new RegExp(`${label} ${parisClock(at)}`));
  return at;
}

test("the time is announced before ordering, promised, and followed live on the tracker", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));
    const phoneContext = await newContext(browser, server, PHONE);
    const phone = await phoneContext.newPage();

    // The menu announces both times, as the server computes them for the shop right now.
    await phone.goto("/shops/1");
    await see(shopEta(phone, "delivery"));
    const announced = await api().get("/api/v1/shops/1/eta");
    const delivery = await shownTime(shopEta(phone, "delivery"), "Livraison vers");
    const pickup = await shownTime(shopEta(phone, "pickup"), "À retirer vers");
    assert.ok(Math.abs(delivery - Date.parse(announced.delivery_at)) <= 5 * MINUTE);
    assert.ok(Math.abs(pickup - Date.parse(announced.pickup_at)) <= 5 * MINUTE);
    assert.ok(delivery > pickup, "a delivery comes after the pizza is ready");

    // The checkout shows the time of the chosen fulfilment only.
    await phone.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await phone.getByTestId("cart-checkout").click();
    await phone.waitForURL("**/checkout/1");
    await phone.getByTestId("fulfilment-pickup").check();
    await see(shopEta(phone, "pickup"));
    await gone(shopEta(phone, "delivery"));
    const atCheckout = await shownTime(shopEta(phone, "pickup"), "À retirer vers");
    await phone.locator('input[name="name"]').fill("Camille Martin");
    await phone.locator('input[name="phone"]').fill("06 12 34 56 78");
    await phone.getByTestId("place-order").click();
    await phone.waitForURL("**/track/*");
    const token = new URL(phone.url()).pathname.split("/").pop();

    // The order is promised what was announced; the tracker shows the promise and the estimate.
    const { order } = await api().get(`/api/v1/track/${token}`);
    const promised = Date.parse(order.promised_at);
    assert.ok(Math.abs(promised - atCheckout) <= 5 * MINUTE, "promised what the checkout said");
    await see(orderEta(phone));
    await shownTime(orderEta(phone), "Prévue vers");
    assert.match(await phone.getByTestId("order-promised").innerText(), new RegExp(parisClock(promised)));

    // The cook starts it: the estimate moves live to the end of its usual preparation.
    const cook = await api().login(COOK);
    const started = await cook.transition(order.id, "preparing");
    const expected = Date.parse(started.eta);
    await see(trackerStatus(phone, "preparing").filter({ hasText: STATUS_LABEL.preparing }), LIVE_MS);
    await see(phone.locator(`[data-testid="order-eta"][data-at="${expected}"]`), LIVE_MS);
    await shownTime(orderEta(phone), "Prévue vers");

    // Seen from two hours later, the order has missed its promise: the kitchen display and the
    // dashboard flag it.
    const later = Date.now() + 120 * MINUTE;
    const kitchenContext = await newContext(browser, server, KITCHEN_SCREEN);
    await kitchenContext.clock.setFixedTime(later);
    const kitchen = await kitchenContext.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(lateFlag(kitchen, order.id));
    const managerContext = await newContext(browser, server, KITCHEN_SCREEN);
    const manager = await managerContext.newPage();
    await logIn(manager, MANAGER);
    await manager.goto("/manage");
    await see(manager.getByTestId(`order-row-${order.id}`));
    assert.equal(await lateFlag(manager, order.id).count(), 0, "on time right now");
    await managerContext.clock.setFixedTime(later);
    await manager.reload();
    await see(lateFlag(manager, order.id));

    // Ready at the counter: the customer is told so, and no estimate is left to show.
    await cook.transition(order.id, "ready");
    await see(trackerStatus(phone, "ready").filter({ hasText: STATUS_LABEL.ready }), LIVE_MS);
    await gone(orderEta(phone));
    await gone(lateFlag(kitchen, order.id));

    await managerContext.close();
    await kitchenContext.close();
    await phoneContext.close();
  });
});
