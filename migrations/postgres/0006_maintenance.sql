-- Maintenance mode and the serving instances (PostgreSQL; identical to the SQLite file next door).

-- One row: whether customers may order. Every instance reads it every second; each switch is
-- also an event on `site` (what customers see) and `group:audit` (who did it).
CREATE TABLE maintenance (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    active     BIGINT NOT NULL DEFAULT 0,
    message    TEXT,
    until_ms   BIGINT,
    since_ms   BIGINT,
    changed_by TEXT   NOT NULL DEFAULT '',
    changed_at BIGINT NOT NULL DEFAULT 0
);
INSERT INTO maintenance (id, active) VALUES (1, 0);

-- One row per serving process, refreshed every second and removed on a graceful stop, so that
-- `migrate` and `restore` know whether the database is live. A row not refreshed for a few
-- seconds is a process that died.
CREATE TABLE instances (
    id         TEXT   PRIMARY KEY,
    host       TEXT   NOT NULL,
    pid        BIGINT NOT NULL,
    version    TEXT   NOT NULL,
    bind       TEXT   NOT NULL,
    started_at BIGINT NOT NULL,
    last_seen  BIGINT NOT NULL
);
