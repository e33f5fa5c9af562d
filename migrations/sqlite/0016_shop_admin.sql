-- Shop administration (sqlite; the postgres file next door differs only in the id column).

-- A retired shop takes no order and leaves the public list and the dashboard; its orders,
-- stock ledger and reports stay. NULL while it trades.
ALTER TABLE shops ADD COLUMN retired_at BIGINT;
-- The smallest order (its pizzas, in cents) delivered, and what a delivery costs on top.
ALTER TABLE shops ADD COLUMN min_delivery_cents BIGINT NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN delivery_fee_cents BIGINT NOT NULL DEFAULT 0;

-- The delivery fee as it was when the order was placed (already in total_cents): a later
-- change of the shop's fee never alters a placed order.
ALTER TABLE orders ADD COLUMN delivery_fee_cents BIGINT NOT NULL DEFAULT 0;

-- Exceptional closures and holidays: the shop's local dates from starts_on to ends_on
-- (inclusive, 'YYYY-MM-DD', so that text order is date order), with the reason customers see.
CREATE TABLE shop_closures (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id),
    starts_on  TEXT   NOT NULL,
    ends_on    TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX shop_closures_shop ON shop_closures (shop_id, ends_on);
