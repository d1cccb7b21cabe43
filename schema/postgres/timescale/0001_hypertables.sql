-- TimescaleDB only (applied when the extension is loaded; recorded in
-- `timescale_migrations`): `events` becomes a hypertable on `observed_at` in 1-day chunks,
-- compressed per device (ordered by `seq`) after 7 days, chunks dropped after 1 year.
-- Samples older than 48 h are deleted by the store's own retention, before compression.
CREATE EXTENSION IF NOT EXISTS timescaledb;
SELECT create_hypertable('events', by_range('observed_at', INTERVAL '1 day'),
                         migrate_data => true);
ALTER TABLE events SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'device',
    timescaledb.compress_orderby = 'seq'
);
SELECT add_compression_policy('events', INTERVAL '7 days', if_not_exists => true);
SELECT add_retention_policy('events', INTERVAL '1 year', if_not_exists => true);
