-- The device registry: config devices (seeded at every start-up, marked `config`) and devices
-- added through the API (`api`, persisted so they come back after a restart). `spec` is the
-- device's JSON (never a secret: a key passphrase is not stored). Times are RFC 3339 UTC.
CREATE TABLE devices (
    name       TEXT NOT NULL PRIMARY KEY,
    source     TEXT NOT NULL CHECK (source IN ('config', 'api')),
    spec       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
