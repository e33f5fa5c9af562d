-- The audit trail: who did what and when, kept for OCPIZZA_AUDIT_RETENTION_DAYS (two years by
-- default), independently of the event log's resume window (sqlite; the postgres file next door
-- differs only in the id column).
--
-- A row is written in the same transaction as the change it describes. The actor is kept as an
-- id and the name it had then (an account deleted later leaves its name here, not its data).
-- before/after are JSON documents of what changed (catalogue and prices, roles, settings).
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor_id   BIGINT,
    actor_name TEXT,
    shop_id    BIGINT,
    action     TEXT   NOT NULL,
    subject    TEXT   NOT NULL,
    reason     TEXT,
    before     TEXT,
    after      TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_shop ON audit_log (shop_id, at);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
