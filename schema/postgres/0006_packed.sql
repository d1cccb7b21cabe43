-- Fewer, larger rows for closed data. A PostgreSQL row costs about 60 bytes before its data
-- (tuple header, line pointer, its primary-key entry), several times an hourly rollup's or a
-- small block's own bytes, so what no longer changes is kept in one row per (series, day):
--
-- * `rollup_hour_packed`: when the rollup job closes a day, the day's `rollup_hour` rows of
--   each series move into one row here: parallel arrays, one entry per hour that has samples
--   (`hours` the hour of the day, 0..23, ascending). A late sample into a packed hour gets a
--   `rollup_hour` row of its own, which reads add to the packed entry (their GROUP BY
--   combines both), so nothing is rewritten. Retention drops a packed day once all of it is
--   older than the cutoff.
-- * `sample_blocks` (no schema change): once a day is closed for compaction, its hour blocks
--   are merged into one block starting at the day's first hour (a block is whatever span
--   `start`..`end_ts` holds; reads select blocks by the day of the range's start).
--
-- Not used on TimescaleDB, whose rollups are continuous aggregates.
CREATE TABLE rollup_hour_packed (
    series bigint             NOT NULL,
    day    bigint             NOT NULL,
    hours  smallint[]         NOT NULL,
    min    double precision[] NOT NULL,
    max    double precision[] NOT NULL,
    sum    double precision[] NOT NULL,
    count  integer[]          NOT NULL,
    PRIMARY KEY (series, day)
);
CREATE INDEX rollup_hour_packed_day ON rollup_hour_packed USING brin (day);
