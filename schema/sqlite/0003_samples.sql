-- The numbers of sample events in compact typed tables (see store::samples::catalog).
-- One row per (device, metric, instance); `instance` is '' for device-wide metrics.
CREATE TABLE series (
    id       INTEGER PRIMARY KEY,
    device   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    instance TEXT NOT NULL,
    UNIQUE (device, metric, instance)
);
CREATE INDEX series_metric ON series (metric, device);

-- Raw samples: `ts` is unix seconds of the observation.
CREATE TABLE samples (
    series INTEGER NOT NULL,
    ts     INTEGER NOT NULL,
    value  REAL    NOT NULL,
    PRIMARY KEY (series, ts)
) WITHOUT ROWID;

-- Aggregates of whole UTC hours and days; `bucket` is unix seconds of the bucket start.
CREATE TABLE rollup_hour (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    min    REAL    NOT NULL,
    max    REAL    NOT NULL,
    sum    REAL    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) WITHOUT ROWID;

CREATE TABLE rollup_day (
    series INTEGER NOT NULL,
    bucket INTEGER NOT NULL,
    min    REAL    NOT NULL,
    max    REAL    NOT NULL,
    sum    REAL    NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (series, bucket)
) WITHOUT ROWID;

-- How far the rollups reach: every hour before `hour` (unix seconds, hour-aligned) is in
-- `rollup_hour`, every day that ends at or before it in `rollup_day`. One row.
CREATE TABLE rollup_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    hour INTEGER NOT NULL
);
