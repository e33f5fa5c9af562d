-- Catalogue administration (sqlite; the postgres file next door differs only in the type of
-- the photo's bytes).
--
-- `available` takes a pizza off every shop's menu at once (a manager's per-shop switch stays
-- in shop_pizza_disabled). A pizza has at most one photo, served back as uploaded; its
-- `updated_at` versions the address so that browsers fetch a new one at once.
ALTER TABLE pizzas ADD COLUMN available BIGINT NOT NULL DEFAULT 1;

CREATE TABLE pizza_photos (
    pizza_id     BIGINT PRIMARY KEY REFERENCES pizzas (id),
    content_type TEXT   NOT NULL,
    bytes        BLOB   NOT NULL,
    updated_at   BIGINT NOT NULL
);
