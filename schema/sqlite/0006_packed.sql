-- The PostgreSQL migration of this number packs closed days of hourly rollups and blocks
-- into one row per (series, day), because a PostgreSQL row costs about 60 bytes before its
-- data. A SQLite row (WITHOUT ROWID, varint integers) costs a few bytes, so SQLite keeps one
-- row per hour: nothing to do here, the number is kept so both engines' versions match.
SELECT 1;
