-- Compacted raw samples (see store::blocks): one block per (series, UTC hour) holding that
-- hour's raw samples, encoded by store::blocks::codec. `start` is unix seconds of the hour
-- start, `end_ts` of the block's last point (retention goes by it), `n` its point count.
-- Samples that arrive late into a compacted hour stay in `samples` until the next
-- compaction merges them into the block.
CREATE TABLE sample_blocks (
    series INTEGER NOT NULL,
    start  INTEGER NOT NULL,
    end_ts INTEGER NOT NULL,
    n      INTEGER NOT NULL,
    data   BLOB    NOT NULL,
    PRIMARY KEY (series, start)
) WITHOUT ROWID;
