-- The audit trail gets an entry for every order placed, and each entry one per index of the
-- table (SQLite; the PostgreSQL file next door is the same). Two of those indexes held more than
-- their queries need:
--
-- - `audit_log_shop (shop_id, at)` duplicated `audit_log_shop_id (shop_id, id)`: the audit
--   page reads a shop's entries newest first by id (and ids follow time), so the second serves
--   it, with or without a period;
-- - `audit_log_actor (actor_id, id)` held the entries that no account made (guests' orders,
--   the server's own sweeps): the page looks for an account's entries only.
DROP INDEX audit_log_shop;
DROP INDEX audit_log_actor;
CREATE INDEX audit_log_actor ON audit_log (actor_id, id) WHERE actor_id IS NOT NULL;
