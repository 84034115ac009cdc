-- 0009_alerts: alerts on compliance changes (docs/alerts.md).
--
-- 1. deliveries takes two more destinations, eventbridge and webhook. SQLite cannot
--    change a CHECK constraint in place, so the table is rebuilt as SQLite's ALTER TABLE
--    page describes (new table, copy, drop, rename, indexes again), keeping every row, its
--    id and the AUTOINCREMENT high-water mark (ids are never reused: they are the
--    keyset cursor of GET /v1/deliveries and X-Italic-Delivery of webhooks).
-- 2. The storm rule's state, per destination, durable in the verdict's transaction:
--    alert_windows   the open window (lib/alert.h): when it opened, how many single
--                    alerts it sent, and the deliveries row of its digest (NULL until
--                    the window has one);
--    alert_digest_counts / alert_digest_items
--                    what a digest collects until it is sealed: counts by account,
--                    image and new compliance, and the first instances' details. Sealing
--                    (when the digest is first sent) renders them into the digest's
--                    payload and deletes them, so they never outlive their digest.
CREATE TABLE deliveries_new (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  destination     TEXT NOT NULL CHECK (destination IN ('config', 'securityhub', 'siem', 'eventbridge', 'webhook')),
  group_key       TEXT NOT NULL,
  account         TEXT,
  region          TEXT,
  instance_id     TEXT,
  payload         TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  leased_until    INTEGER,
  last_error      TEXT,
  done_at         INTEGER
);
INSERT INTO deliveries_new (id, destination, group_key, account, region, instance_id, payload, state, attempts,
                            created_at, next_attempt_at, leased_until, last_error, done_at)
  SELECT id, destination, group_key, account, region, instance_id, payload, state, attempts,
         created_at, next_attempt_at, leased_until, last_error, done_at FROM deliveries;
-- The copy set deliveries_new's counter to the highest id copied; the old counter may be
-- higher (purged rows): keep the higher one.
UPDATE sqlite_sequence SET seq = max(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'deliveries'), 0))
  WHERE name = 'deliveries_new';
INSERT INTO sqlite_sequence (name, seq)
  SELECT 'deliveries_new', seq FROM sqlite_sequence WHERE name = 'deliveries'
  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'deliveries_new');
DROP TABLE deliveries;
ALTER TABLE deliveries_new RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries(destination, next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX deliveries_group ON deliveries(destination, group_key, id) WHERE state = 'pending';
CREATE INDEX deliveries_state ON deliveries(state, destination, id);
CREATE INDEX deliveries_instance ON deliveries(destination, account, region, instance_id, id);

CREATE TABLE alert_windows (
  destination TEXT PRIMARY KEY CHECK (destination IN ('eventbridge', 'webhook')),
  opened_at   INTEGER NOT NULL,     -- Unix ms of the window's first alert
  singles     INTEGER NOT NULL,     -- single alerts sent in it
  digest_id   INTEGER               -- deliveries.id of its digest; NULL: none yet
) WITHOUT ROWID;

CREATE TABLE alert_digest_counts (
  digest_id INTEGER NOT NULL,       -- deliveries.id
  dimension TEXT NOT NULL CHECK (dimension IN ('account', 'image', 'to')),
  key       TEXT NOT NULL,
  n         INTEGER NOT NULL,
  PRIMARY KEY (digest_id, dimension, key)
) WITHOUT ROWID;

CREATE TABLE alert_digest_items (
  digest_id INTEGER NOT NULL,       -- deliveries.id
  seq       INTEGER NOT NULL,       -- 0.. in order of arrival, < IT_ALERT_DIGEST_FIRST
  detail    TEXT NOT NULL,          -- the change's detail (lib/alert.h)
  PRIMARY KEY (digest_id, seq)
) WITHOUT ROWID;
