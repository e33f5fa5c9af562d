// A driver works without signal: actions taken offline wait on the phone (through a reload of
// the app), reach the server once each with the phone's times when the network is back, and a
// change made meanwhile by the shop comes back as a conflict in plain words.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, DRIVER, MANAGER, PHONE, logIn, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";
import { plentifulSize, trackerStatus } from "../screens.mjs";

/** "Delivered" can be undone this long before it may leave the phone. */
const UNDO_MS = 10_000;
/** The queue is retried every few seconds once the network is back. */
const SYNC_MS = 15_000;

/** One unit of the size with the most units left, so the scenario never runs out. */
function plentiful(menu) {
  const { pizza, size } = plentifulSize(menu);
  return { pizza_id: pizza.id, size: size.code, quantity: 1 };
}

/** A cash-on-delivery order of shop 1, brought to "ready" by the cook. */
async function readyDelivery(api, cook, line, name) {
  const placed = await api().post("/api/v1/orders", {
    shop_id: 1,
    fulfilment: "delivery",
    address: { street: "12 rue Oberkampf", postcode: "75011", city: "Paris" },
    contact: { name, phone: "06 11 22 33 44" },
    lines: [line],
    payment_method: "cash_on_delivery",
  });
  const order = placed.order ?? placed;
  await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "preparing" });
  await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "ready" });
  return order;
}

/** An amount in cents as a driver types it: `2350` → `23,50`. */
function typed(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
}

function card(page, id) {
  return page.getByTestId(`delivery-${id}`);
}

function pending(page, count) {
  return page.locator(`[data-testid="sync-pending"][data-count="${count}"]`);
}

test("actions taken offline survive a reload and reach the server once each with the phone's times", async () => {
  await withApp(async ({ server, browser, api }) => {
    const cook = await api().login(COOK);
    const manager = await api().login(MANAGER);
    const line = plentiful(await api().menu(1));
    const first = await readyDelivery(api, cook, line, "Alice Durand");
    const second = await readyDelivery(api, cook, line, "Bruno Petit");

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await logIn(page, DRIVER);
    await page.goto("/driver");
    await waitForServiceWorker(page);

    // Online: take both, leave with the first.
    await page.getByTestId(`take-${first.id}`).click();
    await page.getByTestId(`take-${second.id}`).click();
    await page.getByTestId(`picked-up-${first.id}`).click();
    await see(card(page, first.id).and(page.locator('[data-status="out_for_delivery"]')));
    await see(pending(page, 0), SYNC_MS);
    assert.equal((await manager.order(first.id)).status, "out_for_delivery");
    assert.equal((await manager.order(second.id)).driver.name.length > 0, true);

    // No signal: deliver the first (paid in cash, the exact amount), pick up the second.
    await context.setOffline(true);
    const tappedAt = Date.now();
    await page.getByTestId(`pay-cash-${first.id}`).click();
    await page.getByTestId(`cash-${first.id}`).fill(typed(first.total));
    await page.getByTestId(`delivered-${first.id}`).click();
    await page.getByTestId(`picked-up-${second.id}`).click();
    await see(pending(page, 2));
    await see(card(page, second.id).and(page.locator('[data-status="out_for_delivery"]')));

    // The app is closed and opened again, still without network: the queue is still there.
    await page.waitForTimeout(UNDO_MS + 1_000);
    await page.reload();
    await see(pending(page, 2));
    await see(page.getByTestId("offline-copy"));
    assert.equal((await manager.order(first.id)).status, "out_for_delivery", "nothing sent offline");

    // Signal again: the queue drains.
    await context.setOffline(false);
    await see(pending(page, 0), SYNC_MS);
    const receivedBy = Date.now();

    const delivered = await manager.order(first.id);
    assert.equal(delivered.status, "delivered");
    assert.equal(delivered.cash_collected, first.total);
    assert.equal((await manager.order(second.id)).status, "out_for_delivery");
    for (const [order, kind] of [
      [first, "delivered"],
      [second, "picked_up"],
    ]) {
      const { actions } = await manager.get(`/api/v1/orders/${order.id}/driver-actions`);
      const matching = actions.filter((a) => a.kind === kind);
      assert.equal(matching.length, 1, `${kind} of order ${order.id} applied once`);
      const device = Date.parse(matching[0].device_at);
      const received = Date.parse(matching[0].received_at);
      assert.ok(device >= tappedAt - 1_000 && device < tappedAt + 5_000, "the phone's time of the tap");
      assert.ok(received - device >= UNDO_MS, "received after the network came back");
      assert.ok(received <= receivedBy + 1_000);
    }

    // The customer's tracker says delivered.
    const customer = await (await newContext(browser, server, PHONE)).newPage();
    await customer.goto(`/track/${first.tracking_token}`);
    await see(trackerStatus(customer, "delivered"));

    // End of the shift: the driver's screen and the manager's cash page show what to hand in.
    await see(page.getByTestId("cash-total").filter({ hasText: typed(first.total) }), SYNC_MS);
    const office = await (await newContext(browser, server, PHONE)).newPage();
    await logIn(office, MANAGER);
    await office.goto("/manage/shops/1/cash");
    await see(office.getByTestId("shop-cash-total").filter({ hasText: typed(first.total) }));

    // A replay of the same action (same key) is applied once.
    const { actions } = await manager.get(`/api/v1/orders/${first.id}/driver-actions`);
    const key = actions.find((a) => a.kind === "delivered").key;
    const replay = await page.evaluate(async ({ key, id, total }) => {
      const body = { key, order_id: id, kind: "delivered", device_at: new Date().toISOString(), cash_collected: total };
      const send = () =>
        fetch("/api/v1/driver/actions", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        }).then(async (r) => ({ status: r.status, body: await r.json() }));
      return [await send(), await send()];
    }, { key, id: first.id, total: first.total });
    for (const answer of replay) {
      assert.equal(answer.status, 200);
      assert.equal(answer.body.outcome, "already_applied");
    }
    const after = await manager.get(`/api/v1/orders/${first.id}/driver-actions`);
    assert.equal(after.actions.length, actions.length, "nothing applied twice");
    await context.close();
  });
});

test("an action on an order cancelled meanwhile is shown to the driver as a conflict", async () => {
  await withApp(async ({ server, browser, api }) => {
    const cook = await api().login(COOK);
    const manager = await api().login(MANAGER);
    const order = await readyDelivery(api, cook, plentiful(await api().menu(1)), "Chloé Martin");

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await logIn(page, DRIVER);
    await page.goto("/driver");
    await page.getByTestId(`take-${order.id}`).click();
    await see(pending(page, 0), SYNC_MS);

    await context.setOffline(true);
    await page.getByTestId(`picked-up-${order.id}`).click();
    await see(pending(page, 1));
    // Meanwhile the customer calls the shop and the manager cancels.
    await manager.post(`/api/v1/orders/${order.id}/cancel`, { reason: "Le client a annulé par téléphone" });

    await context.setOffline(false);
    const conflict = page.getByTestId(`conflict-${order.id}`);
    await see(conflict, SYNC_MS);
    assert.equal(await conflict.getAttribute("data-code"), "order_cancelled");
    assert.match(await conflict.innerText(), /annulée/);
    await see(pending(page, 0));
    assert.equal((await manager.order(order.id)).status, "cancelled");
    await context.close();
  });
});
