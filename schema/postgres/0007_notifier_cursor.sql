-- Where each notifier (`gotify`, `webhook`) stands in the event table: the `seq` of the last
-- alert event it delivered (or skipped). The event table is the notifiers' outbox; a row is
-- written at the notifier's first start (at the newest event then: old history is never
-- replayed) and moved forward after each delivery. A few rows: a plain table, also on
-- TimescaleDB (nothing under `timescale/`).
CREATE TABLE notifier_cursors (
    name       text        NOT NULL PRIMARY KEY,
    after_seq  bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);
