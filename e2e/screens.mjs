// Locators for the PWA's screens, after the DOM contract the pages follow
// (`data-testid` attributes; see the end-to-end section of the README).

/** Status labels the customer's tracker shows (French). */
export const STATUS_LABEL = {
  placed: "Commande reçue",
  preparing: "En préparation",
  ready: "Prête",
};

/**
 * The row of one size of one pizza on a shop's menu. The contract names it
 * `size-{pizzaId}-{code}`; the menu as first shipped marks the row with `data-size` inside the
 * pizza's card (found by its name, as a customer finds it), so both are accepted.
 */
export function sizeRow(page, pizza, code) {
  const byContract = page.getByTestId(`size-${pizza.id}-${code}`);
  const byCard = page
    .locator("li.pizza", { has: page.getByRole("heading", { name: pizza.name, exact: true }) })
    .locator(`li.size[data-size="${code}"]`);
  return byContract.or(byCard);
}

/** `row` once it shows that the size cannot be ordered any more. */
export function outOfStock(page, row) {
  return row.and(page.locator(".size--out")).filter({ hasText: "plus disponible" });
}

/** `row` once it can be ordered. */
export function orderable(page, row) {
  return row.and(page.locator(":not(.size--out)")).filter({ hasNotText: "plus disponible" });
}

/** The live connection badge in a given state (`online`, `connecting`, `offline`). */
export function connection(page, state) {
  return page.locator(`[data-testid="connection"][data-state="${state}"]`);
}

/** A kitchen ticket inside a column (`placed`, `preparing`, `ready`). */
export function ticketIn(page, column, orderId) {
  return page.getByTestId(`column-${column}`).getByTestId(`ticket-${orderId}`);
}

/** The tracker's status element showing `status`. */
export function trackerStatus(page, status) {
  return page.locator(`[data-testid="order-status"][data-status="${status}"]`);
}

/** A shop's card on the managers' dashboard. */
export function shopCard(page, shopId) {
  return page.getByTestId(`shop-card-${shopId}`);
}

/** A figure of a dashboard card (`today-orders`, `today-revenue`, `stage-placed`, `late`…). */
export function cardFigure(page, shopId, name) {
  return page.getByTestId(`${name}-${shopId}`);
}

/** The enabled size with the most units left (`{ pizza, size }`), so a scenario never runs out. */
export function plentifulSize(menu) {
  let best = null;
  for (const pizza of menu.pizzas.filter((p) => p.enabled)) {
    for (const size of pizza.sizes) {
      if (!best || size.available > best.size.available) best = { pizza, size };
    }
  }
  return best;
}

/** What the shop promises before ordering, for `delivery` or `pickup` (menu and checkout). */
export function shopEta(page, fulfilment) {
  return page.getByTestId(`eta-${fulfilment}`);
}

/** The tracker's live estimate ("Prévue vers 20 h 15"); `data-at` holds it in Unix ms. */
export function orderEta(page) {
  return page.getByTestId("order-eta");
}

/** The flag of an order that will miss its promised time (kitchen display, dashboard). */
export function lateFlag(page, orderId) {
  return page.getByTestId(`eta-late-${orderId}`);
}
