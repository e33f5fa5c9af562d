-- Staff invitations (SQLite; the PostgreSQL file next door differs only in the id column).

-- A role in a shop offered to an existing account: the account holds it only once it accepts
-- (the row then moves to `staff` in one transaction), so nobody becomes staff without agreeing.
-- Inviting again refreshes the row; declining or withdrawing deletes it.
CREATE TABLE staff_invitations (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id),
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT   NOT NULL,
    invited_by BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    UNIQUE (shop_id, user_id, role)
);
CREATE INDEX staff_invitations_user ON staff_invitations (user_id);
