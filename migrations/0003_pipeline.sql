-- 0003_pipeline: the durable event inbox, current verdicts and their history.
-- Times are Unix milliseconds. Compliance values: COMPLIANT, NON_COMPLIANT,
-- NOT_APPLICABLE, INSUFFICIENT_DATA.

-- Every accepted event, kept until evaluated and then for the dedup window.
-- state: 0 pending, 2 done (1 is reserved; claimed_until is unused since the evaluator
-- partitions pending rows among its workers instead of claiming them).
CREATE TABLE inbox (
  seq           INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id      TEXT NOT NULL UNIQUE,
  idem_key      TEXT UNIQUE,
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
CREATE INDEX inbox_pending ON inbox(seq) WHERE state = 0;
CREATE INDEX inbox_done ON inbox(done_at) WHERE state = 2;

-- The current verdict of each instance Italic has seen.
CREATE TABLE instances (
  account         TEXT NOT NULL,
  region          TEXT NOT NULL,
  instance_id     TEXT NOT NULL,
  image_id        TEXT,
  state           TEXT,
  tags            TEXT,            -- JSON object, or NULL when unknown
  compliance      TEXT NOT NULL,
  reasons         TEXT NOT NULL,   -- JSON array of strings
  matched_rule    TEXT,
  exemption       TEXT,
  facts_source    TEXT,
  observed_at     INTEGER NOT NULL,
  evaluated_at    INTEGER NOT NULL,
  next_change_at  INTEGER,
  first_seen_at   INTEGER NOT NULL,
  last_event_id   TEXT,
  result_token    TEXT,            -- last Config rule resultToken for this instance
  PRIMARY KEY (account, region, instance_id)
) WITHOUT ROWID;
CREATE INDEX instances_due ON instances(next_change_at) WHERE next_change_at IS NOT NULL;

-- Every verdict ever made (history), newest by id.
CREATE TABLE evaluations (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  account             TEXT NOT NULL,
  region              TEXT NOT NULL,
  instance_id         TEXT NOT NULL,
  image_id            TEXT,
  state               TEXT,
  compliance          TEXT NOT NULL,
  previous_compliance TEXT,
  reasons             TEXT NOT NULL,
  matched_rule        TEXT,
  exemption           TEXT,
  facts_source        TEXT,
  observed_at         INTEGER NOT NULL,
  evaluated_at        INTEGER NOT NULL,
  next_change_at      INTEGER,
  trigger             TEXT NOT NULL,   -- event, reevaluate (rules changed), timer (next_change_at), schedule (Config ScheduledNotification), sweep
  trigger_event_id    TEXT
);
CREATE INDEX evaluations_instance ON evaluations(account, region, instance_id, id);
