-- Backups (SQLite; the PostgreSQL file next door differs only in the id column).

-- Every run of `ocpizza backup create|verify|restore`, failed or not: `ocpizza check`, the
-- metrics and the managers' dashboard read from here when the last good backup was. A run is
-- inserted when it starts (ok = 0, finished_at NULL) and completed when it ends.
CREATE TABLE backup_runs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    ok          BIGINT NOT NULL DEFAULT 0,
    file        TEXT,
    size_bytes  BIGINT,
    sha256      TEXT,
    copied_to   TEXT,
    error       TEXT
);
CREATE INDEX backup_runs_kind ON backup_runs (kind, ok, finished_at);

-- Which history the event log holds. A restore writes a new value: live hubs that see it change
-- know that stream sequences went back, and resync their subscribers from fresh snapshots.
CREATE TABLE event_log_generation (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation TEXT   NOT NULL
);
INSERT INTO event_log_generation (id, generation) VALUES (1, 'initial');
