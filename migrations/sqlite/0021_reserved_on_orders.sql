-- What an order holds reserved in the shop's stock, kept on the order itself (SQLite; the
-- PostgreSQL file next door is the same). It was a row per ingredient in `order_reservations`:
-- eight rows, eight index entries and eight foreign-key checks for a two-pizza order, written
-- while the shop's stock is locked. It is read only with its order (an edit re-reserves the
-- difference, the kitchen's start consumes it, a cancellation releases it), so it is now one
-- column: `ingredient:quantity` pairs separated by commas, in ingredient order, empty when the
-- order holds nothing.
ALTER TABLE orders ADD COLUMN reserved TEXT NOT NULL DEFAULT '';

UPDATE orders SET reserved = held.pairs
FROM (
    SELECT order_id, group_concat(ingredient_id || ':' || quantity, ',') AS pairs
    FROM (SELECT * FROM order_reservations ORDER BY order_id, ingredient_id)
    GROUP BY order_id
) AS held
WHERE held.order_id = orders.id;

DROP TABLE order_reservations;
