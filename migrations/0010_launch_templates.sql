-- 0010_launch_templates: EC2 launch templates (issue 18, docs/launch-templates.md): the
-- templates Italic has heard of, the verdict of every version it has seen, their history,
-- and which template each instance was launched from. Times are Unix milliseconds;
-- compliance values as in 0003. lib/store_template.c holds every statement.

-- One row per template. Its verdict is its default version's, copied here when either
-- changes (store_template_settle), so lists, counts and the summary read one table; the
-- latest version's compliance is kept beside it. meta_observed_at orders what is known
-- of the template itself (name, default and latest numbers, deletion) the way
-- observed_at orders verdicts: an older event never replaces a newer one.
CREATE TABLE launch_templates (
  account            TEXT NOT NULL,
  region             TEXT NOT NULL,
  template_id        TEXT NOT NULL,
  name               TEXT,
  default_version    INTEGER,          -- NULL until known
  latest_version     INTEGER,
  deleted_at         INTEGER,          -- the template is gone: NOT_APPLICABLE
  meta_observed_at   INTEGER NOT NULL,
  image_ref          TEXT,             -- the default version's ImageId as written
  image_id           TEXT,             -- the AMI it names (an alias resolved); NULL unknown
  compliance         TEXT NOT NULL,
  reasons            TEXT NOT NULL,    -- JSON array of strings
  matched_rule       TEXT,
  exemption          TEXT,
  facts_source       TEXT,
  observed_at        INTEGER NOT NULL,
  evaluated_at       INTEGER NOT NULL,
  next_change_at     INTEGER,
  settled_version    INTEGER,          -- the version the verdict was copied from
  latest_compliance  TEXT,             -- the latest version's, NULL until judged
  latest_image_id    TEXT,
  first_seen_at      INTEGER NOT NULL,
  last_event_id      TEXT,
  result_token       TEXT,             -- last Config rule resultToken for this template
  PRIMARY KEY (account, region, template_id)
) WITHOUT ROWID;

-- The current verdict of every version Italic has seen (the $Default and $Latest a sweep
-- reads, each version an event carried). A deleted version stays, NOT_APPLICABLE.
CREATE TABLE launch_template_versions (
  account            TEXT NOT NULL,
  region             TEXT NOT NULL,
  template_id        TEXT NOT NULL,
  version            INTEGER NOT NULL CHECK (version >= 1),
  image_ref          TEXT,             -- ImageId as written: ami-... or resolve:ssm:...
  image_id           TEXT,             -- the AMI it names now; NULL unknown or none
  resolved_at        INTEGER,          -- when a resolve:ssm: alias was last resolved
  compliance         TEXT NOT NULL,
  reasons            TEXT NOT NULL,
  matched_rule       TEXT,
  exemption          TEXT,
  facts_source       TEXT,
  observed_at        INTEGER NOT NULL,
  evaluated_at       INTEGER NOT NULL,
  next_change_at     INTEGER,
  deleted_at         INTEGER,
  PRIMARY KEY (account, region, template_id, version)
) WITHOUT ROWID;
-- "which templates name this image" (GET /v1/images/{region}/{image_id}); AMI ids are
-- regional, the primary key completes the index
CREATE INDEX launch_template_versions_image ON launch_template_versions(image_id, region);
CREATE INDEX launch_template_versions_due ON launch_template_versions(next_change_at) WHERE next_change_at IS NOT NULL;

-- Every verdict on a version, newest by id; is_default says whether the version was the
-- template's default when judged (the template's own history is those rows).
CREATE TABLE launch_template_evaluations (
  id                  INTEGER PRIMARY KEY AUTOINCREMENT,
  account             TEXT NOT NULL,
  region              TEXT NOT NULL,
  template_id         TEXT NOT NULL,
  version             INTEGER,         -- NULL: the default version was not known
  is_default          INTEGER NOT NULL CHECK (is_default IN (0, 1)),
  image_ref           TEXT,
  image_id            TEXT,
  compliance          TEXT NOT NULL,
  previous_compliance TEXT,
  reasons             TEXT NOT NULL,
  matched_rule        TEXT,
  exemption           TEXT,
  facts_source        TEXT,
  observed_at         INTEGER NOT NULL,
  evaluated_at        INTEGER NOT NULL,
  next_change_at      INTEGER,
  trigger             TEXT NOT NULL,
  trigger_event_id    TEXT
);
CREATE INDEX launch_template_evaluations_template ON launch_template_evaluations(account, region, template_id, id);
CREATE INDEX launch_template_evaluations_q_eval ON launch_template_evaluations(evaluated_at);

-- The template each instance was launched from (RunInstances' launchTemplate, the
-- aws:ec2launchtemplate:* tags): version NULL and version_alias '$Default'/'$Latest' when
-- the launch named an alias and no tag said the number. image_override: the launch named
-- an image of its own over the template's.
CREATE TABLE instance_launch_templates (
  account         TEXT NOT NULL,
  region          TEXT NOT NULL,
  instance_id     TEXT NOT NULL,
  template_id     TEXT NOT NULL,
  version         INTEGER,
  version_alias   TEXT CHECK (version_alias IS NULL OR version_alias IN ('$Default', '$Latest')),
  image_override  INTEGER NOT NULL DEFAULT 0 CHECK (image_override IN (0, 1)),
  observed_at     INTEGER NOT NULL,
  PRIMARY KEY (account, region, instance_id)
) WITHOUT ROWID;
CREATE INDEX instance_launch_templates_template
  ON instance_launch_templates(account, region, template_id, observed_at);

-- GET /v1/launch-templates: newest verdict first, one index per leading filter (as 0005
-- for instances); WITHOUT ROWID appends the primary key, the keyset's tie-break.
CREATE INDEX launch_templates_q_eval           ON launch_templates(evaluated_at);
CREATE INDEX launch_templates_q_acct_eval      ON launch_templates(account, evaluated_at);
CREATE INDEX launch_templates_q_acct_comp_eval ON launch_templates(account, compliance, evaluated_at);
CREATE INDEX launch_templates_q_comp_eval      ON launch_templates(compliance, evaluated_at);
CREATE INDEX launch_templates_q_image_eval     ON launch_templates(image_id, evaluated_at);

-- Template counts per (account, region, compliance) for the summary and gauges, kept by
-- triggers like instance_counts (writers use INSERT ... ON CONFLICT DO UPDATE, never
-- INSERT OR REPLACE).
CREATE TABLE launch_template_counts (
  account    TEXT NOT NULL,
  region     TEXT NOT NULL,
  compliance TEXT NOT NULL,
  n          INTEGER NOT NULL,
  PRIMARY KEY (account, region, compliance)
) WITHOUT ROWID;

CREATE TRIGGER launch_template_counts_ins AFTER INSERT ON launch_templates
BEGIN
  INSERT INTO launch_template_counts(account, region, compliance, n)
    VALUES (NEW.account, NEW.region, NEW.compliance, 1)
    ON CONFLICT(account, region, compliance) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER launch_template_counts_del AFTER DELETE ON launch_templates
BEGIN
  UPDATE launch_template_counts SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance;
  DELETE FROM launch_template_counts
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance AND n <= 0;
END;

CREATE TRIGGER launch_template_counts_upd AFTER UPDATE OF account, region, compliance ON launch_templates
  WHEN OLD.account IS NOT NEW.account OR OLD.region IS NOT NEW.region
    OR OLD.compliance IS NOT NEW.compliance
BEGIN
  UPDATE launch_template_counts SET n = n - 1
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance;
  DELETE FROM launch_template_counts
    WHERE account = OLD.account AND region = OLD.region AND compliance = OLD.compliance AND n <= 0;
  INSERT INTO launch_template_counts(account, region, compliance, n)
    VALUES (NEW.account, NEW.region, NEW.compliance, 1)
    ON CONFLICT(account, region, compliance) DO UPDATE SET n = n + 1;
END;
