-- Compacted raw samples (see store::blocks), as on SQLite: one block per (series, UTC hour)
-- holding that hour's raw samples, encoded by store::blocks::codec. `start` is unix seconds
-- of the hour start, `end_ts` of the block's last point (retention goes by it), `n` its
-- point count. Not used on TimescaleDB, which compresses `samples` natively.
CREATE TABLE sample_blocks (
    series bigint  NOT NULL,
    start  bigint  NOT NULL,
    end_ts bigint  NOT NULL,
    n      integer NOT NULL,
    data   bytea   NOT NULL,
    PRIMARY KEY (series, start)
);
-- The blocks are written hour after hour: BRIN serves retention's scan by end_ts.
CREATE INDEX sample_blocks_end ON sample_blocks USING brin (end_ts);
