// The end-to-end harness: the real `ocpizza` server on a free port with a fresh SQLite
// database (demo data seeded on first start) serving the built PWA, headless Chromium, and a
// few REST helpers to act as the other people in a scenario (guests ordering, a manager
// restocking).
//
// `cargo xtask e2e` builds the server and the PWA and passes their paths:
//   OCPIZZA_E2E_SERVER    the `ocpizza` binary (target/debug/ocpizza)
//   OCPIZZA_E2E_STATIC    the built PWA (pwa/dist)
//   OCPIZZA_E2E_CHROMIUM  the browser (default /usr/bin/chromium)
//   OCPIZZA_E2E_LOCALSTRIPE  the `localstripe` command (only for the online payment tests)
//   OCPIZZA_E2E_PAYPAL_FAKE  the local PayPal stand-in (`paypal-fake`, only for the PayPal tests)
// Set OCPIZZA_E2E_SERVER_LOG=1 to copy the server's log to stderr.
// A server started with `payment: "stripe"` gets its own localstripe (Stripe's API and
// Stripe.js stand-in) and the configuration to take online payments with it; one started with
// `payment: "paypal"` gets its own PayPal stand-in (`fakes/paypal`, which also sends its
// webhooks to the server); every other server offers no online payment.
// A server can run at another wall-clock time (`fakeTime`, Debian's `faketime`): its clock
// starts there and runs on; monotonic time stays real, so its timers are unaffected.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, openSync, closeSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const here = new URL(".", import.meta.url).pathname;

/** Every demo account has this password. */
export const DEMO_PASSWORD = "demo-pizza";
/** Demo accounts of shop 1. */
export const COOK = "cook@demo.ocpizza.fr";
export const MANAGER = "manager@demo.ocpizza.fr";
export const DRIVER = "driver@demo.ocpizza.fr";
export const COUNTER = "counter@demo.ocpizza.fr";
/** The demo administrator of the group. */
export const ADMIN = "admin@demo.ocpizza.fr";

/** Viewports of the two kinds of device the product is used on. */
export const PHONE = { width: 390, height: 844 };
export const KITCHEN_SCREEN = { width: 1920, height: 1080 };

/** How long a live update may take to show (the product promises about a second). */
export const LIVE_MS = 3_000;
/** How long a page may take to load and render (the debug server, a cold wasm compile). */
export const LOAD_MS = 15_000;

const READY_TIMEOUT_MS = 60_000;

function required(name, fallback) {
  const value = process.env[name] || fallback;
  if (!value) {
    throw new Error(`${name} is not set: run the tests with \`cargo xtask e2e\``);
  }
  return resolve(value);
}

/** A port nobody listens on right now. */
async function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.unref();
    probe.on("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

// Servers still running when the test process ends are killed with their process group, so a
// failed or interrupted test never leaves one behind.
const running = new Set();
function killAll() {
  for (const child of running) {
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  running.clear();
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** The server's environment: the caller's, minus any product configuration it may carry. */
function serverEnv(dataDir, staticDir) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("OCPIZZA_") && key !== "DATABASE_URL" && key !== "REDIS_URL") {
      env[key] = value;
    }
  }
  return {
    ...env,
    OCPIZZA_DATA_DIR: dataDir,
    OCPIZZA_STATIC_DIR: staticDir,
    // Logins are cheap in tests; the throttles are set high so no scenario trips them.
    OCPIZZA_ARGON2_MEMORY_KIB: "8192",
    OCPIZZA_ARGON2_ITERATIONS: "1",
    OCPIZZA_LOGIN_PER_IP_PER_MIN: "1000",
    OCPIZZA_LOGIN_FAILURES_BEFORE_BACKOFF: "1000",
    OCPIZZA_REGISTER_PER_IP_PER_HOUR: "1000",
    // Scenarios place their orders from one address, most with one phone number.
    OCPIZZA_ORDERS_PER_IP_PER_MIN: "1000",
    OCPIZZA_ORDERS_PER_PHONE_PER_MIN: "1000",
    OCPIZZA_OPEN_ORDERS_PER_PHONE: "1000",
    RUST_LOG: process.env.RUST_LOG || "warn",
  };
}

function tail(path, lines = 30) {
  try {
    return readFileSync(path, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * A running `ocpizza serve`: `base` is its URL (`http://127.0.0.1:PORT`), `restart()` stops it
 * and starts it again on the same port and database, `stop()` ends it and removes its folder.
 */
export class Server {
  constructor({ fakeTime = null, payment = null, env = {} } = {}) {
    this.fakeTime = fakeTime;
    this.payment = payment;
    // Extra settings of the scenario (e.g. `OCPIZZA_SMTP_URL` towards its own mail sink).
    this.extraEnv = env;
    this.paymentProvider = null;
    this.binary = required("OCPIZZA_E2E_SERVER");
    if (!existsSync(this.binary)) throw new Error(`no server binary at ${this.binary}`);
    this.staticDir = required("OCPIZZA_E2E_STATIC", join(here, "..", "pwa", "dist"));
    this.dir = mkdtempSync(join(tmpdir(), "ocpizza-e2e-"));
    this.log = join(this.dir, "server.log");
    this.child = null;
    this.port = 0;
  }

  /**
   * Starts a server with a fresh database; resolves once `/readyz` answers. `fakeTime`
   * (`"@2026-12-02 22:59:00"`, UTC) starts its wall clock at that instant.
   */
  static async start(options = {}) {
    const server = new Server(options);
    try {
      server.port = await freePort();
      if (server.payment === "stripe") server.paymentProvider = await LocalStripe.start(server);
      if (server.payment === "paypal") server.paymentProvider = await PaypalFake.start(server);
      await server.#spawn();
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** `http://127.0.0.1:PORT`. */
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  async #spawn() {
    const out = openSync(this.log, "a");
    // The tests log in with the demo accounts.
    const args = ["serve", "--demo", "--bind", `127.0.0.1:${this.port}`];
    const stdio = process.env.OCPIZZA_E2E_SERVER_LOG ? ["ignore", "inherit", "inherit"] : ["ignore", out, out];
    const [command, commandArgs, env] = this.fakeTime
      ? ["faketime", ["-f", this.fakeTime, this.binary, ...args], { TZ: "UTC", DONT_FAKE_MONOTONIC: "1" }]
      : [this.binary, args, {}];
    // Its own process group, so that stopping it stops anything it started too.
    const child = spawn(command, commandArgs, {
      env: {
        ...serverEnv(this.dir, this.staticDir),
        ...(this.paymentProvider?.serverEnv() ?? {}),
        ...this.extraEnv,
        ...env,
      },
      stdio,
      detached: true,
    });
    closeSync(out);
    this.child = child;
    running.add(child);
    child.exited = new Promise((ok) => {
      child.once("exit", (code, signal) => ok({ code, signal }));
      child.once("error", (error) => ok({ error: error.message }));
    });
    child.exited.then(() => running.delete(child));
    await this.#waitReady(child);
  }

  async #waitReady(child) {
    const started = Date.now();
    let exit = null;
    child.exited.then((e) => (exit = e));
    for (;;) {
      if (exit) {
        throw new Error(`the server exited (${JSON.stringify(exit)}) before it was ready:\n${tail(this.log)}`);
      }
      try {
        const response = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > READY_TIMEOUT_MS) {
        throw new Error(`GET /readyz did not answer within ${READY_TIMEOUT_MS} ms:\n${tail(this.log)}`);
      }
      await new Promise((ok) => setTimeout(ok, 100));
    }
  }

  /** Asks the server to stop (SIGTERM, as a service manager would) and waits for it. */
  async #halt() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }, 10_000);
    await child.exited;
    clearTimeout(timer);
  }

  /**
   * Stops the server and starts it again on the same port and database. `whileDown` runs
   * while it is stopped (e.g. to check that a page noticed).
   */
  async restart(whileDown = async () => {}) {
    await this.#halt();
    await whileDown();
    await this.#spawn();
  }

  /** Stops the server and removes its database and log. */
  async stop() {
    await this.#halt();
    await this.paymentProvider?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The server's wall-clock time now (Unix ms), from its `Date` header (to the second). */
  async now() {
    const response = await fetch(`${this.base}/readyz`, { signal: AbortSignal.timeout(5_000) });
    return Date.parse(response.headers.get("date"));
  }

  /** The server's log so far (for failure messages). */
  logTail() {
    return tail(this.log);
  }
}

/**
 * The local PayPal stand-in (`fakes/paypal`): PayPal's REST API, its buyer's approval page and
 * its webhooks (sent to the server), on a port of its own. Exposes the same `serverEnv` and
 * `stop` as `LocalStripe`.
 */
class PaypalFake {
  constructor(base, child) {
    this.base = base;
    this.child = child;
  }

  static async start(server) {
    const command = process.env.OCPIZZA_E2E_PAYPAL_FAKE;
    if (!command) throw new Error("OCPIZZA_E2E_PAYPAL_FAKE is not set: run the tests with `cargo xtask e2e`");
    const webhook = `${server.base}/api/v1/payments/paypal/webhook`;
    const child = spawn(command, ["--port", "0", "--webhook-url", webhook], {
      stdio: ["ignore", "pipe", "inherit"],
      detached: true,
    });
    running.add(child);
    child.exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
    child.exited.then(() => running.delete(child));
    const base = await new Promise((ok, fail) => {
      let seen = "";
      const timer = setTimeout(() => fail(new Error(`the PayPal stand-in did not start: ${seen}`)), READY_TIMEOUT_MS);
      child.stdout.on("data", (chunk) => {
        seen += chunk.toString();
        const found = seen.match(/listening on (http:\/\/\S+)/);
        if (found) {
          clearTimeout(timer);
          ok(found[1]);
        }
      });
      child.once("exit", (code) => fail(new Error(`the PayPal stand-in exited (${code}): ${seen}`)));
    });
    return new PaypalFake(base, child);
  }

  /** The server's configuration for taking payments with this stand-in. */
  serverEnv() {
    return {
      OCPIZZA_PAYMENT_PROVIDER: "paypal",
      OCPIZZA_PAYPAL_API_URL: this.base,
      OCPIZZA_PAYPAL_CLIENT_ID: "ocpizza-e2e",
      OCPIZZA_PAYPAL_CLIENT_SECRET: "ocpizza-e2e-secret",
      OCPIZZA_PAYPAL_WEBHOOK_ID: "FAKEWEBHOOK0001",
    };
  }

  async serveStripeJs() {}

  async stop() {
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      return;
    }
    await this.child.exited;
  }
}

/** The webhook signing secret shared by localstripe and the server in tests. */
const STRIPE_WEBHOOK_SECRET = "whsec_ocpizza";

/**
 * localstripe on a free port for one server: its API, its Stripe.js stand-in at
 * `/js.stripe.com/v3/`, and its webhooks sent to that server.
 */
class LocalStripe {
  constructor(port, child, log) {
    this.port = port;
    this.child = child;
    this.log = log;
  }

  /** `http://127.0.0.1:PORT`. */
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(server) {
    const command = process.env.OCPIZZA_E2E_LOCALSTRIPE;
    if (!command) throw new Error("OCPIZZA_E2E_LOCALSTRIPE is not set: run the tests with `cargo xtask e2e`");
    const port = await freePort();
    const log = join(server.dir, "localstripe.log");
    const out = openSync(log, "a");
    const child = spawn(command, ["--port", String(port), "--from-scratch"], {
      stdio: ["ignore", out, out],
      detached: true,
    });
    closeSync(out);
    running.add(child);
    child.exited = new Promise((ok) => {
      child.once("exit", (code, signal) => ok({ code, signal }));
      child.once("error", (error) => ok({ error: error.message }));
    });
    child.exited.then(() => running.delete(child));
    const stripe = new LocalStripe(port, child, log);
    let exit = null;
    child.exited.then((e) => (exit = e));
    const started = Date.now();
    for (;;) {
      if (exit) throw new Error(`localstripe exited (${JSON.stringify(exit)}):\n${tail(log)}`);
      try {
        const response = await fetch(`${stripe.base}/js.stripe.com/v3/`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() - started > READY_TIMEOUT_MS) throw new Error(`localstripe did not start:\n${tail(log)}`);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const hook = await fetch(`${stripe.base}/_config/webhooks/ocpizza`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        url: `${server.base}/api/v1/payments/stripe/webhook`,
        secret: STRIPE_WEBHOOK_SECRET,
      }).toString(),
    });
    if (!hook.ok) throw new Error(`registering localstripe's webhook: ${hook.status} ${await hook.text()}`);
    return stripe;
  }

  /** The server's configuration for taking payments with this localstripe. */
  serverEnv() {
    return {
      OCPIZZA_PAYMENT_PROVIDER: "stripe",
      OCPIZZA_STRIPE_API_URL: this.base,
      OCPIZZA_STRIPE_JS_URL: `${this.base}/js.stripe.com/v3/`,
      OCPIZZA_STRIPE_SECRET_KEY: "sk_test_ocpizza",
      OCPIZZA_STRIPE_PUBLISHABLE_KEY: "pk_test_ocpizza",
      OCPIZZA_STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
    };
  }

  /**
   * Serves localstripe's Stripe.js stand-in to `context` wrapped in a block. The stand-in
   * declares a top-level `class Element`, which in a classic script hides the DOM's `Element`
   * from every other script of the page, the app's generated glue included (its `instanceof
   * Element` checks then fail and no button answers). Real Stripe.js declares no such name; in
   * a block the class stays the stand-in's own, and its `Stripe = …` still sets the global.
   */
  async serveStripeJs(context) {
    await context.route(`${this.base}/js.stripe.com/v3/`, async (route) => {
      const response = await route.fetch();
      const body = `{\n${await response.text()}\n}\n`;
      await route.fulfill({ response, body });
    });
  }

  async stop() {
    try {
      process.kill(-this.child.pid, "SIGKILL");
    } catch {
      return;
    }
    await this.child.exited;
  }
}

/** A REST client for one person: guest, or logged in with `login()`. */
export class Api {
  constructor(base) {
    this.base = base;
    this.cookie = null;
  }

  /** Logs in as `email` (a demo account by default password); returns `this`. */
  async login(email, password = DEMO_PASSWORD) {
    const response = await this.#send("POST", "/api/v1/auth/login", { email, password });
    const cookie = response.headers.getSetCookie().find((c) => c.includes("="));
    if (!cookie) throw new Error(`logging in as ${email}: no session cookie`);
    this.cookie = cookie.split(";")[0];
    return this;
  }

  async #send(method, path, body) {
    // The server refuses state-changing requests whose Origin is not its own.
    const headers = { Origin: this.base, Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.cookie) headers.Cookie = this.cookie;
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok) {
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    }
    return response;
  }

  /** `GET path` as JSON. */
  async get(path) {
    return (await this.#send("GET", path)).json();
  }

  /** `POST path` with a JSON body; the JSON answer, if any. */
  async post(path, body) {
    const text = await (await this.#send("POST", path, body)).text();
    return text ? JSON.parse(text) : null;
  }

  /** `PUT path` with a JSON body; the JSON answer, if any. */
  async put(path, body) {
    const text = await (await this.#send("PUT", path, body)).text();
    return text ? JSON.parse(text) : null;
  }

  /** `PATCH path` with a JSON body; the JSON answer, if any. */
  async patch(path, body) {
    const text = await (await this.#send("PATCH", path, body)).text();
    return text ? JSON.parse(text) : null;
  }

  /** `DELETE path`; the JSON answer, if any. */
  async delete(path) {
    const text = await (await this.#send("DELETE", path)).text();
    return text ? JSON.parse(text) : null;
  }

  /** A shop's menu with live availability. */
  menu(shop = 1) {
    return this.get(`/api/v1/shops/${shop}/menu`);
  }

  /** An order as the server has it (staff). */
  order(id) {
    return this.get(`/api/v1/orders/${id}`);
  }

  /**
   * Places a pickup order paid at the counter; as a guest unless logged in.
   * `lines`: `[{ pizza_id, size, quantity }]`.
   */
  placeOrder(lines, { shop = 1, name = "Client Test" } = {}) {
    return this.post("/api/v1/orders", {
      shop_id: shop,
      fulfilment: "pickup",
      contact: { name, phone: "+33 6 12 34 56 78" },
      lines: lines.map((l) => ({ quantity: 1, ...l })),
      payment_method: "at_counter",
    });
  }

  /**
   * How many of a pizza size the shop's free stock can still make, exactly (staff: the menu
   * says only "many" above a few left).
   */
  async makeable(pizzaId, code, shop = 1) {
    const [stock, recipe] = await Promise.all([
      this.get(`/api/v1/shops/${shop}/stock`),
      this.get(`/api/v1/pizzas/${pizzaId}/recipe`),
    ]);
    const free = new Map(stock.items.map((l) => [l.ingredient_id, l.on_hand - l.reserved]));
    const items = recipe.sizes.find((s) => s.code === code).items;
    return Math.min(...items.map((i) => Math.floor((free.get(i.ingredient_id) ?? 0) / i.quantity)));
  }

  /**
   * Orders, as `buyer`, every last one of a pizza size the shop can still make, twenty at a
   * time at most; this client (staff) counts what is left.
   */
  async sellOut(buyer, pizzaId, code, shop = 1) {
    for (let left = await this.makeable(pizzaId, code, shop); left > 0; ) {
      await buyer.placeOrder([{ pizza_id: pizzaId, size: code, quantity: Math.min(left, 20) }], { shop });
      left = await this.makeable(pizzaId, code, shop);
    }
  }

  /** Restocks `quantity` of an ingredient (manager). */
  restock(ingredientId, quantity, shop = 1) {
    return this.post(`/api/v1/shops/${shop}/stock/restock`, {
      ingredient_id: ingredientId,
      quantity,
      reason: "Livraison (test de bout en bout)",
    });
  }

  /** Moves an order to `to` (staff: a cook starts it with `preparing`). */
  transition(orderId, to) {
    return this.post(`/api/v1/orders/${orderId}/transition`, { to });
  }
}

/**
 * Headless Chromium, French, with the flags that work on the project's machines (and
 * `extraArgs`, e.g. `--ignore-certificate-errors` for a test certificate).
 */
export async function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.OCPIZZA_E2E_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--lang=fr-FR",
      ...extraArgs,
    ],
  });
}

/** A fresh browser profile (its own cookies, cache and service worker) on `viewport`. */
export async function newContext(browser, server, viewport = PHONE) {
  const context = await browser.newContext({
    baseURL: server.base,
    viewport,
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    serviceWorkers: "allow",
  });
  context.setDefaultTimeout(LOAD_MS);
  if (server.paymentProvider) await server.paymentProvider.serveStripeJs(context);
  return context;
}

/** Logs the browser profile in as `email` through the login page, as a person would. */
export async function logIn(page, email, password = DEMO_PASSWORD) {
  await page.goto("/login");
  // The shell is cached before the scenario goes on, so that its offline steps find it.
  await waitForServiceWorker(page);
  await page.locator("input#email").fill(email);
  await page.locator("input#password").fill(password);
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login") && r.ok()),
    page.locator("button[type=submit]").click(),
  ]);
  await settle(page);
}

/** The staff screens' addresses, answered with the staff bundle (see `proto::STAFF_PATHS`). */
const STAFF_PATHS = ["/kitchen", "/recipes", "/driver", "/counter", "/manage"];

/**
 * Waits until the page left the login screen and runs the bundle its address calls for: a
 * login that leads to a staff screen reloads the page into the staff bundle, and a navigation
 * started before that reload ends would be aborted by it.
 */
async function settle(page) {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const settled = await page
      .evaluate((staffPaths) => {
        const path = location.pathname;
        if (path === "/login") return false;
        const staff = staffPaths.some((p) => path === p || path.startsWith(`${p}/`));
        const bundle = document.documentElement.dataset.bundle;
        return document.readyState === "complete" && bundle === (staff ? "staff" : "app");
      }, STAFF_PATHS)
      .catch(() => false); // the page is being replaced
    if (settled) return;
    await page.waitForTimeout(100);
  }
  throw new Error(`the app did not settle after logging in (at ${page.url()})`);
}

/**
 * Waits until the service worker controls the page. On a first visit the worker installs,
 * precaches the shell and claims the page, which keeps running (it is not loaded again); from
 * then on the shell is served offline.
 */
export async function waitForServiceWorker(page) {
  await page.waitForLoadState("load");
  await page.waitForFunction(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Waits until `locator` is visible. */
export function see(locator, timeout = LOAD_MS) {
  return locator.waitFor({ state: "visible", timeout });
}

/** Waits until nothing matches `locator` any more. */
export function gone(locator, timeout = LIVE_MS) {
  return locator.waitFor({ state: "detached", timeout });
}

/**
 * Runs a scenario with a server (started with `serverOptions`, see `Server.start`) and a
 * browser, and always cleans both up. On failure the server's last log lines are added to the
 * error.
 */
export async function withApp(body, serverOptions = {}) {
  const server = await Server.start(serverOptions);
  let browser = null;
  try {
    browser = await launchBrowser();
    await body({ server, browser, api: () => new Api(server.base) });
  } catch (error) {
    error.message += `\n--- server log (last lines) ---\n${server.logTail()}`;
    throw error;
  } finally {
    await browser?.close().catch(() => {});
    await server.stop();
  }
}

/**
 * Marks the current document, so that `assertSameDocument` can prove later that what the
 * page shows came live, without a reload or a navigation.
 */
export async function markDocument(page) {
  await page.evaluate(() => {
    window.__ocpizzaE2eMark = true;
  });
}

/** Fails if the page was reloaded or navigated away since `markDocument`. */
export async function assertSameDocument(page) {
  const same = await page.evaluate(() => window.__ocpizzaE2eMark === true);
  if (!same) throw new Error("the page was reloaded: the update did not arrive live");
}
