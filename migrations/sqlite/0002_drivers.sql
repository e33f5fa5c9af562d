-- Drivers on the road (SQLite; the PostgreSQL file next door differs only in the id column).

-- Cash the driver declared when handing over an order paid on delivery.
ALTER TABLE orders ADD COLUMN cash_collected_cents BIGINT;

-- Every action a driver's phone sent, once per idempotency key, with the answer it got:
-- a replay of the key returns the stored answer and changes nothing.
CREATE TABLE driver_actions (
    id                   INTEGER PRIMARY KEY,
    key                  TEXT   NOT NULL UNIQUE,
    driver_id            BIGINT NOT NULL REFERENCES users (id),
    order_id             BIGINT NOT NULL REFERENCES orders (id),
    kind                 TEXT   NOT NULL,
    device_at            BIGINT NOT NULL,
    received_at          BIGINT NOT NULL,
    cash_collected_cents BIGINT,
    reason               TEXT,
    outcome              TEXT   NOT NULL,
    status               BIGINT NOT NULL,
    response             TEXT   NOT NULL
);
CREATE INDEX driver_actions_order ON driver_actions (order_id, id);

-- The latest position of an order's driver, only while it is out for delivery: the row is
-- deleted in the transaction that moves the order on.
CREATE TABLE driver_positions (
    order_id   BIGINT PRIMARY KEY REFERENCES orders (id),
    driver_id  BIGINT NOT NULL REFERENCES users (id),
    lat        DOUBLE PRECISION NOT NULL,
    lon        DOUBLE PRECISION NOT NULL,
    accuracy_m DOUBLE PRECISION NOT NULL,
    device_at  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX orders_delivered ON orders (shop_id, delivered_at);
