-- 0006_sweeps: the reconciliation sweep's record per account and Region, and an index
-- for the Security Hub deliverer's "is there a newer finding for this instance" check.
-- Times are Unix milliseconds; a pair first swept gets its row then.
CREATE TABLE sweeps (
  account          TEXT NOT NULL,
  region           TEXT NOT NULL,
  last_started_at  INTEGER,
  last_finished_at INTEGER,
  instances_seen   INTEGER,      -- instances DescribeInstances listed in the last sweep
  changed          INTEGER,      -- verdicts the last sweep wrote
  error            TEXT,         -- why the last sweep failed; NULL when it succeeded
  PRIMARY KEY (account, region)
) WITHOUT ROWID;
CREATE INDEX deliveries_instance ON deliveries(destination, account, region, instance_id, id);
