-- 0008_intake: issue 14, batches from the EventBridge Custom Event Bus.
--
-- 1. The quarantine. A batch item Italic refuses (malformed, over a per-item bound, an
--    account its token is not bound to, a region AWS does not have) must not fail its
--    neighbours, so the batch is answered 200 and the item is kept here instead: what
--    arrived, from which token, and why, for an operator to see at
--    GET /v1/rejected-events (docs/events.md, "The quarantine"). The item's bytes are
--    kept up to IT_REJECTED_MAX_BYTES (body_bytes is the full size), rows are written in
--    the batch's own transaction and purged with the retention (ITALIC_RETENTION_DAYS).
--    Newest first by seq; received_at bounds `since`; reason is a closed set
--    (lib/event_batch.h), so the filter uses its own index.
CREATE TABLE rejected_events (
  seq          INTEGER PRIMARY KEY,
  received_at  INTEGER NOT NULL,
  token_id     TEXT,
  token_name   TEXT,
  request_id   TEXT NOT NULL,
  item_index   INTEGER NOT NULL,
  event_id     TEXT,
  account      TEXT,
  reason       TEXT NOT NULL,
  field        TEXT,
  detail       TEXT NOT NULL,
  body         BLOB NOT NULL,
  body_bytes   INTEGER NOT NULL
);
CREATE INDEX rejected_events_received ON rejected_events(received_at);
CREATE INDEX rejected_events_reason ON rejected_events(reason, received_at);

-- 2. The snapshot time of a copy made by `italic backup`, written into the copy only
--    (one row): everything Italic committed before that instant is in the copy, so a
--    restore is followed by a replay of the bus from that time (docs/aws-quickstart.md
--    section 11); `italic backup --info FILE` prints it. A database restored from a copy
--    keeps the row (it says which backup it came from) until the next copy replaces it
--    in that copy.
CREATE TABLE backup_info (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  snapshot_at  INTEGER NOT NULL,
  written_at   INTEGER NOT NULL
);
