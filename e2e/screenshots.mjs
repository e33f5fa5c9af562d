// Writes the product's screenshots into docs/screenshots/ (or the folder given as argument):
// customer screens on a phone (390×844), kitchen and manager screens at 1920×1080,
// against a fresh server with the demo data. Run through `cargo xtask screenshots`.
//
// A screen that does not exist yet is skipped with a message; its old picture, if any, is kept.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { ADMIN, Api, COOK, COUNTER, DRIVER, KITCHEN_SCREEN, MANAGER, PHONE, logIn, newContext, see, withApp } from "./harness.mjs";
import { plentifulSize } from "./screens.mjs";


const here = new URL(".", import.meta.url).pathname;
const out = resolve(process.argv[2] || join(here, "..", "docs", "screenshots"));
/** How long to wait for a screen before deciding it is not there. */
const SCREEN_MS = 10_000;


/**
 * The shots, in order. `prepare` brings the page to the screen and returns the locator that
 * proves it is shown.
 */
const SHOTS = [
  {
    file: "shops.png",
    viewport: PHONE,
    async prepare({ page }) {
      await page.goto("/");
      return page.getByTestId("shop-status-1");
    },
  },
  {
    file: "closed.png",
    viewport: PHONE,
    async prepare({ page, server }) {
      // Shop 2 open two days from now only: closed all day, whatever the time.
      const weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].indexOf(
        new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", weekday: "short" }).format(new Date()),
      ) + 1;
      const admin = await new Api(server.base).login(ADMIN);
      await admin.patch("/api/v1/shops/2", {
        hours: [{ weekday: ((weekday + 1) % 7) + 1, opens: "18:30", closes: "22:30" }],
      });
      await page.goto("/shops/2");
      return page.getByTestId("shop-closed");
    },
  },
  {
    file: "menu.png",
    viewport: PHONE,
    async prepare({ page }) {
      await page.goto("/shops/1");
      return page.locator('[data-testid^="pizza-"], li.pizza').first();
    },
  },
  {
    file: "checkout.png",
    viewport: PHONE,
    async prepare({ page, choice }) {
      await page.goto("/shops/1");
      await page.getByTestId(`add-${choice.pizza.id}-${choice.size.code}`).click({ timeout: SCREEN_MS });
      await page.getByTestId("cart-checkout").click({ timeout: SCREEN_MS });
      return page.getByTestId("place-order");
    },
  },
  {
    file: "checkout-errors.png",
    viewport: PHONE,
    async prepare({ page, choice }) {
      await page.goto("/shops/1");
      await page.getByTestId(`add-${choice.pizza.id}-${choice.size.code}`).click({ timeout: SCREEN_MS });
      await page.getByTestId("cart-checkout").click({ timeout: SCREEN_MS });
      await page.locator('input[name="phone"]').fill("appelez-moi", { timeout: SCREEN_MS });
      await page.getByTestId("place-order").click({ timeout: SCREEN_MS });
      return page.locator("[aria-invalid='true']").first();
    },
  },
  {
    file: "tracker.png",
    viewport: PHONE,
    async prepare({ page, server, choice }) {
      const order = await new Api(server.base).placeOrder(
        [{ pizza_id: choice.pizza.id, size: choice.size.code }],
        { name: "Camille Martin" },
      );
      await page.goto(`/track/${order.tracking_token}`);
      return page.getByTestId("order-status");
    },
  },
  {
    file: "kitchen.png",
    viewport: KITCHEN_SCREEN,
    login: COOK,
    async prepare({ page, server, menu, state }) {
      // Rush hour: the oldest orders furthest along, more new ones than the column holds.
      const guest = new Api(server.base);
      const cook = await new Api(server.base).login(COOK);
      const sizes = menu.pizzas
        .filter((p) => p.enabled)
        .flatMap((p) => p.sizes.map((s) => ({ pizza_id: p.id, size: s.code, left: s.available })))
        .sort((a, b) => b.left - a.left)
        .slice(0, 4);
      const names = ["Camille Martin", "Louis Bernard", "Inès Petit", "Hugo Moreau", "Léa Roux", "Nathan Faure",
        "Chloé Girard", "Yanis Blanc", "Manon Garnier", "Théo Lambert", "Sarah Chevalier"];
      const stages = ["ready", "ready", "preparing", "preparing", "preparing", "preparing"];
      const orders = [];
      for (const [i, name] of names.entries()) {
        const lines = sizes.slice(0, 1 + (i % 2)).map(({ pizza_id, size }) => ({ pizza_id, size, quantity: i % 3 === 0 ? 2 : 1 }));
        const order = await guest.placeOrder(lines, { name });
        const stage = stages[i] ?? "placed";
        if (stage !== "placed") await cook.transition(order.id, "preparing");
        if (stage === "ready") await cook.transition(order.id, "ready");
        orders.push(order);
      }
      const oldestNew = orders[stages.length];
      state.ticket = oldestNew.id;
      await page.goto("/kitchen");
      await page.getByTestId("more-placed").waitFor({ timeout: SCREEN_MS });
      return page.getByTestId(`ticket-${oldestNew.id}`);
    },
  },
  {
    file: "recipe-card.png",
    viewport: KITCHEN_SCREEN,
    login: COOK,
    async prepare({ page, state }) {
      if (!state.ticket) throw new Error("needs the kitchen screen");
      await page.goto("/kitchen");
      await page.getByTestId(`line-${state.ticket}-0`).click({ timeout: SCREEN_MS });
      return page.getByTestId("recipe-card");
    },
  },
  {
    file: "recipes.png",
    viewport: KITCHEN_SCREEN,
    login: COOK,
    async prepare({ page, menu }) {
      await page.goto("/recipes");
      return page.getByTestId(`recipe-${menu.pizzas[0].id}`);
    },
  },
  {
    file: "driver.png",
    viewport: PHONE,
    login: DRIVER,
    async prepare({ page, server, choice }) {
      // One delivery on its way, one ready to take.
      const cook = await new Api(server.base).login(COOK);
      const driver = await new Api(server.base).login(DRIVER);
      const guest = new Api(server.base);
      const ids = [];
      for (const name of ["Alice Durand", "Bruno Petit"]) {
        const order = await guest.post("/api/v1/orders", {
          shop_id: 1,
          fulfilment: "delivery",
          address: { street: "12 rue Oberkampf", postcode: "75011", city: "Paris", instructions: "3e étage, code 4512" },
          contact: { name, phone: "06 11 22 33 44" },
          lines: [{ pizza_id: choice.pizza.id, size: choice.size.code, quantity: 1 }],
          payment_method: "cash_on_delivery",
        });
        await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "preparing" });
        await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "ready" });
        ids.push(order.id);
      }
      for (const kind of ["take", "picked_up"]) {
        await driver.post("/api/v1/driver/actions", {
          key: `screenshot-${kind}-${ids[0]}-0000`,
          order_id: ids[0],
          kind,
          device_at: new Date().toISOString(),
        });
      }
      await page.goto("/driver");
      return page.getByTestId(`take-${ids[1]}`);
    },
  },
  {
    file: "handover.png",
    viewport: PHONE,
    login: DRIVER,
    async prepare({ page, server, choice }) {
      // At the door: cash chosen, a 50 € note typed, the change due shown.
      const cook = await new Api(server.base).login(COOK);
      const driver = await new Api(server.base).login(DRIVER);
      const order = await new Api(server.base).post("/api/v1/orders", {
        shop_id: 1,
        fulfilment: "delivery",
        address: { street: "3 rue de la Roquette", postcode: "75011", city: "Paris" },
        contact: { name: "Julie Marchand", phone: "06 55 44 33 22" },
        lines: [{ pizza_id: choice.pizza.id, size: choice.size.code, quantity: 2 }],
        payment_method: "cash_on_delivery",
      });
      await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "preparing" });
      await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "ready" });
      for (const kind of ["take", "picked_up"]) {
        await driver.post("/api/v1/driver/actions", {
          key: `screenshot-door-${kind}-${order.id}-0000`,
          order_id: order.id,
          kind,
          device_at: new Date().toISOString(),
        });
      }
      await page.goto("/driver");
      await page.getByTestId(`pay-cash-${order.id}`).click({ timeout: SCREEN_MS });
      await page.getByTestId(`cash-${order.id}`).fill("50");
      const change = page.getByTestId(`change-${order.id}`);
      await change.scrollIntoViewIfNeeded({ timeout: SCREEN_MS });
      return change;
    },
  },
  {
    file: "counter.png",
    viewport: { width: 1366, height: 900 },
    login: COUNTER,
    async prepare({ page, choice }) {
      await page.goto("/counter");
      await page.locator('input[name="phone"]').fill("06 12 34", { timeout: SCREEN_MS });
      await page.getByTestId(`add-${choice.pizza.id}-${choice.size.code}`).click({ timeout: SCREEN_MS });
      return page.getByTestId("customer-0");
    },
  },
  // Manager screens.
  {
    file: "manage.png",
    viewport: KITCHEN_SCREEN,
    login: "admin@demo.ocpizza.fr",
    async prepare({ page, server, menu }) {
      // Every shop of the group; shop 1 in service, with one order in the oven.
      const guest = new Api(server.base);
      const cook = await new Api(server.base).login(COOK);
      const pizzas = menu.pizzas.filter((p) => p.enabled && p.sizes.some((s) => s.available > 2));
      const names = ["Jeanne Leroy", "Marc Garnier", "Sofia Lambert"];
      const orders = [];
      for (const [i, name] of names.entries()) {
        const pizza = pizzas[i % pizzas.length];
        const size = pizza.sizes.find((s) => s.available > 2);
        orders.push(await guest.placeOrder([{ pizza_id: pizza.id, size: size.code }], { name }));
      }
      await cook.post(`/api/v1/orders/${orders[0].id}/transition`, { to: "preparing" });
      await page.goto("/manage");
      return page.getByTestId(`order-row-${orders[2].id}`);
    },
  },
  {
    file: "stock.png",
    viewport: KITCHEN_SCREEN,
    login: MANAGER,
    async prepare({ page }) {
      await page.goto("/manage/shops/1/stock");
      return page.locator('[data-testid^="stock-row-"]').first();
    },
  },
  {
    file: "shop-settings.png",
    viewport: KITCHEN_SCREEN,
    login: ADMIN,
    async prepare({ page }) {
      await page.goto("/manage/shops/1/settings");
      return page.getByTestId("settings-form");
    },
  },
  {
    file: "catalogue-editor.png",
    viewport: KITCHEN_SCREEN,
    login: ADMIN,
    async prepare({ page }) {
      await page.goto("/manage/catalogue");
      await page.getByTestId("edit-pizza-margherita").click();
      return page.getByTestId("pizza-form");
    },
  },
  {
    file: "reports.png",
    viewport: KITCHEN_SCREEN,
    login: MANAGER,
    async prepare({ page, server, menu, choice }) {
      // A few of today's orders taken through every stage, so the figures and charts fill.
      const guest = new Api(server.base);
      const cook = await new Api(server.base).login(COOK);
      for (const name of ["Jeanne Leroy", "Marc Garnier", "Sofia Lambert"]) {
        const order = await guest.placeOrder([{ pizza_id: choice.pizza.id, size: choice.size.code }], { name });
        await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "preparing" });
        await cook.post(`/api/v1/orders/${order.id}/transition`, { to: "ready" });
      }
      await page.goto("/manage/reports");
      return page.getByTestId("chart-hours-1");
    },
  },
  {
    file: "audit.png",
    viewport: KITCHEN_SCREEN,
    login: ADMIN,
    async prepare({ page }) {
      await page.goto("/manage/audit");
      return page.getByTestId("audit-list");
    },
  },
];

async function main() {
  mkdirSync(out, { recursive: true });
  let written = 0;
  await withApp(async ({ server, browser }) => {
    const menu = await new Api(server.base).menu(1);
    const choice = plentifulSize(menu);
    const state = {};
    for (const shot of SHOTS) {
      const context = await newContext(browser, server, shot.viewport);
      const page = await context.newPage();
      try {
        if (shot.login) await logIn(page, shot.login);
        const shown = await shot.prepare({ page, server, menu, choice, state });
        await see(shown, SCREEN_MS);
        await page.screenshot({ path: join(out, shot.file) });
        console.log(`wrote   ${join(out, shot.file)}`);
        written += 1;
      } catch (error) {
        const reason = String(error.message).split("\n")[0];
        console.log(`skipped ${shot.file}: screen not available yet (${reason})`);
      } finally {
        await context.close();
      }
    }
  });
  console.log(`${written} of ${SHOTS.length} screenshots written to ${out}`);
}

await main();
