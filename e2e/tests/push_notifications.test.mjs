// Push notifications on a phone: after ordering, the customer presses "Prévenez-moi de
// l'avancement"; when the kitchen starts the order the server posts an encrypted, signed push to
// the subscription's push service; the phone's service worker shows it as a notification and
// as a banner in the open tracker, and a tap on the notification opens the tracker.
//
// Headless Chromium cannot subscribe with a real push service (it would ask the vendor's
// servers), so the page's `PushManager.prototype.subscribe` is replaced by one that returns a
// subscription whose endpoint is a push service run by this test, with keys the test holds.
// That service checks the VAPID signature, decrypts the payload (RFC 8291, below) and hands the
// plaintext to the phone's service worker through the DevTools protocol
// (`ServiceWorker.deliverPushMessage`), which fires the worker's real `push` event.

import { test } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Api, COOK, LIVE_MS, PHONE, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");

/** RFC 8291 (aes128gcm, one record): the plaintext of a push `body` for the browser's keys. */
function decrypt(body, ecdh, auth) {
  const salt = body.subarray(0, 16);
  const idLength = body[20];
  const serverPublic = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  const shared = ecdh.computeSecret(serverPublic);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), ecdh.getPublicKey(), serverPublic]);
  const ikm = Buffer.from(crypto.hkdfSync("sha256", shared, auth, keyInfo, 32));
  const cek = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(crypto.hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = crypto.createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // The last record ends with the delimiter 2, then zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  assert.equal(padded[end], 2, "the last record's delimiter");
  return padded.subarray(0, end).toString("utf8");
}

/** RFC 8292: `vapid t=<ES256 JWT for this origin>, k=<the server's public key>`. */
function checkVapid(authorization, publicKey, origin) {
  const fields = Object.fromEntries(
    authorization.replace(/^vapid /, "").split(",").map((p) => p.trim().split("=", 2)),
  );
  assert.equal(fields.k, publicKey, "signed with the key the API serves");
  const [header, claims, signature] = fields.t.split(".");
  assert.equal(JSON.parse(Buffer.from(header, "base64url")).alg, "ES256");
  assert.equal(JSON.parse(Buffer.from(claims, "base64url")).aud, origin);
  const raw = Buffer.from(publicKey, "base64url");
  const key = crypto.createPublicKey({
    key: { kty: "EC", crv: "P-256", x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33, 65)) },
    format: "jwk",
  });
  const ok = crypto.verify(
    "sha256",
    Buffer.from(`${header}.${claims}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  assert.ok(ok, "the VAPID signature verifies");
}

/** A push service on 127.0.0.1 with one browser subscribed to it. */
class PushService {
  static async start(publicKey) {
    const service = new PushService();
    service.publicKey = publicKey;
    service.ecdh = crypto.createECDH("prime256v1");
    service.ecdh.generateKeys();
    service.auth = crypto.randomBytes(16);
    service.received = [];
    service.waiters = [];
    service.http = createServer((request, response) => {
      const chunks = [];
      request.on("data", (c) => chunks.push(c));
      request.on("end", () => {
        try {
          checkVapid(request.headers.authorization ?? "", service.publicKey, service.origin);
          assert.equal(request.headers["content-encoding"], "aes128gcm");
          const plaintext = decrypt(Buffer.concat(chunks), service.ecdh, service.auth);
          service.received.push({ plaintext, message: JSON.parse(plaintext), topic: request.headers.topic });
          response.writeHead(201).end();
        } catch (error) {
          service.received.push({ error: String(error) });
          response.writeHead(400).end();
        }
        service.waiters.forEach((wake) => wake());
      });
    });
    await new Promise((ok) => service.http.listen(0, "127.0.0.1", ok));
    service.origin = `http://127.0.0.1:${service.http.address().port}`;
    return service;
  }

  /** What the page's replaced `PushManager.subscribe` returns (as `toJSON()` gives it). */
  subscription() {
    return {
      endpoint: `${this.origin}/push/phone`,
      p256dh: b64url(this.ecdh.getPublicKey()),
      auth: b64url(this.auth),
    };
  }

  /** The first push whose title matches, once it arrives. */
  async waitFor(pattern, timeout = 10_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const failed = this.received.find((r) => r.error);
      assert.equal(failed, undefined, "every push passes the checks");
      const hit = this.received.find((r) => pattern.test(r.message.title));
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no push matching ${pattern}: ${JSON.stringify(this.received)}`);
      await new Promise((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, Math.min(left, 200));
      });
    }
  }

  close() {
    return new Promise((ok) => this.http.close(ok));
  }
}

/** Replaces the browser's push subscription with one at the test's push service. */
function fakeSubscribe({ endpoint, p256dh, auth }) {
  const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)).buffer;
  const subscription = {
    endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    getKey: (name) => (name === "p256dh" ? bytes(p256dh) : name === "auth" ? bytes(auth) : null),
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: () => Promise.resolve(true),
  };
  if (self.PushManager) {
    PushManager.prototype.subscribe = function (options) {
      self.__pushOptions = options;
      return Promise.resolve(subscription);
    };
    PushManager.prototype.getSubscription = () => Promise.resolve(null);
  }
}

/** The service worker registration's id, as the DevTools protocol names it. */
async function registrationId(cdp, scope) {
  const found = new Promise((ok) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const mine = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (mine) ok(mine.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  return found;
}

test("a customer turns notifications on after ordering and sees the kitchen start the order", async () => {
  await withApp(async ({ server, browser }) => {
    const { public_key: publicKey } = await new Api(server.base).get("/api/v1/push/key");
    const push = await PushService.start(publicKey);
    const context = await newContext(browser, server, PHONE);
    try {
      await context.grantPermissions(["notifications"], { origin: server.base });
      await context.addInitScript(fakeSubscribe, push.subscription());
      const page = await context.newPage();
      const menu = await new Api(server.base).menu(1);
      const pizza = menu.pizzas.find((p) => p.enabled && p.sizes.some((s) => s.available > 2));
      const size = pizza.sizes.find((s) => s.available > 2);

      await page.goto("/shops/1");
      await waitForServiceWorker(page);
      await page.getByTestId(`add-${pizza.id}-${size.code}`).click();
      await page.getByTestId("cart-checkout").click();
      await page.waitForURL("**/checkout/1");
      await page.getByTestId("fulfilment-pickup").check();
      await page.locator('input[name="name"]').fill("Camille Martin");
      await page.locator('input[name="phone"]').fill("06 12 34 56 78");
      await page.getByTestId("place-order").click();
      await page.waitForURL("**/track/*");
      const token = new URL(page.url()).pathname.split("/").pop();
      const { order } = await new Api(server.base).get(`/api/v1/track/${token}`);

      // Nothing was asked on the way: the permission is asked when the button is pressed.
      assert.equal(await page.evaluate(() => self.__pushOptions ?? null), null);
      const button = page.getByTestId("push-button");
      await see(button);
      assert.equal(await button.innerText(), "Prévenez-moi de l'avancement");
      await button.click();
      await see(page.getByTestId("push-on"));
      const options = await page.evaluate(() => ({
        userVisibleOnly: self.__pushOptions.userVisibleOnly,
        key: btoa(String.fromCharCode(...new Uint8Array(self.__pushOptions.applicationServerKey)))
          .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
      }));
      assert.deepEqual(options, { userVisibleOnly: true, key: publicKey });

      // The kitchen starts the order: the server pushes it.
      const cook = await new Api(server.base).login(COOK);
      await cook.transition(order.id, "preparing");
      const pushed = await push.waitFor(/en préparation/);
      assert.deepEqual(pushed.message, {
        title: `Commande n° ${order.id} en préparation`,
        body: "Vos pizzas sont entre les mains du pizzaïolo.",
        url: `/track/${token}`,
        tag: `order-${order.id}`,
      });
      assert.equal(pushed.topic, `order-${order.id}`);

      // The push service hands it to the phone's service worker.
      const cdp = await context.newCDPSession(page);
      const id = await registrationId(cdp, `${server.base}/`);
      await cdp.send("ServiceWorker.deliverPushMessage", { origin: server.base, registrationId: id, data: pushed.plaintext });

      // On screen: the banner in the open tracker…
      const banner = page.getByTestId("push-banner");
      await see(banner, LIVE_MS);
      assert.match(await banner.innerText(), new RegExp(`Commande n° ${order.id} en préparation`));
      const shots = process.env.OCPIZZA_E2E_SCREENSHOTS;
      if (shots) {
        mkdirSync(resolve(shots), { recursive: true });
        await page.screenshot({ path: join(resolve(shots), "push-notification.png") });
      }
      // …and the system notification, shown by the worker.
      const [worker] = context.serviceWorkers();
      assert.ok(worker, "the service worker runs");
      const shown = await worker.evaluate(() =>
        self.registration.getNotifications().then((list) =>
          list.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url })),
        ),
      );
      assert.deepEqual(shown, [
        {
          title: `Commande n° ${order.id} en préparation`,
          body: "Vos pizzas sont entre les mains du pizzaïolo.",
          tag: `order-${order.id}`,
          url: `/track/${token}`,
        },
      ]);

      // A tap opens the tracker. The DevTools protocol cannot click a system notification, so
      // the worker's own click handler (`openNotification`, what its `notificationclick`
      // listener runs) is called with the real notification. Outside a real click the browser
      // refuses to open a window; the handler then takes the app's open window there, which is
      // what this checks: the phone, moved to the menu, comes back to the tracker.
      await page.goto("/shops/1");
      await worker.evaluate(() =>
        self.registration.getNotifications().then((list) => openNotification(list[0])),
      );
      const tracker = `${server.base}/track/${token}`;
      const deadline = Date.now() + LIVE_MS;
      while (!context.pages().some((p) => p.url() === tracker) && Date.now() < deadline) {
        await new Promise((ok) => setTimeout(ok, 100));
      }
      assert.ok(context.pages().some((p) => p.url() === tracker), "the tracker is shown");
      const after = await worker.evaluate(() => self.registration.getNotifications().then((l) => l.length));
      assert.equal(after, 0, "the tapped notification is closed");
    } finally {
      await context.close();
      await push.close();
    }
  });
});
