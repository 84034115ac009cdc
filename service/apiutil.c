/* apiutil.c: shared chores of the admin routes (see apiutil.h). */
#include "apiutil.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "parse.h"
#include "status.h"

/* application/json or application/<anything>+json, before any ';' parameters. */
static int json_media_type(const char *ct)
{
	size_t n = strcspn(ct, ";");

	while (n && isspace((unsigned char)ct[n - 1]))
		n--;
	while (n && isspace((unsigned char)*ct)) {
		ct++;
		n--;
	}
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return n > 17 && strncasecmp(ct, "application/", 12) == 0 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

int apiutil_body_object(struct request *req, struct response *resp, json_t **ret)
{
	const char *ct = request_header(req, "Content-Type");
	struct json_err err = {{0}, {0}};
	json_t *j = NULL;
	int rc;

	if (ct && !json_media_type(ct)) {
		(void)resp_problem(resp, 415, "the body must be JSON (Content-Type: application/json)", NULL);
		return IT_EINVAL;
	}
	if (req->body.len == 0) {
		(void)resp_problem(resp, 400, "a JSON object body is required", NULL);
		return IT_EINVAL;
	}
	rc = json_load_bounded(buf_str(&req->body), req->body.len, IT_MAX_BODY, IT_MAX_JSON_DEPTH, &j, &err);
	if (rc == IT_ENOMEM) {
		(void)resp_problem(resp, 503, "out of memory", NULL);
		return IT_EINVAL;
	}
	if (rc) {
		char detail[sizeof(err.message) + 32];
		snprintf(detail, sizeof(detail), "malformed JSON: %s", err.message[0] ? err.message : status_str(rc));
		(void)resp_problem(resp, 400, detail, NULL);
		return IT_EINVAL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		(void)resp_problem(resp, 400, "the body must be a JSON object", NULL);
		return IT_EINVAL;
	}
	*ret = j;
	return IT_OK;
}

int apiutil_invalid(struct response *resp, const struct json_err *err)
{
	char detail[sizeof(err->field) + sizeof(err->message) + 4];

	if (err->field[0])
		snprintf(detail, sizeof(detail), "%s: %s", err->field, err->message[0] ? err->message : "invalid");
	else
		snprintf(detail, sizeof(detail), "%s", err->message[0] ? err->message : "invalid document");
	return resp_problem(resp, 422, detail, err->field[0] ? json_pack("{s:s}", "field", err->field) : NULL);
}

int apiutil_if_match(struct request *req, struct response *resp, int64_t *ret_version)
{
	const char *h = request_header(req, "If-Match");
	char tag[32];
	size_t n;
	int64_t v;

	if (!h) {
		*ret_version = 0;
		return IT_OK;
	}
	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n == 1 && h[0] == '*') {
		*ret_version = 0;
		return IT_OK;
	}
	if (n >= 2 && h[0] == 'W' && h[1] == '/') {
		h += 2;
		n -= 2;
	}
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		h++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tag))
		goto bad;
	memcpy(tag, h, n);
	tag[n] = '\0';
	if (parse_i64(tag, 1, INT64_MAX, &v) != IT_OK)
		goto bad;
	*ret_version = v;
	return IT_OK;
bad:
	(void)resp_problem_field(resp, 400, "If-Match",
				 "If-Match must be one entity tag of this resource, e.g. \"3\" (from its ETag), or *");
	return IT_EINVAL;
}

int apiutil_etag(struct response *resp, int64_t version)
{
	char v[32];

	snprintf(v, sizeof(v), "\"%lld\"", (long long)version);
	return resp_header(resp, "ETag", v);
}

void apiutil_actor(const struct request *req, char out[APIUTIL_ACTOR_LEN])
{
	/* The token name is valid text (checked at creation); a long one is cut on a UTF-8
	 * boundary so the actor stays valid text within IT_MAX_ACTOR whatever its length. */
	char name[IT_MAX_ACTOR - 40];
	size_t n;

	if (!req->authenticated) {
		snprintf(out, APIUTIL_ACTOR_LEN, "anonymous");
		return;
	}
	n = strnlen(req->token.name, sizeof(name) - 1);
	while (n && n < strlen(req->token.name) && ((unsigned char)req->token.name[n] & 0xc0) == 0x80)
		n--;
	memcpy(name, req->token.name, n);
	name[n] = '\0';
	snprintf(out, APIUTIL_ACTOR_LEN, "token:%s (%.24s)", name, req->token.id);
}

int apiutil_new_id(const char *prefix, char out[IT_MAX_ID + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[6];
	char id[IT_MAX_ID + 1];
	size_t p = strlen(prefix);

	if (p + 2 * sizeof(raw) > IT_MAX_ID)
		return IT_EINVAL;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return IT_EIO;
	memcpy(id, prefix, p);
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[p + 2 * i] = hex[raw[i] >> 4];
		id[p + 2 * i + 1] = hex[raw[i] & 15];
	}
	id[p + 2 * sizeof(raw)] = '\0';
	memcpy(out, id, p + 2 * sizeof(raw) + 1);
	return IT_OK;
}

int apiutil_store_error(struct request *req, struct response *resp, int status, const char *what)
{
	unsigned code = http_status_for(status);
	char msg[160];

	/* what is a phrase such as "creating a rule failed": logged as a sentence. */
	snprintf(msg, sizeof(msg), "%c%s.", what[0] >= 'a' && what[0] <= 'z' ? what[0] - 'a' + 'A' : what[0],
		 what[0] ? what + 1 : "");
	log_kv(&req->srv->log, LOG_ERROR, req->request_id, msg, "error.code", status_str(status), "error.message",
	       status_text(status), NULL);
	if (code == 503) {
		(void)resp_problem(resp, 503, "storage unavailable; retry later", NULL);
		return resp_header(resp, "Retry-After", "1");
	}
	return resp_problem(resp, 500, "internal error", NULL);
}

int apiutil_set_time(json_t *j, const char *key, int64_t ms)
{
	char t[IT_TIME_BUF];

	if (ms <= 0)
		return json_object_set_new(j, key, json_null()) ? IT_ENOMEM : IT_OK;
	return json_object_set_new(j, key, json_string(format_time_ms(ms, t))) ? IT_ENOMEM : IT_OK;
}
