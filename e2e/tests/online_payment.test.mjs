// Paying online with a card, against localstripe (Stripe's API and Stripe.js stand-in): the
// order reaches the kitchen marked paid online only once the card is authorised, the kitchen
// starting it captures the payment (and a manager can refund part of it, with a reason), a
// cancellation before that voids it, a declined card is
// told clearly and another card can be tried, and a customer can pay on delivery instead.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  COOK,
  KITCHEN_SCREEN,
  LIVE_MS,
  MANAGER,
  PHONE,
  logIn,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { STATUS_LABEL, connection, plentifulSize, ticketIn, trackerStatus } from "../screens.mjs";

const CARD_OK = "4242424242424242";
const CARD_DECLINED = "4000000000000002";
/** The kitchen's undo window, then the capture: both must be over before checking. */
const CAPTURE_MS = 5_000 + 10_000;

/** Cents as the PWA writes them: `23,50 €`. */
function euros(cents) {
  return `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, "0")} €`;
}

/** A guest orders one pizza on `phone`, choosing to pay online; resolves with the token. */
async function orderPayingOnline(phone, { pizza, size }, { delivery = null, name = "Camille Martin" } = {}) {
  await phone.goto("/shops/1");
  await phone.getByTestId(`add-${pizza.id}-${size.code}`).click();
  await phone.getByTestId("cart-checkout").click();
  await phone.waitForURL("**/checkout/1");
  await phone.locator('input[name="name"]').fill(name);
  await phone.locator('input[name="phone"]').fill("06 12 34 56 78");
  if (delivery) {
    await phone.getByTestId("fulfilment-delivery").check();
    await phone.locator('input[name="street"]').fill("12 rue Oberkampf");
    await phone.locator('input[name="postcode"]').fill(delivery);
    await phone.locator('input[name="city"]').fill("Paris");
  } else {
    await phone.getByTestId("fulfilment-pickup").check();
  }
  const online = phone.getByTestId("payment-online");
  await see(online);
  assert.match(await phone.locator('label[for="payment-online"]').innerText(), /Payer en ligne \(carte bancaire\)/);
  await online.check();
  await phone.getByTestId("place-order").click();
  await phone.waitForURL("**/track/*");
  await see(trackerStatus(phone, "awaiting_payment"));
  return new URL(phone.url()).pathname.split("/").pop();
}

/** Types a card into the card field (the stand-in's five inputs) and pays. */
async function payWithCard(phone, number, total) {
  const field = phone.getByTestId("card-field");
  await see(field.locator('input[placeholder="number"]'));
  await field.locator('input[placeholder="number"]').fill(number);
  await field.locator('input[placeholder="exp_month"]').fill("12");
  await field.locator('input[placeholder="exp_year"]').fill("34");
  await field.locator('input[placeholder="cvc"]').fill("123");
  await field.locator('input[placeholder="postal_code"]').fill("75011");
  const button = phone.getByTestId("pay-button");
  assert.equal((await button.innerText()).trim(), `Payer ${euros(total)}`);
  await button.click();
}

/** Waits until `check()` is true (polling the API), or fails after `ms`. */
async function eventually(check, ms, what) {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > ms) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

async function kitchenScreen(browser, server) {
  const context = await newContext(browser, server, KITCHEN_SCREEN);
  const kitchen = await context.newPage();
  await logIn(kitchen, COOK);
  await kitchen.goto("/kitchen");
  await see(kitchen.getByTestId("column-placed"));
  await see(connection(kitchen, "online"));
  return { context, kitchen };
}

test("a card payment sends the order to the kitchen marked paid online, and starting it captures the payment", async () => {
  await withApp(
    async ({ server, browser, api }) => {
      const choice = plentifulSize(await api().menu(1));
      const { context: kitchenContext, kitchen } = await kitchenScreen(browser, server);
      const phoneContext = await newContext(browser, server, PHONE);
      const phone = await phoneContext.newPage();

      const token = await orderPayingOnline(phone, choice);
      const { order: waiting } = await api().get(`/api/v1/track/${token}`);
      assert.equal(waiting.status, "awaiting_payment");
      assert.equal(waiting.payment_status, "pending");
      await see(phone.getByTestId("payment-deadline").filter({ hasText: "sinon la commande est annulée" }));
      // Not in the kitchen before it is paid.
      assert.equal(await kitchen.getByTestId(`ticket-${waiting.id}`).count(), 0);

      // A reload brings the customer back to the payment step.
      await phone.reload();
      await payWithCard(phone, CARD_OK, waiting.total);
      await see(trackerStatus(phone, "placed").filter({ hasText: STATUS_LABEL.placed }), LIVE_MS);
      await see(phone.locator('[data-testid="payment-status"][data-payment="authorised"]').filter({ hasText: "Payé en ligne" }));

      // The ticket reaches the kitchen, marked paid online: nothing to collect.
      const ticket = ticketIn(kitchen, "placed", waiting.id);
      await see(ticket, LIVE_MS);
      await see(ticket.locator(`[data-testid="money-${waiting.id}"][data-method="online"]`).filter({ hasText: "Payé en ligne" }));

      // The cook starts it: the payment is captured.
      await kitchen.getByTestId(`start-${waiting.id}`).click();
      await see(ticketIn(kitchen, "preparing", waiting.id), LIVE_MS);
      const manager = await api().login(MANAGER);
      const payment = await eventually(
        async () => {
          const p = await manager.get(`/api/v1/orders/${waiting.id}/payment`);
          return p.captured === waiting.total ? p : null;
        },
        CAPTURE_MS,
        "the capture",
      );
      assert.equal(payment.payment_status, "paid");
      assert.equal(payment.refunded, 0);
      await see(phone.locator('[data-testid="payment-status"][data-payment="paid"]').filter({ hasText: "Débité" }), LIVE_MS);

      // The manager sees it on the dashboard's row.
      const managerContext = await newContext(browser, server, KITCHEN_SCREEN);
      const board = await managerContext.newPage();
      await logIn(board, MANAGER);
      await board.goto("/manage");
      await board.getByTestId(`payment-open-${waiting.id}`).click();
      await see(board.getByTestId(`payment-captured-${waiting.id}`).filter({ hasText: euros(waiting.total) }));
      await see(board.getByTestId(`refund-amount-${waiting.id}`));
      assert.equal(await board.getByTestId(`refund-amount-${waiting.id}`).inputValue(), euros(waiting.total).replace(" €", ""));

      // A refund needs its reason; part of the total is given back.
      await board.getByTestId(`refund-amount-${waiting.id}`).fill("2,00");
      await board.getByTestId(`refund-${waiting.id}`).click();
      await see(board.getByTestId(`payment-panel-${waiting.id}`).getByRole("alert").filter({ hasText: "motif" }));
      await board.getByTestId(`refund-reason-${waiting.id}`).fill("Boisson oubliée");
      await board.getByTestId(`refund-${waiting.id}`).click();
      await see(board.getByTestId(`payment-refunded-${waiting.id}`).filter({ hasText: "2,00 €" }), LIVE_MS);
      const refunded = await eventually(
        async () => {
          const p = await manager.get(`/api/v1/orders/${waiting.id}/payment`);
          return p.refunded === 200 ? p : null;
        },
        LIVE_MS,
        "the refund",
      );
      assert.equal(refunded.payment_status, "partly_refunded");
      assert.ok(refunded.operations.some((o) => o.kind === "refund" && o.reason === "Boisson oubliée"));
      await see(
        phone.locator('[data-testid="payment-status"][data-payment="partly_refunded"]').filter({ hasText: "Remboursé en partie" }),
        LIVE_MS,
      );

      await managerContext.close();
      await phoneContext.close();
      await kitchenContext.close();
    },
    { payment: "stripe" },
  );
});

test("cancelling a paid order before the kitchen starts it voids the payment", async () => {
  await withApp(
    async ({ server, browser, api }) => {
      const choice = plentifulSize(await api().menu(1));
      const phoneContext = await newContext(browser, server, PHONE);
      const phone = await phoneContext.newPage();
      const token = await orderPayingOnline(phone, choice, { name: "Louis Bernard" });
      const { order } = await api().get(`/api/v1/track/${token}`);
      await payWithCard(phone, CARD_OK, order.total);
      await see(trackerStatus(phone, "placed"), LIVE_MS);

      await phone.getByTestId("cancel-order").click();
      await phone.getByTestId("cancel-confirm").click();
      await see(trackerStatus(phone, "cancelled"), LIVE_MS);
      await see(
        phone.locator('[data-testid="payment-status"][data-payment="voided"]').filter({ hasText: "rien n'a été débité" }),
        LIVE_MS,
      );
      const manager = await api().login(MANAGER);
      const payment = await manager.get(`/api/v1/orders/${order.id}/payment`);
      assert.equal(payment.payment_status, "voided");
      assert.equal(payment.captured, 0);
      await phoneContext.close();
    },
    { payment: "stripe" },
  );
});

test("a declined card is told clearly and another card can be tried; paying on delivery instead sends the order as cash", async () => {
  await withApp(
    async ({ server, browser, api }) => {
      const choice = plentifulSize(await api().menu(1));
      const shop = await api().get("/api/v1/shops/1");
      const { context: kitchenContext, kitchen } = await kitchenScreen(browser, server);
      const phoneContext = await newContext(browser, server, PHONE);
      const phone = await phoneContext.newPage();

      // A declined card, then a good one.
      const token = await orderPayingOnline(phone, choice, { name: "Inès Robert" });
      const { order } = await api().get(`/api/v1/track/${token}`);
      await payWithCard(phone, CARD_DECLINED, order.total);
      await see(phone.getByTestId("payment-declined").filter({ hasText: "Votre carte a été refusée." }), LIVE_MS);
      await see(phone.getByTestId("payment-switch").filter({ hasText: "Payer au comptoir à la place" }));
      await see(phone.getByTestId("payment-cancel").filter({ hasText: "Annuler la commande" }));
      assert.equal((await api().get(`/api/v1/track/${token}`)).order.status, "awaiting_payment");
      await phone.getByTestId("payment-retry").click();
      await payWithCard(phone, CARD_OK, order.total);
      await see(trackerStatus(phone, "placed"), LIVE_MS);
      await see(ticketIn(kitchen, "placed", order.id), LIVE_MS);

      // Another order, delivered: the customer pays on delivery instead.
      const postcode = shop.delivery_postcodes[0];
      const second = await orderPayingOnline(phone, choice, { delivery: postcode, name: "Paul Girard" });
      const { order: cash } = await api().get(`/api/v1/track/${second}`);
      await see(phone.getByTestId("card-field").locator('input[placeholder="number"]'));
      await phone.getByTestId("payment-switch").filter({ hasText: "Payer à la livraison à la place" }).click();
      await see(trackerStatus(phone, "placed"), LIVE_MS);
      await see(phone.locator('[data-testid="payment-status"][data-method="cash_on_delivery"]'));
      const ticket = ticketIn(kitchen, "placed", cash.id);
      await see(ticket, LIVE_MS);
      await see(ticket.locator(`[data-testid="money-${cash.id}"][data-method="cash_on_delivery"]`).filter({ hasText: "À encaisser" }));
      const cook = await api().login(COOK);
      const now = await cook.order(cash.id);
      assert.equal(now.payment_method, "cash_on_delivery");
      assert.equal(now.payment_status, "pending");

      await phoneContext.close();
      await kitchenContext.close();
    },
    { payment: "stripe" },
  );
});
