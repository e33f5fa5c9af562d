// Accessibility: axe-core (from npm) checks the main screens in the states people see them —
// a customer's shop list, menu, cart, checkout with its errors, tracker; the login page; the
// kitchen display, the counter, the driver's phone, the managers' dashboard, stock, cash and
// staff pages — against WCAG 2.1 A and AA. Every violation fails the test with the rule, the
// element and axe's help text.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import {
  COOK,
  COUNTER,
  DRIVER,
  KITCHEN_SCREEN,
  MANAGER,
  PHONE,
  logIn,
  newContext,
  see,
  waitForServiceWorker,
  withApp,
} from "../harness.mjs";
import { connection, plentifulSize, shopCard, ticketIn } from "../screens.mjs";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** A laptop's screen, where managers mostly work. */
const LAPTOP = { width: 1366, height: 768 };

/**
 * The WCAG 2.1 A/AA violations axe finds (and how many rules passed) on the page as it is now. The script is evaluated
 * through the debugging protocol, which the page's Content-Security-Policy does not govern.
 */
async function violations(page) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return {
      checked: result.passes.length,
      violations: result.violations.map((v) => ({
        rule: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
      })),
    };
  });
}

/** Fails with every violation on the page, named after `state`. */
async function assertAccessible(page, state) {
  const { checked, violations: found } = await violations(page);
  assert.deepEqual(found, [], `${state}: ${JSON.stringify(found, null, 2)}`);
  // A page axe found nothing to check on would pass vacuously.
  assert.ok(checked > 10, `${state}: axe checked only ${checked} rules`);
}

test("the customer's screens have no accessibility violation", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));
    const page = await (await newContext(browser, server, PHONE)).newPage();

    await page.goto("/");
    await waitForServiceWorker(page);
    await see(shopCard(page, 1).or(page.locator("a[href='/shops/1']")).first());
    await assertAccessible(page, "shop list");

    await page.goto("/shops/1");
    await see(page.getByTestId(`add-${pizza.id}-${size.code}`));
    await assertAccessible(page, "menu");

    await page.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await see(page.getByTestId("cart-checkout"));
    await assertAccessible(page, "menu with a cart");

    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await see(page.getByTestId("place-order"));
    await assertAccessible(page, "checkout");

    // Submitting an empty form shows the errors next to the fields.
    await page.getByTestId("place-order").click();
    await see(page.locator("[aria-invalid='true']").first());
    await assertAccessible(page, "checkout with errors");

    await page.locator('input[name="name"]').fill("Camille Martin");
    await page.locator('input[name="phone"]').fill("06 12 34 56 78");
    await page.locator('input[name="email"]').fill("camille.martin@example.fr");
    await page.getByTestId("fulfilment-pickup").check();
    await page.getByTestId("place-order").click();
    await page.waitForURL("**/track/*");
    await see(page.getByTestId("cancel-order"));
    await assertAccessible(page, "tracker");

    await page.goto("/login");
    await see(page.locator("input#email"));
    await assertAccessible(page, "login");
  });
});

test("the staff screens have no accessibility violation", async () => {
  await withApp(async ({ server, browser, api }) => {
    const guest = api();
    const { pizza, size } = plentifulSize(await guest.menu(1));
    const order = await guest.placeOrder([{ pizza_id: pizza.id, size: size.code }], { name: "Nina Dupont" });

    const kitchen = await (await newContext(browser, server, KITCHEN_SCREEN)).newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(ticketIn(kitchen, "placed", order.id));
    await see(connection(kitchen, "online"));
    await assertAccessible(kitchen, "kitchen display");
    await kitchen.getByTestId(`line-${order.id}-0`).click();
    await see(kitchen.getByTestId("recipe-card"));
    await assertAccessible(kitchen, "kitchen display with a recipe card");

    const counter = await (await newContext(browser, server, LAPTOP)).newPage();
    await logIn(counter, COUNTER);
    await counter.goto("/counter");
    await see(connection(counter, "online"));
    await assertAccessible(counter, "counter");

    const driver = await (await newContext(browser, server, PHONE)).newPage();
    await logIn(driver, DRIVER);
    await driver.goto("/driver");
    await see(connection(driver, "online"));
    await assertAccessible(driver, "driver");

    const manager = await (await newContext(browser, server, LAPTOP)).newPage();
    await logIn(manager, MANAGER);
    for (const [path, ready, state] of [
      ["/manage", shopCard(manager, 1), "managers' dashboard"],
      ["/manage/shops/1/stock", connection(manager, "online"), "stock"],
      ["/manage/shops/1/cash", manager.locator("main h1, main h2").first(), "cash"],
      ["/manage/shops/1/staff", manager.locator("main h1, main h2").first(), "staff"],
      ["/recipes", manager.locator("main h1, main h2").first(), "recipe book"],
    ]) {
      await manager.goto(path);
      await see(ready);
      await assertAccessible(manager, state);
    }
  });
});
