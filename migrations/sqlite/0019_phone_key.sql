-- An order's contact phone in its national form (digits only, +33 and 0033 turned into 0),
-- indexed: the cap on a phone's open orders (and cancelling a phone's orders) reads that
-- phone's orders only, not every order the shop has not started. (SQLite; the PostgreSQL file
-- next door is the same.)
ALTER TABLE orders ADD COLUMN phone_key TEXT;

UPDATE orders SET phone_key = CASE
    WHEN d LIKE '0033%' THEN '0' || SUBSTR(d, 5)
    WHEN LENGTH(d) = 11 AND d LIKE '33%' THEN '0' || SUBSTR(d, 3)
    ELSE d
END
FROM (
    SELECT id AS order_id,
        REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(contact_phone,
            ' ', ''), '.', ''), '-', ''), '(', ''), ')', ''), '+', '') AS d
    FROM orders
) AS digits
WHERE digits.order_id = orders.id AND orders.contact_phone <> '';

CREATE INDEX orders_phone_key ON orders (phone_key, status);
