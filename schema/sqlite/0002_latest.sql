-- The newest event (by `seq`) of each (device, type): the state restored after a restart.
-- Upserted in the transaction of every insert batch, so retention may delete any event.
CREATE TABLE latest (
    device  TEXT    NOT NULL,
    type    TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    payload TEXT    NOT NULL,
    PRIMARY KEY (device, type)
);
INSERT INTO latest (device, type, seq, payload)
SELECT device, type, seq, payload FROM events
WHERE seq IN (SELECT MAX(seq) FROM events GROUP BY device, type);
