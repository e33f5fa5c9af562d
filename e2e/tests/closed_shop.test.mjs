// Closed and paused shops, as a customer finds them: the shop list and the menu say when a
// closed shop opens next and show today's hours, ordering is disabled from the first screen
// (no pre-orders), the managers' dashboard shows the same state; a paused shop says why, and
// its menu opens again live when the manager resumes it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, LIVE_MS, MANAGER, PHONE, logIn, newContext, see, gone, withApp } from "../harness.mjs";
import { connection } from "../screens.mjs";

const WEEKDAYS_FR = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];

/** Today's ISO weekday in Paris (1 = Monday). */
function parisWeekday() {
  const name = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "long" }).format(new Date());
  return ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].indexOf(name) + 1;
}

/** Every add button of the menu page is disabled. */
async function addingDisabled(page) {
  const buttons = page.locator('[data-testid^="add-"]');
  await see(buttons.first());
  const states = await buttons.evaluateAll((els) => els.map((b) => b.disabled));
  return states.length > 0 && states.every(Boolean);
}

test("a closed shop shows its hours and next opening, and takes no order", async () => {
  await withApp(async ({ server, browser, api }) => {
    // Shop 2 opens two days from now only, whatever the time CI runs: closed now and all day.
    const opensOn = ((parisWeekday() + 1) % 7) + 1;
    const admin = await api().login(ADMIN);
    const shop = await admin.patch("/api/v1/shops/2", {
      hours: [{ weekday: opensOn, opens: "11:30", closes: "14:30" }],
    });
    assert.equal(shop.open_state.state, "closed");
    assert.equal(shop.open_state.next.in_days, 2);
    const expected = `Fermé — ouvre ${WEEKDAYS_FR[opensOn - 1]} à 11 h 30`;

    const page = await (await newContext(browser, server, PHONE)).newPage();
    await page.goto("/");
    await see(page.getByTestId("shop-status-2"));
    assert.equal((await page.getByTestId("shop-status-2").textContent()).trim(), expected);
    assert.equal(await page.getByTestId("shop-status-2").getAttribute("data-state"), "closed");
    assert.equal((await page.getByTestId("shop-hours-2").textContent()).trim(), "Fermé aujourd'hui");
    assert.equal((await page.getByTestId("shop-status-1").textContent()).trim(), "Ouvert 24 h/24");

    await page.goto("/shops/2");
    await see(page.getByTestId("shop-closed"));
    assert.match(await page.getByTestId("shop-closed").textContent(), new RegExp(expected));
    assert.equal((await page.getByTestId("shop-status").textContent()).trim(), expected);
    assert.ok(await addingDisabled(page), "no pizza can be added to the cart");

    // The managers' dashboard shows the state the customers see.
    const board = await (await newContext(browser, server, { width: 1366, height: 768 })).newPage();
    await logIn(board, ADMIN);
    await board.goto("/manage");
    await see(board.getByTestId("shop-state-2"));
    assert.equal((await board.getByTestId("shop-state-2").textContent()).trim(), expected);
  });
});

test("a paused shop says why, takes no order, and opens again live when resumed", async () => {
  await withApp(async ({ server, browser, api }) => {
    const page = await (await newContext(browser, server, PHONE)).newPage();
    await page.goto("/shops/1");
    await see(page.locator("li.pizza").first());
    await see(connection(page, "online"));
    assert.equal(await addingDisabled(page), false, "shop 1 is open round the clock");

    const manager = await api().login(MANAGER);
    await manager.post("/api/v1/shops/1/pause", { reason: "four en panne" });
    await see(page.getByTestId("shop-paused").filter({ hasText: "En pause : four en panne" }), LIVE_MS);
    assert.equal(await page.getByTestId("shop-status").getAttribute("data-state"), "paused");
    assert.ok(await addingDisabled(page), "no pizza can be added while paused");

    await manager.post("/api/v1/shops/1/resume");
    await gone(page.getByTestId("shop-paused"), LIVE_MS);
    assert.equal(await addingDisabled(page), false);
  });
});
