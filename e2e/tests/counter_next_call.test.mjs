// The order taker's evening at the counter: pizzas added from the keyboard (Enter adds the one
// size a search leaves), the total and the send button on screen however long the order, and
// once it is sent a confirmation with its number, the desk emptied and the cursor back in the
// phone field for the next call.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COUNTER, logIn, newContext, see, withApp } from "../harness.mjs";

const DESK = { width: 1366, height: 900 };

/** The French name of a size, as the counter shows it. */
const SIZE_FR = { medium: "moyenne", large: "grande" };

/** `1234` cents as the app writes money. */
function euros(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")} €`;
}

/** Whether `locator` is entirely inside the window, as scrolled now. */
async function onScreen(page, locator) {
  const box = await locator.boundingBox();
  const height = await page.evaluate(() => innerHeight);
  return box !== null && box.y >= 0 && box.y + box.height <= height;
}

test("enter adds the single match, the total stays on screen, and the desk is ready for the next call", async () => {
  await withApp(async ({ server, browser, api }) => {
    const menu = await api().menu(1);
    const orderable = menu.pizzas
      .filter((p) => p.enabled)
      .flatMap((p) => p.sizes.filter((s) => s.available > 2).map((s) => ({ pizza: p, size: s })));
    // A pizza whose name is in no other's, so that its name and a size leave one button.
    const unique = orderable.find(
      ({ pizza, size }) =>
        size.code === "large" &&
        !menu.pizzas.some((o) => o.id !== pizza.id && o.name.toLowerCase().includes(pizza.name.toLowerCase())),
    );

    const desk = await (await newContext(browser, server, DESK)).newPage();
    await logIn(desk, COUNTER);
    await desk.goto("/counter");
    const phone = desk.locator('input[name="phone"]');
    await phone.fill("06 11 22 33 44");
    await desk.locator('input[name="name"]').fill("Hugo Martin");
    await desk.locator('input[name="note"]').fill("Sonner deux fois");
    await desk.getByTestId("channel-counter").check();

    // Enter with a search that leaves two sizes adds nothing; with the size too, it adds it.
    const search = desk.getByTestId("pizza-filter");
    const lines = desk.locator(".cart-line");
    await search.fill(unique.pizza.name);
    await search.press("Enter");
    assert.equal(await lines.count(), 0, "two sizes match: Enter must not pick one");
    await search.fill(`${unique.pizza.name.toLowerCase()} ${SIZE_FR.large}`);
    await search.press("Enter");
    await see(lines.first());
    assert.equal(await lines.count(), 1);
    assert.match(await lines.first().innerText(), new RegExp(unique.pizza.name));
    assert.equal(await search.inputValue(), "", "the search is cleared for the next pizza");

    // A long order: the total and the send button stay in the window wherever it is scrolled.
    const others = orderable.filter((o) => o !== unique).slice(0, 9);
    for (const { pizza, size } of others) await desk.getByTestId(`add-${pizza.id}-${size.code}`).click();
    assert.equal(await lines.count(), 10);
    const total = [unique, ...others].reduce((sum, o) => sum + o.size.price, 0);
    const bar = desk.getByTestId("counter-total");
    await see(bar.filter({ hasText: euros(total) }));
    const send = desk.getByTestId("counter-send");
    const pageHeight = await desk.evaluate(() => document.scrollingElement.scrollHeight);
    assert.ok(pageHeight > DESK.height, "the order fits the window: the test proves nothing");
    for (const at of [0, 0.5, 1]) {
      await desk.evaluate((f) => scrollTo(0, f * (document.scrollingElement.scrollHeight - innerHeight)), at);
      assert.ok(await onScreen(desk, send), `send button off screen at ${at * 100} % of the page`);
      assert.ok(await onScreen(desk, bar), `total off screen at ${at * 100} % of the page`);
    }

    await send.click();
    const sent = desk.getByRole("status").getByTestId("counter-sent");
    await see(sent);
    const id = Number(await sent.getAttribute("data-order"));
    assert.match(await sent.innerText(), new RegExp(`Commande n° ${id} envoyée`));
    await desk.waitForFunction(() => document.activeElement?.getAttribute("name") === "phone");
    for (const field of ["phone", "name", "email", "note"]) {
      assert.equal(await desk.locator(`input[name="${field}"]`).inputValue(), "", `${field} not emptied`);
    }
    assert.equal(await lines.count(), 0, "the cart is emptied");
    assert.ok(await desk.getByTestId("channel-phone").isChecked(), "back to a phone call");
    assert.ok(await desk.getByTestId("counter-pickup").isChecked());

    const order = await (await api().login(COUNTER)).order(id);
    assert.equal(order.channel, "counter");
    assert.equal(order.note, "Sonner deux fois");
    assert.equal(order.lines.length, 10);
  });
});
