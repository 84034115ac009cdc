/* store_template.c: launch templates, version verdicts, history, links (see store_template.h). */
#include "store_template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* ---- statements ---- */

#define PK " WHERE account = ?1 AND region = ?2 AND template_id = ?3"

static const char SQL_META_GET[] =
	"SELECT name, default_version, latest_version, deleted_at, meta_observed_at FROM launch_templates" PK;
static const char SQL_META_INSERT[] =
	"INSERT INTO launch_templates(account, region, template_id, name, default_version, latest_version,"
	" deleted_at, meta_observed_at, compliance, reasons, observed_at, evaluated_at, first_seen_at,"
	" last_event_id, result_token)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'INSUFFICIENT_DATA', '[\"not judged yet\"]', ?8, ?9, ?9, ?10, ?11)";
static const char SQL_META_UPDATE[] =
	"UPDATE launch_templates SET name = ?4, default_version = ?5, latest_version = ?6, deleted_at = ?7,"
	" meta_observed_at = ?8, last_event_id = COALESCE(?10, last_event_id),"
	" result_token = COALESCE(?11, result_token)" PK;
static const char SQL_META_STALE[] =
	"UPDATE launch_templates SET name = COALESCE(name, ?4), latest_version = max(COALESCE(latest_version, 0), ?6)"
	PK;

#define V_COLS "account, region, template_id, version, image_ref, image_id, compliance, reasons, matched_rule," \
	       " exemption, facts_source, observed_at, evaluated_at, next_change_at, resolved_at, deleted_at"
#define V_PK PK " AND version = ?4"
static const char SQL_V_GET[] = "SELECT " V_COLS ", 0 FROM launch_template_versions" V_PK;
static const char SQL_V_UPSERT[] =
	"INSERT INTO launch_template_versions(account, region, template_id, version, image_ref, image_id,"
	" resolved_at, compliance, reasons, matched_rule, exemption, facts_source, observed_at, evaluated_at,"
	" next_change_at, deleted_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
	" ON CONFLICT(account, region, template_id, version) DO UPDATE SET image_ref = excluded.image_ref,"
	" image_id = excluded.image_id, resolved_at = COALESCE(excluded.resolved_at, resolved_at),"
	" compliance = excluded.compliance, reasons = excluded.reasons, matched_rule = excluded.matched_rule,"
	" exemption = excluded.exemption, facts_source = excluded.facts_source, observed_at = excluded.observed_at,"
	" evaluated_at = excluded.evaluated_at, next_change_at = excluded.next_change_at,"
	" deleted_at = excluded.deleted_at";
static const char SQL_V_LIST[] = "SELECT " V_COLS ", version = ?4 FROM launch_template_versions" PK
				 " ORDER BY version DESC LIMIT ?5";
static const char SQL_HISTORY_ADD[] =
	"INSERT INTO launch_template_evaluations(account, region, template_id, version, is_default, image_ref,"
	" image_id, compliance, previous_compliance, reasons, matched_rule, exemption, facts_source, observed_at,"
	" evaluated_at, next_change_at, trigger, trigger_event_id)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

#define H_COLS "id, account, region, template_id, version, is_default, image_ref, image_id, compliance," \
	       " previous_compliance, reasons, matched_rule, exemption, facts_source, observed_at, evaluated_at," \
	       " next_change_at, trigger, trigger_event_id"
static const char SQL_HISTORY[] = "SELECT " H_COLS " FROM launch_template_evaluations" PK
				  " AND id < ?4 ORDER BY id DESC LIMIT ?5";

#define T_COLS "account, region, template_id, name, default_version, latest_version, deleted_at, image_ref," \
	       " image_id, compliance, reasons, matched_rule, exemption, facts_source, latest_compliance," \
	       " latest_image_id, observed_at, evaluated_at, next_change_at, first_seen_at, last_event_id," \
	       " settled_version, result_token"
static const char SQL_T_GET[] = "SELECT " T_COLS " FROM launch_templates" PK;
static const char SQL_T_SETTLE[] =
	"UPDATE launch_templates SET image_ref = ?4, image_id = ?5, compliance = ?6, reasons = ?7,"
	" matched_rule = ?8, exemption = ?9, facts_source = ?10, observed_at = ?11, evaluated_at = ?12,"
	" next_change_at = ?13, latest_compliance = ?14, latest_image_id = ?15, settled_version = ?16" PK;

/*
 * List bindings: ?1 account ?2 region ?3 compliance ?4 image_id ?8 key sort ?9 key
 * account ?10 key region ?11 key template_id ?12 limit. The first page's key is
 * (INT64_MAX, '', '', ''), which every row precedes.
 */
#define T_RESID " AND (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR region = ?2)" \
		" AND (?3 IS NULL OR compliance = ?3) AND (?4 IS NULL OR image_id = ?4)"
#define T_LIST(lead) "SELECT " T_COLS " FROM launch_templates WHERE " lead \
	"(evaluated_at, account, region, template_id) < (?8, ?9, ?10, ?11)" T_RESID \
	" ORDER BY evaluated_at DESC, account DESC, region DESC, template_id DESC LIMIT ?12"
#define T_LIST_ACCT(lead) "SELECT " T_COLS " FROM launch_templates WHERE " lead \
	"(evaluated_at, region, template_id) < (?8, ?10, ?11)" T_RESID \
	" ORDER BY evaluated_at DESC, region DESC, template_id DESC LIMIT ?12"

enum t_shape { T_ALL, T_ACCT, T_ACCT_COMP, T_COMP, T_IMAGE, T_SHAPE__MAX };
static const char SQL_T_ALL[] = T_LIST("");
static const char SQL_T_ACCT[] = T_LIST_ACCT("account = ?1 AND ");
static const char SQL_T_ACCT_COMP[] = T_LIST_ACCT("account = ?1 AND compliance = ?3 AND ");
static const char SQL_T_COMP[] = T_LIST("compliance = ?3 AND ");
static const char SQL_T_IMAGE[] = T_LIST("image_id = ?4 AND ");
static const char *const t_sql[T_SHAPE__MAX] = {
	[T_ALL] = SQL_T_ALL, [T_ACCT] = SQL_T_ACCT, [T_ACCT_COMP] = SQL_T_ACCT_COMP,
	[T_COMP] = SQL_T_COMP, [T_IMAGE] = SQL_T_IMAGE,
};

static const char SQL_LINK_PUT[] =
	"INSERT INTO instance_launch_templates(account, region, instance_id, template_id, version, version_alias,"
	" image_override, observed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT(account, region, instance_id) DO UPDATE SET template_id = excluded.template_id,"
	" version = excluded.version, version_alias = excluded.version_alias,"
	" image_override = excluded.image_override, observed_at = excluded.observed_at"
	" WHERE excluded.observed_at >= instance_launch_templates.observed_at";
static const char SQL_LINK_GET[] =
	"SELECT account, region, instance_id, template_id, version, version_alias, image_override, observed_at"
	" FROM instance_launch_templates WHERE account = ?1 AND region = ?2 AND instance_id = ?3";
static const char SQL_INSTANCES[] =
	"SELECT l.instance_id, i.image_id, i.compliance, i.state, l.version, l.version_alias, l.image_override,"
	" l.observed_at FROM instance_launch_templates l LEFT JOIN instances i ON i.account = l.account AND"
	" i.region = l.region AND i.instance_id = l.instance_id"
	" WHERE l.account = ?1 AND l.region = ?2 AND l.template_id = ?3 ORDER BY l.observed_at DESC LIMIT ?4";

static const char SQL_TOTALS[] = "SELECT compliance, sum(n) FROM launch_template_counts"
				 " WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR region = ?2) GROUP BY compliance";
static const char SQL_NAMING_IMAGE[] =
	"SELECT v.account, v.template_id, t.name, v.compliance, v.image_ref, v.version,"
	" v.version IS t.default_version, v.version IS t.latest_version"
	" FROM launch_template_versions v JOIN launch_templates t ON t.account = v.account AND"
	" t.region = v.region AND t.template_id = v.template_id"
	" WHERE v.image_id = ?2 AND v.region = ?1 AND v.deleted_at IS NULL AND t.deleted_at IS NULL"
	" ORDER BY v.version IS t.default_version DESC, v.account, v.template_id, v.version DESC LIMIT ?3";
static const char SQL_PURGE[] = "DELETE FROM launch_template_evaluations WHERE id IN"
				" (SELECT id FROM launch_template_evaluations WHERE evaluated_at < ?1 LIMIT ?2)";

/* Re-judging: every live version in key order (all, or one account and Region), the
 * versions due, the next due time; the live templates of a pair in id order. */
#define V_TEMPLATE_LIVE " AND NOT EXISTS (SELECT 1 FROM launch_templates t WHERE" \
	" t.account = launch_template_versions.account AND t.region = launch_template_versions.region AND" \
	" t.template_id = launch_template_versions.template_id AND t.deleted_at IS NOT NULL)"
static const char SQL_V_PAGE_ALL[] =
	"SELECT " V_COLS ", 0 FROM launch_template_versions WHERE (account, region, template_id, version) >"
	" (?1, ?2, ?3, ?4) AND deleted_at IS NULL" V_TEMPLATE_LIVE
	" ORDER BY account, region, template_id, version LIMIT ?5";
static const char SQL_V_PAGE_PAIR[] =
	"SELECT " V_COLS ", 0 FROM launch_template_versions WHERE account = ?1 AND region = ?2 AND"
	" (template_id, version) > (?3, ?4) AND deleted_at IS NULL" V_TEMPLATE_LIVE
	" ORDER BY template_id, version LIMIT ?5";
static const char SQL_V_DUE[] =
	"SELECT " V_COLS ", 0 FROM launch_template_versions WHERE next_change_at <= ?1" V_TEMPLATE_LIVE
	" ORDER BY next_change_at LIMIT ?2";
static const char SQL_V_NEXT_DUE[] =
	"SELECT next_change_at FROM launch_template_versions WHERE next_change_at IS NOT NULL"
	" ORDER BY next_change_at LIMIT 1";
static const char SQL_T_IDS[] =
	"SELECT template_id FROM launch_templates WHERE account = ?1 AND region = ?2 AND template_id > ?3"
	" AND deleted_at IS NULL ORDER BY template_id LIMIT ?4";

static const struct query_statement statements[] = {
	{"template_meta", SQL_META_GET, NULL},
	{"template_get", SQL_T_GET, NULL},
	{"template_version_get", SQL_V_GET, NULL},
	{"template_versions", SQL_V_LIST, "launch_template_versions"},
	{"template_history", SQL_HISTORY, "launch_template_evaluations"},
	{"templates_all", SQL_T_ALL, "launch_templates"},
	{"templates_account", SQL_T_ACCT, "launch_templates"},
	{"templates_account_compliance", SQL_T_ACCT_COMP, "launch_templates"},
	{"templates_compliance", SQL_T_COMP, "launch_templates"},
	{"templates_image", SQL_T_IMAGE, "launch_templates"},
	{"template_link", SQL_LINK_GET, NULL},
	{"template_instances", SQL_INSTANCES, "instance_launch_templates"},
	{"template_totals", SQL_TOTALS, NULL},
	{"templates_naming_image", SQL_NAMING_IMAGE, "launch_template_versions"},
	{"template_purge", SQL_PURGE, "launch_template_evaluations"},
	{"template_versions_all", SQL_V_PAGE_ALL, "launch_template_versions"},
	{"template_versions_pair", SQL_V_PAGE_PAIR, "launch_template_versions"},
	{"template_versions_due", SQL_V_DUE, "launch_template_versions"},
	{"template_versions_next_due", SQL_V_NEXT_DUE, "launch_template_versions"},
	{"template_ids", SQL_T_IDS, "launch_templates"},
};

const struct query_statement *store_template_statements(size_t *ret_n)
{
	*ret_n = sizeof(statements) / sizeof(statements[0]);
	return statements;
}

/* ---- helpers ---- */

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

static int same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static void bind_pk(sqlite3_stmt *st, const char *account, const char *region, const char *template_id)
{
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, template_id);
}

static void bind_opt_i64(sqlite3_stmt *st, int idx, int64_t v)
{
	if (v)
		sqlite3_bind_int64(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

/* Runs a statement that returns no rows, resets it. */
static int exec_done(struct store *s, sqlite3_stmt *st)
{
	int rc = store_step(s, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? IT_OK : store_status(rc);
}

struct meta {
	int exists;
	char name[IT_LT_MAX_NAME + 1];
	int has_name;
	int64_t default_version, latest_version, deleted_at, observed_at;
};

static int meta_get(struct store *s, const char *account, const char *region, const char *template_id,
		    struct meta *ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_META_GET, &st);

	memset(ret, 0, sizeof(*ret));
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		const char *name = store_col_text(st, 0);
		ret->exists = 1;
		ret->has_name = name != NULL;
		snprintf(ret->name, sizeof(ret->name), "%s", name ? name : "");
		ret->default_version = sqlite3_column_int64(st, 1);
		ret->latest_version = sqlite3_column_int64(st, 2);
		ret->deleted_at = sqlite3_column_int64(st, 3);
		ret->observed_at = sqlite3_column_int64(st, 4);
		rc = IT_OK;
	} else {
		rc = rc == SQLITE_DONE ? IT_OK : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

/* ---- writes ---- */

int store_template_put_meta(struct store *s, const struct template_meta *m, int64_t now, enum template_apply *ret)
{
	struct meta cur;
	sqlite3_stmt *st;
	enum template_apply how;
	int rc;

	rc = meta_get(s, m->account, m->region, m->template_id, &cur);
	if (rc)
		return rc;
	if (!cur.exists) {
		rc = store_stmt(s, SQL_META_INSERT, &st);
		if (rc)
			return rc;
		bind_pk(st, m->account, m->region, m->template_id);
		store_bind_text(st, 4, nz(m->name));
		bind_opt_i64(st, 5, m->default_version);
		bind_opt_i64(st, 6, m->latest_version > m->default_version ? m->latest_version : m->default_version);
		bind_opt_i64(st, 7, m->deleted ? m->observed_at : 0);
		sqlite3_bind_int64(st, 8, m->observed_at);
		sqlite3_bind_int64(st, 9, now);
		store_bind_text(st, 10, nz(m->event_id));
		store_bind_text(st, 11, m->result_token);
		how = TEMPLATE_APPLIED;
	} else if (m->observed_at < cur.observed_at) {
		/* an older word on the template: only what cannot have changed since (a name it
		 * had none of, a version number that exists) is taken */
		rc = store_stmt(s, SQL_META_STALE, &st);
		if (rc)
			return rc;
		bind_pk(st, m->account, m->region, m->template_id);
		store_bind_text(st, 4, nz(m->name));
		sqlite3_bind_int64(st, 6, m->latest_version);
		how = TEMPLATE_STALE;
	} else {
		int64_t dflt = m->default_version ? m->default_version : cur.default_version;
		int64_t latest = m->latest_version ? m->latest_version : cur.latest_version;
		if (dflt > latest)
			latest = dflt;
		rc = store_stmt(s, SQL_META_UPDATE, &st);
		if (rc)
			return rc;
		bind_pk(st, m->account, m->region, m->template_id);
		store_bind_text(st, 4, nz(m->name) ? m->name : (cur.has_name ? cur.name : NULL));
		bind_opt_i64(st, 5, dflt);
		bind_opt_i64(st, 6, latest);
		/* a newer word that the template exists (AWS listed it) ends a deletion claim */
		bind_opt_i64(st, 7, m->deleted ? (cur.deleted_at ? cur.deleted_at : m->observed_at) : 0);
		sqlite3_bind_int64(st, 8, m->observed_at);
		store_bind_text(st, 10, nz(m->event_id));
		store_bind_text(st, 11, m->result_token);
		how = (dflt != cur.default_version || latest != cur.latest_version || !!m->deleted != !!cur.deleted_at ||
		       (nz(m->name) && (!cur.has_name || strcmp(m->name, cur.name) != 0)))
			      ? TEMPLATE_APPLIED
			      : TEMPLATE_UNCHANGED;
	}
	rc = exec_done(s, st);
	if (rc == IT_OK && ret)
		*ret = how;
	return rc;
}

/* The stored verdict of one version (copied, since it is compared after the statement
 * is reused). */
struct vcur {
	int exists;
	char compliance[24];
	char *reasons, *matched_rule, *exemption, *image_id;
	int64_t observed_at;
};

static void vcur_finish(struct vcur *v)
{
	free(v->reasons);
	free(v->matched_rule);
	free(v->exemption);
	free(v->image_id);
	memset(v, 0, sizeof(*v));
}

static char *dup_col(sqlite3_stmt *st, int col, int *oom)
{
	const char *t = store_col_text(st, col);
	char *d = t ? strdup(t) : NULL;
	if (t && !d)
		*oom = 1;
	return d;
}

static int vcur_get(struct store *s, const char *account, const char *region, const char *template_id,
		    int64_t version, struct vcur *ret)
{
	sqlite3_stmt *st;
	int oom = 0, rc = store_stmt(s, SQL_V_GET, &st);

	memset(ret, 0, sizeof(*ret));
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, version);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		const char *c = store_col_text(st, 6);
		ret->exists = 1;
		snprintf(ret->compliance, sizeof(ret->compliance), "%s", c ? c : "");
		ret->image_id = dup_col(st, 5, &oom);
		ret->reasons = dup_col(st, 7, &oom);
		ret->matched_rule = dup_col(st, 8, &oom);
		ret->exemption = dup_col(st, 9, &oom);
		ret->observed_at = sqlite3_column_int64(st, 11);
		rc = oom ? IT_ENOMEM : IT_OK;
	} else {
		rc = rc == SQLITE_DONE ? IT_OK : store_status(rc);
	}
	sqlite3_reset(st);
	if (rc)
		vcur_finish(ret);
	return rc;
}

/* One history row from values. */
struct hist {
	const char *account, *region, *template_id;
	int64_t version;
	int is_default;
	const char *image_ref, *image_id, *compliance, *previous, *reasons, *matched_rule, *exemption, *facts_source;
	int64_t observed_at, evaluated_at, next_change_at;
	const char *trigger, *event_id;
};

static int history_add(struct store *s, const struct hist *h)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_HISTORY_ADD, &st);

	if (rc)
		return rc;
	bind_pk(st, h->account, h->region, h->template_id);
	bind_opt_i64(st, 4, h->version);
	sqlite3_bind_int(st, 5, h->is_default ? 1 : 0);
	store_bind_text(st, 6, nz(h->image_ref));
	store_bind_text(st, 7, nz(h->image_id));
	store_bind_text(st, 8, h->compliance);
	store_bind_text(st, 9, nz(h->previous));
	store_bind_text(st, 10, h->reasons ? h->reasons : "[]");
	store_bind_text(st, 11, nz(h->matched_rule));
	store_bind_text(st, 12, nz(h->exemption));
	store_bind_text(st, 13, nz(h->facts_source));
	sqlite3_bind_int64(st, 14, h->observed_at);
	sqlite3_bind_int64(st, 15, h->evaluated_at);
	bind_opt_i64(st, 16, h->next_change_at);
	store_bind_text(st, 17, h->trigger && *h->trigger ? h->trigger : "event");
	store_bind_text(st, 18, nz(h->event_id));
	return exec_done(s, st);
}

int store_template_put_version(struct store *s, const struct template_version_verdict *v, enum template_apply *ret)
{
	struct meta m;
	struct vcur cur;
	sqlite3_stmt *st;
	int rc, changed = 1, event = v->trigger && strcmp(v->trigger, "event") == 0;

	if (v->version < 1 || !v->compliance)
		return IT_EINVAL;
	rc = meta_get(s, v->account, v->region, v->template_id, &m);
	if (rc)
		return rc;
	if (!m.exists)
		return IT_ENOTFOUND;
	rc = vcur_get(s, v->account, v->region, v->template_id, v->version, &cur);
	if (rc)
		return rc;
	if (cur.exists && cur.observed_at > v->observed_at) {
		vcur_finish(&cur);
		if (ret)
			*ret = TEMPLATE_STALE;
		return IT_OK;
	}
	if (cur.exists)
		changed = !same(cur.compliance, v->compliance) || !same(cur.reasons, v->reasons_json) ||
			  !same(cur.matched_rule, nz(v->matched_rule)) || !same(cur.exemption, nz(v->exemption)) ||
			  !same(cur.image_id, nz(v->image_id));
	rc = store_stmt(s, SQL_V_UPSERT, &st);
	if (rc)
		goto out;
	bind_pk(st, v->account, v->region, v->template_id);
	sqlite3_bind_int64(st, 4, v->version);
	store_bind_text(st, 5, nz(v->image_ref));
	store_bind_text(st, 6, nz(v->image_id));
	bind_opt_i64(st, 7, v->resolved_at);
	store_bind_text(st, 8, v->compliance);
	store_bind_text(st, 9, v->reasons_json ? v->reasons_json : "[]");
	store_bind_text(st, 10, nz(v->matched_rule));
	store_bind_text(st, 11, nz(v->exemption));
	store_bind_text(st, 12, nz(v->facts_source));
	sqlite3_bind_int64(st, 13, v->observed_at);
	sqlite3_bind_int64(st, 14, v->evaluated_at);
	bind_opt_i64(st, 15, v->next_change_at);
	bind_opt_i64(st, 16, v->deleted ? v->observed_at : 0);
	rc = exec_done(s, st);
	/* the default version's history is the template's, written when it settles */
	if (rc == IT_OK && (changed || event) && v->version != m.default_version) {
		struct hist h = {v->account, v->region, v->template_id, v->version, 0, v->image_ref, v->image_id,
				 v->compliance, cur.exists ? cur.compliance : NULL, v->reasons_json, v->matched_rule,
				 v->exemption, v->facts_source, v->observed_at, v->evaluated_at, v->next_change_at,
				 v->trigger, v->event_id};
		rc = history_add(s, &h);
	}
	if (rc == IT_OK && ret)
		*ret = changed ? TEMPLATE_APPLIED : TEMPLATE_UNCHANGED;
out:
	vcur_finish(&cur);
	return rc;
}

/* The template's verdict columns as stored (copied). */
struct tcur {
	char compliance[24];
	char *reasons, *image_id;
	int64_t settled_version, first_seen_at;
};

struct version_copy {
	int exists;
	char *image_ref, *image_id, *compliance, *reasons, *matched_rule, *exemption, *facts_source;
	int64_t observed_at, evaluated_at, next_change_at, deleted_at;
};

static void version_copy_finish(struct version_copy *v)
{
	free(v->image_ref);
	free(v->image_id);
	free(v->compliance);
	free(v->reasons);
	free(v->matched_rule);
	free(v->exemption);
	free(v->facts_source);
	memset(v, 0, sizeof(*v));
}

static int version_copy_get(struct store *s, const char *account, const char *region, const char *template_id,
			    int64_t version, struct version_copy *ret)
{
	sqlite3_stmt *st;
	int oom = 0, rc;

	memset(ret, 0, sizeof(*ret));
	if (version < 1)
		return IT_OK;
	rc = store_stmt(s, SQL_V_GET, &st);
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, version);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		ret->exists = 1;
		ret->image_ref = dup_col(st, 4, &oom);
		ret->image_id = dup_col(st, 5, &oom);
		ret->compliance = dup_col(st, 6, &oom);
		ret->reasons = dup_col(st, 7, &oom);
		ret->matched_rule = dup_col(st, 8, &oom);
		ret->exemption = dup_col(st, 9, &oom);
		ret->facts_source = dup_col(st, 10, &oom);
		ret->observed_at = sqlite3_column_int64(st, 11);
		ret->evaluated_at = sqlite3_column_int64(st, 12);
		ret->next_change_at = sqlite3_column_int64(st, 13);
		ret->deleted_at = sqlite3_column_int64(st, 15);
		rc = oom ? IT_ENOMEM : IT_OK;
	} else {
		rc = rc == SQLITE_DONE ? IT_OK : store_status(rc);
	}
	sqlite3_reset(st);
	if (rc)
		version_copy_finish(ret);
	return rc;
}

static int tcur_get(struct store *s, const char *account, const char *region, const char *template_id,
		    struct tcur *ret)
{
	sqlite3_stmt *st;
	int oom = 0, rc = store_stmt(s, SQL_T_GET, &st);

	memset(ret, 0, sizeof(*ret));
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		const char *c = store_col_text(st, 9);
		snprintf(ret->compliance, sizeof(ret->compliance), "%s", c ? c : "");
		ret->reasons = dup_col(st, 10, &oom);
		ret->image_id = dup_col(st, 8, &oom);
		ret->first_seen_at = sqlite3_column_int64(st, 19);
		ret->settled_version = sqlite3_column_int64(st, 21);
		rc = oom ? IT_ENOMEM : IT_OK;
	} else {
		rc = rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
	}
	sqlite3_reset(st);
	if (rc) {
		free(ret->reasons);
		free(ret->image_id);
	}
	return rc;
}

int store_template_settle(struct store *s, const char *account, const char *region, const char *template_id,
			  int64_t now, const char *trigger, const char *event_id, struct template_change *ret)
{
	struct meta m;
	struct tcur cur;
	struct version_copy dv, lv;
	struct template_change ch;
	sqlite3_stmt *st;
	char reason[200];
	const char *compliance, *reasons, *image_ref = NULL, *image_id = NULL, *matched = NULL, *exemption = NULL,
			*source = NULL;
	int64_t observed, evaluated = now, next = 0;
	int rc, first;

	rc = meta_get(s, account, region, template_id, &m);
	if (rc)
		return rc;
	if (!m.exists)
		return IT_ENOTFOUND;
	rc = tcur_get(s, account, region, template_id, &cur);
	if (rc)
		return rc;
	memset(&dv, 0, sizeof(dv));
	memset(&lv, 0, sizeof(lv));
	rc = version_copy_get(s, account, region, template_id, m.default_version, &dv);
	if (rc == IT_OK && m.latest_version)
		rc = version_copy_get(s, account, region, template_id, m.latest_version, &lv);
	if (rc)
		goto out;

	observed = m.observed_at;
	if (m.deleted_at) {
		compliance = "NOT_APPLICABLE";
		snprintf(reason, sizeof(reason), "[\"the launch template was deleted\"]");
		reasons = reason;
		observed = m.deleted_at > m.observed_at ? m.deleted_at : m.observed_at;
		image_ref = dv.image_ref;
		image_id = dv.image_id;
	} else if (dv.exists) {
		compliance = dv.compliance;
		reasons = dv.reasons;
		image_ref = dv.image_ref;
		image_id = dv.image_id;
		matched = dv.matched_rule;
		exemption = dv.exemption;
		source = dv.facts_source;
		evaluated = dv.evaluated_at;
		next = dv.next_change_at;
		if (dv.observed_at > observed)
			observed = dv.observed_at;
	} else {
		compliance = "INSUFFICIENT_DATA";
		if (m.default_version)
			snprintf(reason, sizeof(reason),
				 "[\"the default version (%lld) has not been read yet\"]", (long long)m.default_version);
		else
			snprintf(reason, sizeof(reason), "[\"the default version is not known yet\"]");
		reasons = reason;
	}
	first = strcmp(cur.reasons ? cur.reasons : "", "[\"not judged yet\"]") == 0;
	memset(&ch, 0, sizeof(ch));
	snprintf(ch.previous, sizeof(ch.previous), "%s", first ? "" : cur.compliance);
	snprintf(ch.compliance, sizeof(ch.compliance), "%s", compliance);
	ch.default_version = m.default_version;
	ch.changed = first || !same(cur.compliance, compliance) || !same(cur.reasons, reasons) ||
		     !same(cur.image_id, image_id) || cur.settled_version != m.default_version;

	rc = store_stmt(s, SQL_T_SETTLE, &st);
	if (rc)
		goto out;
	bind_pk(st, account, region, template_id);
	store_bind_text(st, 4, nz(image_ref));
	store_bind_text(st, 5, nz(image_id));
	store_bind_text(st, 6, compliance);
	store_bind_text(st, 7, reasons);
	store_bind_text(st, 8, nz(matched));
	store_bind_text(st, 9, nz(exemption));
	store_bind_text(st, 10, nz(source));
	sqlite3_bind_int64(st, 11, observed);
	sqlite3_bind_int64(st, 12, evaluated);
	bind_opt_i64(st, 13, next);
	store_bind_text(st, 14, lv.exists ? lv.compliance : NULL);
	store_bind_text(st, 15, lv.exists ? nz(lv.image_id) : NULL);
	bind_opt_i64(st, 16, m.default_version);
	rc = exec_done(s, st);
	if (rc == IT_OK && ch.changed) {
		struct hist h = {account, region, template_id, m.default_version, 1, image_ref, image_id, compliance,
				 ch.previous, reasons, matched, exemption, source, observed, now, next, trigger, event_id};
		rc = history_add(s, &h);
	}
	if (rc == IT_OK && ret)
		*ret = ch;
out:
	version_copy_finish(&dv);
	version_copy_finish(&lv);
	free(cur.reasons);
	free(cur.image_id);
	return rc;
}

/* ---- reads ---- */

static void read_template(sqlite3_stmt *st, struct template_row *r)
{
	memset(r, 0, sizeof(*r));
	r->account = store_col_text(st, 0);
	r->region = store_col_text(st, 1);
	r->template_id = store_col_text(st, 2);
	r->name = store_col_text(st, 3);
	r->default_version = sqlite3_column_int64(st, 4);
	r->latest_version = sqlite3_column_int64(st, 5);
	r->deleted = sqlite3_column_type(st, 6) != SQLITE_NULL;
	r->deleted_at = sqlite3_column_int64(st, 6);
	r->image_ref = store_col_text(st, 7);
	r->image_id = store_col_text(st, 8);
	r->compliance = store_col_text(st, 9);
	r->reasons_json = store_col_text(st, 10);
	r->matched_rule = store_col_text(st, 11);
	r->exemption = store_col_text(st, 12);
	r->facts_source = store_col_text(st, 13);
	r->latest_compliance = store_col_text(st, 14);
	r->latest_image_id = store_col_text(st, 15);
	r->observed_at = sqlite3_column_int64(st, 16);
	r->evaluated_at = sqlite3_column_int64(st, 17);
	r->has_next_change = sqlite3_column_type(st, 18) != SQLITE_NULL;
	r->next_change_at = sqlite3_column_int64(st, 18);
	r->first_seen_at = sqlite3_column_int64(st, 19);
	r->last_event_id = store_col_text(st, 20);
	r->result_token = store_col_text(st, 22);
}

static void read_version(sqlite3_stmt *st, struct template_version_row *r)
{
	memset(r, 0, sizeof(*r));
	r->account = store_col_text(st, 0);
	r->region = store_col_text(st, 1);
	r->template_id = store_col_text(st, 2);
	r->version = sqlite3_column_int64(st, 3);
	r->image_ref = store_col_text(st, 4);
	r->image_id = store_col_text(st, 5);
	r->compliance = store_col_text(st, 6);
	r->reasons_json = store_col_text(st, 7);
	r->matched_rule = store_col_text(st, 8);
	r->exemption = store_col_text(st, 9);
	r->facts_source = store_col_text(st, 10);
	r->observed_at = sqlite3_column_int64(st, 11);
	r->evaluated_at = sqlite3_column_int64(st, 12);
	r->has_next_change = sqlite3_column_type(st, 13) != SQLITE_NULL;
	r->next_change_at = sqlite3_column_int64(st, 13);
	r->resolved_at = sqlite3_column_int64(st, 14);
	r->deleted_at = sqlite3_column_int64(st, 15);
	r->is_default = sqlite3_column_int(st, 16);
}

static void read_history(sqlite3_stmt *st, struct template_version_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->account = store_col_text(st, 1);
	r->region = store_col_text(st, 2);
	r->template_id = store_col_text(st, 3);
	r->version = sqlite3_column_int64(st, 4);
	r->is_default = sqlite3_column_int(st, 5);
	r->image_ref = store_col_text(st, 6);
	r->image_id = store_col_text(st, 7);
	r->compliance = store_col_text(st, 8);
	r->previous_compliance = store_col_text(st, 9);
	r->reasons_json = store_col_text(st, 10);
	r->matched_rule = store_col_text(st, 11);
	r->exemption = store_col_text(st, 12);
	r->facts_source = store_col_text(st, 13);
	r->observed_at = sqlite3_column_int64(st, 14);
	r->evaluated_at = sqlite3_column_int64(st, 15);
	r->has_next_change = sqlite3_column_type(st, 16) != SQLITE_NULL;
	r->next_change_at = sqlite3_column_int64(st, 16);
	r->trigger = store_col_text(st, 17);
	r->trigger_event_id = store_col_text(st, 18);
}

static void copy_key(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static enum t_shape pick_shape(const struct query_filter *f)
{
	if (f->account && f->compliance)
		return T_ACCT_COMP;
	if (f->account)
		return T_ACCT;
	if (f->image_id)
		return T_IMAGE;
	if (f->compliance)
		return T_COMP;
	return T_ALL;
}

int store_template_list(struct store *s, const struct query_filter *f, const struct query_key *after, int limit,
			template_row_fn fn, void *ctx, struct query_page *ret_page)
{
	struct query_page page;
	struct template_row row;
	sqlite3_stmt *st;
	int n = 0, b, rc;

	if (limit < 1 || limit > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, t_sql[pick_shape(f)], &st);
	if (rc)
		return rc;
	b = store_bind_text(st, 1, f->account);
	b |= store_bind_text(st, 2, f->region);
	b |= store_bind_text(st, 3, f->compliance);
	b |= store_bind_text(st, 4, f->image_id);
	b |= sqlite3_bind_int64(st, 8, after ? after->sort : INT64_MAX);
	b |= sqlite3_bind_text(st, 9, after ? after->account : "", -1, SQLITE_TRANSIENT);
	b |= sqlite3_bind_text(st, 10, after ? after->region : "", -1, SQLITE_TRANSIENT);
	b |= sqlite3_bind_text(st, 11, after ? after->instance_id : "", -1, SQLITE_TRANSIENT);
	b |= sqlite3_bind_int(st, 12, limit + 1);
	if (b != SQLITE_OK) {
		sqlite3_reset(st);
		return IT_EDB;
	}
	memset(&page, 0, sizeof(page));
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			goto out;
		}
		if (n == limit) {
			page.has_next = 1;
			break;
		}
		read_template(st, &row);
		rc = fn(ctx, &row);
		if (rc == QUERY_ROW_FULL) {
			if (n == 0) {
				rc = IT_ETOOBIG;
				goto out;
			}
			page.has_next = 1;
			break;
		}
		if (rc)
			goto out;
		n++;
		page.next.sort = row.evaluated_at;
		copy_key(page.next.account, sizeof(page.next.account), row.account);
		copy_key(page.next.region, sizeof(page.next.region), row.region);
		copy_key(page.next.instance_id, sizeof(page.next.instance_id), row.template_id);
	}
	rc = IT_OK;
	*ret_page = page;
out:
	sqlite3_reset(st);
	return rc;
}

int store_template_get(struct store *s, const char *account, const char *region, const char *template_id,
		       template_row_fn fn, void *ctx)
{
	struct template_row row;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_T_GET, &st);

	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		read_template(st, &row);
		rc = fn(ctx, &row);
	} else {
		rc = rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int store_template_versions(struct store *s, const char *account, const char *region, const char *template_id,
			    size_t max, template_version_fn fn, void *ctx, int *ret_more)
{
	struct template_version_row row;
	struct meta m;
	sqlite3_stmt *st;
	size_t n = 0;
	int more = 0, rc;

	if (max < 1 || max > IT_LT_VERSIONS_SHOWN)
		return IT_EINVAL;
	rc = meta_get(s, account, region, template_id, &m);
	if (rc)
		return rc;
	rc = store_stmt(s, SQL_V_LIST, &st);
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, m.default_version);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max + 1);
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE) {
			rc = IT_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			break;
		}
		if (n == max) {
			more = 1;
			rc = IT_OK;
			break;
		}
		read_version(st, &row);
		rc = fn(ctx, &row);
		if (rc)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && ret_more)
		*ret_more = more;
	return rc;
}

int store_template_version_get(struct store *s, const char *account, const char *region, const char *template_id,
			       int64_t version, template_version_fn fn, void *ctx)
{
	struct template_version_row row;
	struct meta m;
	sqlite3_stmt *st;
	int rc;

	rc = meta_get(s, account, region, template_id, &m);
	if (rc)
		return rc;
	rc = store_stmt(s, SQL_V_GET, &st);
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, version);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		read_version(st, &row);
		row.is_default = m.default_version == version;
		rc = fn(ctx, &row);
	} else {
		rc = rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int store_template_history(struct store *s, const char *account, const char *region, const char *template_id,
			   const struct query_key *after, int limit, template_version_fn fn, void *ctx,
			   struct query_page *ret_page)
{
	struct template_version_row row;
	struct query_page page;
	sqlite3_stmt *st;
	int n = 0, rc;

	if (limit < 1 || limit > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_HISTORY, &st);
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, after ? after->id : INT64_MAX);
	sqlite3_bind_int(st, 5, limit + 1);
	memset(&page, 0, sizeof(page));
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			goto out;
		}
		if (n == limit) {
			page.has_next = 1;
			break;
		}
		read_history(st, &row);
		rc = fn(ctx, &row);
		if (rc == QUERY_ROW_FULL) {
			if (n == 0) {
				rc = IT_ETOOBIG;
				goto out;
			}
			page.has_next = 1;
			break;
		}
		if (rc)
			goto out;
		n++;
		page.next.sort = row.evaluated_at;
		page.next.id = row.id;
	}
	rc = IT_OK;
	*ret_page = page;
out:
	sqlite3_reset(st);
	return rc;
}

/* ---- links ---- */

int store_template_link_put(struct store *s, const struct template_link *l)
{
	sqlite3_stmt *st;
	int rc;

	if (!l->template_id || !*l->template_id)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_LINK_PUT, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, l->account);
	store_bind_text(st, 2, l->region);
	store_bind_text(st, 3, l->instance_id);
	store_bind_text(st, 4, l->template_id);
	bind_opt_i64(st, 5, l->version);
	store_bind_text(st, 6, l->version ? NULL : nz(l->version_alias));
	sqlite3_bind_int(st, 7, l->image_override ? 1 : 0);
	sqlite3_bind_int64(st, 8, l->observed_at);
	return exec_done(s, st);
}

int store_template_link_get(struct store *s, const char *account, const char *region, const char *instance_id,
			    template_link_fn fn, void *ctx)
{
	struct template_link l;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_LINK_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, instance_id);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		memset(&l, 0, sizeof(l));
		l.account = store_col_text(st, 0);
		l.region = store_col_text(st, 1);
		l.instance_id = store_col_text(st, 2);
		l.template_id = store_col_text(st, 3);
		l.version = sqlite3_column_int64(st, 4);
		l.version_alias = store_col_text(st, 5);
		l.image_override = sqlite3_column_int(st, 6);
		l.observed_at = sqlite3_column_int64(st, 7);
		rc = fn(ctx, &l);
	} else {
		rc = rc == SQLITE_DONE ? IT_ENOTFOUND : store_status(rc);
	}
	sqlite3_reset(st);
	return rc;
}

int store_template_instances(struct store *s, const char *account, const char *region, const char *template_id,
			     size_t max, template_instance_fn fn, void *ctx, int *ret_more)
{
	struct template_instance in;
	sqlite3_stmt *st;
	size_t n = 0;
	int more = 0, rc;

	if (max < 1 || max > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_INSTANCES, &st);
	if (rc)
		return rc;
	bind_pk(st, account, region, template_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max + 1);
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE) {
			rc = IT_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			break;
		}
		if (n == max) {
			more = 1;
			rc = IT_OK;
			break;
		}
		memset(&in, 0, sizeof(in));
		in.instance_id = store_col_text(st, 0);
		in.image_id = store_col_text(st, 1);
		in.compliance = store_col_text(st, 2);
		in.state = store_col_text(st, 3);
		in.version = sqlite3_column_int64(st, 4);
		in.version_alias = store_col_text(st, 5);
		in.image_override = sqlite3_column_int(st, 6);
		in.observed_at = sqlite3_column_int64(st, 7);
		rc = fn(ctx, &in);
		if (rc)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && ret_more)
		*ret_more = more;
	return rc;
}

/* ---- counts, images, purge ---- */

int store_template_totals(struct store *s, const char *account, const char *region,
			  int64_t ret_counts[QUERY_COMPLIANCE__MAX])
{
	int64_t counts[QUERY_COMPLIANCE__MAX] = {0};
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_TOTALS, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	while ((rc = store_step(s, st)) == SQLITE_ROW) {
		const char *c = store_col_text(st, 0);
		for (int i = 0; c && i < QUERY_COMPLIANCE__MAX; i++)
			if (strcmp(c, query_compliance_names[i]) == 0)
				counts[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_status(rc);
	memcpy(ret_counts, counts, sizeof(counts));
	return IT_OK;
}

int store_template_naming_image(struct store *s, const char *region, const char *image_id, size_t max,
				template_image_fn fn, void *ctx, int *ret_more)
{
	struct template_image_use u;
	sqlite3_stmt *st;
	size_t n = 0;
	int more = 0, rc;

	if (max < 1 || max > IT_LIST_MAX || !region || !image_id)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_NAMING_IMAGE, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, region);
	store_bind_text(st, 2, image_id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max + 1);
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE) {
			rc = IT_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			break;
		}
		if (n == max) {
			more = 1;
			rc = IT_OK;
			break;
		}
		memset(&u, 0, sizeof(u));
		u.account = store_col_text(st, 0);
		u.template_id = store_col_text(st, 1);
		u.name = store_col_text(st, 2);
		u.compliance = store_col_text(st, 3);
		u.image_ref = store_col_text(st, 4);
		u.version = sqlite3_column_int64(st, 5);
		u.is_default = sqlite3_column_int(st, 6);
		u.is_latest = sqlite3_column_int(st, 7);
		rc = fn(ctx, &u);
		if (rc)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && ret_more)
		*ret_more = more;
	return rc;
}

int store_template_purge(struct store *s, int64_t now_ms, uint64_t retention_days, int batch, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc;

	if (batch < 1 || retention_days > 100000)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_PURGE, &st);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now_ms - (int64_t)retention_days * 24 * 3600 * 1000);
	sqlite3_bind_int(st, 2, batch);
	rc = exec_done(s, st);
	if (rc == IT_OK)
		*ret = sqlite3_changes(store_db(s));
	return rc;
}

static int first_seen_row(void *ctx, const struct template_row *row)
{
	*(int64_t *)ctx = row->first_seen_at;
	return IT_OK;
}

int store_template_first_seen(struct store *s, const char *account, const char *region, const char *template_id,
			      int64_t *ret_ms)
{
	return store_template_get(s, account, region, template_id, first_seen_row, ret_ms);
}

/* ---- re-judging ---- */

/* Steps st (bound) and hands each version row to fn; *ret_n (optional) counts them. */
static int version_rows(struct store *s, sqlite3_stmt *st, template_version_fn fn, void *ctx, size_t *ret_n)
{
	struct template_version_row row;
	size_t n = 0;
	int rc;

	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE) {
			rc = IT_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			break;
		}
		read_version(st, &row);
		rc = fn(ctx, &row);
		if (rc)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && ret_n)
		*ret_n = n;
	return rc;
}

int store_template_version_page(struct store *s, const char *account, const char *region,
				const struct template_version_key *after, size_t max, template_version_fn fn, void *ctx,
				size_t *ret_n)
{
	sqlite3_stmt *st;
	int pair = account != NULL, rc;

	if (max < 1 || max > IT_LIST_MAX || (pair && !region))
		return IT_EINVAL;
	rc = store_stmt(s, pair ? SQL_V_PAGE_PAIR : SQL_V_PAGE_ALL, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, pair ? account : after ? after->account : "");
	store_bind_text(st, 2, pair ? region : after ? after->region : "");
	store_bind_text(st, 3, after ? after->template_id : "");
	sqlite3_bind_int64(st, 4, after ? after->version : 0);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
	return version_rows(s, st, fn, ctx, ret_n);
}

int store_template_version_due(struct store *s, int64_t now, size_t max, template_version_fn fn, void *ctx,
			       size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc;

	if (max < 1 || max > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_V_DUE, &st);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return version_rows(s, st, fn, ctx, ret_n);
}

int store_template_next_due(struct store *s, int64_t *ret_ms)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_V_NEXT_DUE, &st);

	if (rc)
		return rc;
	rc = store_step(s, st);
	*ret_ms = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? IT_OK : store_status(rc);
	sqlite3_reset(st);
	return rc;
}

int store_template_ids(struct store *s, const char *account, const char *region, const char *after, size_t max,
		       int (*fn)(void *ctx, const char *template_id), void *ctx, size_t *ret_n)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	if (max < 1 || max > IT_LIST_MAX)
		return IT_EINVAL;
	rc = store_stmt(s, SQL_T_IDS, &st);
	if (rc)
		return rc;
	store_bind_text(st, 1, account);
	store_bind_text(st, 2, region);
	store_bind_text(st, 3, after ? after : "");
	sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
	for (;;) {
		rc = store_step(s, st);
		if (rc == SQLITE_DONE) {
			rc = IT_OK;
			break;
		}
		if (rc != SQLITE_ROW) {
			rc = store_status(rc);
			break;
		}
		rc = fn(ctx, store_col_text(st, 0));
		if (rc)
			break;
		n++;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && ret_n)
		*ret_n = n;
	return rc;
}
