// The order taker answers the phone: finds the caller by a few digits, enters the order, and
// it is on the kitchen display at once; an edit by the order's id, then a cancellation with a
// reason follow it there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, COUNTER, KITCHEN_SCREEN, LIVE_MS, logIn, newContext, see, withApp } from "../harness.mjs";
import { ticketIn } from "../screens.mjs";

const DESK = { width: 1366, height: 900 };

test("a phone order taken at the counter reaches the kitchen display at once", async () => {
  await withApp(async ({ server, browser, api }) => {
    const menu = await api().menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled && p.sizes.some((s) => s.available > 1));
    const size = pizza.sizes.find((s) => s.available > 1);
    // The caller ordered before: the counter will find them by their number.
    await api().post("/api/v1/orders", {
      shop_id: 1,
      fulfilment: "delivery",
      address: { street: "40 rue Saint-Maur", postcode: "75011", city: "Paris" },
      contact: { name: "Gaëlle Lefèvre", phone: "07 98 76 54 32" },
      lines: [{ pizza_id: pizza.id, size: size.code, quantity: 1 }],
      payment_method: "cash_on_delivery",
    });

    const kitchen = await (await newContext(browser, server, KITCHEN_SCREEN)).newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(kitchen.getByTestId("column-placed"));

    const desk = await (await newContext(browser, server, DESK)).newPage();
    await logIn(desk, COUNTER);
    await desk.goto("/counter");
    await desk.locator('input[name="phone"]').first().fill("0798 76");
    await desk.getByTestId("customer-0").filter({ hasText: "Gaëlle Lefèvre" }).click();
    assert.equal(await desk.locator('input[name="name"]').inputValue(), "Gaëlle Lefèvre");
    // Their last address comes with them: a delivery, paid on delivery.
    assert.equal(await desk.locator('input[name="street"]').inputValue(), "40 rue Saint-Maur");

    await desk.getByTestId("pizza-filter").fill(pizza.name.slice(0, 4));
    await desk.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await desk.getByTestId("channel-phone").check();
    const sentAt = Date.now();
    await desk.getByTestId("counter-send").click();
    const sent = desk.getByTestId("counter-sent");
    await see(sent);
    const id = Number(await sent.getAttribute("data-order"));

    await see(ticketIn(kitchen, "placed", id), LIVE_MS);
    assert.ok(Date.now() - sentAt < LIVE_MS + 1_000);
    const cook = await api().login(COOK);
    const order = await cook.order(id);
    assert.equal(order.channel, "phone");
    assert.equal(order.contact.name, "Gaëlle Lefèvre");
    assert.equal(order.payment_method, "cash_on_delivery");
    assert.equal(order.address.street, "40 rue Saint-Maur");

    // The caller adds a note: the order taker edits it from the counter, by its id.
    await desk.getByTestId(`open-${id}`).getByRole("link").click();
    await desk.waitForURL(`**/counter/orders/${id}`);
    await desk.getByTestId("edit-order").click();
    await desk.locator('input[name="note"]').fill("Sonner chez Lefèvre");
    await desk.getByTestId("save-edit").click();
    await see(desk.getByRole("status").filter({ hasText: /enregistrées/ }));
    assert.equal((await cook.order(id)).note, "Sonner chez Lefèvre");
    await desk.getByRole("link", { name: "Retour au comptoir" }).click();
    await desk.waitForURL("**/counter");

    // The caller changes their mind: cancelled with a reason.
    await desk.getByTestId(`cancel-${id}`).click();
    await desk.getByTestId(`confirm-cancel-${id}`).click();
    await see(desk.getByRole("alert").filter({ hasText: /motif/i }));
    await desk.getByTestId(`cancel-reason-${id}`).fill("Le client a rappelé pour annuler");
    await desk.getByTestId(`confirm-cancel-${id}`).click();
    await see(kitchen.locator(`[data-testid="ticket-${id}"].ticket--cancelled`), LIVE_MS);
    const cancelled = await cook.order(id);
    assert.equal(cancelled.status, "cancelled");
    assert.equal(cancelled.cancel_reason, "Le client a rappelé pour annuler");
  });
});
