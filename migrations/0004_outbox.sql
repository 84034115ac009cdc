-- 0004_outbox: deliveries to AWS Config, Security Hub and the SIEM log in S3.
-- A delivery row is written in the same transaction as the verdict that causes it, so a
-- verdict is never delivered without being stored, nor stored without its delivery.
-- state: pending (due at next_attempt_at; leased while leased_until > now), done, failed
-- (still failing 24 h after it was created; kept visible).
CREATE TABLE deliveries (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  destination     TEXT NOT NULL CHECK (destination IN ('config', 'securityhub', 'siem')),
  group_key       TEXT NOT NULL,     -- rows sent together share it (one Config result token, one account+region)
  account         TEXT,
  region          TEXT,
  instance_id     TEXT,
  payload         TEXT NOT NULL,     -- JSON, per destination
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  leased_until    INTEGER,
  last_error      TEXT,
  done_at         INTEGER
);
CREATE INDEX deliveries_due ON deliveries(destination, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_group ON deliveries(destination, group_key, id) WHERE state = 'pending';
CREATE INDEX deliveries_state ON deliveries(state, destination, id);
