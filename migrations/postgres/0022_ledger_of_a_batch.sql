-- The orders a shop takes together (one transaction, one commit: see `orders::batch`) reserve
-- their ingredients as one ledger row per ingredient, with the sum and the levels it left,
-- instead of a row per order and ingredient: a rush of two-pizza orders wrote eight ledger
-- rows, and their 24 index entries, per order. `order_id` keeps the first order of such a row;
-- `orders` lists all of them (ids separated by commas) when there are several, and is empty
-- otherwise. Rows written before stay as they were.
ALTER TABLE stock_ledger ADD COLUMN orders TEXT NOT NULL DEFAULT '';
