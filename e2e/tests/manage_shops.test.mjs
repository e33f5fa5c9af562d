// An administrator opens a new shop from the browser: the form names a bad time zone next to its
// field, the shop is created with its week's hours, its hours are changed on its settings
// screen, and it shows up on a dashboard already open in another window — nothing reloads.
// Retiring it (after a confirmation) takes it off that dashboard again.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN,
  LIVE_MS,
  assertSameDocument,
  gone,
  logIn,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection, shopCard } from "../screens.mjs";

const LAPTOP = { width: 1366, height: 768 };

test("an admin opens a shop, sets its hours, and it appears on an open dashboard", async () => {
  await withApp(async ({ server, browser, api }) => {
    const board = await (await newContext(browser, server, LAPTOP)).newPage();
    await logIn(board, ADMIN);
    await board.goto("/manage");
    await see(shopCard(board, 5));
    await see(connection(board, "online"));
    await markDocument(board);
    assert.equal(await board.locator('[data-testid^="shop-card-"]').count(), 5);

    const admin = await (await newContext(browser, server, LAPTOP)).newPage();
    await logIn(admin, ADMIN);
    await admin.goto("/manage");
    await admin.getByTestId("shops-admin-link").click();
    await see(admin.getByTestId("shops-table"));
    await admin.getByTestId("new-shop-link").click();
    const form = admin.getByTestId("new-shop-form");
    await see(form);
    await form.getByLabel("Nom", { exact: true }).fill("OC Pizza Bastille");
    await form.getByLabel("Adresse").fill("3 rue de la Roquette");
    await form.getByLabel("Code postal", { exact: true }).fill("75011");
    await form.getByLabel("Ville").fill("Paris");
    await form.getByLabel("Téléphone").fill("01 43 00 00 00");
    await form.getByLabel("Codes postaux livrés").fill("75011, 75012");
    await form.getByLabel("Frais de livraison (€)").fill("2,50");
    await form.getByLabel("Fuseau horaire").fill("Europe/Atlantide");

    // Only Monday lunch at first: remove every slot but the first.
    while ((await form.locator('[data-testid^="slot-"][data-testid$="-remove"]').count()) > 1) {
      await form.getByTestId("slot-1-remove").click();
    }
    await form.getByTestId("slot-0-opens").fill("00:00");
    await form.getByTestId("slot-0-closes").fill("24:00");

    // The server's refusal is shown next to the field, in French.
    await form.getByTestId("create-shop").click();
    const tzError = form.getByTestId("shop-timezone-error");
    await see(tzError, LIVE_MS);
    assert.match(await tzError.textContent(), /Fuseau horaire inconnu/);
    await form.getByLabel("Fuseau horaire").fill("Europe/Paris");
    await form.getByTestId("create-shop").click();

    // The settings screen of the new shop opens; its week becomes every day, round the clock.
    const settings = admin.getByTestId("settings-form");
    await see(settings, LIVE_MS);
    assert.match(admin.url(), /\/manage\/shops\/6\/settings$/);
    for (let day = 2; day <= 7; day++) {
      await settings.getByTestId("slot-add").click();
      const i = day - 1;
      await settings.getByTestId(`slot-${i}-day`).selectOption(String(day));
      await settings.getByTestId(`slot-${i}-opens`).fill("00:00");
      await settings.getByTestId(`slot-${i}-closes`).fill("24:00");
    }
    await settings.getByTestId("settings-save").click();
    await see(admin.getByTestId("settings-saved"), LIVE_MS);
    const saved = await api().get("/api/v1/shops/6");
    assert.equal(saved.hours.length, 7);
    assert.equal(saved.delivery_fee, 250);
    assert.equal(saved.open_now, true);

    // The board that was open all along shows the new shop, without a reload.
    await see(shopCard(board, 6), LIVE_MS);
    assert.match(await shopCard(board, 6).textContent(), /OC Pizza Bastille/);
    await assertSameDocument(board);

    // Retiring asks first, then takes it off the board.
    await admin.getByTestId("retire").click();
    await see(admin.getByRole("alertdialog"));
    assert.match(await admin.getByRole("alertdialog").textContent(), /Fermer définitivement OC Pizza Bastille/);
    await admin.getByTestId("retire-confirm").click();
    await see(admin.getByTestId("reopen"), LIVE_MS);
    await gone(shopCard(board, 6), LIVE_MS);
    await assertSameDocument(board);
  });
});
