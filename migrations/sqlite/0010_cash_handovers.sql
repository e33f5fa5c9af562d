-- The drivers' cash hand-over (SQLite; the PostgreSQL file next door differs only in the id column).

-- What a manager counted when a driver handed the day's cash in at a shop, against what the
-- server expected then (the cash declared on the driver's deliveries of that local day).
-- A correction is a new row with the next revision that names the row it replaces; rows are
-- never updated nor deleted, so the history stays whole. The unique revision makes two
-- managers correcting the same row at once conflict instead of both winning.
CREATE TABLE cash_handovers (
    id             INTEGER PRIMARY KEY,
    shop_id        BIGINT NOT NULL REFERENCES shops (id),
    driver_id      BIGINT NOT NULL REFERENCES users (id),
    day            TEXT   NOT NULL,
    revision       BIGINT NOT NULL,
    replaces_id    BIGINT REFERENCES cash_handovers (id),
    expected_cents BIGINT NOT NULL,
    counted_cents  BIGINT NOT NULL CHECK (counted_cents >= 0),
    comment        TEXT,
    recorded_by    BIGINT NOT NULL REFERENCES users (id),
    recorded_at    BIGINT NOT NULL,
    UNIQUE (shop_id, driver_id, day, revision)
);
CREATE INDEX cash_handovers_day ON cash_handovers (shop_id, day, driver_id);
CREATE INDEX cash_handovers_driver ON cash_handovers (driver_id, day);
