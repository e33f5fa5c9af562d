-- The audit page's filters, and personal data rights (postgres; the sqlite file next door is
-- the same).
--
-- The audit page lists entries newest first (by id) filtered by actor or action: an index
-- for each, ending with the id the page is ordered and paged by.
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_shop_id ON audit_log (shop_id, id);
-- A deleted customer account keeps its row (its orders refer to it) with every personal field
-- wiped; deleted_at says when.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
-- When an order's contact details (name, phone, e-mail, street, instructions, notes) were
-- wiped: on its customer's request, or by the sweep of guest orders older than
-- OCPIZZA_ANONYMISE_AFTER_DAYS. Shop, times, totals, lines and postcode stay for the reports.
ALTER TABLE orders ADD COLUMN anonymised_at BIGINT;
CREATE INDEX orders_guest_to_anonymise ON orders (created_at)
    WHERE customer_id IS NULL AND anonymised_at IS NULL;
