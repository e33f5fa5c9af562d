// The kitchen display rides out a server restart: it shows that it lost the connection,
// reconnects by itself, and shows the orders placed meanwhile without a reload.

import { test } from "node:test";
import {
  COOK,
  KITCHEN_SCREEN,
  LIVE_MS,
  assertSameDocument,
  logIn,
  markDocument,
  newContext,
  see,
  withApp,
} from "../harness.mjs";
import { connection, ticketIn } from "../screens.mjs";

/** Reconnecting waits a little between attempts; this bounds the whole recovery. */
const RECONNECT_MS = 20_000;

test("the kitchen resumes after the server restarts", async () => {
  await withApp(async ({ server, browser, api }) => {
    const context = await newContext(browser, server, KITCHEN_SCREEN);
    const kitchen = await context.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(connection(kitchen, "online"));

    const menu = await api().menu(1);
    const pizza = menu.pizzas.find((p) => p.enabled && p.sizes.some((s) => s.available > 2));
    const size = pizza.sizes.find((s) => s.available > 2);
    const before = await api().placeOrder([{ pizza_id: pizza.id, size: size.code }]);
    await see(ticketIn(kitchen, "placed", before.id), LIVE_MS);
    await markDocument(kitchen);

    await server.restart(async () => {
      // While the server is down the display says it is not live.
      await see(connection(kitchen, "connecting").or(connection(kitchen, "offline")), RECONNECT_MS);
    });
    // Placed as soon as the server is back, likely before the display reconnected.
    const during = await api().placeOrder([{ pizza_id: pizza.id, size: size.code }]);

    await see(connection(kitchen, "online"), RECONNECT_MS);
    await see(ticketIn(kitchen, "placed", during.id), LIVE_MS);
    await see(ticketIn(kitchen, "placed", before.id));
    // …and one placed once it is live again arrives as usual.
    const after = await api().placeOrder([{ pizza_id: pizza.id, size: size.code }]);
    await see(ticketIn(kitchen, "placed", after.id), LIVE_MS);
    await assertSameDocument(kitchen);
    await context.close();
  });
});
