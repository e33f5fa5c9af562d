// While out for delivery a driver who allows it shares their position: the customer's tracker
// shows it live with its age, and the server forgets it once the order is delivered.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, DRIVER, LIVE_MS, PHONE, assertSameDocument, logIn, markDocument, newContext, see, withApp } from "../harness.mjs";
import { trackerStatus } from "../screens.mjs";

/** The phone sends its position every ~15 s; the first one at once. */
const SHARE_MS = 20_000;
const BASTILLE = { latitude: 48.8532, longitude: 2.3691 };

test("the customer follows the driver's position during the delivery, and only then", async () => {
  await withApp(async ({ server, browser, api }) => {
    const cook = await api().login(COOK);
    const menu = await api().menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled && p.sizes.some((s) => s.available > 0));
    const size = pizza.sizes.find((s) => s.available > 0);
    const order = await api().post("/api/v1/orders", {
      shop_id: 1,
      fulfilment: "delivery",
      address: { street: "3 rue de la Roquette", postcode: "75011", city: "Paris" },
      contact: { name: "Denise Roux", phone: "06 55 44 33 22" },
      lines: [{ pizza_id: pizza.id, size: size.code, quantity: 1 }],
      payment_method: "cash_on_delivery",
    });
    for (const to of ["preparing", "ready"]) {
      await cook.post(`/api/v1/orders/${order.id}/transition`, { to });
    }

    // The customer watches the tracker.
    const customer = await (await newContext(browser, server, PHONE)).newPage();
    await customer.goto(`/track/${order.tracking_token}`);
    await see(trackerStatus(customer, "ready"));
    await markDocument(customer);

    // The driver allows sharing, takes the order and leaves.
    const context = await newContext(browser, server, PHONE);
    await context.grantPermissions(["geolocation"]);
    await context.setGeolocation(BASTILLE);
    const page = await context.newPage();
    await logIn(page, DRIVER);
    await page.goto("/driver");
    await page.getByRole("checkbox").check();
    await page.getByTestId(`take-${order.id}`).click();
    await page.getByTestId(`picked-up-${order.id}`).click();

    await see(trackerStatus(customer, "out_for_delivery"), LIVE_MS * 3);
    await see(customer.getByTestId("driver-position"), SHARE_MS);
    assert.match(await customer.getByTestId("driver-position-age").innerText(), /\d+ s/);
    await assertSameDocument(customer);
    const tracked = await api().get(`/api/v1/track/${order.tracking_token}`);
    assert.ok(Math.abs(tracked.driver_position.lat - BASTILLE.latitude) < 1e-6);

    // Delivered: the position is gone, from the page and from the server.
    await page.getByTestId(`pay-card-${order.id}`).click();
    await page.getByTestId(`delivered-${order.id}`).click();
    await see(trackerStatus(customer, "delivered"), 10_000 + SHARE_MS);
    assert.equal(await customer.getByTestId("driver-position").count(), 0);
    const after = await api().get(`/api/v1/track/${order.tracking_token}`);
    assert.equal(after.driver_position ?? null, null);
    await context.close();
  });
});
