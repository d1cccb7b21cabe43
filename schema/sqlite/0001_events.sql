-- Every event envelope, unique by id, in arrival order (`seq`). `payload` is the event's
-- public JSON (`{id, device, observed_at, type, payload}`); `observed_ms` is for range scans.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    device      TEXT    NOT NULL,
    observed_ms INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    sample      INTEGER NOT NULL,
    payload     TEXT    NOT NULL
);
CREATE INDEX events_device_time ON events (device, observed_ms);
CREATE INDEX events_type_time ON events (type, observed_ms);
