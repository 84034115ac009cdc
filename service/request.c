/* request.c: request accessors and response helpers (see request.h). */
#include "request.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"

/* ---- reason phrases and status mapping ---- */

const char *http_reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

unsigned http_status_for(int st)
{
	switch (st) {
	case IT_OK: return 200;
	case IT_EINVAL: return 400;
	case IT_ENOTFOUND: return 404;
	case IT_EEXIST: return 409;
	case IT_ECONFLICT: return 412;
	case IT_ETOOBIG: return 413;
	case IT_EAUTH: return 401;
	case IT_EFORBIDDEN: return 403;
	case IT_EBUSY: return 503;
	case IT_EFULL: return 503;
	case IT_EIO: return 503;
	case IT_EDB: return 503;
	default: return 500;
	}
}

/* ---- request accessors ---- */

const char *request_header(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *request_query(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

struct query_iter {
	int (*fn)(void *ctx, const char *k, const char *v);
	void *ctx;
};

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_iter *it = cls;
	(void)kind;
	return it->fn(it->ctx, key, value ? value : "") ? MHD_NO : MHD_YES;
}

void request_query_each(struct request *req, int (*fn)(void *ctx, const char *k, const char *v), void *ctx)
{
	struct query_iter it = {fn, ctx};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_cb, &it);
}

struct store *request_db(struct request *req)
{
	if (!req->db)
		req->db = store_pool_get(req->srv->pool);
	return req->db;
}

/* ---- responses ---- */

int resp_header(struct response *resp, const char *name, const char *value)
{
	if (resp->nheaders >= HTTP_MAX_RESP_HEADERS)
		return IT_ETOOBIG;
	resp->headers[resp->nheaders][0] = strdup(name);
	resp->headers[resp->nheaders][1] = strdup(value);
	if (!resp->headers[resp->nheaders][0] || !resp->headers[resp->nheaders][1])
		return IT_ENOMEM;
	resp->nheaders++;
	return IT_OK;
}

int resp_text(struct response *resp, unsigned status, const char *content_type, const char *text)
{
	int rc;

	/* The status is set only once the body is in place: a body that does not fit must
	 * never leave a 200 with nothing after it (on_request answers 500 instead). */
	buf_reset(&resp->body);
	rc = buf_puts(&resp->body, text);
	if (rc == IT_OK) {
		resp->status = status;
		resp->content_type = content_type;
	}
	return rc;
}

/* s (freed here) and a newline as the body: a status only with the whole body. */
static int json_text(struct response *resp, unsigned status, const char *content_type, char *s)
{
	int rc = resp_text(resp, status, content_type, s);

	free(s);
	if (rc == IT_OK)
		rc = buf_puts(&resp->body, "\n");
	if (rc != IT_OK)
		resp->status = 0;
	return rc;
}

int resp_json(struct response *resp, unsigned status, json_t *body)
{
	char *s;

	if (!body)
		return resp_problem(resp, 500, "out of memory building the response", NULL);
	s = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (!s)
		return resp_problem(resp, 500, "out of memory building the response", NULL);
	return json_text(resp, status, "application/json", s);
}

int resp_problem(struct response *resp, unsigned status, const char *detail, json_t *extra)
{
	json_t *p = json_object();
	char *s;

	if (!p) {
		json_decref(extra);
		return IT_ENOMEM;
	}
	json_object_set_new(p, "type", json_string("about:blank"));
	json_object_set_new(p, "title", json_string(http_reason(status)));
	json_object_set_new(p, "status", json_integer(status));
	if (detail)
		json_object_set_new(p, "detail", json_string(detail));
	if (extra) {
		json_object_update(p, extra);
		json_decref(extra);
	}
	s = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	if (!s)
		return IT_ENOMEM;
	return json_text(resp, status, "application/problem+json", s);
}

int resp_problem_field(struct response *resp, unsigned status, const char *field, const char *detail)
{
	return resp_problem(resp, status, detail, field ? json_pack("{s:s}", "field", field) : NULL);
}

void response_init(struct response *resp)
{
	memset(resp, 0, sizeof(*resp));
	buf_init(&resp->body, IT_MAX_RESPONSE);
}

void response_finish(struct response *resp)
{
	for (size_t i = 0; i < resp->nheaders; i++) {
		free(resp->headers[i][0]);
		free(resp->headers[i][1]);
	}
	buf_finish(&resp->body);
}
