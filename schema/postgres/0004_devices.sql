-- The device registry: config devices (seeded at every start-up, marked `config`) and devices
-- added through the API (`api`, persisted so they come back after a restart). `spec` is the
-- device's JSON (never a secret: a key passphrase is not stored).
CREATE TABLE devices (
    name       text        NOT NULL PRIMARY KEY,
    source     text        NOT NULL CHECK (source IN ('config', 'api')),
    spec       jsonb       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
