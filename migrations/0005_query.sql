-- 0005_query: indexes for the read API, per-database settings, and a compliance
-- count table kept by triggers so /v1/summary and /metrics never count 100k rows.
--
-- Each list query of lib/store_query.c is one static statement per "filter shape":
-- the most selective filter given picks the index that leads it, the others are
-- checked on the rows that index yields, and the sort key plus the primary key make
-- the keyset. tests/unit/test_store_query.c asserts with EXPLAIN QUERY PLAN that every
-- statement searches one of these indexes.

-- Small per-database values, e.g. the HMAC key that signs paging cursors.
CREATE TABLE settings (
  key        TEXT PRIMARY KEY,
  value      BLOB NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- instances: current verdicts, newest first by evaluated_at or observed_at. A
-- WITHOUT ROWID table appends the primary key (account, region, instance_id) to
-- every index, which is exactly the tie-break of the keyset.
CREATE INDEX instances_q_eval           ON instances(evaluated_at);
CREATE INDEX instances_q_acct_eval      ON instances(account, evaluated_at);
CREATE INDEX instances_q_acct_comp_eval ON instances(account, compliance, evaluated_at);
CREATE INDEX instances_q_comp_eval      ON instances(compliance, evaluated_at);
CREATE INDEX instances_q_image_eval     ON instances(image_id, evaluated_at);
CREATE INDEX instances_q_rule_eval      ON instances(matched_rule, evaluated_at);
CREATE INDEX instances_q_obs            ON instances(observed_at);
CREATE INDEX instances_q_acct_obs       ON instances(account, observed_at);
CREATE INDEX instances_q_acct_comp_obs  ON instances(account, compliance, observed_at);
CREATE INDEX instances_q_comp_obs       ON instances(compliance, observed_at);
CREATE INDEX instances_q_image_obs      ON instances(image_id, observed_at);
CREATE INDEX instances_q_rule_obs       ON instances(matched_rule, observed_at);

-- evaluations: history, newest first by (evaluated_at, id). evaluated_at also bounds
-- since/until and the retention purge.
CREATE INDEX evaluations_q_eval       ON evaluations(evaluated_at);
CREATE INDEX evaluations_q_acct_eval  ON evaluations(account, evaluated_at);
CREATE INDEX evaluations_q_comp_eval  ON evaluations(compliance, evaluated_at);
CREATE INDEX evaluations_q_image_eval ON evaluations(image_id, evaluated_at);
CREATE INDEX evaluations_q_rule_eval  ON evaluations(matched_rule, evaluated_at);

-- Measured at 100k instances (bench/RESULTS.md): counting compliance and the images
-- behind non-compliant instances from instances itself costs 20-250 ms per summary
-- (a group-by over 20k rows plus a primary-key lookup each); two small count tables
-- kept by triggers answer in well under a millisecond for one extra upsert per write.

-- Instance counts per (account, region, compliance): at most accounts x regions x 4
-- rows, kept exact by the triggers below in the writer's own transaction. Writers must
-- change instances with INSERT ... ON CONFLICT DO UPDATE, UPDATE or DELETE, never with
-- INSERT OR REPLACE (whose implicit delete fires no trigger unless recursive_triggers
-- is on).
CREATE TABLE instance_counts (
  account    TEXT NOT NULL,
  region     TEXT NOT NULL,
  compliance TEXT NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (account, region, compliance)
) WITHOUT ROWID;

INSERT INTO instance_counts(account, region, compliance, n)
  SELECT account, region, compliance, count(*) FROM instances
  GROUP BY account, region, compliance;

CREATE TRIGGER instance_counts_ins AFTER INSERT ON instances
BEGIN
  INSERT INTO instance_counts(account, region, compliance, n)
    VALUES (NEW.account, NEW.region, NEW.compliance, 1)
    ON CONFLICT(account, region, compliance) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER instance_counts_del AFTER DELETE ON instances
BEGIN
  UPDATE instance_counts SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance;
  DELETE FROM instance_counts
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance AND n <= 0;
END;

CREATE TRIGGER instance_counts_upd AFTER UPDATE OF account, region, compliance ON instances
  WHEN OLD.account IS NOT NEW.account OR OLD.region IS NOT NEW.region
    OR OLD.compliance IS NOT NEW.compliance
BEGIN
  UPDATE instance_counts SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance;
  DELETE FROM instance_counts
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance AND n <= 0;
  INSERT INTO instance_counts(account, region, compliance, n)
    VALUES (NEW.account, NEW.region, NEW.compliance, 1)
    ON CONFLICT(account, region, compliance) DO UPDATE SET n = n + 1;
END;

-- Non-compliant instances per image over everything: the unfiltered summary's top
-- images (at most one row per image; the per-scope table below has ~15k rows at 100k
-- instances, and grouping those costs 4 ms).
CREATE TABLE instance_nc_image_totals (
  image_id TEXT PRIMARY KEY,
  n        INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO instance_nc_image_totals(image_id, n)
  SELECT image_id, count(*) FROM instances
  WHERE compliance = 'NON_COMPLIANT' AND image_id IS NOT NULL GROUP BY image_id;

-- Non-compliant instances per (account, region, image): the summary's top images.
CREATE TABLE instance_nc_images (
  account  TEXT NOT NULL,
  region   TEXT NOT NULL,
  image_id TEXT NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (account, region, image_id)
) WITHOUT ROWID;

INSERT INTO instance_nc_images(account, region, image_id, n)
  SELECT account, region, image_id, count(*) FROM instances
  WHERE compliance = 'NON_COMPLIANT' AND image_id IS NOT NULL
  GROUP BY account, region, image_id;

CREATE TRIGGER instance_nc_images_ins AFTER INSERT ON instances
  WHEN NEW.compliance = 'NON_COMPLIANT' AND NEW.image_id IS NOT NULL
BEGIN
  INSERT INTO instance_nc_images(account, region, image_id, n)
    VALUES (NEW.account, NEW.region, NEW.image_id, 1)
    ON CONFLICT(account, region, image_id) DO UPDATE SET n = n + 1;
  INSERT INTO instance_nc_image_totals(image_id, n) VALUES (NEW.image_id, 1)
    ON CONFLICT(image_id) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER instance_nc_images_del AFTER DELETE ON instances
  WHEN OLD.compliance = 'NON_COMPLIANT' AND OLD.image_id IS NOT NULL
BEGIN
  UPDATE instance_nc_images SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND image_id = OLD.image_id;
  DELETE FROM instance_nc_images
    WHERE account = OLD.account AND region = OLD.region AND image_id = OLD.image_id AND n <= 0;
  UPDATE instance_nc_image_totals SET n = n - 1 WHERE image_id = OLD.image_id;
  DELETE FROM instance_nc_image_totals WHERE image_id = OLD.image_id AND n <= 0;
END;

-- An update leaves the old (account, region, image) group when it was non-compliant and
-- any of the four changed, and joins the new group when it is non-compliant now.
CREATE TRIGGER instance_nc_images_upd_old AFTER UPDATE OF account, region, compliance, image_id ON instances
  WHEN OLD.compliance = 'NON_COMPLIANT' AND OLD.image_id IS NOT NULL
    AND (OLD.account IS NOT NEW.account OR OLD.region IS NOT NEW.region
      OR NEW.compliance IS NOT 'NON_COMPLIANT' OR OLD.image_id IS NOT NEW.image_id)
BEGIN
  UPDATE instance_nc_images SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND image_id = OLD.image_id;
  DELETE FROM instance_nc_images
    WHERE account = OLD.account AND region = OLD.region AND image_id = OLD.image_id AND n <= 0;
  UPDATE instance_nc_image_totals SET n = n - 1 WHERE image_id = OLD.image_id;
  DELETE FROM instance_nc_image_totals WHERE image_id = OLD.image_id AND n <= 0;
END;

CREATE TRIGGER instance_nc_images_upd_new AFTER UPDATE OF account, region, compliance, image_id ON instances
  WHEN NEW.compliance = 'NON_COMPLIANT' AND NEW.image_id IS NOT NULL
    AND (OLD.account IS NOT NEW.account OR OLD.region IS NOT NEW.region
      OR OLD.compliance IS NOT 'NON_COMPLIANT' OR OLD.image_id IS NOT NEW.image_id)
BEGIN
  INSERT INTO instance_nc_images(account, region, image_id, n)
    VALUES (NEW.account, NEW.region, NEW.image_id, 1)
    ON CONFLICT(account, region, image_id) DO UPDATE SET n = n + 1;
  INSERT INTO instance_nc_image_totals(image_id, n) VALUES (NEW.image_id, 1)
    ON CONFLICT(image_id) DO UPDATE SET n = n + 1;
END;
