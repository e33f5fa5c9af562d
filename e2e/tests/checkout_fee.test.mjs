// A shop that charges for delivery and delivers from a minimum says so at the checkout, before
// the order is placed: the fee is a line of the summary and counts in the total shown, and a
// cart under the minimum is told what it lacks. Collecting the order costs nothing extra.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, PHONE, gone, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";
import { plentifulSize } from "../screens.mjs";

/** Cents as the app writes euros ("12,50 €"). */
function euros(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")} €`;
}

test("the delivery fee and the minimum order are shown at the checkout before placing", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));
    const price = size.price;
    const admin = await api().login(ADMIN);
    // One pizza is under the minimum, two are over it.
    const minimum = price + 100;
    await admin.patch("/api/v1/shops/1", { delivery_fee: 250, min_delivery_order: minimum });

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    await waitForServiceWorker(page);
    await page.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await page.getByTestId("fulfilment-delivery").check();

    const fee = page.getByTestId("delivery-fee");
    await see(fee.filter({ hasText: "Frais de livraison" }).filter({ hasText: euros(250) }));
    const total = page.locator(".summary .total strong");
    assert.equal((await total.innerText()).trim(), euros(price + 250));
    const short = page.getByTestId("delivery-minimum");
    await see(short.filter({ hasText: euros(minimum) }).filter({ hasText: euros(minimum - price) }));

    // Collecting it: no fee, no minimum.
    await page.getByTestId("fulfilment-pickup").check();
    await gone(fee);
    await gone(short);
    assert.equal((await total.innerText()).trim(), euros(price));
    await context.close();
  });
});
