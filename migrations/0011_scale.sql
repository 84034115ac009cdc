-- 0011_scale (issue 19): what an organization of 5,000 accounts and 10,000 (account,
-- Region) pairs needs from the schema.
--
-- 1. Instance counts per account, kept by triggers, so /v1/summary and /metrics stay
--    flat as the organization grows.
--
-- Measured at 1 million instances in 5,000 accounts (bench/RESULTS.md, issue 19): the
-- summary's totals, its 1,000 largest accounts and the account count were each a
-- GROUP BY over instance_counts, one row per (account, region, compliance) — 69,000 rows
-- — and the summary took 93 ms at the median, /metrics 65 ms (its 50 largest accounts
-- are the same query). One row per account, with an index by size, answers the
-- largest accounts by walking the index, and the totals by summing 5,000 rows.
--
-- Scoped by region, the summary still reads instance_counts and instance_nc_images
-- (top images); the two indexes after its triggers let it read one region's rows instead of
-- all of them (the images' table has 150,000 rows there: 186 ms to scan cold).
--
-- Like instance_counts (0005), kept exact by triggers in the writer's own transaction:
-- instances must change with INSERT ... ON CONFLICT DO UPDATE, UPDATE or DELETE, never
-- INSERT OR REPLACE.
CREATE TABLE instance_accounts (
  account           TEXT PRIMARY KEY,
  total             INTEGER NOT NULL,
  compliant         INTEGER NOT NULL,
  non_compliant     INTEGER NOT NULL,
  not_applicable    INTEGER NOT NULL,
  insufficient_data INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX instance_accounts_by_size ON instance_accounts(total DESC, account);

INSERT INTO instance_accounts(account, total, compliant, non_compliant, not_applicable, insufficient_data)
  SELECT account, count(*), sum(compliance = 'COMPLIANT'), sum(compliance = 'NON_COMPLIANT'),
         sum(compliance = 'NOT_APPLICABLE'), sum(compliance = 'INSUFFICIENT_DATA')
  FROM instances GROUP BY account;

CREATE TRIGGER instance_accounts_ins AFTER INSERT ON instances
BEGIN
  INSERT INTO instance_accounts(account, total, compliant, non_compliant, not_applicable, insufficient_data)
    VALUES (NEW.account, 1, NEW.compliance = 'COMPLIANT', NEW.compliance = 'NON_COMPLIANT',
            NEW.compliance = 'NOT_APPLICABLE', NEW.compliance = 'INSUFFICIENT_DATA')
    ON CONFLICT(account) DO UPDATE SET total = total + 1,
      compliant = compliant + excluded.compliant, non_compliant = non_compliant + excluded.non_compliant,
      not_applicable = not_applicable + excluded.not_applicable,
      insufficient_data = insufficient_data + excluded.insufficient_data;
END;

CREATE TRIGGER instance_accounts_del AFTER DELETE ON instances
BEGIN
  UPDATE instance_accounts SET total = total - 1,
      compliant = compliant - (OLD.compliance = 'COMPLIANT'),
      non_compliant = non_compliant - (OLD.compliance = 'NON_COMPLIANT'),
      not_applicable = not_applicable - (OLD.compliance = 'NOT_APPLICABLE'),
      insufficient_data = insufficient_data - (OLD.compliance = 'INSUFFICIENT_DATA')
    WHERE account = OLD.account;
  DELETE FROM instance_accounts WHERE account = OLD.account AND total <= 0;
END;

CREATE TRIGGER instance_accounts_upd AFTER UPDATE OF account, compliance ON instances
  WHEN OLD.account IS NOT NEW.account OR OLD.compliance IS NOT NEW.compliance
BEGIN
  UPDATE instance_accounts SET total = total - 1,
      compliant = compliant - (OLD.compliance = 'COMPLIANT'),
      non_compliant = non_compliant - (OLD.compliance = 'NON_COMPLIANT'),
      not_applicable = not_applicable - (OLD.compliance = 'NOT_APPLICABLE'),
      insufficient_data = insufficient_data - (OLD.compliance = 'INSUFFICIENT_DATA')
    WHERE account = OLD.account;
  DELETE FROM instance_accounts WHERE account = OLD.account AND total <= 0;
  INSERT INTO instance_accounts(account, total, compliant, non_compliant, not_applicable, insufficient_data)
    VALUES (NEW.account, 1, NEW.compliance = 'COMPLIANT', NEW.compliance = 'NON_COMPLIANT',
            NEW.compliance = 'NOT_APPLICABLE', NEW.compliance = 'INSUFFICIENT_DATA')
    ON CONFLICT(account) DO UPDATE SET total = total + 1,
      compliant = compliant + excluded.compliant, non_compliant = non_compliant + excluded.non_compliant,
      not_applicable = not_applicable + excluded.not_applicable,
      insufficient_data = insufficient_data + excluded.insufficient_data;
END;

CREATE INDEX instance_counts_region ON instance_counts(region, account, compliance, n);
CREATE INDEX instance_nc_images_region ON instance_nc_images(region, image_id, n);

-- 2. The known (account, Region) pairs, for the reconciliation sweep's schedule
--    (lib/store_sweep.h): one row per pair, the first time Italic saw an instance there.
--    The sweep read them as a GROUP BY over instances, which at 1 million instances is a
--    scan of the whole table each time it looked for due pairs. Kept by a trigger; no
--    pair is ever removed (instances are not deleted in service).
CREATE TABLE sweep_pairs (
  account       TEXT NOT NULL,
  region        TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  PRIMARY KEY (account, region)
) WITHOUT ROWID;

INSERT INTO sweep_pairs(account, region, first_seen_at)
  SELECT account, region, min(first_seen_at) FROM instances GROUP BY account, region;

CREATE TRIGGER sweep_pairs_ins AFTER INSERT ON instances
BEGIN
  INSERT INTO sweep_pairs(account, region, first_seen_at) VALUES (NEW.account, NEW.region, NEW.first_seen_at)
    ON CONFLICT(account, region) DO UPDATE SET first_seen_at = min(first_seen_at, excluded.first_seen_at)
    WHERE excluded.first_seen_at < first_seen_at;
END;
