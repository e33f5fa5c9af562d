// Errors told in the customer's language, where they look: a checkout sent with empty or wrong
// fields shows a French message next to each field and focuses the first; a pizza that runs
// out between the cart and the order is named, with a one-click way out; a missing shop says
// so once; an unknown address answers 404 with the app's page; robots.txt is a real file.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MANAGER,
  PHONE,
  gone,
  newContext,
  see,
  waitForServiceWorker,
  withApp,
} from "../harness.mjs";
import { plentifulSize } from "../screens.mjs";

/** Every field a delivery needs, as the checkout names its inputs. */
const DELIVERY_FIELDS = ["street", "postcode", "city", "name", "phone"];

/** The French size names the stock-out message uses. */
const SIZE_FR = { small: "petite", medium: "moyenne", large: "grande" };

/** An enabled size with the fewest units left (above zero) by the menu's count. */
function scarceSize(menu, except) {
  let best = null;
  for (const pizza of menu.pizzas.filter((p) => p.enabled && p.id !== except)) {
    for (const size of pizza.sizes.filter((s) => s.available > 0)) {
      if (!best || size.available < best.size.available) best = { pizza, size };
    }
  }
  return best;
}

function available(menu, pizzaId, code) {
  return menu.pizzas.find((p) => p.id === pizzaId).sizes.find((s) => s.code === code).available;
}

/** The id of the element that has focus. */
function focused(page) {
  return page.evaluate(() => document.activeElement?.id ?? "");
}

/** The message shown for `name`'s input, after checking the input points at it. */
async function messageOf(page, name) {
  const input = page.locator(`input[name="${name}"]`);
  assert.equal(await input.getAttribute("aria-invalid"), "true", `${name} is marked invalid`);
  const describedBy = await input.getAttribute("aria-describedby");
  assert.ok(describedBy, `${name} points at its message`);
  return page.locator(`[id="${describedBy}"]`).innerText();
}

test("a French checkout sent empty shows French messages next to each field and focuses the first", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { pizza, size } = plentifulSize(await api().menu(1));
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    const orders = [];
    page.on("request", (r) => r.method() === "POST" && r.url().endsWith("/api/v1/orders") && orders.push(r));
    await page.goto("/shops/1");
    // On a first visit the app reloads once its service worker takes over: act after that.
    await waitForServiceWorker(page);
    await page.getByTestId(`add-${pizza.id}-${size.code}`).click();
    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await page.getByTestId("fulfilment-delivery").check();

    await page.getByTestId("place-order").click();
    for (const name of DELIVERY_FIELDS) {
      assert.equal(await messageOf(page, name), "Ce champ est obligatoire.", name);
    }
    assert.equal(await focused(page), "checkout-street", "focus is on the first field to fix");
    await see(page.getByTestId("form-error").getByText("Vérifiez les champs signalés."));

    // Wrong values get their own words; what is fixed loses its message.
    await page.locator('input[name="street"]').fill("12 rue Oberkampf");
    await page.locator('input[name="postcode"]').fill("99999");
    await page.locator('input[name="city"]').fill("Paris");
    await page.locator('input[name="name"]').fill("Camille Martin");
    await page.locator('input[name="phone"]').fill("appelez-moi");
    await page.locator('input[name="email"]').fill("camille@localhost");
    await page.getByTestId("place-order").click();
    assert.equal(await messageOf(page, "postcode"), "Cette pizzeria ne livre pas ce code postal.");
    assert.match(await messageOf(page, "phone"), /^Numéro de téléphone invalide/);
    assert.match(await messageOf(page, "email"), /^Adresse e-mail invalide/);
    assert.equal(await page.locator('input[name="street"]').getAttribute("aria-invalid"), null);
    assert.equal(await focused(page), "checkout-postcode");
    assert.equal(orders.length, 0, "nothing is sent while a field is wrong");

    // Fixed, it goes through.
    await page.locator('input[name="postcode"]').fill("75011");
    await page.locator('input[name="phone"]').fill("06 12 34 56 78");
    await page.locator('input[name="email"]').fill("");
    await page.getByTestId("place-order").click();
    await page.waitForURL("**/track/*");
    await see(page.getByTestId("order-thanks").getByText("Merci !"));
    await context.close();
  });
});

test("a stock-out at submit names the pizza and its removal lets the order go through", async () => {
  await withApp(async ({ server, browser, api }) => {
    const menu = await api().menu(1);
    const kept = plentifulSize(menu);
    const scarce = scarceSize(menu, kept.pizza.id);
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    // On a first visit the app reloads once its service worker takes over: act after that.
    await waitForServiceWorker(page);
    await page.getByTestId(`add-${scarce.pizza.id}-${scarce.size.code}`).click();
    await page.getByTestId(`add-${kept.pizza.id}-${kept.size.code}`).click();
    await page.getByTestId("cart-checkout").click();
    await page.waitForURL("**/checkout/1");
    await page.getByTestId("fulfilment-pickup").check();
    await page.locator('input[name="name"]').fill("Camille Martin");
    await page.locator('input[name="phone"]').fill("06 12 34 56 78");

    // Meanwhile, other customers take every last one.
    const manager = await api().login(MANAGER);
    await manager.sellOut(api(), scarce.pizza.id, scarce.size.code);
    assert.equal(available(await api().menu(1), scarce.pizza.id, scarce.size.code), 0);
    assert.ok(available(await api().menu(1), kept.pizza.id, kept.size.code) > 0, "the other pizza is still there");

    await page.getByTestId("place-order").click();
    const notice = page.getByTestId("stock-out");
    await see(notice);
    const named = `Plus assez d'ingrédients pour 1 ${scarce.pizza.name} (${SIZE_FR[scarce.size.code]})`;
    assert.equal(await notice.locator("strong").innerText(), named);
    await page.getByTestId("stock-out-remove").click();
    await gone(notice);
    assert.equal(await page.locator(".summary-lines > li").count(), 1);

    await page.getByTestId("place-order").click();
    await page.waitForURL("**/track/*");
    const token = new URL(page.url()).pathname.split("/").pop();
    const { order } = await api().get(`/api/v1/track/${token}`);
    assert.deepEqual(
      order.lines.map((l) => [l.pizza_id, l.size]),
      [[kept.pizza.id, kept.size.code]],
    );
    await context.close();
  });
});

test("a shop that does not exist says so once, with the way to the list", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    let asked = 0;
    page.on("request", (r) => new URL(r.url()).pathname.startsWith("/api/v1/shops/999") && asked++);
    const response = await page.goto("/shops/999");
    assert.equal(response.status(), 200, "a shop's address is an app route");
    const missing = page.getByTestId("shop-missing");
    await see(missing.getByRole("heading", { name: "Cette pizzeria n'existe pas" }));
    const before = asked;
    await page.waitForTimeout(3_000);
    assert.equal(asked, before, "nothing is retried");
    await missing.getByRole("link").click();
    await page.waitForURL(`${server.base}/`);
    await context.close();
  });
});

test("an unknown address answers 404 with the app, and robots.txt is a real file", async () => {
  await withApp(async ({ server, browser }) => {
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    const response = await page.goto("/nope");
    assert.equal(response.status(), 404);
    await see(page.getByRole("heading", { name: "Page introuvable." }));

    const robots = await fetch(`${server.base}/robots.txt`);
    assert.equal(robots.status, 200);
    assert.match(robots.headers.get("content-type"), /^text\/plain/);
    const text = await robots.text();
    for (const line of ["Allow: /shops/", "Disallow: /api/", "Disallow: /kitchen", "Disallow: /manage"]) {
      assert.ok(text.split("\n").includes(line), `robots.txt has "${line}"`);
    }
    await context.close();
  });
});
