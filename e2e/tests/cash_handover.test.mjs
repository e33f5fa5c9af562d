// The drivers' cash hand-over: a driver delivers an order paid in cash; at the end of the
// shift the manager opens the cash page, sees what is expected, records a shortfall with a
// comment and sees the difference; the driver's phone shows the hand-over confirmed, live;
// the manager corrects the count and the phone follows.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  COOK,
  DRIVER,
  LIVE_MS,
  MANAGER,
  PHONE,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { plentifulSize } from "../screens.mjs";

/** `2350` → `23,50 €`, as the pages write money. */
function euros(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")} €`;
}

/** A delivery of shop 1 paid in cash, delivered by the driver through the API. */
async function deliveredInCash(api) {
  const cook = await api().login(COOK);
  const driver = await api().login(DRIVER);
  const { pizza, size } = plentifulSize(await api().menu(1));
  const order = await api().post("/api/v1/orders", {
    shop_id: 1,
    fulfilment: "delivery",
    address: { street: "8 rue Saint-Maur", postcode: "75011", city: "Paris" },
    contact: { name: "Lucie Bernard", phone: "06 44 55 66 77" },
    lines: [{ pizza_id: pizza.id, size: size.code, quantity: 2 }],
    payment_method: "cash_on_delivery",
  });
  for (const to of ["preparing", "ready"]) {
    await cook.post(`/api/v1/orders/${order.id}/transition`, { to });
  }
  const at = new Date().toISOString();
  for (const [kind, extra] of [["take", {}], ["picked_up", {}], ["delivered", { cash_collected: order.total }]]) {
    await driver.post("/api/v1/driver/actions", {
      key: `handover-${kind}-${order.id}-0123456789`,
      order_id: order.id,
      kind,
      device_at: at,
      ...extra,
    });
  }
  const me = await driver.get("/api/v1/auth/me");
  return { order, driverId: me.id };
}

test("the manager records a short hand-over with a comment, corrects it, and the driver sees it confirmed", async () => {
  await withApp(async ({ server, browser, api }) => {
    const { order, driverId } = await deliveredInCash(api);
    const expected = order.total;
    const manager = await api().login(MANAGER);
    const managerName = (await manager.get("/api/v1/auth/me")).name;

    // The driver's phone: the day's cash, nothing handed in yet.
    const phoneContext = await newContext(browser, server, PHONE);
    const phone = await phoneContext.newPage();
    await logIn(phone, DRIVER);
    await phone.goto("/driver");
    await see(phone.getByTestId("cash-total").getByText(euros(expected)));
    assert.equal(await phone.getByTestId(`handover-${driverId}`).count(), 0);
    await markDocument(phone);

    // The manager's cash page: the expected amount per driver.
    const officeContext = await newContext(browser, server, { width: 1280, height: 900 });
    const office = await officeContext.newPage();
    await logIn(office, MANAGER);
    await office.goto("/manage/shops/1/cash");
    const section = office.getByTestId(`cash-driver-${driverId}`);
    await see(section.locator(".total").getByText(euros(expected)));
    await see(section.getByText("Remise pas encore enregistrée."));

    // 4,50 € short: the form wants a comment first.
    const short = expected - 450;
    const counted = section.getByTestId(`handover-counted-${driverId}`);
    await counted.fill(euros(short).replace(" €", ""));
    await section.getByRole("button", { name: "Enregistrer la remise" }).click();
    await see(section.getByTestId(`handover-problem-${driverId}`).getByText(/commentaire est nécessaire/));
    await section.getByLabel("Commentaire").fill("Monnaie rendue en trop");
    await section.getByRole("button", { name: "Enregistrer la remise" }).click();

    const recorded = section.getByTestId(`handover-${driverId}`);
    await see(recorded.getByText(`Remis : ${euros(short)}`));
    await see(recorded.getByText(`Attendu : ${euros(expected)}`));
    await see(section.getByTestId(`handover-diff-${driverId}`).getByText("Manque 4,50 €"));
    await see(recorded.getByText("« Monnaie rendue en trop »"));
    await see(recorded.getByText(`enregistré par ${managerName} à`, { exact: false }));

    // The driver's phone shows it confirmed, without a reload.
    const confirmed = phone.getByTestId(`handover-${driverId}`);
    await see(confirmed.getByText(`Remis : ${euros(short)}`), LIVE_MS * 3);
    await see(confirmed.getByText(`enregistré par ${managerName}`, { exact: false }));
    await see(confirmed.getByText("Manque 4,50 €"));
    await assertSameDocument(phone);

    // The manager recounts: the exact amount, typed with a dot.
    await section.getByTestId(`handover-correct-${driverId}`).click();
    await counted.fill(`${Math.floor(expected / 100)}.${String(expected % 100).padStart(2, "0")}`);
    await section.getByLabel("Commentaire").fill("");
    await section.getByRole("button", { name: "Enregistrer la correction" }).click();
    await see(section.getByTestId(`handover-diff-${driverId}`).getByText("Compte juste"));
    await see(recorded.getByText("corrigée une fois", { exact: false }));
    await see(confirmed.getByText(`Remis : ${euros(expected)}`), LIVE_MS * 3);
    await see(confirmed.getByText("corrigée une fois", { exact: false }));
    await assertSameDocument(phone);

    // After a reload the page shows the correction, and the history kept both counts.
    await office.reload();
    await see(office.getByTestId(`handover-${driverId}`).getByText(`Remis : ${euros(expected)}`));
    const history = await manager.get(`/api/v1/shops/1/cash/handovers?driver_id=${driverId}`);
    assert.deepEqual(
      history.handovers.map((h) => [h.counted, h.difference, h.corrections]),
      [
        [short, -450, 0],
        [expected, 0, 1],
      ],
    );
  });
});
