-- E-mail: the language of each order's messages, and account recovery (postgres; the sqlite file
-- next door is the same).

-- The language the customer used when placing the order ('fr' or 'en', from the app's
-- Accept-Language): its confirmation and cancellation notice are written in it.
ALTER TABLE orders ADD COLUMN lang TEXT NOT NULL DEFAULT 'fr';

-- A password reset asked for by e-mail. Only the SHA-256 of the token sent in the link is
-- kept, so that a leaked backup holds no usable link. A token works once (used_at), for
-- 30 minutes (expires_at, ms).
CREATE TABLE password_resets (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);
