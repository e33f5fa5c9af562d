// Paying with PayPal, against the local PayPal stand-in (`fakes/paypal`): the customer is sent to
// PayPal's approval page, approves, comes back to the tracker, and the order reaches the kitchen
// marked paid online; the cook starts it and the payment is captured. A customer who cancels on
// PayPal's page is back on the payment step with the same choices.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, KITCHEN_SCREEN, LIVE_MS, MANAGER, PHONE, logIn, newContext, see, withApp } from "../harness.mjs";
import { STATUS_LABEL, connection, plentifulSize, ticketIn, trackerStatus } from "../screens.mjs";

/** A guest orders one pizza to collect, choosing PayPal; resolves with the tracking token. */
async function orderWithPaypal(phone, { pizza, size }) {
  await phone.goto("/shops/1");
  await phone.getByTestId(`add-${pizza.id}-${size.code}`).click();
  await phone.getByTestId("cart-checkout").click();
  await phone.waitForURL("**/checkout/1");
  await phone.locator('input[name="name"]').fill("Inès Moreau");
  await phone.locator('input[name="phone"]').fill("06 22 33 44 55");
  await phone.getByTestId("fulfilment-pickup").check();
  const online = phone.getByTestId("payment-online");
  await see(online);
  assert.match(await phone.locator('label[for="payment-online"]').innerText(), /PayPal/);
  await online.check();
  await phone.getByTestId("place-order").click();
  await phone.waitForURL("**/track/*");
  await see(trackerStatus(phone, "awaiting_payment"));
  return new URL(phone.url()).pathname.split("/").pop();
}

test("a PayPal payment approved on PayPal's page sends the order to the kitchen, and starting it captures the payment", async () => {
  await withApp(
    async ({ server, browser, api }) => {
      const choice = plentifulSize(await api().menu(1));
      const kitchenContext = await newContext(browser, server, KITCHEN_SCREEN);
      const kitchen = await kitchenContext.newPage();
      await logIn(kitchen, COOK);
      await kitchen.goto("/kitchen");
      await see(connection(kitchen, "online"));
      const phoneContext = await newContext(browser, server, PHONE);
      const phone = await phoneContext.newPage();

      // First the customer changes their mind on PayPal's page.
      const token = await orderWithPaypal(phone, choice);
      const { order } = await api().get(`/api/v1/track/${token}`);
      await phone.getByTestId("paypal-button").click();
      await phone.waitForURL("**/checkoutnow?token=*");
      await phone.locator("#cancel").click();
      await phone.waitForURL(`**/track/${token}?payment=cancelled*`);
      // Told so, with the way back to PayPal.
      await see(phone.getByTestId("payment-declined"));
      await phone.getByTestId("payment-retry").click();
      await see(phone.getByTestId("paypal-button"));
      assert.equal(await kitchen.getByTestId(`ticket-${order.id}`).count(), 0);

      // Then approves.
      await phone.getByTestId("paypal-button").click();
      await phone.waitForURL("**/checkoutnow?token=*");
      await phone.locator("#approve").click();
      await phone.waitForURL(`**/track/${token}?payment=return*`);
      await see(trackerStatus(phone, "placed").filter({ hasText: STATUS_LABEL.placed }), LIVE_MS);
      await see(phone.locator('[data-testid="payment-status"][data-payment="authorised"]'), LIVE_MS);

      const ticket = ticketIn(kitchen, "placed", order.id);
      await see(ticket, LIVE_MS);
      await see(ticket.locator(`[data-testid="money-${order.id}"][data-method="online"]`));
      await kitchen.getByTestId(`start-${order.id}`).click();
      await see(ticketIn(kitchen, "preparing", order.id), LIVE_MS);

      const manager = await api().login(MANAGER);
      const started = Date.now();
      let payment;
      for (;;) {
        payment = await manager.get(`/api/v1/orders/${order.id}/payment`);
        if (payment.captured === order.total || Date.now() - started > 20_000) break;
        await new Promise((ok) => setTimeout(ok, 250));
      }
      assert.equal(payment.provider, "paypal");
      assert.equal(payment.captured, order.total);
      assert.equal(payment.payment_status, "paid");
      await see(phone.locator('[data-testid="payment-status"][data-payment="paid"]'), LIVE_MS);
      await phoneContext.close();
      await kitchenContext.close();
    },
    { payment: "paypal" },
  );
});
