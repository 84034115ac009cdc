/* store_alert.c: alert windows and digests (see store_alert.h). */
#include "store_alert.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "json_io.h"
#include "status.h"
#include "store_outbox.h"

static const char SQL_WINDOW_GET[] =
	"SELECT opened_at, singles, digest_id FROM alert_windows WHERE destination = ?1";
static const char SQL_WINDOW_PUT[] =
	"INSERT INTO alert_windows(destination, opened_at, singles, digest_id) VALUES (?1, ?2, ?3, ?4)"
	" ON CONFLICT(destination) DO UPDATE SET opened_at = excluded.opened_at, singles = excluded.singles,"
	" digest_id = excluded.digest_id";
static const char SQL_COUNT_ADD[] =
	"INSERT INTO alert_digest_counts(digest_id, dimension, key, n) VALUES (?1, ?2, ?3, 1)"
	" ON CONFLICT(digest_id, dimension, key) DO UPDATE SET n = n + 1";
static const char SQL_ITEM_ADD[] =
	"INSERT INTO alert_digest_items(digest_id, seq, detail)"
	" SELECT ?1, count(*), ?2 FROM alert_digest_items WHERE digest_id = ?1 HAVING count(*) < ?3";
static const char SQL_COUNTS[] =
	"SELECT dimension, key, n FROM alert_digest_counts WHERE digest_id = ?1 ORDER BY dimension, key";
static const char SQL_ITEMS[] = "SELECT detail FROM alert_digest_items WHERE digest_id = ?1 ORDER BY seq";
static const char SQL_COUNTS_DEL[] = "DELETE FROM alert_digest_counts WHERE digest_id = ?1";
static const char SQL_ITEMS_DEL[] = "DELETE FROM alert_digest_items WHERE digest_id = ?1";
static const char SQL_DETACH[] = "UPDATE alert_windows SET digest_id = NULL WHERE digest_id = ?1";

int store_alert_window_get(struct store *s, const char *destination, struct alert_window *ret)
{
	struct alert_window w = {0, 0, 0};
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_WINDOW_GET, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	rc = store_step(s, st);
	if (rc == SQLITE_ROW) {
		w.opened_at = sqlite3_column_int64(st, 0);
		w.singles = sqlite3_column_int64(st, 1);
		w.digest_id = sqlite3_column_int64(st, 2);   /* NULL reads as 0 */
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	rc = store_status(rc);
	if (rc == IT_OK)
		*ret = w;
	return rc;
}

int store_alert_window_put(struct store *s, const char *destination, const struct alert_window *w)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_WINDOW_PUT, &st);

	if (rc)
		return rc;
	store_bind_text(st, 1, destination);
	sqlite3_bind_int64(st, 2, w->opened_at);
	sqlite3_bind_int64(st, 3, w->singles);
	if (w->digest_id > 0)
		sqlite3_bind_int64(st, 4, w->digest_id);
	else
		sqlite3_bind_null(st, 4);
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
	return rc;
}

static int count_one(struct store *s, int64_t id, const char *dimension, const char *key)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_COUNT_ADD, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, dimension);
	store_bind_text(st, 3, key && *key ? key : "unknown");
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
	return rc;
}

int store_alert_digest_add(struct store *s, int64_t digest_id, const char *account, const char *image_id,
			   const char *to, const char *detail)
{
	sqlite3_stmt *st;
	int rc = count_one(s, digest_id, "account", account);

	if (rc == IT_OK)
		rc = count_one(s, digest_id, "image", image_id);
	if (rc == IT_OK)
		rc = count_one(s, digest_id, "to", to);
	if (rc == IT_OK)
		rc = store_stmt(s, SQL_ITEM_ADD, &st);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, digest_id);
	store_bind_text(st, 2, detail);
	sqlite3_bind_int(st, 3, IT_ALERT_DIGEST_FIRST);
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
	return rc;
}

/* The counts of one digest, kept in three growing arrays whose keys are owned. */
struct counts {
	struct alert_count *c[3];
	size_t n[3], cap[3];
};

static void counts_free(struct counts *k)
{
	for (int d = 0; d < 3; d++) {
		for (size_t i = 0; i < k->n[d]; i++)
			free((char *)k->c[d][i].key);
		free(k->c[d]);
	}
}

static int counts_push(struct counts *k, int d, const char *key, int64_t n)
{
	if (k->n[d] == k->cap[d]) {
		size_t cap = k->cap[d] ? k->cap[d] * 2 : 16;
		struct alert_count *g = realloc(k->c[d], cap * sizeof(*g));
		if (!g)
			return IT_ENOMEM;
		k->c[d] = g;
		k->cap[d] = cap;
	}
	k->c[d][k->n[d]].key = strdup(key ? key : "unknown");
	if (!k->c[d][k->n[d]].key)
		return IT_ENOMEM;
	k->c[d][k->n[d]++].n = n;
	return IT_OK;
}

static int load_counts(struct store *s, int64_t id, struct counts *k)
{
	static const char *const dims[3] = {"account", "image", "to"};
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_COUNTS, &st), step = SQLITE_DONE;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while (rc == IT_OK && (step = store_step(s, st)) == SQLITE_ROW) {
		const char *dim = store_col_text(st, 0);
		for (int d = 0; d < 3; d++)
			if (dim && strcmp(dim, dims[d]) == 0)
				rc = counts_push(k, d, store_col_text(st, 1), sqlite3_column_int64(st, 2));
	}
	sqlite3_reset(st);
	if (rc == IT_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = store_status(step);
	return rc;
}

static int load_items(struct store *s, int64_t id, json_t *items)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_ITEMS, &st), step = SQLITE_DONE;

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while (rc == IT_OK && (step = store_step(s, st)) == SQLITE_ROW) {
		const char *t = store_col_text(st, 0);
		json_t *d = t ? json_loads(t, 0, NULL) : NULL;
		/* an unreadable detail is left out: the counts still hold it */
		if (d && json_array_append_new(items, d) != 0)
			rc = IT_ENOMEM;
	}
	sqlite3_reset(st);
	if (rc == IT_OK && step != SQLITE_DONE && step != SQLITE_ROW)
		rc = store_status(step);
	return rc;
}

static int run_id(struct store *s, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, sql, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = store_status(store_step(s, st));
	sqlite3_reset(st);
	return rc;
}

int store_alert_digest_seal(struct store *s, int64_t digest_id, char **ret_payload)
{
	struct outbox_row row;
	struct counts k;
	struct alert_digest d;
	json_t *open = NULL, *items = NULL, *detail = NULL;
	const char *kind;
	char *text = NULL;
	int64_t start = 0, end = 0;
	int rc;

	memset(&k, 0, sizeof(k));
	rc = store_outbox_get(s, digest_id, &row);
	if (rc)
		return rc;
	open = json_loads(row.payload, 0, NULL);
	kind = json_string_value(json_object_get(open, "kind"));
	if (kind && strcmp(kind, alert_kind_names[ALERT_KIND_DIGEST]) == 0) {
		text = row.payload;       /* already sealed */
		row.payload = NULL;
		goto done;
	}
	if (!kind || strcmp(kind, ALERT_DIGEST_OPEN) != 0 || json_int(open, "window_start", &start) != IT_OK ||
	    json_int(open, "window_end", &end) != IT_OK) {
		rc = IT_EINVAL;
		goto done;
	}
	items = json_array();
	if (!items) {
		rc = IT_ENOMEM;
		goto done;
	}
	rc = load_counts(s, digest_id, &k);
	if (rc == IT_OK)
		rc = load_items(s, digest_id, items);
	if (rc)
		goto done;
	memset(&d, 0, sizeof(d));
	d.window_start = start;
	d.window_end = end;
	for (size_t i = 0; i < k.n[0]; i++)
		d.count += k.c[0][i].n;
	d.accounts = k.c[0];
	d.n_accounts = k.n[0];
	d.images = k.c[1];
	d.n_images = k.n[1];
	d.to = k.c[2];
	d.n_to = k.n[2];
	d.instances = items;
	d.url = json_string_value(json_object_get(open, "url"));
	rc = alert_digest_detail(&d, &detail);
	if (rc == IT_OK) {
		text = json_dumps(detail, JSON_COMPACT | JSON_PRESERVE_ORDER);
		rc = text ? IT_OK : IT_ENOMEM;
	}
	if (rc == IT_OK)
		rc = store_outbox_set_payload(s, digest_id, text);
	if (rc == IT_OK)
		rc = run_id(s, SQL_COUNTS_DEL, digest_id);
	if (rc == IT_OK)
		rc = run_id(s, SQL_ITEMS_DEL, digest_id);
	if (rc == IT_OK)
		rc = run_id(s, SQL_DETACH, digest_id);
done:
	if (rc == IT_OK)
		*ret_payload = text;
	else
		free(text);
	json_decref(detail);
	json_decref(items);
	json_decref(open);
	counts_free(&k);
	outbox_row_finish(&row);
	return rc;
}
