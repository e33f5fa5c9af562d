-- Orders waiting for a shop to start them are looked up across the group: the open-orders
-- cap per phone number, and the release of orders no shop started in time.
CREATE INDEX orders_status_placed_at ON orders (status, placed_at);
