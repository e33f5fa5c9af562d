// Rush hour on a 1920×1080 kitchen screen: twelve open tickets and the page never scrolls. Each
// column shows its oldest tickets whole and counts the ones it has no room for ("+N autres");
// icons are drawn, not emoji; the button that takes a tap back says where the ticket goes back
// to, never "annuler".

import { test } from "node:test";
import assert from "node:assert/strict";
import { COOK, KITCHEN_SCREEN, LIVE_MS, logIn, newContext, see, withApp } from "../harness.mjs";
import { connection, ticketIn } from "../screens.mjs";

/** A character that a device draws from its emoji font (or not at all). */
const EMOJI = /\p{Extended_Pictographic}/u;

/** The columns of the wall, left to right. */
const COLUMNS = ["placed", "preparing", "ready"];

/**
 * A source of order lines: `lines(count)` gives `count` lines of one pizza each, taken in turn
 * from the sizes with the most units left, so that the orders never run the shop out.
 */
function linesFrom(menu) {
  const sizes = menu.pizzas
    .filter((p) => p.enabled)
    .flatMap((p) => p.sizes.map((s) => ({ pizza_id: p.id, size: s.code, left: s.available })))
    .filter((s) => s.left > 0)
    .sort((a, b) => b.left - a.left);
  let next = 0;
  return (count) =>
    Array.from({ length: count }, () => {
      const size = sizes[next++ % Math.min(sizes.length, 4)];
      return { pizza_id: size.pizza_id, size: size.size };
    });
}

/**
 * What a cook sees of each column: the tickets drawn whole inside the screen (nothing clipping
 * or covering their top and bottom edges), the others, and the "+N" count.
 */
function wallAsSeen(columns) {
  const wholeOnScreen = (ticket) => {
    const box = ticket.getBoundingClientRect();
    if (getComputedStyle(ticket).visibility !== "visible") return false;
    if (box.top < 0 || box.bottom > innerHeight || box.height === 0) return false;
    const x = box.left + box.width / 2;
    return [box.top + 2, box.bottom - 2].every((y) => ticket.contains(document.elementFromPoint(x, y)));
  };
  return columns.map((column) => {
    const section = document.querySelector(`[data-testid="column-${column}"]`);
    const tickets = [...section.querySelectorAll('[data-testid^="ticket-"]')];
    const id = (ticket) => Number(ticket.dataset.testid.replace("ticket-", ""));
    const more = section.querySelector(`[data-testid="more-${column}"]`);
    return {
      column,
      seen: tickets.filter(wholeOnScreen).map(id),
      unseen: tickets.filter((t) => !wholeOnScreen(t)).map(id),
      more: more ? more.textContent.trim() : null,
    };
  });
}

/** The wall as seen, once two looks in a row agree (it measures its room after drawing). */
async function settledWall(page) {
  let last = null;
  for (let look = 0; look < 30; look += 1) {
    const now = JSON.stringify(await page.evaluate(wallAsSeen, COLUMNS));
    if (now === last) return JSON.parse(now);
    last = now;
    await page.waitForTimeout(300);
  }
  throw new Error(`the kitchen display never settled: ${last}`);
}

test("twelve open tickets fit a 1920×1080 kitchen screen, oldest first, the others counted", async () => {
  await withApp(async ({ server, browser, api }) => {
    const lines = linesFrom(await api().menu(1));
    const cook = await api().login(COOK);
    // As at rush hour, the oldest orders are the furthest along.
    const plan = ["ready", "ready", "preparing", "preparing", "preparing", "preparing"];
    plan.push(...Array(6).fill("placed"));
    const ids = { placed: [], preparing: [], ready: [] };
    for (const [i, stage] of plan.entries()) {
      const order = await api().placeOrder(lines(1 + (i % 2)), { name: `Client ${i + 1}` });
      if (stage !== "placed") await cook.transition(order.id, "preparing");
      if (stage === "ready") await cook.transition(order.id, "ready");
      ids[stage].push(order.id);
    }

    const context = await newContext(browser, server, KITCHEN_SCREEN);
    const kitchen = await context.newPage();
    await logIn(kitchen, COOK);
    await kitchen.goto("/kitchen");
    await see(connection(kitchen, "online"));
    for (const column of COLUMNS) {
      for (const id of ids[column]) await ticketIn(kitchen, column, id).waitFor({ state: "attached" });
    }

    const wall = await settledWall(kitchen);
    const page = await kitchen.evaluate(() => ({
      scrollHeight: document.scrollingElement.scrollHeight,
      innerHeight,
      text: document.body.innerText,
    }));
    assert.ok(page.scrollHeight <= page.innerHeight, `the page scrolls: ${page.scrollHeight} > ${page.innerHeight}`);
    for (const { column, seen, unseen, more } of wall) {
      const oldestFirst = [...ids[column]].sort((a, b) => a - b);
      assert.ok(seen.length > 0, `${column}: no ticket seen whole`);
      assert.deepEqual(seen, oldestFirst.slice(0, seen.length), `${column}: the oldest are the ones shown`);
      assert.deepEqual([...seen, ...unseen].sort((a, b) => a - b), oldestFirst, `${column}: every ticket is there`);
      if (unseen.length === 0) {
        assert.equal(more, null, `${column}: a count with nothing hidden`);
      } else {
        assert.match(more ?? "", new RegExp(`^\\+${unseen.length} autres?$`), `${column}: ${unseen.length} hidden`);
      }
    }
    // Six new orders are more than a column of this screen holds: the count is really at work.
    assert.ok(wall[0].unseen.length > 0, "every placed ticket fitted: the test proves nothing");

    assert.doesNotMatch(page.text, EMOJI, "an emoji is on the kitchen display");
    const icons = kitchen.getByTestId(`ticket-${ids.placed[0]}`).locator('svg[aria-hidden="true"]');
    assert.ok((await icons.count()) >= 3, "the ticket's icons are inline SVG");

    // A start taken back: the button says where the ticket goes back to.
    const oldest = ids.placed[0];
    await kitchen.getByTestId(`start-${oldest}`).click();
    await see(ticketIn(kitchen, "preparing", oldest), LIVE_MS);
    const undo = kitchen.getByTestId(`undo-${oldest}`);
    await see(undo, LIVE_MS);
    const box = await undo.boundingBox();
    assert.ok(box.y >= 0 && box.y + box.height <= KITCHEN_SCREEN.height, "the undo button is on the screen");
    const name = await undo.ariaSnapshot();
    assert.match(name, /^- button "Revenir à « À préparer » \(\d s\)"/);
    assert.doesNotMatch(name, /annul|cancel/i);
    await undo.click();
    await see(ticketIn(kitchen, "placed", oldest), LIVE_MS);
    assert.equal((await cook.order(oldest)).status, "placed");
    await context.close();
  });
});
