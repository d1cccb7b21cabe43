-- The newest event (by `seq`) of each (device, type): the state restored after a restart.
-- Upserted in the transaction of every insert batch, so retention may delete any event.
CREATE TABLE latest (
    device  text   NOT NULL,
    type    text   NOT NULL,
    seq     bigint NOT NULL,
    payload jsonb  NOT NULL,
    PRIMARY KEY (device, type)
);
INSERT INTO latest (device, type, seq, payload)
SELECT DISTINCT ON (device, type) device, type, seq, payload
FROM events
ORDER BY device, type, seq DESC;
