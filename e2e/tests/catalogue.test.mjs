// The group's administrator edits a pizza on /manage/catalogue: a recipe step, a quantity and
// a price. A cook's recipe card already open on the kitchen display and a customer's menu
// already open on a phone show the change by themselves, without a reload.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN,
  COOK,
  KITCHEN_SCREEN,
  LIVE_MS,
  PHONE,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection, sizeRow, ticketIn } from "../screens.mjs";

const NEW_STEP = "Étaler la pâte à la main, sans rouleau";

test("an admin's recipe and price change reaches an open recipe card and an open menu live", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const menu = await guest.menu(1);
    const pizza = menu.pizzas.find((p) => p.name === "Margherita");
    assert.ok(pizza, "the demo menu has a Margherita");
    const size = pizza.sizes[0];
    const order = await guest.placeOrder([{ pizza_id: pizza.id, size: size.code, quantity: 1 }]);

    // The cook has the order's recipe card open on the kitchen display.
    const kitchenContext = await newContext(browser, server, KITCHEN_SCREEN);
    const kitchen = await kitchenContext.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(ticketIn(kitchen, "placed", order.id));
    await see(connection(kitchen, "online"));
    await kitchen.getByTestId(`line-${order.id}-0`).click();
    const card = kitchen.getByTestId("recipe-card");
    await see(card.filter({ hasText: pizza.name }));
    const recipe = await (await api().login(COOK)).get(`/api/v1/pizzas/${pizza.id}/recipe`);
    const first = recipe.sizes.find((s) => s.code === size.code).items[0];
    await see(card.filter({ hasText: `${first.quantity} g` }));
    await markDocument(kitchen);

    // A customer has the shop's menu open.
    const phoneContext = await newContext(browser, server, PHONE);
    const phone = await phoneContext.newPage();
    await phone.goto("/shops/1");
    const row = sizeRow(phone, pizza, size.code);
    await see(row.filter({ hasText: "10,50 €" }));
    await see(connection(phone, "online"));
    await markDocument(phone);

    // The administrator edits the pizza.
    const adminContext = await newContext(browser, server, KITCHEN_SCREEN);
    const admin = await adminContext.newPage();
    await logIn(admin, ADMIN);
    await admin.goto("/manage");
    await admin.getByTestId("catalogue-link").click();
    await admin.waitForURL("**/manage/catalogue");
    await admin.getByTestId("edit-pizza-margherita").click();
    const form = admin.getByTestId("pizza-form");
    await see(form);
    await admin.getByTestId("step-0").fill(NEW_STEP);
    await admin.getByTestId("recipe-0-0-quantity").fill(String(first.quantity + 15));
    await admin.getByTestId("size-0-price").fill("11,90");
    await admin.getByTestId("pizza-save").click();
    await see(admin.getByTestId("catalogue-saved"));

    // The open recipe card and the open menu follow.
    await see(card.filter({ hasText: NEW_STEP }), LIVE_MS);
    await see(card.filter({ hasText: `${first.quantity + 15} g` }), LIVE_MS);
    await assertSameDocument(kitchen);
    await see(row.filter({ hasText: "11,90 €" }), LIVE_MS);
    await assertSameDocument(phone);

    // The placed order keeps the price it was placed with.
    const placed = await (await api().login(ADMIN)).get(`/api/v1/orders/${order.id}`);
    assert.equal(placed.total, 1050);

    // A bad value is refused with the field named, and nothing changes.
    await admin.getByTestId("size-0-price").fill("0");
    await admin.getByTestId("pizza-save").click();
    await see(admin.getByTestId("catalogue-error").filter({ hasText: "sizes[0].price" }));
    const after = (await guest.menu(1)).pizzas.find((p) => p.id === pizza.id);
    assert.equal(after.sizes[0].price, 1190);

    await Promise.all([kitchenContext.close(), phoneContext.close(), adminContext.close()]);
  });
});
