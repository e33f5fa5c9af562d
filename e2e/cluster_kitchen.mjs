// The kitchen display of `cargo xtask cluster` (xtask/src/cluster/kitchen.rs): a cook's
// kitchen wall in headless Chromium, through nginx over TLS (the test's self-signed
// certificate accepted), watched while the instances behind nginx are killed and updated.
//
// Environment: OCPIZZA_CLUSTER_URL (https://127.0.0.1:PORT), OCPIZZA_CLUSTER_EMAIL and
// OCPIZZA_CLUSTER_PASSWORD (the cook), OCPIZZA_E2E_CHROMIUM (the browser).
//
// Protocol, one line each way:
//   out `READY`                once the display is live (its badge says online);
//   in  `MARK <name>`          remembers the time of a phase boundary;
//   in  `CHECK <json ids>`     waits (at most 20 s) for a ticket of every order id, then
//   out `RESULT <json>`        every state the page showed (badge state and any alert, as
//                              sampled every 100 ms and on every DOM change), the marks, the
//                              ids never shown, and whether the page stayed the same document;
//                              then the browser closes and the script exits.

import { createInterface } from "node:readline";
import { KITCHEN_SCREEN, LOAD_MS, logIn, see, launchBrowser } from "./harness.mjs";
import { connection } from "./screens.mjs";

const TICKETS_MS = 20_000;

const base = process.env.OCPIZZA_CLUSTER_URL;
const email = process.env.OCPIZZA_CLUSTER_EMAIL;
const password = process.env.OCPIZZA_CLUSTER_PASSWORD;
if (!base || !email || !password) {
  console.error("OCPIZZA_CLUSTER_URL, _EMAIL and _PASSWORD must be set (cargo xtask cluster)");
  process.exit(2);
}

const browser = await launchBrowser(["--ignore-certificate-errors"]);
try {
  const context = await browser.newContext({
    baseURL: base,
    viewport: KITCHEN_SCREEN,
    locale: "fr-FR",
    timezoneId: "Europe/Paris",
    serviceWorkers: "allow",
    ignoreHTTPSErrors: true,
  });
  context.setDefaultTimeout(LOAD_MS);
  const page = await context.newPage();
  await logIn(page, email, password);
  await page.goto("/kitchen");
  await see(connection(page, "online"));
  await page.evaluate(() => {
    window.__clusterSameDocument = true;
    const log = [];
    window.__clusterLog = log;
    let last = null;
    const sample = () => {
      const badge = document.querySelector('[data-testid="connection"]');
      const state = badge ? badge.dataset.state : "missing";
      const alerts = [...document.querySelectorAll('[role="alert"], .notice--error')].map((e) =>
        e.textContent.trim(),
      );
      const key = `${state}|${alerts.join("|")}`;
      if (key !== last) {
        last = key;
        log.push({ t: Date.now(), badge: state, label: badge ? badge.textContent.trim() : "", alerts });
      }
    };
    new MutationObserver(sample).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      characterData: true,
    });
    setInterval(sample, 100);
    sample();
  });
  console.log("READY");

  const marks = [];
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.startsWith("MARK ")) {
      marks.push({ t: Date.now(), name: line.slice(5) });
    } else if (line.startsWith("CHECK ")) {
      const ids = JSON.parse(line.slice(6));
      const deadline = Date.now() + TICKETS_MS;
      let missing = ids;
      while (missing.length > 0 && Date.now() < deadline) {
        missing = await page.evaluate(
          (wanted) => wanted.filter((id) => !document.querySelector(`[data-testid="ticket-${id}"]`)),
          missing,
        );
        if (missing.length > 0) await page.waitForTimeout(200);
      }
      const sameDocument = await page.evaluate(() => window.__clusterSameDocument === true);
      const log = await page.evaluate(() => window.__clusterLog ?? []);
      console.log(`RESULT ${JSON.stringify({ log, marks, missing, sameDocument, now: Date.now() })}`);
      break;
    }
  }
} finally {
  await browser.close().catch(() => {});
}
