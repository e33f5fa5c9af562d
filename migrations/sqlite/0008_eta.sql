-- Promised and estimated times of orders (identical for SQLite and PostgreSQL).

-- When the order was promised at placement (Unix ms), and the latest estimate of the same
-- moment, rewritten as the order moves (NULL once it is finished).
ALTER TABLE orders ADD COLUMN promised_at BIGINT;
ALTER TABLE orders ADD COLUMN eta_at BIGINT;

-- The estimator reads each shop's recent orders by placement time.
CREATE INDEX orders_shop_placed_at ON orders (shop_id, placed_at);
