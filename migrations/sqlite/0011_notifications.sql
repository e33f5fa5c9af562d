-- The durable follower of the event log, and the messages it leaves for the outside world
-- (sqlite; the other database's file differs only in the id column).

-- A named consumer of the log: created once, at its first start, from where the log stood then
-- (it does not send what happened before it existed).
CREATE TABLE event_consumers (
    name       TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Where each consumer stands in each stream it follows. Sequences are contiguous per stream and
-- a stream's writers queue on its head row, so a stream's events become visible in sequence
-- order: "everything up to seq" is a position that never skips an event.
CREATE TABLE event_cursors (
    consumer TEXT   NOT NULL REFERENCES event_consumers (name),
    stream   TEXT   NOT NULL,
    seq      BIGINT NOT NULL,
    PRIMARY KEY (consumer, stream)
);

-- One message to send (a push to one subscription, an e-mail to one address). Written in the
-- same transaction as the cursor move that planned it (or the request that asked for it), sent
-- afterwards by whichever instance leases it first; the unique dedupe key makes a replayed
-- event plan nothing twice.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    dedupe_key  TEXT    NOT NULL UNIQUE,
    channel     TEXT    NOT NULL CHECK (channel IN ('push', 'mail')),
    recipient   TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    event_at    BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'sent', 'gone', 'expired', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT  NOT NULL,
    lease_until BIGINT,
    last_error  TEXT,
    created_at  BIGINT  NOT NULL,
    sent_at     BIGINT
);
CREATE INDEX notifications_due ON notifications (state, next_at);
