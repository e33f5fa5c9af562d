-- Indexes that hold only the rows their queries look for (SQLite; the PostgreSQL file next door is
-- the same). Every index of a table gets an entry for each row written, and for each update
-- that changes an indexed column: an order placed wrote 11, a stock movement 4. These read
-- rows that most orders and movements do not have, so they leave the others out:
--
-- - a driver's orders (`driver_id = ?`): orders with a driver;
-- - deliveries over a period (`delivered_at >= ?`): delivered orders;
-- - a customer's orders (`customer_id = ?`): orders of an account, not guests' or staff's;
-- - online payments past their deadline (`status = 'awaiting_payment'`): orders waiting for
--   their payment, and only while they wait;
-- - a report's waste and corrections (`kind IN ('waste', 'correction')`): not the
--   reservations, consumptions and releases, most of the ledger.
DROP INDEX orders_driver;
CREATE INDEX orders_driver ON orders (driver_id, status) WHERE driver_id IS NOT NULL;
DROP INDEX orders_delivered;
CREATE INDEX orders_delivered ON orders (shop_id, delivered_at) WHERE delivered_at IS NOT NULL;
DROP INDEX orders_customer;
CREATE INDEX orders_customer ON orders (customer_id, id) WHERE customer_id IS NOT NULL;
DROP INDEX orders_payment_expires;
CREATE INDEX orders_payment_expires ON orders (payment_expires_at)
    WHERE status = 'awaiting_payment';
DROP INDEX stock_ledger_shop_kind_at;
CREATE INDEX stock_ledger_losses ON stock_ledger (shop_id, at)
    WHERE kind IN ('waste', 'correction');
