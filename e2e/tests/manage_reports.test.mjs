// A manager reads the reports: today's orders in the week's summary, the time per stage, the
// two charts drawn in SVG (time per stage day by day, orders per hour), the period and date
// pickers, and a table downloaded as CSV. An administrator picks a shop.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, COOK, MANAGER, logIn, newContext, see, withApp } from "../harness.mjs";

const LAPTOP = { width: 1366, height: 768 };

test("a manager reads the week's report of their shop with its charts and CSV tables", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const menu = await guest.menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled);
    const orders = [];
    for (let i = 0; i < 3; i++) {
      orders.push(await guest.placeOrder([{ pizza_id: pizza.id, size: pizza.sizes[0].code }]));
    }
    const cook = await api().login(COOK);
    await cook.transition(orders[0].id, "preparing");
    await cook.transition(orders[0].id, "ready");
    const revenue = orders.reduce((sum, o) => sum + o.total, 0);

    const context = await newContext(browser, server, LAPTOP);
    const page = await context.newPage();
    await logIn(page, MANAGER);
    await page.goto("/manage");
    await page.getByTestId("reports-link").click();
    await page.waitForURL("**/manage/reports");
    await see(page.getByRole("heading", { name: "Rapports", level: 1 }));

    const report = page.getByTestId("report-1");
    await see(report);
    assert.equal(await page.locator("article.report").count(), 1, "only the manager's shop");
    assert.equal(await page.getByTestId("report-shop").count(), 0, "no shop picker for one shop");
    assert.equal((await page.getByTestId("report-orders-1").textContent()).trim(), "3");
    const euros = (revenue / 100).toFixed(2).replace(".", ",");
    assert.match(await page.getByTestId("report-revenue-1").textContent(), new RegExp(euros));

    // The stage table: one order went through the placed and preparing stages.
    const stages = page.getByTestId("report-stages-1");
    assert.match(await stages.locator('tr[data-stage="placed"]').textContent(), /En attente\s*1/);
    assert.match(await stages.locator('tr[data-stage="preparing"]').textContent(), /En préparation\s*1/);

    // The charts: a stacked bar for today, and today's hour holds the three orders.
    const days = page.getByTestId("chart-days-1");
    await see(days);
    assert.equal(await days.evaluate((svg) => svg.tagName.toLowerCase()), "svg");
    assert.equal(await days.locator("text.tick").count() >= 7 + 2, true, "one label per day of the week");
    const hours = page.getByTestId("chart-hours-1");
    const bars = hours.locator("rect.bar--orders");
    assert.equal(await bars.count(), 1);
    assert.match(await bars.locator("title").textContent(), /: 3 commandes/);

    // Today alone.
    await page.getByTestId("report-period").selectOption("day");
    await see(page.getByTestId("report-1"));
    assert.equal(await page.getByTestId("chart-days-1").locator("text.tick").count(), 1 + 2);
    assert.equal((await page.getByTestId("report-orders-1").textContent()).trim(), "3");

    // A day without orders.
    await page.getByTestId("report-date").fill("2026-01-15");
    await page.getByTestId("report-date").dispatchEvent("change");
    await see(page.getByText("Aucune commande sur la période."));

    // The CSV of a table, with the page's session.
    const href = await page.getByTestId("csv-summary-1").getAttribute("href");
    assert.match(href, /^\/api\/v1\/reports\.csv\?table=summary&period=day&date=2026-01-15&shop=1$/);
    const csv = await page.request.get(href);
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()["content-type"], /^text\/csv/);
    assert.match(await csv.text(), /^shop_id,shop,first_day,last_day,orders,revenue_eur/);
    await context.close();
  });
});

test("an administrator picks one shop or all of them", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, LAPTOP);
    const page = await context.newPage();
    await logIn(page, ADMIN);
    await page.goto("/manage/reports");
    await see(page.getByTestId("report-1"));
    assert.equal(await page.locator("article.report").count(), 5, "every shop");
    await page.getByTestId("report-shop").selectOption("2");
    await see(page.getByTestId("report-2"));
    await page.waitForFunction(() => document.querySelectorAll("article.report").length === 1);
    assert.equal(await page.getByTestId("report-1").count(), 0);
    await context.close();
  });
});
