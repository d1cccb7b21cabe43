-- Where each notifier (`gotify`, `webhook`) stands in the event table: the `seq` of the last
-- alert event it delivered (or skipped). The event table is the notifiers' outbox; a row is
-- written at the notifier's first start (at the newest event then: old history is never
-- replayed) and moved forward after each delivery. Times are RFC 3339 UTC.
CREATE TABLE notifier_cursors (
    name       TEXT    NOT NULL PRIMARY KEY,
    after_seq  INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);
