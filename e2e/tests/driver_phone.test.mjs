// The driver's phone (390×844): a one-line top bar whose links open from a menu button, the
// title and the live badge on one line, the badge turning "hors ligne" within seconds of the
// network dropping and back; at the door, cash or card chosen explicitly, the change due shown
// as the amount is typed, an unusual amount confirmed first.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, DRIVER, MANAGER, PHONE, logIn, newContext, see, withApp } from "../harness.mjs";
import { connection, plentifulSize } from "../screens.mjs";

/** "Delivered" waits out its undo window on the phone, then the queue drains. */
const SYNC_MS = 20_000;
/** The badge must say the network is gone within this. */
const OFFLINE_MS = 5_000;

/** A delivery of shop 1 the cook has finished, paid at the door. */
async function readyDelivery(api, cook, name) {
  const { pizza, size } = plentifulSize(await api().menu(1));
  const order = await api().post("/api/v1/orders", {
    shop_id: 1,
    fulfilment: "delivery",
    address: { street: "8 rue Saint-Maur", postcode: "75011", city: "Paris" },
    contact: { name, phone: "06 44 55 66 77" },
    lines: [{ pizza_id: pizza.id, size: size.code, quantity: 1 }],
    payment_method: "cash_on_delivery",
  });
  for (const to of ["preparing", "ready"]) {
    await cook.post(`/api/v1/orders/${order.id}/transition`, { to });
  }
  return order;
}

/** An amount in cents as a driver types it: `2350` → `23,50`. */
function typed(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")}`;
}

function pending(page, count) {
  return page.locator(`[data-testid="sync-pending"][data-count="${count}"]`);
}

async function box(locator) {
  const b = await locator.boundingBox();
  assert.ok(b, "shown");
  return b;
}

test("on a phone the top bar is one line with its links in a menu, and the badge follows the network", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await logIn(page, DRIVER);
    await page.goto("/driver");
    const title = page.getByRole("heading", { level: 1, name: "Livraisons" });
    await see(title);
    await see(connection(page, "online"));

    const bar = page.locator("header.topbar");
    const toggle = page.getByTestId("menu-toggle");
    const brand = await box(bar.locator(".brand"));
    const button = await box(toggle);
    assert.ok((await box(bar)).height < 72, "one line high");
    assert.ok(Math.abs(brand.y + brand.height / 2 - (button.y + button.height / 2)) < 8, "side by side");
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), PHONE.width, "nothing overflows");
    const badge = await box(page.getByTestId("connection"));
    const heading = await box(title);
    assert.ok(heading.height < 48, "the title fits one line");
    assert.ok(badge.y < heading.y + heading.height && heading.y < badge.y + badge.height, "badge beside the title");

    // The links are in the menu.
    const logout = bar.getByRole("button", { name: "Se déconnecter" });
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await logout.isVisible(), false);
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    await see(logout);
    await see(bar.getByRole("link", { name: "Livraisons" }));
    await page.keyboard.press("Escape");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    assert.equal(await logout.isVisible(), false);

    // The network drops: "hors ligne" within seconds; back when it returns.
    await context.setOffline(true);
    await see(connection(page, "offline").filter({ hasText: "Hors ligne" }), OFFLINE_MS);
    await context.setOffline(false);
    await see(connection(page, "online"), OFFLINE_MS * 2);
    await context.close();
  });
});

test("at the door cash shows the change due, an unusual amount is confirmed, a card records no cash", async () => {
  await withApp(async ({ server, browser, api }) => {
    const cook = await api().login(COOK);
    const manager = await api().login(MANAGER);
    const cash = await readyDelivery(api, cook, "Lucie Bernard");
    const card = await readyDelivery(api, cook, "Marc Lefèvre");

    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await logIn(page, DRIVER);
    await page.goto("/driver");
    for (const order of [cash, card]) {
      await page.getByTestId(`take-${order.id}`).click();
      await page.getByTestId(`picked-up-${order.id}`).click();
    }
    await see(pending(page, 0), SYNC_MS);

    // Nothing is chosen in advance, and "delivered" asks for a choice.
    const payCash = page.getByTestId(`pay-cash-${cash.id}`);
    assert.equal(await payCash.getAttribute("aria-checked"), "false");
    assert.equal(await page.getByTestId(`pay-card-${cash.id}`).getAttribute("aria-checked"), "false");
    await page.getByTestId(`delivered-${cash.id}`).click();
    await see(page.getByTestId(`handover-error-${cash.id}`).filter({ hasText: "espèces ou carte" }));
    await see(pending(page, 0));

    // Cash: the change due follows what is typed.
    await payCash.click();
    assert.equal(await payCash.getAttribute("aria-checked"), "true");
    const amount = page.getByTestId(`cash-${cash.id}`);
    const change = page.getByTestId(`change-${cash.id}`);
    await amount.fill(typed(cash.total + 350));
    await see(change.filter({ hasText: "À rendre : 3,50 €" }));
    await amount.fill(typed(cash.total - 200));
    await see(change.filter({ hasText: "Manque : 2,00 €" }));

    // Far above the total: confirmed first, so it can be corrected.
    await amount.fill(typed(cash.total * 10));
    await page.getByTestId(`delivered-${cash.id}`).click();
    const confirm = page.getByTestId(`confirm-amount-${cash.id}`);
    await see(confirm.filter({ hasText: "Montant inhabituel" }));
    await see(pending(page, 0));
    await confirm.getByRole("button", { name: "Corriger" }).click();
    // Short: confirmed, and recorded as received.
    await amount.fill(typed(cash.total - 200));
    await page.getByTestId(`delivered-${cash.id}`).click();
    await page.getByTestId(`confirm-${cash.id}`).click();
    await see(pending(page, 1));

    // Card: no amount, nothing to confirm.
    await page.getByTestId(`pay-card-${card.id}`).click();
    assert.equal(await page.getByTestId(`cash-${card.id}`).count(), 0);
    await page.getByTestId(`delivered-${card.id}`).click();
    await see(pending(page, 2));

    await see(pending(page, 0), SYNC_MS * 2);
    const paidCash = await manager.order(cash.id);
    assert.equal(paidCash.status, "delivered");
    assert.equal(paidCash.payment_method, "cash_on_delivery");
    assert.equal(paidCash.cash_collected, cash.total - 200);
    assert.equal(paidCash.payment_status, "short");
    const paidCard = await manager.order(card.id);
    assert.equal(paidCard.status, "delivered");
    assert.equal(paidCard.payment_method, "card_on_delivery");
    assert.equal(paidCard.payment_status, "paid");
    assert.equal(paidCard.cash_collected ?? null, null);
    await see(page.getByTestId("cash-total").filter({ hasText: `${typed(cash.total - 200)} €` }), SYNC_MS);
    await context.close();
  });
});
