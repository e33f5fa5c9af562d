// An administrator filters the audit page and finds the restock a manager just made, with who,
// why and the quantities before and after; the CSV link carries the same filters. A customer
// downloads their data from "Mes commandes" and deletes their account, confirmed with their
// password: they are logged out and cannot log in again.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { ADMIN, LIVE_MS, MANAGER, logIn, newContext, see, withApp } from "../harness.mjs";

/** A download is a full request to the debug server: slower than a screen on a busy machine. */
const DOWNLOAD_MS = 45_000;

test("an administrator filters the audit page and sees a change just made", async () => {
  await withApp(async ({ server, browser, api }) => {
    const manager = await api().login(MANAGER);
    const stock = await manager.get("/api/v1/shops/1/stock");
    const ingredient = stock.items[0];
    await manager.restock(ingredient.ingredient_id, 125);

    const page = await (await newContext(browser, server, { width: 1366, height: 900 })).newPage();
    await logIn(page, ADMIN);
    await page.goto("/manage");
    await page.getByTestId("audit-link").click();
    await see(page.getByTestId("audit-list"));

    await page.getByTestId("audit-action").selectOption("stock");
    await page.getByTestId("audit-shop").selectOption("1");
    await page.getByTestId("audit-filter").click();
    // The filtered list replaces the first one: only stock entries of shop 1.
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="audit-list"] tbody tr')];
      return rows.length > 0 && rows.every((r) => r.dataset.action.startsWith("stock."));
    });
    const row = page.locator('[data-action="stock.restock"]').first();
    await see(row, LIVE_MS);
    const text = await row.textContent();
    assert.match(text, /Réception de stock/);
    assert.match(text, /Marc Manager/);
    assert.match(text, /Livraison \(test de bout en bout\)/);
    assert.match(text, new RegExp(`on_hand: ${ingredient.on_hand} → ${ingredient.on_hand + 125}`));
    // Nothing but stock entries of shop 1 once filtered.
    const actions = await page
      .getByTestId("audit-list")
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert.ok(actions.length > 0);
    assert.ok(actions.every((a) => a.startsWith("stock.")), actions.join(", "));

    const csv = await page.getByTestId("audit-csv").getAttribute("href");
    assert.equal(csv, "/api/v1/audit.csv?shop_id=1&action=stock");
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: DOWNLOAD_MS }),
      page.getByTestId("audit-csv").click(),
    ]);
    const file = await readFile(await download.path(), "utf8");
    assert.match(file, /^\uFEFFDate et heure;Auteur;/);
    assert.match(file, /stock\.restock/);
  });
});

test("a customer downloads their data and deletes their account", async () => {
  await withApp(async ({ server, browser, api }) => {
    const email = "rgpd.client@example.fr";
    const password = "margherita-du-dimanche";
    await api().post("/api/v1/auth/register", {
      email,
      password,
      name: "Romane Gaudin",
      phone: "06 21 43 65 87",
    });
    const customer = await api().login(email, password);
    const order = await customer.placeOrder([{ pizza_id: 1, size: "medium" }], { name: "Romane Gaudin" });
    await customer.post(`/api/v1/orders/${order.id}/cancel`, {});

    const page = await (await newContext(browser, server)).newPage();
    await logIn(page, email, password);
    await page.goto("/my-orders");
    const section = page.getByTestId("my-data");
    await see(section);
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: DOWNLOAD_MS }),
      page.getByTestId("download-my-data").click(),
    ]);
    const data = JSON.parse(await readFile(await download.path(), "utf8"));
    assert.equal(data.account.email, email);
    assert.equal(data.account.name, "Romane Gaudin");
    assert.deepEqual(data.orders.map((o) => o.id), [order.id]);

    await page.getByTestId("delete-account-open").click();
    await page.getByTestId("delete-password").fill("pas-le-bon-mot-de-passe");
    await page.getByTestId("delete-account-confirm").click();
    await see(section.getByRole("alert"), LIVE_MS);
    await page.getByTestId("delete-password").fill(password);
    await page.getByTestId("delete-account-confirm").click();
    await see(page.getByTestId("account-deleted"), LIVE_MS);
    assert.equal(await page.getByTestId("my-data").count(), 0);

    await assert.rejects(api().login(email, password));
    const admin = await api().login(ADMIN);
    const kept = await admin.order(order.id);
    assert.equal(kept.contact.name, "Anonyme");
    assert.equal(kept.total, order.total);
  });
});
