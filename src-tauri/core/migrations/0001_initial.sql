-- Grove's local state. Secrets never go here: passwords live in the OS keychain.
CREATE TABLE connections (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL,
    user_name   TEXT NOT NULL,
    database    TEXT NOT NULL,
    sslmode     TEXT NOT NULL,
    sslrootcert TEXT,
    has_password INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE query_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    server_id   TEXT NOT NULL,
    branch      TEXT NOT NULL,
    sql         TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER,
    row_count   INTEGER,
    error       TEXT
);
CREATE INDEX query_history_started ON query_history (started_at DESC);

CREATE TABLE saved_queries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    sql        TEXT NOT NULL,
    server_id  TEXT,
    branch     TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
