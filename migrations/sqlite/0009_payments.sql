-- Online payments (SQLite; the PostgreSQL file next door differs only in the id columns).

-- One row per attempt at paying an order online: a Stripe PaymentIntent or a PayPal order.
-- `state` follows the provider: created (nothing asked of the customer yet), requires_action
-- (the customer must approve or authenticate), authorised (held, not taken), captured, voided,
-- failed. Amounts are in cents; `amount_cents` is what was (or is to be) authorised.
CREATE TABLE payments (
    id                INTEGER PRIMARY KEY,
    order_id          BIGINT NOT NULL REFERENCES orders (id),
    attempt           BIGINT NOT NULL,
    provider          TEXT   NOT NULL,
    state             TEXT   NOT NULL,
    amount_cents      BIGINT NOT NULL,
    captured_cents    BIGINT NOT NULL DEFAULT 0,
    refunded_cents    BIGINT NOT NULL DEFAULT 0,
    provider_ref      TEXT,
    client_secret     TEXT,
    customer_ref      TEXT,
    method_ref        TEXT,
    authorization_ref TEXT,
    capture_ref       TEXT,
    approve_url       TEXT,
    error             TEXT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    UNIQUE (order_id, attempt)
);
CREATE UNIQUE INDEX payments_provider_ref ON payments (provider, provider_ref);
-- The reconciler looks for attempts left waiting.
CREATE INDEX payments_state ON payments (state, updated_at);

-- Every money movement asked of a provider after authorisation (capture, void, refund). It is
-- written in the same transaction as the order change that calls for it, carried out after
-- the commit with its idempotency key, and retried by the reconciler until the provider has
-- answered: a movement is never lost, and never made twice.
CREATE TABLE payment_operations (
    id              INTEGER PRIMARY KEY,
    payment_id      BIGINT NOT NULL REFERENCES payments (id),
    order_id        BIGINT NOT NULL REFERENCES orders (id),
    kind            TEXT   NOT NULL,
    amount_cents    BIGINT NOT NULL,
    idempotency_key TEXT   NOT NULL UNIQUE,
    state           TEXT   NOT NULL,
    reason          TEXT,
    actor_id        BIGINT REFERENCES users (id),
    tries           BIGINT NOT NULL DEFAULT 0,
    next_try_at     BIGINT NOT NULL,
    provider_ref    TEXT,
    error           TEXT,
    created_at      BIGINT NOT NULL,
    done_at         BIGINT
);
CREATE INDEX payment_operations_due ON payment_operations (state, next_try_at);
CREATE INDEX payment_operations_order ON payment_operations (order_id, id);

-- Provider notifications already applied, by the provider's own event id: a replay is
-- acknowledged and changes nothing.
CREATE TABLE payment_events (
    provider    TEXT   NOT NULL,
    event_id    TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- An order waiting for its online payment is cancelled, and its stock released, at this time
-- (Unix ms) unless the payment was authorised.
ALTER TABLE orders ADD COLUMN payment_expires_at BIGINT;
CREATE INDEX orders_payment_expires ON orders (status, payment_expires_at);
