// Ordering on a phone: extras chosen on the menu's pizza card reach the order, the sticky bar
// leads to the cart, and an English-speaking customer reads the sizes in English.

import { test } from "node:test";
import assert from "node:assert/strict";
import { LOAD_MS, PHONE, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";

/** An enabled pizza with extras and a size that can be made, with its first extra. */
function pizzaWithExtras(menu) {
  for (const pizza of menu.pizzas.filter((p) => p.enabled && p.extras.length > 0)) {
    const size = pizza.sizes.find(
      (s) => s.available > 2 && pizza.extras[0].prices.some((p) => p.size === s.code),
    );
    if (size) return { pizza, size, extra: pizza.extras[0] };
  }
  throw new Error("the demo menu has no pizza with extras left");
}

test("extras chosen on the pizza card reach the order, and the sticky bar leads to the cart", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size, extra } = pizzaWithExtras(await api().menu(1));
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    await waitForServiceWorker(page);
    const picker = page.getByTestId(`extras-${pizza.id}`);
    await picker.locator("summary").click();
    await picker.locator(`input[type=radio][value="${size.code}"]`).check();
    await page.getByTestId(`extra-${pizza.id}-${extra.ingredient_id}`).check();
    await page.getByTestId(`add-with-extras-${pizza.id}`).click();
    await see(picker.getByRole("status").getByText("Ajoutée au panier."));

    // The bar's button brings the cart into view, with focus on it.
    await page.getByTestId("cart-open").click();
    await page.waitForFunction(() => document.activeElement?.id === "cart-title");
    const line = page.getByTestId("cart-line-0");
    await see(line);
    assert.ok(await line.isVisible());
    const checked = line.getByRole("checkbox", { name: extra.name, exact: false });
    assert.equal(await checked.isChecked(), true, "the extra is on the line");

    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await page.getByTestId("fulfilment-pickup").check();
    await page.locator('input[name="name"]').fill("Camille Martin");
    await page.locator('input[name="phone"]').fill("06 12 34 56 78");
    await page.getByTestId("place-order").click();
    await page.waitForURL("**/track/*");
    const token = new URL(page.url()).pathname.split("/").pop();
    const { order } = await api().get(`/api/v1/track/${token}`);
    assert.equal(order.lines.length, 1);
    assert.equal(order.lines[0].size, size.code);
    assert.deepEqual(
      order.lines[0].extras.map((e) => e.ingredient_id),
      [extra.ingredient_id],
    );
    await see(page.getByTestId("order-thanks").getByText("la cuisine va commencer", { exact: false }));
    await context.close();
  });
});

test("an English-speaking customer reads the sizes in English", async () => {
  await withApp(async ({ server, browser, api }) => {
    const menu = await api().menu(1);
    const pizza = menu.pizzas.find((p) => p.sizes.some((s) => s.code === "medium"));
    const context = await browser.newContext({ baseURL: server.base, viewport: PHONE, locale: "en-GB" });
    context.setDefaultTimeout(LOAD_MS);
    const page = await context.newPage();
    await page.goto("/shops/1");
    const row = page.getByTestId(`size-${pizza.id}-medium`);
    await see(row);
    const label = await row.locator("span").first().innerText();
    assert.match(label, /^Medium\b/, `the size reads "${label}"`);
    assert.doesNotMatch(label, /Moyenne/);
    await context.close();
  });
});
