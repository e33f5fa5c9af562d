// A manager watches the dashboard: a guest's new order shows up live in the right shop's card
// and today's count goes up; pausing the shop from its card closes it on a customer's open
// menu page at once, and resuming opens it again — nothing reloads.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LIVE_MS,
  MANAGER,
  PHONE,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  gone,
  withApp,
} from "../harness.mjs";
import { cardFigure, connection, plentifulSize, shopCard } from "../screens.mjs";

/** A laptop's screen, where managers mostly work. */
const LAPTOP = { width: 1366, height: 768 };


/** The manager's dashboard, open and live. */
async function openDashboard(browser, server) {
  const context = await newContext(browser, server, LAPTOP);
  const page = await context.newPage();
  await logIn(page, MANAGER);
  await page.goto("/manage");
  await see(shopCard(page, 1));
  await see(connection(page, "online"));
  await markDocument(page);
  return page;
}

async function figure(page, shop, name) {
  return Number((await cardFigure(page, shop, name).textContent()).trim());
}

test("a new order shows up live in its shop's card and today's count goes up", async () => {
  await withApp(async ({ server, browser, api }) => {
    const dashboard = await openDashboard(browser, server);
    // The demo manager runs shop 1 only.
    assert.equal(await dashboard.locator('[data-testid^="shop-card-"]').count(), 1);
    const ordersBefore = await figure(dashboard, 1, "today-orders");
    const placedBefore = await figure(dashboard, 1, "stage-placed");

    const guest = api();
    const { pizza, size } = plentifulSize(await guest.menu(1));
    const order = await guest.placeOrder([{ pizza_id: pizza.id, size: size.code }], { name: "Nina Dupont" });

    const row = shopCard(dashboard, 1).getByTestId(`order-row-${order.id}`);
    await see(row, LIVE_MS);
    assert.match(await row.textContent(), /Nina Dupont/);
    assert.equal(await row.getAttribute("data-status"), "placed");
    await dashboard.waitForFunction(
      (n) => Number(document.querySelector('[data-testid="today-orders-1"]').textContent) === n,
      ordersBefore + 1,
      { timeout: LIVE_MS },
    );
    assert.equal(await figure(dashboard, 1, "stage-placed"), placedBefore + 1);

    // The cook starts it: the row moves to the preparing stage.
    const cook = await api().login("cook@demo.ocpizza.fr");
    await cook.transition(order.id, "preparing");
    await see(shopCard(dashboard, 1).locator(`[data-testid="order-row-${order.id}"][data-status="preparing"]`), LIVE_MS);

    await assertSameDocument(dashboard);
  });
});

test("pausing a shop on the dashboard closes it on an open customer menu, resuming reopens it", async () => {
  await withApp(async ({ server, browser }) => {
    const dashboard = await openDashboard(browser, server);

    const customer = await (await newContext(browser, server, PHONE)).newPage();
    await customer.goto("/shops/1");
    await see(customer.locator("li.pizza").first());
    await see(connection(customer, "online"));
    await markDocument(customer);
    assert.equal(await customer.getByTestId("shop-paused").count(), 0);

    await dashboard.getByLabel("Motif affiché aux clients").fill("Four en panne");
    await dashboard.getByTestId("pause-1").click();
    await see(customer.getByTestId("shop-paused").filter({ hasText: "Four en panne" }), LIVE_MS);
    await see(dashboard.locator('[data-testid="shop-card-1"][data-accepting="false"]'), LIVE_MS);

    await dashboard.getByTestId("resume-1").click();
    await gone(customer.getByTestId("shop-paused"), LIVE_MS);
    await see(dashboard.locator('[data-testid="shop-card-1"][data-accepting="true"]'), LIVE_MS);

    await assertSameDocument(customer);
    await assertSameDocument(dashboard);
  });
});

test("a manager assigns a driver to a delivery from its row and the drivers out follow", async () => {
  await withApp(async ({ server, browser, api }) => {
    const dashboard = await openDashboard(browser, server);
    const guest = api();
    const { pizza, size } = plentifulSize(await guest.menu(1));
    const order = await guest.post("/api/v1/orders", {
      shop_id: 1,
      fulfilment: "delivery",
      address: { street: "12 rue Oberkampf", postcode: "75011", city: "Paris" },
      contact: { name: "Jeanne Martin", phone: "06 12 34 56 78" },
      lines: [{ pizza_id: pizza.id, size: size.code, quantity: 1 }],
      payment_method: "cash_on_delivery",
    });
    const row = dashboard.getByTestId(`order-row-${order.id}`);
    await see(row, LIVE_MS);

    const select = row.getByTestId(`driver-select-${order.id}`);
    const driver = await select.locator("option").nth(1);
    const driverName = (await driver.textContent()).trim();
    await select.selectOption({ index: 1 });
    await row.getByTestId(`assign-${order.id}`).click();
    await dashboard.waitForFunction(
      (id) => document.querySelector(`[data-testid="assign-${id}"]`)?.disabled === true,
      order.id,
      { timeout: LIVE_MS },
    );
    const saved = await (await api().login(MANAGER)).order(order.id);
    assert.equal(saved.driver?.name, driverName);

    // Ready, then out with that driver: the card lists the driver as out.
    const cook = await api().login("cook@demo.ocpizza.fr");
    await cook.transition(order.id, "preparing");
    await cook.transition(order.id, "ready");
    const driverApi = await api().login("driver@demo.ocpizza.fr");
    await driverApi.transition(order.id, "out_for_delivery");
    await see(dashboard.getByTestId("drivers-out-1").filter({ hasText: driverName }), LIVE_MS);
    await see(dashboard.getByTestId("stage-out_for_delivery-1").filter({ hasText: "1" }), LIVE_MS);
    await assertSameDocument(dashboard);
  });
});
