// The login page goes back to `?next=` only when it is a page of the app: browsers read `\` as
// `/` and drop tabs from addresses, so a crafted `next` would otherwise send a person who just
// typed their password to another site.

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, DEMO_PASSWORD, newContext, waitForServiceWorker, withApp } from "../harness.mjs";

/** Logs in as the cook on `/login?next=…` and returns where the page ends up. */
async function logInWithNext(browser, server, next) {
  const context = await newContext(browser, server);
  // Were the page sent away, it lands here instead of on a network error.
  await context.route(/^https?:\/\/example\.com\//, (route) =>
    route.fulfill({ contentType: "text/html", body: "<h1>not OC Pizza</h1>" }),
  );
  const page = await context.newPage();
  await page.goto(`/login?next=${next}`);
  await waitForServiceWorker(page);
  await page.locator("input#email").fill(COOK);
  await page.locator("input#password").fill(DEMO_PASSWORD);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== "/login"),
    page.locator("button[type=submit]").click(),
  ]);
  const url = new URL(page.url());
  await context.close();
  return url;
}

test("a login never leads to another site, whatever ?next= says", async () => {
  await withApp(async ({ server, browser }) => {
    for (const next of ["/%5Cexample.com", "/%09/example.com", "/%5C%5Cexample.com"]) {
      const url = await logInWithNext(browser, server, next);
      assert.equal(url.origin, server.base, `next=${next} left the app for ${url}`);
      assert.equal(url.pathname, "/kitchen", `next=${next}: the cook's own screen instead`);
    }
    // A page of the app is still where the login leads back to.
    const url = await logInWithNext(browser, server, "/recipes");
    assert.equal(url.href, `${server.base}/recipes`);
  });
});
