-- Reports (SQLite; the PostgreSQL file next door is the same). A report reads a shop's
-- orders by `placed_at` (index `orders_shop_placed_at`, 0008) and its stock ledger's waste
-- and corrections over a period: this index keeps the latter from reading every movement
-- of the shop (reservations and consumptions are most of the ledger).
CREATE INDEX stock_ledger_shop_kind_at ON stock_ledger (shop_id, kind, at);
