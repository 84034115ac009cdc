/* aws_creds.c: credential chain, caches, member-role AssumeRole (see aws_creds.h). */
#include "aws_creds.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws_sts.h"
#include "parse.h"
#include "status.h"

const char *const aws_creds_source_names[AWS_CREDS__MAX] = {
	[AWS_CREDS_ENV] = "env",
	[AWS_CREDS_WEB_IDENTITY] = "web-identity",
	[AWS_CREDS_CONTAINER] = "container",
	[AWS_CREDS_PROFILE] = "profile",
	[AWS_CREDS_IMDS] = "imds",
	[AWS_CREDS_ASSUMED] = "assumed-role",
};

/* One cached credential set and the state of its refresh. */
struct entry {
	char key[40];                   /* "" for the base set, else "<partition>:<account>" */
	struct sigv4_credentials creds;
	enum aws_creds_source source;
	int valid;
	int refreshing;
	unsigned long failures;         /* bumped when a refresh fails, wakes waiters */
	struct aws_error last_err;
};

struct aws_creds {
	struct aws_ctx *ctx;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct entry base;
	struct entry **accounts;
	size_t n_accounts, cap_accounts;
	unsigned long assume_calls;
};

static void chain_free(void *vc)
{
	struct aws_creds *c = vc;
	if (!c)
		return;
	for (size_t i = 0; i < c->n_accounts; i++) {
		sigv4_credentials_wipe(&c->accounts[i]->creds);
		free(c->accounts[i]);
	}
	free(c->accounts);
	sigv4_credentials_wipe(&c->base.creds);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* ---- pure helpers ---- */

int aws_creds_role_arn(const char *partition, const char *account, const char *role, char *out,
		       size_t size)
{
	char tmp[256];
	int n;
	size_t rl = role ? strlen(role) : 0;

	if (!partition || !valid_account_id(account) || rl < 1 || rl > 64)
		return IT_EINVAL;
	for (size_t i = 0; i < rl; i++) {
		char c = role[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_+=,.@-", c)))
			return IT_EINVAL;
	}
	n = snprintf(tmp, sizeof(tmp), "arn:%s:iam::%s:role/%s", partition, account, role);
	if (n < 0 || (size_t)n >= size || (size_t)n >= sizeof(tmp))
		return IT_ETOOBIG;
	memcpy(out, tmp, (size_t)n + 1);
	return IT_OK;
}

int aws_creds_parse_json(const char *data, size_t len, struct sigv4_credentials *ret)
{
	json_error_t je;
	json_t *doc;
	const char *code, *exp;
	int64_t exp_ms = 0;
	int rc;

	if (!data || len > IT_AWS_MAX_CRED_DOC)
		return IT_ETOOBIG;
	doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return IT_EINVAL;
	}
	code = json_string_value(json_object_get(doc, "Code"));
	exp = json_string_value(json_object_get(doc, "Expiration"));
	if (code && strcmp(code, "Success") != 0)
		rc = IT_EDENIED;
	else if (exp && parse_time_ms(exp, &exp_ms) != IT_OK)
		rc = IT_EINVAL;
	else
		rc = sigv4_credentials_set(ret, json_string_value(json_object_get(doc, "AccessKeyId")),
					   json_string_value(json_object_get(doc, "SecretAccessKey")),
					   json_string_value(json_object_get(doc, "Token")), exp_ms);
	json_decref(doc);
	return rc;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t' || **s == '\r'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
		(*e)--;
}

/* Small INI reader for the shared credentials file: "[name]" (or "[profile name]")
 * sections, "key = value" lines, '#' / ';' comments. Lines over IT_AWS_MAX_INI_LINE
 * make the file invalid rather than being cut. */
int aws_creds_parse_ini(const char *text, size_t len, const char *profile,
			struct sigv4_credentials *ret)
{
	char key[IT_AWS_MAX_KEY_ID + 1] = "", secret[IT_AWS_MAX_SECRET + 1] = "",
	     token[IT_AWS_MAX_SESSION + 1] = "";
	const char *p = text, *end = text + len;
	int in_profile = 0, found = 0, rc = IT_OK;

	if (!text || !profile)
		return IT_EINVAL;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p, *e = le;
		p = nl ? nl + 1 : end;
		if ((size_t)(le - s) > IT_AWS_MAX_INI_LINE) {
			rc = IT_ETOOBIG;
			break;
		}
		trim(&s, &e);
		if (s == e || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			const char *ns = s + 1, *ne = e;
			if (e[-1] != ']') {
				rc = IT_EINVAL;
				break;
			}
			ne = e - 1;
			trim(&ns, &ne);
			if ((size_t)(ne - ns) > 8 && !strncmp(ns, "profile ", 8)) {
				ns += 8;
				trim(&ns, &ne);
			}
			in_profile = (size_t)(ne - ns) == strlen(profile) &&
				     !memcmp(ns, profile, (size_t)(ne - ns));
			found |= in_profile;
			continue;
		}
		if (in_profile) {
			const char *eq = memchr(s, '=', (size_t)(e - s)), *ks = s, *ke, *vs, *ve = e;
			char *dst = NULL;
			size_t size = 0;
			if (!eq)
				continue;
			ke = eq;
			vs = eq + 1;
			trim(&ks, &ke);
			trim(&vs, &ve);
			if ((size_t)(ke - ks) == 17 && !strncmp(ks, "aws_access_key_id", 17)) {
				dst = key;
				size = sizeof(key);
			} else if ((size_t)(ke - ks) == 21 && !strncmp(ks, "aws_secret_access_key", 21)) {
				dst = secret;
				size = sizeof(secret);
			} else if ((size_t)(ke - ks) == 17 && !strncmp(ks, "aws_session_token", 17)) {
				dst = token;
				size = sizeof(token);
			}
			if (dst) {
				if ((size_t)(ve - vs) >= size) {
					rc = IT_ETOOBIG;
					break;
				}
				memcpy(dst, vs, (size_t)(ve - vs));
				dst[ve - vs] = '\0';
			}
		}
	}
	if (rc == 0 && (!found || !key[0] || !secret[0]))
		rc = IT_ENOTFOUND;
	if (rc == 0)
		rc = sigv4_credentials_set(ret, key, secret, token, 0);
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(token, sizeof(token));
	return rc;
}

int aws_creds_full_uri_allowed(const char *url)
{
	static const char *const hosts[] = {"localhost", "169.254.170.2", "169.254.170.23",
					    "[::1]", "[fd00:ec2::23]", NULL};
	const char *h, *end;
	size_t n;

	if (!url)
		return 0;
	if (!strncmp(url, "https://", 8))
		return url[8] != '\0';
	if (strncmp(url, "http://", 7) != 0)
		return 0;
	h = url + 7;
	if (*h == '[') {
		end = strchr(h, ']');
		if (!end)
			return 0;
		end++;
	} else {
		end = h + strcspn(h, ":/?#");
	}
	n = (size_t)(end - h);
	if (memchr(h, '@', n))
		return 0;
	for (int i = 0; hosts[i]; i++)
		if (strlen(hosts[i]) == n && !strncasecmp(h, hosts[i], n))
			return 1;
	if (n > 4 && !strncmp(h, "127.", 4)) {
		int dots = 0;
		for (size_t i = 0; i < n; i++) {
			if (h[i] == '.')
				dots++;
			else if (h[i] < '0' || h[i] > '9')
				return 0;
		}
		return dots == 3;
	}
	return 0;
}

/* ---- sources ---- */

/* Reads a small file whole (tokens, the credentials file). IT_ENOTFOUND when absent. */
static int read_small_file(const char *path, size_t max, struct buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = IT_OK;

	if (fd < 0)
		return errno == ENOENT ? IT_ENOTFOUND : IT_EIO;
	buf_init(out, max);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0 && rc == 0)
		rc = buf_append(out, chunk, (size_t)n);
	if (n < 0 && rc == 0)
		rc = IT_EIO;
	OPENSSL_cleanse(chunk, sizeof(chunk));
	close(fd);
	if (rc == 0 && !out->data)
		rc = buf_puts(out, "");
	if (rc) {
		if (out->data)
			OPENSSL_cleanse(out->data, out->len);
		buf_finish(out);
	}
	return rc;
}

static void wipe_buf(struct buf *b)
{
	if (b->data)
		OPENSSL_cleanse(b->data, b->len);
	buf_finish(b);
}

static int from_web_identity(struct aws_creds *c, struct sigv4_credentials *ret, struct aws_error *err)
{
	const struct aws_env *env = aws_ctx_env(c->ctx);
	const char *session = aws_env_get(env, AWS_ENV_ROLE_SESSION_NAME);
	struct buf tok;
	int rc;
	size_t n;

	rc = read_small_file(aws_env_get(env, AWS_ENV_WEB_IDENTITY_TOKEN_FILE), IT_AWS_MAX_CRED_DOC, &tok);
	if (rc)
		return aws_error_set(err, rc == IT_ENOTFOUND ? IT_EAUTH : rc,
				     "web identity token file unreadable");
	n = tok.len;
	while (n > 0 && (tok.data[n - 1] == '\n' || tok.data[n - 1] == '\r' || tok.data[n - 1] == ' '))
		tok.data[--n] = '\0';
	rc = aws_sts_assume_role_with_web_identity(c->ctx, aws_ctx_home_region(c->ctx),
						   aws_env_get(env, AWS_ENV_ROLE_ARN),
						   session ? session : "italic", tok.data, 3600, ret,
						   err);
	wipe_buf(&tok);
	return rc;
}

/* One GET/PUT to a local credentials endpoint (container, IMDS): short timeouts, a
 * document cap, at most one header line (NULL: none), no signing and no retries (the
 * chain is asked again on the next call). IT_ENOTFOUND for 404, aws_classify() for
 * another non-200, IT_EINVAL for an empty body. */
static int local_get(struct aws_creds *c, const char *method, const char *url, const char *header,
		     struct aws_http_response *resp)
{
	struct aws_http_request req;
	const char *hdr[1] = {header};
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdr;
	req.n_headers = header ? 1 : 0;
	req.timeout_ms = 2000;
	req.connect_timeout_ms = 1000;
	req.max_response = IT_AWS_MAX_CRED_DOC;
	rc = aws_http_send(c->ctx, &req, resp);
	if (rc == 0 && resp->status != 200)
		rc = aws_classify(resp->status, NULL);  /* 404 is IT_ENOTFOUND */
	if (rc == 0 && !resp->body.data)
		rc = IT_EINVAL;
	return rc;
}

static int from_container(struct aws_creds *c, struct sigv4_credentials *ret, struct aws_error *err)
{
	const struct aws_env *env = aws_ctx_env(c->ctx);
	const char *rel = aws_env_get(env, AWS_ENV_CONTAINER_RELATIVE_URI);
	const char *full = aws_env_get(env, AWS_ENV_CONTAINER_FULL_URI);
	const char *tok_file = aws_env_get(env, AWS_ENV_CONTAINER_AUTH_TOKEN_FILE);
	const char *tok_env = aws_env_get(env, AWS_ENV_CONTAINER_AUTH_TOKEN);
	struct buf url, tok, auth;
	struct aws_http_response resp;
	int rc;

	buf_init(&url, IT_AWS_MAX_URL);
	buf_init(&tok, 0);
	buf_init(&auth, IT_AWS_MAX_HEADER_LEN);
	buf_init(&resp.body, IT_AWS_MAX_CRED_DOC);
	if (rel)
		rc = buf_printf(&url, "%s%s%s", aws_ctx_config(c->ctx)->container_host,
				rel[0] == '/' ? "" : "/", rel);
	else if (aws_creds_full_uri_allowed(full))
		rc = buf_puts(&url, full);
	else
		rc = aws_error_set(err, IT_EAUTH, "container credentials URI not allowed");
	if (rc)
		goto out;
	if (tok_file) {
		rc = read_small_file(tok_file, IT_AWS_MAX_HEADER_LEN, &tok);
		if (rc) {
			aws_error_set(err, IT_EAUTH, "container authorization token file unreadable");
			rc = IT_EAUTH;
			goto out;
		}
		while (tok.len > 0 && (tok.data[tok.len - 1] == '\n' || tok.data[tok.len - 1] == '\r'))
			tok.data[--tok.len] = '\0';
		rc = buf_printf(&auth, "Authorization: %s", tok.data);
	} else if (tok_env) {
		rc = buf_printf(&auth, "Authorization: %s", tok_env);
	}
	if (rc)
		goto out;
	rc = local_get(c, "GET", buf_str(&url), auth.len ? buf_str(&auth) : NULL, &resp);
	if (rc == 0)
		rc = aws_creds_parse_json(resp.body.data, resp.body.len, ret);
	if (rc)
		aws_error_set(err, rc, "container credentials endpoint failed (HTTP %ld)", resp.status);
out:
	wipe_buf(&resp.body);
	wipe_buf(&tok);
	wipe_buf(&auth);
	buf_finish(&url);
	return rc;
}

/* IT_ENOTFOUND when no file or profile (and none was asked for explicitly). */
static int from_profile(struct aws_creds *c, struct sigv4_credentials *ret, struct aws_error *err)
{
	const struct aws_env *env = aws_ctx_env(c->ctx);
	const char *file = aws_env_get(env, AWS_ENV_SHARED_CREDENTIALS_FILE);
	const char *profile = aws_env_get(env, AWS_ENV_PROFILE);
	const char *home = aws_env_get(env, AWS_ENV_HOME);
	char path[1024];
	struct buf text;
	int rc, n;

	if (file)
		n = snprintf(path, sizeof(path), "%s", file);
	else if (home)
		n = snprintf(path, sizeof(path), "%s/.aws/credentials", home);
	else
		return profile ? aws_error_set(err, IT_EAUTH, "AWS_PROFILE set but no HOME") : IT_ENOTFOUND;
	if (n < 0 || (size_t)n >= sizeof(path))
		return aws_error_set(err, IT_EINVAL, "credentials file path too long");
	rc = read_small_file(path, IT_AWS_MAX_CRED_DOC, &text);
	if (rc == IT_ENOTFOUND)
		return profile ? aws_error_set(err, IT_EAUTH, "shared credentials file not found")
			       : IT_ENOTFOUND;
	if (rc)
		return aws_error_set(err, rc, "shared credentials file unreadable");
	rc = aws_creds_parse_ini(text.data, text.len, profile ? profile : "default", ret);
	wipe_buf(&text);
	if (rc == IT_ENOTFOUND && !profile)
		return IT_ENOTFOUND;
	if (rc)
		return aws_error_set(err, rc == IT_ENOTFOUND ? IT_EAUTH : rc,
				     "profile not usable in shared credentials file");
	return IT_OK;
}

static int from_imds(struct aws_creds *c, struct sigv4_credentials *ret, struct aws_error *err)
{
	const char *base = aws_env_get(aws_ctx_env(c->ctx), AWS_ENV_EC2_METADATA_ENDPOINT);
	struct aws_http_response resp;
	struct buf url, hdr;
	char role[128];
	size_t n;
	int rc;

	if (!base)
		base = "http://169.254.169.254";
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	buf_init(&url, IT_AWS_MAX_URL);
	buf_init(&hdr, IT_AWS_MAX_HEADER_LEN);
	buf_init(&resp.body, IT_AWS_MAX_CRED_DOC);
	rc = buf_printf(&url, "%.*s/latest/api/token", (int)n, base);
	if (rc == 0)
		rc = local_get(c, "PUT", buf_str(&url), "X-aws-ec2-metadata-token-ttl-seconds: 21600", &resp);
	if (rc) {
		aws_error_set(err, IT_EAUTH, "the instance metadata service gave no session token (%s)",
			      status_text(rc));
		rc = IT_EAUTH;
		goto out;
	}
	while (resp.body.len > 0 && (resp.body.data[resp.body.len - 1] == '\n'))
		resp.body.data[--resp.body.len] = '\0';
	rc = buf_printf(&hdr, "X-aws-ec2-metadata-token: %s", resp.body.data);
	buf_reset(&url);
	if (rc == 0)
		rc = buf_printf(&url, "%.*s/latest/meta-data/iam/security-credentials/", (int)n, base);
	if (rc == 0)
		rc = local_get(c, "GET", buf_str(&url), buf_str(&hdr), &resp);
	if (rc) {
		aws_error_set(err, IT_EAUTH, "the instance metadata service names no instance profile role (%s)",
			      status_text(rc));
		rc = IT_EAUTH;
		goto out;
	}
	n = strcspn(resp.body.data, "\r\n");
	if (n == 0 || n >= sizeof(role)) {
		rc = aws_error_set(err, IT_EAUTH, "the instance metadata service returned an unusable role name");
		goto out;
	}
	memcpy(role, resp.body.data, n);
	role[n] = '\0';
	rc = buf_puts(&url, role);
	if (rc == 0)
		rc = local_get(c, "GET", buf_str(&url), buf_str(&hdr), &resp);
	if (rc == 0)
		rc = aws_creds_parse_json(resp.body.data, resp.body.len, ret);
	if (rc)
		aws_error_set(err, rc, "the instance profile credentials from the instance metadata service are unusable");
out:
	wipe_buf(&resp.body);
	wipe_buf(&hdr);
	buf_finish(&url);
	return rc;
}

static int disabled(const char *v)
{
	return v && !strcasecmp(v, "true");
}

static int fetch_base(struct aws_creds *c, const void *arg, struct sigv4_credentials *ret,
		      enum aws_creds_source *ret_source, struct aws_error *err)
{
	const struct aws_env *env = aws_ctx_env(c->ctx);
	const char *akid = aws_env_get(env, AWS_ENV_ACCESS_KEY_ID);
	const char *secret = aws_env_get(env, AWS_ENV_SECRET_ACCESS_KEY);
	int rc;
	(void)arg;

	if (akid || secret) {
		if (!akid || !secret)
			return aws_error_set(err, IT_EAUTH, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
		rc = sigv4_credentials_set(ret, akid, secret, aws_env_get(env, AWS_ENV_SESSION_TOKEN), 0);
		if (rc)
			return aws_error_set(err, rc, "environment credentials unusable");
		*ret_source = AWS_CREDS_ENV;
		return IT_OK;
	}
	if (aws_env_get(env, AWS_ENV_WEB_IDENTITY_TOKEN_FILE) && aws_env_get(env, AWS_ENV_ROLE_ARN)) {
		*ret_source = AWS_CREDS_WEB_IDENTITY;
		return from_web_identity(c, ret, err);
	}
	if (aws_env_get(env, AWS_ENV_CONTAINER_RELATIVE_URI) ||
	    aws_env_get(env, AWS_ENV_CONTAINER_FULL_URI)) {
		*ret_source = AWS_CREDS_CONTAINER;
		return from_container(c, ret, err);
	}
	rc = from_profile(c, ret, err);
	if (rc != IT_ENOTFOUND) {
		*ret_source = AWS_CREDS_PROFILE;
		return rc;
	}
	if (disabled(aws_env_get(env, AWS_ENV_EC2_METADATA_DISABLED)))
		return aws_error_set(err, IT_EAUTH, "no AWS credentials found");
	*ret_source = AWS_CREDS_IMDS;
	return from_imds(c, ret, err);
}

struct assume_arg {
	const char *account;
	const char *partition;
	const char *sts_region;
};

static int fetch_assumed(struct aws_creds *c, const void *varg, struct sigv4_credentials *ret,
			 enum aws_creds_source *ret_source, struct aws_error *err)
{
	const struct assume_arg *a = varg;
	const struct aws_ctx_config *cfg = aws_ctx_config(c->ctx);
	struct sigv4_credentials base;
	enum aws_creds_source src;
	char arn[256], session[64];
	int rc;

	rc = aws_creds_role_arn(a->partition, a->account, cfg->member_role, arn, sizeof(arn));
	if (rc)
		return aws_error_set(err, rc, "bad member role ARN");
	snprintf(session, sizeof(session), "italic-%s", a->account);
	rc = aws_creds_base(c, &base, &src, err);
	if (rc)
		return rc;
	pthread_mutex_lock(&c->mu);
	c->assume_calls++;
	pthread_mutex_unlock(&c->mu);
	rc = aws_sts_assume_role(c->ctx, &base, a->sts_region, arn, session, cfg->external_id,
				 cfg->role_duration_s, ret, err);
	sigv4_credentials_wipe(&base);
	if (rc == 0)
		*ret_source = AWS_CREDS_ASSUMED;
	return rc;
}

static int fresh(const struct entry *e, int64_t now, int64_t margin)
{
	return e->valid && (e->creds.expiration_ms == 0 || now < e->creds.expiration_ms - margin);
}

/*
 * The cache discipline for one entry: a fresh set is returned at once; a stale one is
 * refreshed by exactly one caller while the others either keep using the old set (if
 * it has not actually expired) or wait for the refresh. A failed refresh wakes the
 * waiters with its error instead of letting each of them try again.
 */
static int cached(struct aws_creds *c, struct entry *e,
		  int (*fetch)(struct aws_creds *, const void *, struct sigv4_credentials *,
			       enum aws_creds_source *, struct aws_error *),
		  const void *arg,
		  struct sigv4_credentials *ret, enum aws_creds_source *ret_source,
		  struct aws_error *err)
{
	struct sigv4_credentials fresh_set;
	enum aws_creds_source src = AWS_CREDS_ENV;
	struct aws_error ferr;
	int rc;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		int64_t now = aws_ctx_now_ms(c->ctx);
		unsigned long seen;
		if (fresh(e, now, IT_AWS_REFRESH_MS) || (e->refreshing && fresh(e, now, 10000))) {
			*ret = e->creds;
			if (ret_source)
				*ret_source = e->source;
			pthread_mutex_unlock(&c->mu);
			return IT_OK;
		}
		if (!e->refreshing)
			break;
		seen = e->failures;
		while (e->refreshing)
			pthread_cond_wait(&c->cv, &c->mu);
		if (e->failures != seen && !e->valid) {
			rc = e->last_err.status;
			if (err)
				*err = e->last_err;
			pthread_mutex_unlock(&c->mu);
			return rc;
		}
	}
	e->refreshing = 1;
	pthread_mutex_unlock(&c->mu);

	memset(&ferr, 0, sizeof(ferr));
	memset(&fresh_set, 0, sizeof(fresh_set));
	rc = fetch(c, arg, &fresh_set, &src, &ferr);
	ferr.status = rc;

	pthread_mutex_lock(&c->mu);
	e->refreshing = 0;
	if (rc == 0) {
		e->creds = fresh_set;
		e->source = src;
		e->valid = 1;
	} else {
		e->failures++;
		e->last_err = ferr;
	}
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (rc == 0) {
		*ret = fresh_set;
		if (ret_source)
			*ret_source = src;
	} else if (err) {
		*err = ferr;
	}
	sigv4_credentials_wipe(&fresh_set);
	return rc;
}

int aws_creds_base(struct aws_creds *c, struct sigv4_credentials *ret,
		   enum aws_creds_source *ret_source, struct aws_error *err)
{
	return cached(c, &c->base, fetch_base, NULL, ret, ret_source, err);
}

static struct entry *account_entry(struct aws_creds *c, const char *key)
{
	struct entry *e = NULL;

	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n_accounts; i++) {
		if (!strcmp(c->accounts[i]->key, key)) {
			e = c->accounts[i];
			goto out;
		}
	}
	if (c->n_accounts >= IT_AWS_MAX_ACCOUNTS)
		goto out;
	if (c->n_accounts == c->cap_accounts) {
		size_t cap = c->cap_accounts ? c->cap_accounts * 2 : 16;
		struct entry **p = realloc(c->accounts, cap * sizeof(*p));
		if (!p)
			goto out;
		c->accounts = p;
		c->cap_accounts = cap;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		goto out;
	snprintf(e->key, sizeof(e->key), "%s", key);
	c->accounts[c->n_accounts++] = e;
out:
	pthread_mutex_unlock(&c->mu);
	return e;
}

int aws_creds_for(struct aws_creds *c, const char *account, const char *region,
		  struct sigv4_credentials *ret, struct aws_error *err)
{
	const struct aws_ctx_config *cfg = aws_ctx_config(c->ctx);
	const char *partition = aws_partition(region), *home = aws_ctx_home_region(c->ctx);
	struct assume_arg a;
	struct entry *e;
	char key[40];

	if (!account || !cfg->member_role)
		return aws_creds_base(c, ret, NULL, err);
	if (!valid_account_id(account) || !partition)
		return aws_error_set(err, IT_EINVAL, "bad account or region");
	snprintf(key, sizeof(key), "%s:%s", partition, account);
	e = account_entry(c, key);
	if (!e)
		return aws_error_set(err, IT_ENOMEM, "credential cache full");
	a.account = account;
	a.partition = partition;
	/* the home region's STS when it is in the same partition, else the target's */
	a.sts_region = (aws_partition(home) && !strcmp(aws_partition(home), partition)) ? home : region;
	return cached(c, e, fetch_assumed, &a, ret, NULL, err);
}

void aws_creds_invalidate(struct aws_creds *c, const char *account)
{
	pthread_mutex_lock(&c->mu);
	if (!account) {
		c->base.valid = 0;
	} else {
		for (size_t i = 0; i < c->n_accounts; i++) {
			const char *colon = strchr(c->accounts[i]->key, ':');
			if (colon && !strcmp(colon + 1, account))
				c->accounts[i]->valid = 0;
		}
	}
	pthread_mutex_unlock(&c->mu);
}

unsigned long aws_creds_assume_calls(struct aws_creds *c)
{
	unsigned long n;
	pthread_mutex_lock(&c->mu);
	n = c->assume_calls;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* ---- the provider ---- */

static int chain_get(void *vc, const char *account, const char *region,
		     struct sigv4_credentials *ret, struct aws_error *err)
{
	return aws_creds_for(vc, account, region, ret, err);
}

static void chain_invalidate(void *vc, const char *account)
{
	aws_creds_invalidate(vc, account);
}

int aws_creds_provider_new(struct aws_ctx *ctx, struct aws_credentials_provider *ret)
{
	struct aws_creds *c = calloc(1, sizeof(*c));
	if (!c)
		return IT_ENOMEM;
	c->ctx = ctx;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	ret->get = chain_get;
	ret->invalidate = chain_invalidate;
	ret->free = chain_free;
	ret->ctx = c;
	return IT_OK;
}

struct aws_creds *aws_creds_of(const struct aws_ctx *ctx)
{
	const struct aws_credentials_provider *p = aws_ctx_credentials(ctx);
	/* the get function identifies the implementation, so ctx is known to be ours */
	return p && p->get == chain_get ? p->ctx : NULL;
}
