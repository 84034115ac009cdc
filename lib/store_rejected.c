/* store_rejected.c: the quarantine of rejected batch items (see store_rejected.h). */
#include "store_rejected.h"

#include <stdlib.h>
#include <string.h>

#include "status.h"

static const char SQL_INSERT[] =
	"INSERT INTO rejected_events(received_at, token_id, token_name, request_id, item_index, event_id, account,"
	" reason, field, detail, body, body_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
#define COLS "seq, received_at, token_id, token_name, request_id, item_index, event_id, account, reason, field," \
	     " detail, body, body_bytes"
static const char SQL_LIST[] =
	"SELECT " COLS " FROM rejected_events WHERE received_at >= ?1 AND (received_at, seq) < (?2, ?3)"
	" ORDER BY received_at DESC, seq DESC LIMIT ?4";
static const char SQL_LIST_REASON[] =
	"SELECT " COLS " FROM rejected_events WHERE reason = ?5 AND received_at >= ?1 AND (received_at, seq) < (?2, ?3)"
	" ORDER BY received_at DESC, seq DESC LIMIT ?4";
static const char SQL_PURGE[] =
	"DELETE FROM rejected_events WHERE seq IN"
	" (SELECT seq FROM rejected_events WHERE received_at < ?1 LIMIT ?2)";

int store_rejected_insert(struct store *s, const struct rejected_new *r)
{
	size_t keep = r->body_len < STORE_REJECTED_KEEP ? r->body_len : STORE_REJECTED_KEEP;
	sqlite3_stmt *st;
	int rc = store_stmt(s, SQL_INSERT, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, r->received_at);
	store_bind_text(st, 2, r->token_id);
	store_bind_text(st, 3, r->token_name);
	store_bind_text(st, 4, r->request_id ? r->request_id : "");
	sqlite3_bind_int64(st, 5, r->item_index);
	store_bind_text(st, 6, r->event_id && *r->event_id ? r->event_id : NULL);
	store_bind_text(st, 7, r->account && *r->account ? r->account : NULL);
	store_bind_text(st, 8, r->reason);
	store_bind_text(st, 9, r->field && *r->field ? r->field : NULL);
	store_bind_text(st, 10, r->detail ? r->detail : "");
	sqlite3_bind_blob(st, 11, keep ? r->body : "", (int)keep, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, (int64_t)r->body_len);
	return store_done(s, st);
}

void rejected_row_finish(struct rejected_row *r)
{
	if (!r)
		return;
	free(r->body);
	r->body = NULL;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 when p does not start one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t store_rejected_utf8(const char *in, size_t len, char *out, size_t outlen)
{
	static const char repl[] = "\xef\xbf\xbd";
	size_t i = 0, o = 0;

	if (outlen == 0)
		return 0;
	while (i < len) {
		size_t n = utf8_seq((const unsigned char *)in + i, len - i);
		const char *src = n ? in + i : repl;
		size_t w = n ? n : 3;
		/* a NUL byte is valid UTF-8 but would end the C string: replaced too */
		if (n == 1 && in[i] == '\0') {
			src = repl;
			w = 3;
		}
		if (o + w >= outlen)
			break;
		memcpy(out + o, src, w);
		o += w;
		i += n ? n : 1;
	}
	out[o] = '\0';
	return o;
}

/* store_fill's reader: one row, its body as UTF-8 text it owns. */
static int read_row(sqlite3_stmt *st, void *row)
{
	struct rejected_row *r = row;
	const char *body = sqlite3_column_blob(st, 11);
	size_t len = (size_t)sqlite3_column_bytes(st, 11);
	size_t cap = len * 3 + 1;   /* every byte may become U+FFFD */

	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	r->received_at = sqlite3_column_int64(st, 1);
	store_col_copy(r->token_id, sizeof(r->token_id), st, 2);
	store_col_copy(r->token_name, sizeof(r->token_name), st, 3);
	store_col_copy(r->request_id, sizeof(r->request_id), st, 4);
	r->item_index = sqlite3_column_int64(st, 5);
	store_col_copy(r->event_id, sizeof(r->event_id), st, 6);
	store_col_copy(r->account, sizeof(r->account), st, 7);
	store_col_copy(r->reason, sizeof(r->reason), st, 8);
	store_col_copy(r->field, sizeof(r->field), st, 9);
	store_col_copy(r->detail, sizeof(r->detail), st, 10);
	r->body = malloc(cap);
	if (!r->body)
		return IT_ENOMEM;
	store_rejected_utf8(body ? body : "", body ? len : 0, r->body, cap);
	r->body_kept = len;
	r->body_bytes = sqlite3_column_int64(st, 12);
	return IT_OK;
}

static void finish_row(void *row)
{
	rejected_row_finish(row);
}

int store_rejected_list(struct store *s, int64_t since_ms, const char *reason, int64_t after_received,
			int64_t after_seq, struct rejected_row *rows, size_t max, size_t *ret_n)
{
	sqlite3_stmt *st;
	int rc = store_stmt(s, reason ? SQL_LIST_REASON : SQL_LIST, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, since_ms);
	sqlite3_bind_int64(st, 2, after_received);
	sqlite3_bind_int64(st, 3, after_seq);
	sqlite3_bind_int64(st, 4, (int64_t)max);
	if (reason)
		store_bind_text(st, 5, reason);
	return store_fill(s, st, rows, sizeof(*rows), max, read_row, finish_row, ret_n);
}

int store_rejected_purge(struct store *s, int64_t before_ms, int batch, int64_t *ret_n)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc = store_begin(s);

	if (rc)
		return rc;
	rc = store_stmt(s, SQL_PURGE, &st);
	if (rc == IT_OK) {
		sqlite3_bind_int64(st, 1, before_ms);
		sqlite3_bind_int(st, 2, batch);
		rc = store_done(s, st);
		n = sqlite3_changes(store_db(s));
	}
	if (rc) {
		store_rollback(s);
		return rc;
	}
	rc = store_commit(s);
	if (rc == IT_OK)
		*ret_n = n;
	return rc;
}
