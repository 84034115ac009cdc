-- 0007_hostile: issue 13, what one ingest token must not be able to do.
--
-- 1. Duplicate detection is scoped. An event id was UNIQUE across the whole inbox, so
--    a token bound to account A could post an id first and account B's real event
--    with that id was answered "duplicate" and never evaluated. Now an event id is
--    unique per account (an ingest token bound to A cannot post for B: 403) and an
--    Idempotency-Key per token. Both stay unique indexes, so the insert's
--    INSERT OR IGNORE still finds a duplicate with one index lookup.
--    The inline UNIQUE constraints of 0003 cannot be dropped, so the table is rebuilt
--    with the same columns and rows (seq values, and so the AUTOINCREMENT high-water
--    mark, are kept: sqlite_sequence follows the rename).
CREATE TABLE inbox_scoped (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id      TEXT NOT NULL,
  idem_key      TEXT,
  kind          TEXT NOT NULL,
  account       TEXT,
  region        TEXT,
  token_id      TEXT,
  received_at   INTEGER NOT NULL,
  body          BLOB,
  state         INTEGER NOT NULL DEFAULT 0 CHECK (state IN (0, 1, 2)),
  claimed_until INTEGER,
  attempts      INTEGER NOT NULL DEFAULT 0,
  not_before    INTEGER NOT NULL DEFAULT 0,
  done_at       INTEGER,
  outcome       TEXT,
  last_error    TEXT
);
INSERT INTO inbox_scoped(seq, event_id, idem_key, kind, account, region, token_id, received_at, body, state,
                         claimed_until, attempts, not_before, done_at, outcome, last_error)
  SELECT seq, event_id, idem_key, kind, account, region, token_id, received_at, body, state,
         claimed_until, attempts, not_before, done_at, outcome, last_error FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_scoped RENAME TO inbox;
CREATE UNIQUE INDEX inbox_event ON inbox(account, event_id);
CREATE UNIQUE INDEX inbox_idem ON inbox(token_id, idem_key) WHERE idem_key IS NOT NULL;
CREATE INDEX inbox_pending ON inbox(seq) WHERE state = 0;
CREATE INDEX inbox_done ON inbox(done_at) WHERE state = 2;

-- 2. A pair (account, region) that fails every sweep for over a day stops being swept
--    (a made-up account or region from a forged event would otherwise be listed every
--    interval forever). failing_since: when the first sweep of the current run of
--    failures started (NULL after a success); stopped_at: when sweeping stopped (NULL
--    while the pair is swept). A stopped pair is swept again once AWS answers a
--    DescribeInstances for it while judging an event.
ALTER TABLE sweeps ADD COLUMN failing_since INTEGER;
ALTER TABLE sweeps ADD COLUMN stopped_at INTEGER;
