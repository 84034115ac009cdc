/*
 * test_aws_sigv4: every header-signing case of tests/data/sigv4, byte for byte.
 *
 * argv[1] is the tests/data directory (meson passes it). Each case directory
 * is read at runtime: context.json (keys, region, service, time, normalize, sign_body),
 * request.txt (unsigned request), and the expected header-canonical-request.txt,
 * header-string-to-sign.txt, header-signature.txt and, where present, the
 * Authorization line of header-signed-request.txt. A missing directory is a failure,
 * not a skip. The botocore-generated requests in aws/ are signed again as a
 * second oracle for the real service shapes (EC2, STS, Config, Security Hub, S3).
 */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_sigv4.h"
#include "fixture_files.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

static const char *const cases[] = {
	"get-header-value-trim",
	"get-slash-dot-slash-unnormalized",
	"get-vanilla",
	"get-vanilla-query-order-key-case",
	"get-vanilla-query-unreserved",
	"get-vanilla-with-session-token",
	"post-header-key-sort",
	"post-sts-header-before",
	"post-vanilla",
	"post-x-www-form-urlencoded",
	"s3-put-object-awsdocs-example",
};

static char *slurp(const char *dir, const char *name, size_t *ret_len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return fixture_read(path, ret_len);
}

struct parsed_request {
	char method[16];
	char path[1024];
	char query[1024];
	struct sigv4_header h[IT_AWS_MAX_HEADERS];
	size_t n;
	const char *body;
	size_t body_len;
};

/* request.txt: "METHOD target HTTP/1.1", "Name:value" lines, blank line, body. Parses in
 * place (text is modified). */
static int parse_request(char *text, size_t len, struct parsed_request *r)
{
	char *line = text, *nl, *sp, *target, *q;

	memset(r, 0, sizeof(*r));
	nl = strchr(line, '\n');
	if (!nl)
		return -1;
	*nl = '\0';
	sp = strchr(line, ' ');
	if (!sp)
		return -1;
	*sp = '\0';
	snprintf(r->method, sizeof(r->method), "%s", line);
	target = sp + 1;
	sp = strrchr(target, ' ');
	if (!sp)
		return -1;
	*sp = '\0';
	q = strchr(target, '?');
	if (q) {
		*q = '\0';
		snprintf(r->query, sizeof(r->query), "%s", q + 1);
	}
	snprintf(r->path, sizeof(r->path), "%s", target);
	line = nl + 1;
	while (line < text + len && *line != '\n' && *line != '\0') {
		char *colon;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		colon = strchr(line, ':');
		if (!colon || r->n >= IT_AWS_MAX_HEADERS)
			return -1;
		*colon = '\0';
		r->h[r->n].name = line;
		r->h[r->n].value = colon + 1;
		r->n++;
		if (!nl)
			return 0;
		line = nl + 1;
	}
	if (line < text + len && *line == '\n') {
		r->body = line + 1;
		r->body_len = (size_t)(text + len - (line + 1));
	}
	return 0;
}

static void run_case(const char *root, const char *name)
{
	char dir[4096];
	char *ctx_text = NULL, *req_text = NULL, *creq = NULL, *sts = NULL, *sig = NULL,
	     *signed_req = NULL;
	size_t req_len = 0;
	json_t *ctx = NULL;
	json_error_t jerr;
	struct parsed_request r;
	struct sigv4_credentials creds;
	struct sigv4_input in;
	struct sigv4_output out;
	int64_t t = 0;
	const char *token;

	memset(&out, 0, sizeof(out));
	snprintf(dir, sizeof(dir), "%s/sigv4/%s", root, name);
	ctx_text = slurp(dir, "context.json", NULL);
	req_text = slurp(dir, "request.txt", &req_len);
	creq = slurp(dir, "header-canonical-request.txt", NULL);
	sts = slurp(dir, "header-string-to-sign.txt", NULL);
	sig = slurp(dir, "header-signature.txt", NULL);
	signed_req = slurp(dir, "header-signed-request.txt", NULL);
	CHECK(ctx_text && req_text && creq && sts && sig, "%s: vector files readable in %s", name, dir);
	if (!ctx_text || !req_text || !creq || !sts || !sig)
		goto done;
	ctx = json_loads(ctx_text, 0, &jerr);
	CHECK(ctx != NULL, "%s: context.json parses", name);
	if (!ctx)
		goto done;
	CHECK(parse_request(req_text, req_len, &r) == 0, "%s: request.txt parses", name);
	token = json_string_value(json_object_get(json_object_get(ctx, "credentials"), "token"));
	if (json_is_true(json_object_get(ctx, "omit_session_token")))
		token = NULL;
	CHECK(sigv4_credentials_set(&creds,
		json_string_value(json_object_get(json_object_get(ctx, "credentials"), "access_key_id")),
		json_string_value(json_object_get(json_object_get(ctx, "credentials"), "secret_access_key")),
		token, 0) == IT_OK, "%s: credentials", name);
	CHECK(parse_time_ms(json_string_value(json_object_get(ctx, "timestamp")), &t) == IT_OK,
	      "%s: timestamp", name);

	memset(&in, 0, sizeof(in));
	in.method = r.method;
	in.path = r.path;
	in.query = r.query;
	in.headers = r.h;
	in.n_headers = r.n;
	in.payload = r.body;
	in.payload_len = r.body_len;
	in.creds = &creds;
	in.region = json_string_value(json_object_get(ctx, "region"));
	in.service = json_string_value(json_object_get(ctx, "service"));
	in.time_ms = t;
	if (json_is_false(json_object_get(ctx, "normalize")))
		in.flags |= SIGV4_S3;
	if (json_is_true(json_object_get(ctx, "sign_body")))
		in.flags |= SIGV4_CONTENT_SHA256;

	CHECK(sigv4_sign(&in, &out) == IT_OK, "%s: signs", name);
	CHECK_STR(out.canonical_request, creq, name);
	CHECK_STR(out.string_to_sign, sts, name);
	CHECK_STR(out.signature, sig, name);
	if (signed_req) {
		char *a = strstr(signed_req, "Authorization:");
		char *end = a ? strchr(a, '\n') : NULL;
		if (end)
			*end = '\0';
		CHECK(a != NULL, "%s: signed request has Authorization", name);
		if (a)
			CHECK_STR(out.authorization, a + strlen("Authorization:"), name);
	}
	sigv4_output_finish(&out);
	sigv4_credentials_wipe(&creds);
done:
	json_decref(ctx);
	free(ctx_text);
	free(req_text);
	free(creq);
	free(sts);
	free(sig);
	free(signed_req);
}

/* Every directory present must be a known case, so a new vector cannot be ignored. */
static void check_no_unlisted_cases(const char *root)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;
	int dirs = 0;

	snprintf(dir, sizeof(dir), "%s/sigv4", root);
	d = opendir(dir);
	CHECK(d != NULL, "vector directory %s exists (pass tests/data as argv[1])", dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char sub[4352];
		DIR *s;
		int known = 0;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		s = opendir(sub);
		if (!s)
			continue;
		closedir(s);
		dirs++;
		for (size_t i = 0; i < ARRAY_LEN(cases); i++)
			known |= !strcmp(cases[i], e->d_name);
		CHECK(known, "case directory %s is in the table", e->d_name);
	}
	closedir(d);
	CHECK(dirs == (int)ARRAY_LEN(cases), "%d case directories, table has %zu", dirs,
	      ARRAY_LEN(cases));
}

/* The generated botocore requests: same signature for the same bytes. */
static void run_botocore(const char *root)
{
	char path[4096];
	json_t *doc, *reqs, *r;
	json_error_t jerr;
	struct sigv4_credentials creds;
	size_t i;
	int done = 0;

	snprintf(path, sizeof(path), "%s/aws/botocore-1.29.27-generated-signed-requests.json", root);
	doc = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	CHECK(doc != NULL, "botocore samples readable at %s", path);
	if (!doc)
		return;
	reqs = json_object_get(doc, "requests");
	json_array_foreach(reqs, i, r) {
		const char *url = json_string_value(json_object_get(r, "url"));
		const char *body = json_string_value(json_object_get(r, "body"));
		json_t *hdrs = json_object_get(r, "headers");
		const char *auth = json_string_value(json_object_get(hdrs, "Authorization"));
		const char *tok = json_string_value(json_object_get(hdrs, "X-Amz-Security-Token"));
		const char *host, *slash, *p, *sh, *payload_hash = NULL;
		char hostbuf[256], pathbuf[1024], region[32], service[32], list[512];
		struct sigv4_header h[8];
		size_t o;
		int is_s3;
		size_t n = 0;
		struct sigv4_input in;
		struct sigv4_output out;

		if (!url || !body || !auth || strncmp(url, "https://", 8) != 0)
			continue;
		is_s3 = strstr(url, "s3.amazonaws.com") != NULL;
		host = url + 8;
		slash = strchr(host, '/');
		snprintf(hostbuf, sizeof(hostbuf), "%.*s", (int)(slash - host), host);
		/* S3: the signer takes the raw key path and encodes it once */
		for (o = 0, p = slash; *p && o + 1 < sizeof(pathbuf); p++) {
			if (is_s3 && p[0] == '%' && p[1] && p[2]) {
				unsigned v;
				sscanf(p + 1, "%2x", &v);
				pathbuf[o++] = (char)v;
				p += 2;
			} else {
				pathbuf[o++] = *p;
			}
		}
		pathbuf[o] = '\0';
		CHECK(sscanf(auth, "AWS4-HMAC-SHA256 Credential=%*[^/]/%*[^/]/%31[^/]/%31[^/]/", region,
			     service) == 2, "scope in %s", auth);
		/* sign exactly the headers botocore listed in SignedHeaders */
		sh = strstr(auth, "SignedHeaders=");
		snprintf(list, sizeof(list), "%s", sh ? sh + 14 : "");
		if (strchr(list, ','))
			*strchr(list, ',') = '\0';
		for (char *name = list, *next; name && *name && n < 8; name = next) {
			const char *k;
			json_t *v;
			next = strchr(name, ';');
			if (next)
				*next++ = '\0';
			if (!strcmp(name, "x-amz-date") || !strcmp(name, "x-amz-security-token"))
				continue;
			if (!strcmp(name, "host")) {
				h[n++] = (struct sigv4_header){"Host", hostbuf};
				continue;
			}
			json_object_foreach(hdrs, k, v) {
				if (!strcasecmp(k, name))
					h[n++] = (struct sigv4_header){k, json_string_value(v)};
			}
		}
		if (is_s3)
			payload_hash = json_string_value(json_object_get(hdrs, "X-Amz-Content-SHA256"));
		CHECK(sigv4_credentials_set(&creds, "AKIDEXAMPLE",
			"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", tok, 0) == IT_OK, "creds");
		memset(&in, 0, sizeof(in));
		in.method = json_string_value(json_object_get(r, "method"));
		in.path = pathbuf;
		in.headers = h;
		in.n_headers = n;
		in.payload = body;
		in.payload_len = strlen(body);
		in.payload_hash = payload_hash;
		in.flags = is_s3 ? SIGV4_S3 : 0;
		in.creds = &creds;
		in.region = region;
		in.service = service;
		in.time_ms = 1768478400000LL; /* 2026-01-15T12:00:00Z */
		CHECK(sigv4_sign(&in, &out) == IT_OK, "botocore %s signs", url);
		CHECK_STR(out.authorization, auth, url);
		sigv4_output_finish(&out);
		done++;
	}
	CHECK(done == 7, "botocore requests checked: %d", done);
	json_decref(doc);
}

static void test_rejects(void)
{
	struct sigv4_credentials creds, before;
	struct sigv4_header host = {"Host", "example.amazonaws.com"};
	struct sigv4_header other = {"X-Other", "1"};
	struct sigv4_input in;
	struct sigv4_output out, untouched;

	memset(&creds, 0x5a, sizeof(creds));
	before = creds;
	CHECK(sigv4_credentials_set(&creds, "", "secret", NULL, 0) == IT_EINVAL, "empty key id");
	CHECK(sigv4_credentials_set(&creds, "AKID", NULL, NULL, 0) == IT_EINVAL, "no secret");
	{
		char big[IT_AWS_MAX_SESSION + 2];
		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		CHECK(sigv4_credentials_set(&creds, "AKID", "s", big, 0) == IT_ETOOBIG, "huge token");
	}
	CHECK(memcmp(&creds, &before, sizeof(creds)) == 0, "creds untouched after failures");
	CHECK(sigv4_credentials_set(&creds, "AKID", "secret", NULL, 0) == IT_OK, "set");

	memset(&out, 0x33, sizeof(out));
	untouched = out;
	memset(&in, 0, sizeof(in));
	in.method = "GET";
	in.path = "/";
	in.headers = &other;
	in.n_headers = 1;
	in.creds = &creds;
	in.region = "us-east-1";
	in.service = "ec2";
	CHECK(sigv4_sign(&in, &out) == IT_EINVAL, "no host header");
	in.headers = &host;
	in.path = "relative";
	CHECK(sigv4_sign(&in, &out) == IT_EINVAL, "path without leading slash");
	in.path = "/";
	in.query = "a=%zz";
	CHECK(sigv4_sign(&in, &out) == IT_EINVAL, "bad percent escape");
	in.query = "a=%4";
	CHECK(sigv4_sign(&in, &out) == IT_EINVAL, "short percent escape");
	in.query = NULL;
	in.n_headers = IT_AWS_MAX_HEADERS + 1;
	CHECK(sigv4_sign(&in, &out) == IT_ETOOBIG, "too many headers");
	CHECK(memcmp(&out, &untouched, sizeof(out)) == 0, "output untouched after failures");
	in.n_headers = 1;
	in.path = "/a//b/../c/./d/";
	CHECK(sigv4_sign(&in, &out) == IT_OK, "normalising path signs");
	CHECK(strncmp(out.canonical_request, "GET\n/a/c/d/\n", 12) == 0, "normalised: %s",
	      out.canonical_request);
	sigv4_output_finish(&out);
	in.flags = SIGV4_S3;
	in.path = "/dt=2026-01-15/a b$c";
	CHECK(sigv4_sign(&in, &out) == IT_OK, "s3 path signs");
	CHECK(strncmp(out.canonical_request, "GET\n/dt%3D2026-01-15/a%20b%24c\n", 30) == 0,
	      "s3 single encoding: %s", out.canonical_request);
	sigv4_output_finish(&out);
	sigv4_output_finish(&out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_aws_sigv4 DATA_DIR (tests/data: holds sigv4/ and aws/)\n");
		return 2;
	}
	test_rejects();
	check_no_unlisted_cases(argv[1]);
	for (size_t i = 0; i < ARRAY_LEN(cases); i++)
		run_case(argv[1], cases[i]);
	run_botocore(argv[1]);
	return tap_done();
}
