-- 0001_init: API tokens.
-- Times are Unix milliseconds (INTEGER). Tokens are stored only as SHA-256 digests.
CREATE TABLE tokens (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('ingest', 'reader', 'admin')),
  hash         BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);

CREATE TABLE token_accounts (
  token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
  account  TEXT NOT NULL CHECK (length(account) = 12),
  PRIMARY KEY (token_id, account)
) WITHOUT ROWID;
