// A manager adds a new cook to the shop by e-mail, sees them listed, then removes them; a
// manager asking to hand out the manager role is told why not. An existing account is only
// invited: listed as such, withdrawn, invited again, and staff once it accepts from its banner.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MANAGER, LIVE_MS, gone, logIn, newContext, see, withApp } from "../harness.mjs";

test("a manager adds a cook by e-mail and removes them", async () => {
  await withApp(async ({ server, browser, api }) => {
    const page = await (await newContext(browser, server, { width: 1366, height: 768 })).newPage();
    await logIn(page, MANAGER);
    await page.goto("/manage/shops/1/staff");
    await see(page.getByTestId("staff-table"));

    const form = page.getByTestId("add-staff");
    await form.getByLabel("E-mail").fill("lea.rossi@example.fr");
    await form.getByTestId("staff-role").selectOption("cook");
    await form.getByTestId("staff-name").fill("Léa Rossi");
    await form.getByTestId("staff-password").fill("pizza-napoli-2026");
    await form.getByTestId("staff-submit").click();
    const row = page.getByTestId("staff-table").locator("tr", { hasText: "lea.rossi@example.fr" });
    await see(row, LIVE_MS);
    assert.match(await row.textContent(), /Pizzaïolo/);

    // The new cook can log in and is staff of shop 1.
    const lea = await api().login("lea.rossi@example.fr", "pizza-napoli-2026");
    const me = await lea.get("/api/v1/auth/me");
    assert.deepEqual(me.roles.map((r) => [r.shop_id, r.role]), [[1, "cook"]]);

    await row.getByRole("button").click();
    await gone(row, LIVE_MS);

    // Only an administrator names managers: the server's reason is shown.
    await form.getByLabel("E-mail").fill("cook@demo.ocpizza.fr");
    await form.getByTestId("staff-role").selectOption("manager");
    await form.getByTestId("staff-submit").click();
    await see(page.getByTestId("add-staff-error"), LIVE_MS);
  });
});

test("an existing account is invited, and joins the staff only once it accepts", async () => {
  await withApp(async ({ server, browser, api }) => {
    const CUSTOMER = "customer@demo.ocpizza.fr";
    const page = await (await newContext(browser, server, { width: 1366, height: 768 })).newPage();
    await logIn(page, MANAGER);
    await page.goto("/manage/shops/1/staff");
    await see(page.getByTestId("staff-table"));
    const form = page.getByTestId("add-staff");
    const invite = async () => {
      await form.getByLabel("E-mail").fill(CUSTOMER);
      await form.getByTestId("staff-role").selectOption("driver");
      await form.getByTestId("staff-submit").click();
      await see(page.getByTestId("invitation-sent"), LIVE_MS);
    };

    // Invited, listed as such, and withdrawn.
    await invite();
    const row = page.getByTestId("staff-table").locator("tr", { hasText: CUSTOMER });
    await see(row, LIVE_MS);
    assert.match(await row.textContent(), /invitation envoyée/);
    const customer = await api().login(CUSTOMER);
    assert.deepEqual((await customer.get("/api/v1/auth/me")).roles, []);
    await row.getByRole("button", { name: /Retirer l’invitation/ }).click();
    await gone(row, LIVE_MS);
    assert.deepEqual(await customer.get("/api/v1/me/invitations"), []);

    // Invited again: the customer sees the banner after logging in and accepts.
    await invite();
    await see(row, LIVE_MS);
    const phone = await (await newContext(browser, server)).newPage();
    await logIn(phone, CUSTOMER);
    const banner = phone.getByTestId("invitations");
    await see(banner);
    assert.match(await banner.textContent(), /Livreur/);
    await banner.getByRole("button", { name: "Accepter" }).click();
    await gone(banner, LIVE_MS);
    const me = await customer.get("/api/v1/auth/me");
    assert.deepEqual(me.roles.map((r) => [r.shop_id, r.role]), [[1, "driver"]]);

    await page.reload();
    await see(row);
    assert.match(await row.textContent(), /dans l’équipe/);
  });
});
