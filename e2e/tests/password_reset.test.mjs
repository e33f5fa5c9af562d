// A customer who forgot their password asks for a link from the login page, receives it by
// e-mail (a small SMTP server of this test takes the server's message), chooses a new password
// on the link's page, logs in with it and finds their orders under "Mes commandes". The link
// then no longer works.

import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { Api, LOAD_MS, newContext, see, waitForServiceWorker, withApp } from "../harness.mjs";

const CUSTOMER = "customer@demo.ocpizza.fr";
const NEW_PASSWORD = "quatre-fromages-et-basilic";

/** A minimal SMTP server on a free loopback port, keeping every message it accepts. */
async function smtpSink() {
  const messages = [];
  const server = createServer((socket) => {
    let buffer = "";
    let data = null;
    const say = (line) => socket.write(`${line}\r\n`);
    say("220 sink.test ESMTP");
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      let end;
      while ((end = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data !== null) {
          if (line === ".") {
            messages.push(data.join("\r\n"));
            data = null;
            say("250 2.0.0 queued");
          } else {
            data.push(line.startsWith("..") ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.split(/[ :]/)[0].toUpperCase();
        if (verb === "DATA") {
          data = [];
          say("354 end with <CRLF>.<CRLF>");
        } else if (verb === "QUIT") {
          say("221 2.0.0 bye");
          socket.end();
        } else if (["EHLO", "HELO", "MAIL", "RCPT", "RSET", "NOOP"].includes(verb)) {
          say("250 ok");
        } else {
          say("502 5.5.2 not implemented");
        }
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { port: server.address().port, messages, close: () => server.close() };
}

/** The decoded text of every part of a MIME message (quoted-printable or base64). */
function decodedText(raw) {
  const parts = raw.split(/\r\n--[^\r\n]+/);
  return parts
    .map((part) => {
      const split = part.indexOf("\r\n\r\n");
      if (split < 0) return part;
      const headers = part.slice(0, split).toLowerCase();
      const body = part.slice(split + 4);
      if (headers.includes("content-transfer-encoding: base64")) {
        return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
      }
      if (headers.includes("content-transfer-encoding: quoted-printable")) {
        const bytes = body
          .replace(/=\r\n/g, "")
          .replace(/=([0-9A-F]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
        return Buffer.from(bytes, "latin1").toString("utf8");
      }
      return body;
    })
    .join("\n");
}

/** Waits for the message holding a reset link and returns the link's token. */
async function linkToken(sink) {
  const deadline = Date.now() + LOAD_MS;
  for (;;) {
    for (const message of sink.messages) {
      const match = decodedText(message).match(/\/reset-password\?token=([0-9a-f]{64})/);
      if (match) return match[1];
    }
    if (Date.now() > deadline) throw new Error(`no reset link by e-mail after ${LOAD_MS} ms`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

test("a forgotten password is reset through the e-mailed link, which works once", async () => {
  const sink = await smtpSink();
  try {
    const env = {
      OCPIZZA_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      OCPIZZA_MAIL_FROM: "OC Pizza <commandes@ocpizza.fr>",
    };
    await withApp(
      async ({ server, browser }) => {
        const order = await (await new Api(server.base).login(CUSTOMER)).placeOrder([
          { pizza_id: 1, size: "medium" },
        ]);
        const context = await newContext(browser, server);
        const page = await context.newPage();
        await page.goto("/login");
        await waitForServiceWorker(page);
        await page.getByRole("link", { name: "Mot de passe oublié ?" }).click();
        await page.locator("input#forgot-email").fill(CUSTOMER);
        await page.getByRole("button", { name: "Envoyer le lien" }).click();
        await see(page.getByTestId("reset-link-sent"));
        assert.match(
          await page.getByTestId("reset-link-sent").innerText(),
          /Si un compte existe pour cette adresse, un e-mail vient de partir/,
        );
        const token = await linkToken(sink);
        await page.goto(`/reset-password?token=${token}`);
        await page.locator("input#new-password").fill(NEW_PASSWORD);
        await page.locator("input#new-password-again").fill("pas-le-meme-mot-de-passe");
        await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
        await see(page.getByText("Les deux mots de passe ne sont pas les mêmes."));
        await page.locator("input#new-password-again").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
        await see(page.getByTestId("password-changed"));

        await page.locator(".account-page").getByRole("link", { name: "Se connecter" }).click();
        await page.locator("input#email").fill(CUSTOMER);
        await page.locator("input#password").fill(NEW_PASSWORD);
        await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/v1/auth/login") && r.ok()),
          page.locator("button[type=submit]").click(),
        ]);
        await page.getByTestId("menu-toggle").click();
        await page.getByRole("link", { name: "Mes commandes" }).click();
        const row = page.getByTestId(`my-order-${order.id}`);
        await see(row);
        assert.match(await row.innerText(), /Commande reçue/);
        await row.getByRole("link", { name: "Suivre la commande" }).click();
        await page.waitForURL((url) => url.pathname.startsWith("/track/"));
        // The order's confirmation reached the customer with the same tracker's address.
        const tracker = new URL(page.url()).pathname;
        assert.ok(
          sink.messages.some((m) => decodedText(m).includes(`${server.base}${tracker}`)),
          "the confirmation's tracking link is the tracker's address",
        );

        // The link was used: its page now says so and offers a new one.
        await page.goto(`/reset-password?token=${token}`);
        await page.locator("input#new-password").fill("encore-une-autre-phrase");
        await page.locator("input#new-password-again").fill("encore-une-autre-phrase");
        await page.getByRole("button", { name: "Enregistrer le mot de passe" }).click();
        await see(page.getByText("Ce lien de réinitialisation a expiré ou a déjà servi"));
        await see(page.getByRole("link", { name: "Demander un nouveau lien" }));
        await context.close();
      },
      { env },
    );
  } finally {
    sink.close();
  }
});
