-- 0002_policy: allow-list rules, exemptions, registered images, the audit log and the
-- re-evaluation signal. Times are Unix milliseconds (INTEGER).

-- body: the rule's JSON as rule_to_json renders it, without id-independent bookkeeping
-- (version, created_at, updated_at live in their own columns).
CREATE TABLE rules (
  id         TEXT PRIMARY KEY,
  body       TEXT NOT NULL CHECK (json_valid(body)),
  version    INTEGER NOT NULL CHECK (version >= 1),
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- body: the exemption's JSON (stored form, created_by included).
CREATE TABLE exemptions (
  id         TEXT PRIMARY KEY,
  body       TEXT NOT NULL CHECK (json_valid(body)),
  expires_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX exemptions_expires_at ON exemptions (expires_at);

-- Image attributes registered by an admin or an image pipeline (PUT /v1/images/...).
CREATE TABLE images (
  region     TEXT NOT NULL,
  image_id   TEXT NOT NULL,
  facts      TEXT NOT NULL CHECK (json_valid(facts)),
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  PRIMARY KEY (region, image_id)
) WITHOUT ROWID;

-- Who changed what. Append-only: the triggers refuse every UPDATE and DELETE, so not
-- even a bug in Italic can rewrite history through this connection.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        INTEGER NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
  kind      TEXT NOT NULL CHECK (kind IN ('rule', 'exemption', 'image')),
  object_id TEXT NOT NULL,
  before    TEXT CHECK (before IS NULL OR json_valid(before)),
  after     TEXT CHECK (after IS NULL OR json_valid(after))
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- One row per change of rules, exemptions or registered images, written in the same
-- transaction as the change; the re-evaluator consumes and deletes them.
CREATE TABLE reeval_requests (
  id     INTEGER PRIMARY KEY AUTOINCREMENT,
  at     INTEGER NOT NULL,
  reason TEXT NOT NULL
);
