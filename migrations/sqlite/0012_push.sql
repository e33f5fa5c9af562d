-- Web push (SQLite; the PostgreSQL file next door differs only in the id column).

-- The server's VAPID key pair (P-256), created at the first start: the browsers' subscriptions
-- are bound to its public key, so losing it (or replacing it) silently ends every subscription.
-- The private key is the raw 32-byte scalar, base64url; it is never logged nor served.
CREATE TABLE push_vapid (
    id          BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    private_key TEXT   NOT NULL,
    public_key  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A browser's push subscription: for one order (its customer, by tracking token) or for a staff
-- member (drivers and managers). A browser has one endpoint: subscribing it again replaces what
-- it was for. What a staff subscription receives follows the roles the account holds when each
-- message is planned, so `shop_id` and `role` stay empty for now (room for narrowing one to a
-- shop or a role). An order's subscriptions are forgotten when its tracking link expires.
CREATE TABLE push_subscriptions (
    id         INTEGER PRIMARY KEY,
    endpoint   TEXT   NOT NULL UNIQUE,
    p256dh     TEXT   NOT NULL,
    auth       TEXT   NOT NULL,
    lang       TEXT   NOT NULL CHECK (lang IN ('fr', 'en')),
    kind       TEXT   NOT NULL CHECK (kind IN ('order', 'staff')),
    order_id   BIGINT REFERENCES orders (id) ON DELETE CASCADE,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    shop_id    BIGINT REFERENCES shops (id),
    role       TEXT,
    created_at BIGINT NOT NULL,
    CHECK ((kind = 'order' AND order_id IS NOT NULL) OR (kind = 'staff' AND user_id IS NOT NULL))
);
CREATE INDEX push_subscriptions_order ON push_subscriptions (order_id);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- Ingredients the planner last saw below their low-stock threshold: managers are told when one
-- crosses from above to below, not at every movement while it stays low.
CREATE TABLE push_low_stock (
    shop_id       BIGINT NOT NULL,
    ingredient_id BIGINT NOT NULL,
    since         BIGINT NOT NULL,
    PRIMARY KEY (shop_id, ingredient_id)
);

-- Which instance last saw a kitchen display of a shop connected, and when: every instance with
-- one connected refreshes its row every 30 s, so any instance can tell a kitchen gone offline.
CREATE TABLE kitchen_presence (
    shop_id  BIGINT NOT NULL,
    instance TEXT   NOT NULL,
    seen_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, instance)
);
