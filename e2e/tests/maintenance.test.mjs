// An administrator puts the site in maintenance: a customer looking at a shop's menu sees the
// banner appear (in French, with the operator's message) without reloading, cannot order, and
// sees it go when maintenance ends.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN,
  LIVE_MS,
  PHONE,
  assertSameDocument,
  gone,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection } from "../screens.mjs";

test("the maintenance banner appears live on an open menu, and goes when it ends", async () => {
  await withApp(async ({ server, browser, api }) => {
    const context = await newContext(browser, server, PHONE);
    const page = await context.newPage();
    await page.goto("/shops/1");
    await see(connection(page, "online"));
    const banner = page.getByTestId("maintenance-banner");
    assert.equal(await banner.count(), 0, "no banner before maintenance");
    await markDocument(page);

    const admin = await api().login(ADMIN);
    const until = new Date(Date.now() + 30 * 60_000).toISOString();
    const state = await admin.put("/api/v1/maintenance", {
      message: "Mise à jour de la carte",
      until,
    });
    assert.equal(state.on, true);

    await see(banner, LIVE_MS);
    await see(banner.getByText("Site en maintenance"));
    await see(page.getByTestId("maintenance-message").getByText("Mise à jour de la carte"));
    await see(page.getByTestId("maintenance-until").getByText(/Retour prévu vers \d+ h \d\d/));
    await assertSameDocument(page);

    await assert.rejects(
      api().placeOrder([{ pizza_id: 1, size: "medium" }]),
      /503 .*"maintenance"/,
      "a customer's order waits for the end of maintenance",
    );

    await admin.delete("/api/v1/maintenance");
    await gone(banner);
    await assertSameDocument(page);
    await context.close();
  });
});
