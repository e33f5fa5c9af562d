-- OC Pizza schema (SQLite). The PostgreSQL file next door is the same but for how an
-- auto-incrementing id is declared. Integers are 64-bit everywhere, timestamps are Unix
-- milliseconds, flags are 0/1 integers and lists are JSON text, so that one SQL code path
-- runs on both databases.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    phone         TEXT,
    password_hash TEXT    NOT NULL,
    is_admin      BIGINT  NOT NULL DEFAULT 0,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE shops (
    id                 INTEGER PRIMARY KEY,
    name               TEXT   NOT NULL,
    street             TEXT   NOT NULL,
    postcode           TEXT   NOT NULL,
    city               TEXT   NOT NULL,
    phone              TEXT   NOT NULL,
    timezone           TEXT   NOT NULL,
    hours              TEXT   NOT NULL,
    delivery_postcodes TEXT   NOT NULL,
    paused             BIGINT NOT NULL DEFAULT 0,
    pause_reason       TEXT,
    created_at         BIGINT NOT NULL
);

CREATE TABLE staff (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    shop_id BIGINT NOT NULL REFERENCES shops (id),
    role    TEXT   NOT NULL,
    PRIMARY KEY (user_id, shop_id, role)
);
CREATE INDEX staff_shop ON staff (shop_id, role);

CREATE TABLE ingredients (
    id        INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    unit      TEXT NOT NULL,
    allergens TEXT NOT NULL
);

-- The CHECK is the last line of defence: stock can never go negative, whatever the code does.
CREATE TABLE stock (
    shop_id       BIGINT NOT NULL REFERENCES shops (id),
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    on_hand       BIGINT NOT NULL,
    reserved      BIGINT NOT NULL DEFAULT 0,
    low_threshold BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (shop_id, ingredient_id),
    CHECK (reserved >= 0 AND on_hand >= reserved)
);

CREATE TABLE stock_ledger (
    id             INTEGER PRIMARY KEY,
    shop_id        BIGINT NOT NULL,
    ingredient_id  BIGINT NOT NULL,
    kind           TEXT   NOT NULL,
    delta_on_hand  BIGINT NOT NULL,
    delta_reserved BIGINT NOT NULL,
    on_hand_after  BIGINT NOT NULL,
    reserved_after BIGINT NOT NULL,
    order_id       BIGINT,
    user_id        BIGINT,
    reason         TEXT,
    at             BIGINT NOT NULL
);
CREATE INDEX stock_ledger_shop ON stock_ledger (shop_id, id);
CREATE INDEX stock_ledger_ingredient ON stock_ledger (shop_id, ingredient_id, id);

CREATE TABLE pizzas (
    id           INTEGER PRIMARY KEY,
    key          TEXT   NOT NULL UNIQUE,
    name         TEXT   NOT NULL,
    description  TEXT   NOT NULL,
    oven_minutes BIGINT NOT NULL,
    oven_temp_c  BIGINT NOT NULL,
    position     BIGINT NOT NULL
);

CREATE TABLE pizza_sizes (
    pizza_id    BIGINT NOT NULL REFERENCES pizzas (id),
    code        TEXT   NOT NULL,
    label       TEXT   NOT NULL,
    price_cents BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    PRIMARY KEY (pizza_id, code)
);

CREATE TABLE recipe_items (
    pizza_id      BIGINT NOT NULL REFERENCES pizzas (id),
    size_code     TEXT   NOT NULL,
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    position      BIGINT NOT NULL,
    PRIMARY KEY (pizza_id, size_code, ingredient_id)
);
CREATE INDEX recipe_items_ingredient ON recipe_items (ingredient_id);

CREATE TABLE pizza_steps (
    pizza_id BIGINT NOT NULL REFERENCES pizzas (id),
    position BIGINT NOT NULL,
    text     TEXT   NOT NULL,
    PRIMARY KEY (pizza_id, position)
);

CREATE TABLE pizza_extras (
    pizza_id      BIGINT NOT NULL REFERENCES pizzas (id),
    ingredient_id BIGINT NOT NULL REFERENCES ingredients (id),
    size_code     TEXT   NOT NULL,
    quantity      BIGINT NOT NULL CHECK (quantity > 0),
    price_cents   BIGINT NOT NULL,
    PRIMARY KEY (pizza_id, ingredient_id, size_code)
);

CREATE TABLE shop_pizza_disabled (
    shop_id  BIGINT NOT NULL REFERENCES shops (id),
    pizza_id BIGINT NOT NULL REFERENCES pizzas (id),
    PRIMARY KEY (shop_id, pizza_id)
);

-- Last availability published on each shop's menu stream; events are sent only on change.
CREATE TABLE availability (
    shop_id   BIGINT NOT NULL,
    pizza_id  BIGINT NOT NULL,
    size_code TEXT   NOT NULL,
    available BIGINT NOT NULL,
    PRIMARY KEY (shop_id, pizza_id, size_code)
);

CREATE TABLE orders (
    id                  INTEGER PRIMARY KEY,
    shop_id             BIGINT NOT NULL REFERENCES shops (id),
    customer_id         BIGINT REFERENCES users (id),
    created_by          BIGINT REFERENCES users (id),
    channel             TEXT   NOT NULL,
    fulfilment          TEXT   NOT NULL,
    status              TEXT   NOT NULL,
    payment_method      TEXT   NOT NULL,
    payment_status      TEXT   NOT NULL,
    contact_name        TEXT   NOT NULL,
    contact_phone       TEXT   NOT NULL,
    contact_email       TEXT,
    address_street      TEXT,
    address_postcode    TEXT,
    address_city        TEXT,
    address_instructions TEXT,
    note                TEXT,
    total_cents         BIGINT NOT NULL,
    driver_id           BIGINT REFERENCES users (id),
    version             BIGINT NOT NULL,
    tracking_token      TEXT   NOT NULL UNIQUE,
    cancel_reason       TEXT,
    placed_at           BIGINT,
    preparing_at        BIGINT,
    ready_at            BIGINT,
    out_for_delivery_at BIGINT,
    delivered_at        BIGINT,
    collected_at        BIGINT,
    delivery_failed_at  BIGINT,
    cancelled_at        BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX orders_shop_status ON orders (shop_id, status, id);
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_driver ON orders (driver_id, status);

CREATE TABLE order_lines (
    order_id         BIGINT NOT NULL REFERENCES orders (id),
    position         BIGINT NOT NULL,
    pizza_id         BIGINT NOT NULL,
    pizza_name       TEXT   NOT NULL,
    size_code        TEXT   NOT NULL,
    quantity         BIGINT NOT NULL,
    unit_price_cents BIGINT NOT NULL,
    extras           TEXT   NOT NULL,
    note             TEXT,
    total_cents      BIGINT NOT NULL,
    PRIMARY KEY (order_id, position)
);

-- What each order holds in `stock.reserved`, so edits re-reserve only the difference.
CREATE TABLE order_reservations (
    order_id      BIGINT NOT NULL REFERENCES orders (id),
    ingredient_id BIGINT NOT NULL,
    quantity      BIGINT NOT NULL,
    PRIMARY KEY (order_id, ingredient_id)
);

-- Event log (outbox and audit trail): per stream, seq is contiguous from 1.
CREATE TABLE stream_heads (
    stream TEXT   PRIMARY KEY,
    seq    BIGINT NOT NULL
);

CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    stream   TEXT   NOT NULL,
    seq      BIGINT NOT NULL,
    kind     TEXT   NOT NULL,
    payload  TEXT   NOT NULL,
    actor_id BIGINT,
    at       BIGINT NOT NULL,
    UNIQUE (stream, seq)
);
CREATE INDEX events_at ON events (at);

CREATE TABLE idempotency_keys (
    scope        TEXT   NOT NULL,
    key          TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    status       BIGINT NOT NULL,
    body         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
