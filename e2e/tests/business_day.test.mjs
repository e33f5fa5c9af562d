// The shop's own day: a manager's dashboard left open over the shop's midnight in Paris (23:00
// UTC in winter) starts today's figures again from zero at that midnight, live, and counts the
// new day's orders; the driver's cash of the day turns over at the same moment. The server runs
// a little before that midnight (faketime) and the browser's clock is set to the same time.

import { test } from "node:test";
import assert from "node:assert/strict";
import { DRIVER, MANAGER, assertSameDocument, logIn, markDocument, newContext, see, withApp } from "../harness.mjs";
import { cardFigure, connection, plentifulSize, shopCard } from "../screens.mjs";

/** Midnight of 3 December 2026 in Paris. */
const MIDNIGHT_PARIS = Date.parse("2026-12-02T23:00:00Z");
/** The server starts 23:58:30 Paris time: time enough to open the dashboard before midnight. */
const SERVER_START = "@2026-12-02 22:58:30";
/** A laptop's screen, where managers mostly work. */
const LAPTOP = { width: 1366, height: 768 };
/** The board ticks every 5 s and loads itself again a second after the day ends. */
const ROLLOVER_MS = 8_000;

async function waitForServerTime(server, at) {
  for (;;) {
    const now = await server.now();
    if (now >= at) return;
    await new Promise((ok) => setTimeout(ok, Math.min(1_000, at - now)));
  }
}

function waitForFigure(page, expected, day, timeout) {
  return page.waitForFunction(
    ([n, d]) => {
      const el = document.querySelector('[data-testid="today-orders-1"]');
      return el && Number(el.textContent) === n && el.dataset.day === d;
    },
    [expected, day],
    { timeout },
  );
}

test("the dashboard's day starts again at the shop's midnight, not at midnight UTC", async () => {
  await withApp(
    async ({ server, browser, api }) => {
      const context = await newContext(browser, server, LAPTOP);
      // The browser shares the server's clock (to the second), and it runs on.
      await context.clock.install({ time: await server.now() });
      const page = await context.newPage();
      await logIn(page, MANAGER);
      await page.goto("/manage");
      await see(shopCard(page, 1));
      await see(connection(page, "online"));
      await markDocument(page);
      const driver = await api().login(DRIVER);
      const cashBefore = await driver.get("/api/v1/driver/cash");
      assert.equal(cashBefore.date, "2026-12-02", "23:59 in Paris is still the 2nd there");
      assert.equal(cashBefore.day_ends_at, "2026-12-02T23:00:00Z");

      const before = Number(await cardFigure(page, 1, "today-orders").textContent());
      assert.ok((await server.now()) < MIDNIGHT_PARIS - 5_000, "the dashboard opened before midnight");
      const guest = api();
      const { pizza, size } = plentifulSize(await guest.menu(1));
      const line = [{ pizza_id: pizza.id, size: size.code }];
      await guest.placeOrder(line, { name: "Avant Minuit" });
      await waitForFigure(page, before + 1, "2026-12-02", 3_000);

      await waitForServerTime(server, MIDNIGHT_PARIS + 1_000);
      await waitForFigure(page, 0, "2026-12-03", ROLLOVER_MS);
      const cashAfter = await driver.get("/api/v1/driver/cash");
      assert.equal(cashAfter.date, "2026-12-03");
      assert.equal(cashAfter.total_cash, 0);

      await guest.placeOrder(line, { name: "Après Minuit" });
      await waitForFigure(page, 1, "2026-12-03", 3_000);
      const row = shopCard(page, 1).locator('[data-testid^="order-row-"]', { hasText: "Avant Minuit" });
      await see(row, 1_000);
      await assertSameDocument(page);
    },
    { fakeTime: SERVER_START },
  );
});
