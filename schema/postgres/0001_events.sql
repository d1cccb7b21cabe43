-- Every event envelope, unique by id, in arrival order (`seq`, assigned in the order the
-- writer staged the batch). `payload` is the event's public JSON
-- (`{id, device, observed_at, type, payload}`), as SQLite stores it. No unique key leaves out
-- `observed_at`, so the table can become a TimescaleDB hypertable on it: an event always has
-- the same `observed_at`, so (id, observed_at) is as unique as id.
CREATE TABLE events (
    seq         bigint      GENERATED ALWAYS AS IDENTITY,
    id          uuid        NOT NULL,
    device      text        NOT NULL,
    observed_at timestamptz NOT NULL,
    type        text        NOT NULL,
    sample      boolean     NOT NULL,
    payload     jsonb       NOT NULL,
    UNIQUE (id, observed_at)
);
CREATE INDEX events_seq ON events (seq);
CREATE INDEX events_device_time ON events (device, observed_at);
CREATE INDEX events_type_time ON events (type, observed_at);
