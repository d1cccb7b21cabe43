-- TimescaleDB only: the typed sample tables of 0003_samples.sql on TimescaleDB.
--
-- `samples` becomes a hypertable on its integer `ts` (unix seconds) in 1-day chunks,
-- compressed after 2 days. Compression is segmented by `series`, not by device: a series id
-- names one (device, metric, instance), and every read and the store's retention select
-- by series, so one compressed batch holds one series' values in time order (the values of
-- one metric compress well together, a device's mixed metrics would not), and a device-wide
-- segment would need a join to `series` at compression time anyway.
--
-- The rollups become continuous aggregates with the same names and columns the store reads
-- (series, bucket, min, max, sum, count): `rollup_hour` over `samples`, `rollup_day` over
-- `rollup_hour` (hierarchical). Real-time aggregation is on (`materialized_only = false`),
-- so the open hour and day are read from what is not materialized yet. The store's
-- `rollup` refreshes them (instead of writing rollup rows) and moves `rollup_state.hour`;
-- late samples below it refresh their hours and days after their write commits (see
-- `postgres::samples`); refresh policies also run every hour over the last 3 days.
-- Cagg retention drops chunks after 1 year (a continuous aggregate refuses DELETE).
--
-- The rows of the plain rollup tables are dropped, not carried over (a continuous
-- aggregate is computed, it cannot be inserted into): the first `rollup` afterwards
-- rebuilds every hour and day from the raw samples still stored (30 days of load metrics,
-- a year of health ones); older load rollups are lost. `rollup_state.hour` restarts at 0 so
-- that no raw sample is deleted before it is materialized again.
CREATE FUNCTION infra_unix_now() RETURNS bigint
    LANGUAGE SQL STABLE AS $$ SELECT extract(epoch FROM now())::bigint $$;

DROP INDEX samples_ts; -- chunk exclusion on `ts` does its job
SELECT create_hypertable('samples', by_range('ts', 86400), migrate_data => true,
                         create_default_indexes => false);
SELECT set_integer_now_func('samples', 'infra_unix_now');
ALTER TABLE samples SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series',
    timescaledb.compress_orderby = 'ts'
);
SELECT add_compression_policy('samples', compress_after => 172800::bigint);

DROP TABLE rollup_hour, rollup_day;
-- `pruned`: raw samples before it (unix seconds) may have been deleted by retention, so no
-- refresh may reach below it (it would recompute those hours from what is left).
ALTER TABLE rollup_state ADD COLUMN pruned bigint NOT NULL DEFAULT 0;
UPDATE rollup_state SET hour = 0;

CREATE MATERIALIZED VIEW rollup_hour
    WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
    SELECT series, time_bucket(3600::bigint, ts) AS bucket,
           min(value) AS min, max(value) AS max, sum(value) AS sum, count(*) AS count
    FROM samples GROUP BY series, time_bucket(3600::bigint, ts)
    WITH NO DATA;
SELECT set_integer_now_func(
    (SELECT format('%I.%I', materialization_hypertable_schema,
                   materialization_hypertable_name)
     FROM timescaledb_information.continuous_aggregates WHERE view_name = 'rollup_hour'),
    'infra_unix_now');

CREATE MATERIALIZED VIEW rollup_day
    WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
    SELECT series, time_bucket(86400::bigint, bucket) AS bucket,
           min(min) AS min, max(max) AS max, sum(sum) AS sum, sum(count)::bigint AS count
    FROM rollup_hour GROUP BY series, time_bucket(86400::bigint, bucket)
    WITH NO DATA;

SELECT add_continuous_aggregate_policy('rollup_hour', start_offset => 259200::bigint,
    end_offset => 3600::bigint, schedule_interval => INTERVAL '1 hour');
SELECT add_continuous_aggregate_policy('rollup_day', start_offset => 259200::bigint,
    end_offset => 3600::bigint, schedule_interval => INTERVAL '1 hour');
SELECT add_retention_policy('rollup_hour', drop_after => 31536000::bigint);
SELECT add_retention_policy('rollup_day', drop_after => 31536000::bigint);
