-- The numbers of sample events in compact typed tables (see store::samples::catalog), as on
-- SQLite: `ts` and `bucket` are unix seconds (bigint), so bucket arithmetic is integer math
-- and both engines answer identically. `instance` is '' for device-wide metrics.
CREATE TABLE series (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device   text NOT NULL,
    metric   text NOT NULL,
    instance text NOT NULL,
    UNIQUE (device, metric, instance)
);
CREATE INDEX series_metric ON series (metric, device);

CREATE TABLE samples (
    series bigint           NOT NULL,
    ts     bigint           NOT NULL,
    value  double precision NOT NULL,
    PRIMARY KEY (series, ts)
);
-- Rows arrive in time order: a BRIN index serves the rollup and retention range scans over
-- every series for almost no space.
CREATE INDEX samples_ts ON samples USING brin (ts);

CREATE TABLE rollup_hour (
    series bigint           NOT NULL,
    bucket bigint           NOT NULL,
    min    double precision NOT NULL,
    max    double precision NOT NULL,
    sum    double precision NOT NULL,
    count  bigint           NOT NULL,
    PRIMARY KEY (series, bucket)
);
CREATE INDEX rollup_hour_bucket ON rollup_hour USING brin (bucket);

CREATE TABLE rollup_day (
    series bigint           NOT NULL,
    bucket bigint           NOT NULL,
    min    double precision NOT NULL,
    max    double precision NOT NULL,
    sum    double precision NOT NULL,
    count  bigint           NOT NULL,
    PRIMARY KEY (series, bucket)
);
CREATE INDEX rollup_day_bucket ON rollup_day USING brin (bucket);

-- How far the rollups reach: every hour before `hour` is in `rollup_hour`, every day that
-- ends at or before it in `rollup_day`. One row.
CREATE TABLE rollup_state (
    id   integer PRIMARY KEY CHECK (id = 1),
    hour bigint  NOT NULL
);
-- Present from the start: writers lock it shared (`FOR SHARE`) and the rollup job
-- exclusively, so no sample lands in an hour while that hour is being rolled up.
INSERT INTO rollup_state (id, hour) VALUES (1, 0);
