/*
 * store_rule.c: rules, exemptions, images, audit and reeval in SQLite (see store_rule.h).
 *
 * Every mutating function is begin / change / audit row / reeval row / commit, with one
 * rollback path. Rule bodies are stored without version and timestamps (those are
 * columns), so "did this rule change" is a comparison of two rule_to_json texts.
 */
#include "store_rule.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "limits.h"
#include "parse.h"
#include "status.h"

static const char SQL_RULE_LIST[] =
	"SELECT id, body, version, created_at, updated_at FROM rules ORDER BY id";
static const char SQL_RULE_GET[] =
	"SELECT id, body, version, created_at, updated_at FROM rules WHERE id = ?1";
static const char SQL_RULE_INSERT[] =
	"INSERT INTO rules (id, body, version, enabled, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
static const char SQL_RULE_UPDATE[] =
	"UPDATE rules SET body = ?2, version = version + 1, enabled = ?3, updated_at = ?4 WHERE id = ?1";
static const char SQL_RULE_DELETE[] = "DELETE FROM rules WHERE id = ?1";
static const char SQL_EX_LIST_ALL[] =
	"SELECT body FROM exemptions ORDER BY id";
static const char SQL_EX_LIST_LIVE[] =
	"SELECT body FROM exemptions WHERE expires_at > ?1 ORDER BY id";
static const char SQL_EX_GET[] = "SELECT body FROM exemptions WHERE id = ?1";
static const char SQL_EX_INSERT[] =
	"INSERT INTO exemptions (id, body, expires_at, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_EX_DELETE[] = "DELETE FROM exemptions WHERE id = ?1";
static const char SQL_IMAGE_GET[] =
	"SELECT facts, updated_at FROM images WHERE region = ?1 AND image_id = ?2";
static const char SQL_IMAGE_PUT[] =
	"INSERT INTO images (region, image_id, facts, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4, ?5) "
	"ON CONFLICT (region, image_id) DO UPDATE SET facts = excluded.facts, "
	"updated_at = excluded.updated_at, updated_by = excluded.updated_by";
static const char SQL_AUDIT_INSERT[] =
	"INSERT INTO audit_log (at, actor, action, kind, object_id, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char SQL_AUDIT_LIST[] =
	"SELECT id, at, actor, action, kind, object_id, before, after FROM audit_log "
	"WHERE id < ?1 ORDER BY id DESC LIMIT ?2";
static const char SQL_REEVAL_INSERT[] = "INSERT INTO reeval_requests (at, reason) VALUES (?1, ?2)";
static const char SQL_REEVAL_PENDING[] = "SELECT COALESCE(MAX(id), 0), COUNT(*) FROM reeval_requests";
static const char SQL_REEVAL_ACK[] = "DELETE FROM reeval_requests WHERE id <= ?1";

/* ---- rule <-> text ---- */

/* JSON text of r; with_meta includes version and timestamps (audit), without is the
 * stored body. Caller frees. NULL on allocation failure. */
static char *rule_text(const struct rule *r, int with_meta)
{
	struct rule shallow = *r;
	json_t *j = NULL;
	char *t;

	if (!with_meta) {
		shallow.version = 0;
		shallow.created_at_ms = RULE_NONE;
		shallow.updated_at_ms = RULE_NONE;
	}
	if (rule_to_json(&shallow, &j) != IT_OK)
		return NULL;
	t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return t;
}

static int rule_from_text(const char *text, struct rule **ret)
{
	json_t *j = NULL;
	struct json_err err;
	int rc;

	if (!text)
		return IT_EDB;
	rc = json_load_bounded(text, strlen(text), IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &err);
	if (rc)
		return IT_EDB;   /* the store only ever holds what rule_to_json wrote */
	rc = rule_from_json(j, ret, &err);
	json_decref(j);
	return rc == IT_EINVAL ? IT_EDB : rc;
}

/* Builds the rule of the current row (id, body, version, created_at, updated_at). */
static int rule_of_row(sqlite3_stmt *st, struct rule **ret)
{
	struct rule *r = NULL;
	int rc = rule_from_text(store_col_text(st, 1), &r);

	if (rc)
		return rc;
	if (rule_set_id(r, store_col_text(st, 0)) != IT_OK) {
		rule_free(r);
		return IT_EDB;
	}
	r->version = sqlite3_column_int64(st, 2);
	r->created_at_ms = sqlite3_column_int64(st, 3);
	r->updated_at_ms = sqlite3_column_int64(st, 4);
	*ret = r;
	return IT_OK;
}

static int audit(struct store *s, int64_t now, const char *actor, const char *action, const char *kind,
		 const char *object_id, const char *before, const char *after)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_AUDIT_INSERT, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, now);
	store_bind_text(st, 2, actor);
	store_bind_text(st, 3, action);
	store_bind_text(st, 4, kind);
	store_bind_text(st, 5, object_id);
	store_bind_text(st, 6, before);
	store_bind_text(st, 7, after);
	return store_done(s, st);
}

static int reeval(struct store *s, int64_t now, const char *fmt_kind, const char *action, const char *id)
{
	char reason[IT_MAX_ID + 64];
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_REEVAL_INSERT, &st);

	if (rc)
		return rc;
	if (snprintf(reason, sizeof(reason), "%s %s %s", fmt_kind, id, action) >= (int)sizeof(reason))
		reason[sizeof(reason) - 1] = '\0';
	sqlite3_bind_int64(st, 1, now);
	store_bind_text(st, 2, reason);
	return store_done(s, st);
}

static int rule_into_set(void *ctx, sqlite3_stmt *st)
{
	struct rule *r = NULL;
	int rc = rule_of_row(st, &r);

	if (rc == IT_OK && (rc = rule_set_add_rule(ctx, r)) != IT_OK)
		rule_free(r);
	return rc;
}

int store_rule_list(struct store *s, struct rule_set *set)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_RULE_LIST, &st);

	if (rc)
		return rc;
	return store_each(s, st, rule_into_set, set);
}

/* Reads rule id inside the current transaction (or not); IT_ENOTFOUND. */
static int rule_one(void *ctx, sqlite3_stmt *st)
{
	return rule_of_row(st, ctx);
}

static int rule_get(struct store *s, const char *id, struct rule **ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_RULE_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, id);
	return store_one(s, st, rule_one, ret);
}

int store_rule_get(struct store *s, const char *id, struct rule **ret)
{
	if (!valid_object_id(id))
		return IT_ENOTFOUND;
	return rule_get(s, id, ret);
}

/* The insert, its audit and reeval rows; inside a transaction. */
static int rule_insert(struct store *s, struct rule *r, const char *actor, int64_t now)
{
	char *body = rule_text(r, 0), *after = NULL;
	sqlite3_stmt *st;
	int rc = body ? store_stmt(s, SQL_RULE_INSERT, &st) : IT_ENOMEM;
	int64_t old_v = r->version, old_c = r->created_at_ms, old_u = r->updated_at_ms;

	if (rc == 0) {
		store_bind_text(st, 1, r->id);
		store_bind_text(st, 2, body);
		sqlite3_bind_int64(st, 3, 1);
		sqlite3_bind_int(st, 4, r->enabled ? 1 : 0);
		sqlite3_bind_int64(st, 5, now);
		rc = store_done(s, st);
	}
	if (rc == 0) {
		r->version = 1;
		r->created_at_ms = r->updated_at_ms = now;
		after = rule_text(r, 1);
		rc = after ? audit(s, now, actor, "create", "rule", r->id, NULL, after) : IT_ENOMEM;
	}
	if (rc) {
		r->version = old_v;
		r->created_at_ms = old_c;
		r->updated_at_ms = old_u;
	}
	free(after);
	free(body);
	return rc;
}

/* Update of an existing row `old`; inside a transaction. */
static int rule_change(struct store *s, const struct rule *old, struct rule *r, const char *actor, int64_t now)
{
	char *body = rule_text(r, 0), *before = rule_text(old, 1), *after = NULL;
	sqlite3_stmt *st;
	int rc = (body && before) ? store_stmt(s, SQL_RULE_UPDATE, &st) : IT_ENOMEM;
	int64_t old_v = r->version, old_c = r->created_at_ms, old_u = r->updated_at_ms;

	if (rc == 0) {
		store_bind_text(st, 1, r->id);
		store_bind_text(st, 2, body);
		sqlite3_bind_int(st, 3, r->enabled ? 1 : 0);
		sqlite3_bind_int64(st, 4, now);
		rc = store_done(s, st);
	}
	if (rc == 0) {
		r->version = old->version + 1;
		r->created_at_ms = old->created_at_ms;
		r->updated_at_ms = now;
		after = rule_text(r, 1);
		rc = after ? audit(s, now, actor, "update", "rule", r->id, before, after) : IT_ENOMEM;
	}
	if (rc) {
		r->version = old_v;
		r->created_at_ms = old_c;
		r->updated_at_ms = old_u;
	}
	free(after);
	free(before);
	free(body);
	return rc;
}

static int rule_remove(struct store *s, const struct rule *old, const char *actor, int64_t now)
{
	char *before = rule_text(old, 1);
	sqlite3_stmt *st;
	int rc = before ? store_stmt(s, SQL_RULE_DELETE, &st) : IT_ENOMEM;

	if (rc == 0) {
		store_bind_text(st, 1, old->id);
		rc = store_done(s, st);
	}
	if (rc == 0)
		rc = audit(s, now, actor, "delete", "rule", old->id, before, NULL);
	free(before);
	return rc;
}

static int finish_txn(struct store *s, int rc)
{
	if (rc == 0)
		return store_commit(s);
	store_rollback(s);
	return rc;
}

int store_rule_create(struct store *s, struct rule *r, const char *actor, int64_t now_ms)
{
	int64_t v = r->version, c = r->created_at_ms, u = r->updated_at_ms;
	int rc;

	if (!valid_object_id(r->id) || !valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = rule_insert(s, r, actor, now_ms);
	if (rc == 0)
		rc = reeval(s, now_ms, "rule", "created", r->id);
	rc = finish_txn(s, rc);
	if (rc) {
		r->version = v;
		r->created_at_ms = c;
		r->updated_at_ms = u;
	}
	return rc;
}

int store_rule_update(struct store *s, struct rule *r, int64_t expected_version, const char *actor,
		      int64_t now_ms)
{
	struct rule *old = NULL;
	int64_t v = r->version, c = r->created_at_ms, u = r->updated_at_ms;
	int rc;

	if (!valid_object_id(r->id) || !valid_text(actor, IT_MAX_ACTOR) || expected_version < 0)
		return IT_EINVAL;
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = rule_get(s, r->id, &old);
	if (rc == 0 && expected_version > 0 && old->version != expected_version)
		rc = IT_ECONFLICT;
	if (rc == 0)
		rc = rule_change(s, old, r, actor, now_ms);
	if (rc == 0)
		rc = reeval(s, now_ms, "rule", "updated", r->id);
	rc = finish_txn(s, rc);
	if (rc) {
		r->version = v;
		r->created_at_ms = c;
		r->updated_at_ms = u;
	}
	rule_free(old);
	return rc;
}

int store_rule_delete(struct store *s, const char *id, int64_t expected_version, const char *actor,
		      int64_t now_ms)
{
	struct rule *old = NULL;
	int rc;

	if (!valid_text(actor, IT_MAX_ACTOR) || expected_version < 0)
		return IT_EINVAL;
	if (!valid_object_id(id))
		return IT_ENOTFOUND;
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = rule_get(s, id, &old);
	if (rc == 0 && expected_version > 0 && old->version != expected_version)
		rc = IT_ECONFLICT;
	if (rc == 0)
		rc = rule_remove(s, old, actor, now_ms);
	if (rc == 0)
		rc = reeval(s, now_ms, "rule", "deleted", id);
	rc = finish_txn(s, rc);
	rule_free(old);
	return rc;
}

int store_rules_replace(struct store *s, const struct rule_set *set, const char *actor, int64_t now_ms,
			struct store_replace_counts *ret_counts)
{
	struct store_replace_counts n = {0, 0, 0, 0};
	struct rule_set old;
	int rc;

	if (!valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	for (size_t i = 0; i < set->n_rules; i++) {
		if (!valid_object_id(set->rules[i]->id))
			return IT_EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(set->rules[i]->id, set->rules[j]->id) == 0)
				return IT_EINVAL;
	}
	rule_set_init(&old);
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = store_rule_list(s, &old);
	/* removals first, so the audit reads in the order an operator would do it */
	for (size_t i = 0; rc == 0 && i < old.n_rules; i++) {
		if (rule_set_find(set, old.rules[i]->id))
			continue;
		rc = rule_remove(s, old.rules[i], actor, now_ms);
		n.removed++;
	}
	for (size_t i = 0; rc == 0 && i < set->n_rules; i++) {
		const struct rule *prev = rule_set_find(&old, set->rules[i]->id);
		struct rule *copy = NULL;
		char *a = NULL, *b = NULL;
		rc = rule_clone(set->rules[i], &copy);
		if (rc)
			break;
		if (!prev) {
			rc = rule_insert(s, copy, actor, now_ms);
			n.added++;
		} else {
			a = rule_text(prev, 0);
			b = rule_text(copy, 0);
			if (!a || !b)
				rc = IT_ENOMEM;
			else if (strcmp(a, b) == 0)
				n.unchanged++;
			else {
				rc = rule_change(s, prev, copy, actor, now_ms);
				n.changed++;
			}
		}
		free(a);
		free(b);
		rule_free(copy);
	}
	if (rc == 0 && (n.added || n.changed || n.removed))
		rc = reeval(s, now_ms, "rules", "imported", "(all)");
	rc = finish_txn(s, rc);
	rule_set_finish(&old);
	if (rc == 0 && ret_counts)
		*ret_counts = n;
	return rc;
}

/* ---- exemptions ---- */

static char *exemption_text(const struct exemption *e)
{
	json_t *j = NULL;
	char *t;

	if (exemption_to_json(e, &j) != IT_OK)
		return NULL;
	t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return t;
}

static int exemption_of_text(const char *text, struct exemption **ret)
{
	json_t *j = NULL;
	struct json_err err;
	int rc;

	if (!text || json_load_bounded(text, strlen(text), IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &err))
		return IT_EDB;
	rc = exemption_from_json(j, 0, EXEMPTION_STORED, ret, &err);
	json_decref(j);
	return rc == IT_EINVAL ? IT_EDB : rc;
}

static int exemption_into_set(void *ctx, sqlite3_stmt *st)
{
	struct exemption *e = NULL;
	int rc = exemption_of_text(store_col_text(st, 0), &e);

	if (rc == IT_OK && (rc = rule_set_add_exemption(ctx, e)) != IT_OK)
		exemption_free(e);
	return rc;
}

int store_exemption_list(struct store *s, int include_expired, int64_t now_ms, struct rule_set *set)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, include_expired ? SQL_EX_LIST_ALL : SQL_EX_LIST_LIVE, &st);

	if (rc)
		return rc;
	if (!include_expired)
		sqlite3_bind_int64(st, 1, now_ms);
	return store_each(s, st, exemption_into_set, set);
}

static int exemption_one(void *ctx, sqlite3_stmt *st)
{
	return exemption_of_text(store_col_text(st, 0), ctx);
}

static int exemption_get(struct store *s, const char *id, struct exemption **ret)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_EX_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, id);
	return store_one(s, st, exemption_one, ret);
}

int store_exemption_get(struct store *s, const char *id, struct exemption **ret)
{
	if (!valid_object_id(id))
		return IT_ENOTFOUND;
	return exemption_get(s, id, ret);
}

int store_exemption_create(struct store *s, struct exemption *e, const char *actor, int64_t now_ms)
{
	char *old_by = e->created_by, *body = NULL;
	int64_t old_at = e->created_at_ms;
	sqlite3_stmt *st;
	int rc;

	if (!valid_object_id(e->id) || !valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	e->created_by = NULL;   /* set_created frees the previous value: keep it for rollback */
	rc = exemption_set_created(e, actor, now_ms);
	if (rc) {
		e->created_by = old_by;
		return rc;
	}
	body = exemption_text(e);
	rc = body ? store_begin(s) : IT_ENOMEM;
	if (rc == 0) {
		rc = store_stmt(s, SQL_EX_INSERT, &st);
		if (rc == 0) {
			store_bind_text(st, 1, e->id);
			store_bind_text(st, 2, body);
			sqlite3_bind_int64(st, 3, e->expires_at_ms);
			store_bind_text(st, 4, actor);
			sqlite3_bind_int64(st, 5, now_ms);
			rc = store_done(s, st);
		}
		if (rc == 0)
			rc = audit(s, now_ms, actor, "create", "exemption", e->id, NULL, body);
		if (rc == 0)
			rc = reeval(s, now_ms, "exemption", "created", e->id);
		rc = finish_txn(s, rc);
	}
	free(body);
	if (rc) {
		free(e->created_by);
		e->created_by = old_by;
		e->created_at_ms = old_at;
	} else {
		free(old_by);
	}
	return rc;
}

int store_exemption_delete(struct store *s, const char *id, const char *actor, int64_t now_ms)
{
	struct exemption *old = NULL;
	char *before = NULL;
	sqlite3_stmt *st;
	int rc;

	if (!valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	if (!valid_object_id(id))
		return IT_ENOTFOUND;
	rc = store_begin(s);
	if (rc)
		return rc;
	rc = exemption_get(s, id, &old);
	if (rc == 0) {
		before = exemption_text(old);
		rc = before ? store_stmt(s, SQL_EX_DELETE, &st) : IT_ENOMEM;
	}
	if (rc == 0) {
		store_bind_text(st, 1, id);
		rc = store_done(s, st);
	}
	if (rc == 0)
		rc = audit(s, now_ms, actor, "delete", "exemption", id, before, NULL);
	if (rc == 0)
		rc = reeval(s, now_ms, "exemption", "deleted", id);
	rc = finish_txn(s, rc);
	free(before);
	exemption_free(old);
	return rc;
}

/* ---- images ---- */

static char *facts_text(const struct image_facts *f)
{
	json_t *j = NULL;
	char *t;

	if (image_facts_to_json(f, &j) != IT_OK)
		return NULL;
	t = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return t;
}

struct image_row {
	char *text;
	int64_t at;
};

static int image_one(void *ctx, sqlite3_stmt *st)
{
	struct image_row *r = ctx;
	const char *t = store_col_text(st, 0);

	r->text = t ? strdup(t) : NULL;
	r->at = sqlite3_column_int64(st, 1);
	return r->text ? IT_OK : IT_ENOMEM;
}

static int image_read(struct store *s, const char *region, const char *image_id, char **ret_text,
		      int64_t *ret_at)
{
	struct image_row r = {NULL, 0};
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_IMAGE_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, region);
	store_bind_text(st, 2, image_id);
	rc = store_one(s, st, image_one, &r);
	if (rc)
		return rc;
	*ret_text = r.text;
	if (ret_at)
		*ret_at = r.at;
	return IT_OK;
}

int store_image_put(struct store *s, const char *region, const struct image_facts *f, const char *actor,
		    int64_t now_ms)
{
	char *after = NULL, *before = NULL, key[64];
	sqlite3_stmt *st;
	int rc, existed;

	if (!valid_region(region) || !valid_image_id(f->image_id) || !valid_text(actor, IT_MAX_ACTOR))
		return IT_EINVAL;
	snprintf(key, sizeof(key), "%s/%s", region, f->image_id);
	after = facts_text(f);
	if (!after)
		return IT_ENOMEM;
	rc = store_begin(s);
	if (rc) {
		free(after);
		return rc;
	}
	rc = image_read(s, region, f->image_id, &before, NULL);
	existed = rc == 0;
	if (rc == IT_ENOTFOUND)
		rc = IT_OK;
	if (rc == 0)
		rc = store_stmt(s, SQL_IMAGE_PUT, &st);
	if (rc == 0) {
		store_bind_text(st, 1, region);
		store_bind_text(st, 2, f->image_id);
		store_bind_text(st, 3, after);
		sqlite3_bind_int64(st, 4, now_ms);
		store_bind_text(st, 5, actor);
		rc = store_done(s, st);
	}
	if (rc == 0)
		rc = audit(s, now_ms, actor, existed ? "update" : "create", "image", key, before, after);
	if (rc == 0)
		rc = reeval(s, now_ms, "image", "registered", key);
	rc = finish_txn(s, rc);
	free(before);
	free(after);
	return rc;
}

int store_image_get(struct store *s, const char *region, const char *image_id, struct image_facts **ret,
		    int64_t *ret_updated_at_ms)
{
	char *text = NULL;
	int64_t at = 0;
	json_t *j = NULL;
	struct json_err err;
	struct image_facts *f = NULL;
	int rc;

	if (!valid_region(region) || !valid_image_id(image_id))
		return IT_ENOTFOUND;
	rc = image_read(s, region, image_id, &text, &at);
	if (rc)
		return rc;
	if (json_load_bounded(text, strlen(text), IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &err) != IT_OK)
		rc = IT_EDB;
	else if ((rc = image_facts_from_json(j, &f, &err)) == IT_EINVAL)
		rc = IT_EDB;
	json_decref(j);
	free(text);
	if (rc)
		return rc;
	*ret = f;
	if (ret_updated_at_ms)
		*ret_updated_at_ms = at;
	return IT_OK;
}

/* ---- audit ---- */

void audit_entries_free(struct audit_entry *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		free(e[i].before);
		free(e[i].after);
	}
	free(e);
}


static int dup_col(sqlite3_stmt *st, int col, char **ret)
{
	const char *t = store_col_text(st, col);

	*ret = NULL;
	if (!t)
		return IT_OK;
	*ret = strdup(t);
	return *ret ? IT_OK : IT_ENOMEM;
}

struct audit_page {
	struct audit_entry *e;
	size_t max, n;
};

static int audit_row(void *ctx, sqlite3_stmt *st)
{
	struct audit_page *p = ctx;
	struct audit_entry *a;
	int rc;

	if (p->n >= p->max)
		return STORE_STOP;
	a = &p->e[p->n++];
	a->id = sqlite3_column_int64(st, 0);
	a->at_ms = sqlite3_column_int64(st, 1);
	store_col_copy(a->actor, sizeof(a->actor), st, 2);
	store_col_copy(a->action, sizeof(a->action), st, 3);
	store_col_copy(a->kind, sizeof(a->kind), st, 4);
	store_col_copy(a->object_id, sizeof(a->object_id), st, 5);
	rc = dup_col(st, 6, &a->before);
	if (rc == IT_OK)
		rc = dup_col(st, 7, &a->after);
	return rc;
}

int store_audit_list(struct store *s, int64_t before_id, size_t limit, struct audit_entry **ret, size_t *ret_n)
{
	struct audit_page p = {NULL, limit, 0};
	sqlite3_stmt *st;
	int rc;

	if (limit < 1 || limit > IT_LIST_MAX || before_id < 0)
		return IT_EINVAL;
	p.e = calloc(limit, sizeof(*p.e));
	if (!p.e)
		return IT_ENOMEM;
	rc = store_stmt(s, SQL_AUDIT_LIST, &st);
	if (rc) {
		free(p.e);
		return rc;
	}
	sqlite3_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	sqlite3_bind_int64(st, 2, (int64_t)limit);
	rc = store_each(s, st, audit_row, &p);
	if (rc) {
		audit_entries_free(p.e, p.n);
		return rc;
	}
	if (p.n == 0) {
		free(p.e);
		p.e = NULL;
	}
	*ret = p.e;
	*ret_n = p.n;
	return IT_OK;
}

/* ---- reeval ---- */

int store_reeval_pending(struct store *s, int64_t *ret_max_id, int64_t *ret_count)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_REEVAL_PENDING, &st);

	if (rc)
		return rc;
	rc = store_int64_pair(s, st, ret_max_id, ret_count);
	return rc == IT_ENOTFOUND ? IT_EDB : rc;   /* an aggregate always has its row */
}

int store_reeval_ack(struct store *s, int64_t upto_id)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_REEVAL_ACK, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, upto_id);
	return store_done(s, st);
}
