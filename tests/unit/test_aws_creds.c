/*
 * test_aws_creds: the credential chain's order with a fake environment and a scripted
 * transport, each source's parsing, and the member-role cache: reuse, refresh before
 * Expiration, per-account separation, one STS call for concurrent callers.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_creds.h"
#include "aws_double.h"
#include "aws_ec2.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

static char assume_xml[2048], web_xml[2048];

static int route(struct aws_double *d, const struct aws_http_request *req, struct double_resp *r)
{
	static const char imds_json[] = "{\"Code\":\"Success\",\"AccessKeyId\":\"AKIMDS\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2026-01-15T18:00:00Z\"}";
	static const char cont_json[] = "{\"AccessKeyId\":\"AKCONT\",\"SecretAccessKey\":\"s\",\"Token\":\"t\",\"Expiration\":\"2026-01-15T18:00:00Z\"}";
	const char *u = req->url;
	(void)d;
	r->rc = IT_OK;
	r->status = 200;
	r->error_type = NULL;
	r->request_id = NULL;
	if (strstr(u, "/latest/api/token"))
		r->body = "imds-token";
	else if (strstr(u, "/security-credentials/role-a"))
		r->body = imds_json;
	else if (strstr(u, "/security-credentials/"))
		r->body = "role-a\n";
	else if (strstr(u, "/creds"))
		r->body = cont_json;
	else if (strstr(u, "sts.") && req->body && strstr(req->body, "WebIdentity"))
		r->body = web_xml;
	else if (strstr(u, "sts."))
		r->body = assume_xml;
	else if (strstr(u, "ec2."))
		r->body = "<DescribeImagesResponse><imagesSet/></DescribeImagesResponse>";
	else
		r->rc = IT_ENETWORK;
	return 0;
}

static void set_sts(int64_t expires_ms)
{
	char t[IT_TIME_BUF];
	format_time_s(expires_ms, t);
	snprintf(assume_xml, sizeof(assume_xml),
		 "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAROLE</AccessKeyId>"
		 "<SecretAccessKey>rs</SecretAccessKey><SessionToken>rt</SessionToken><Expiration>%s"
		 "</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>", t);
	snprintf(web_xml, sizeof(web_xml),
		 "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
		 "<AccessKeyId>AKWEB</AccessKeyId><SecretAccessKey>ws</SecretAccessKey><SessionToken>wt"
		 "</SessionToken><Expiration>%s</Expiration></Credentials>"
		 "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>", t);
}

static char tmpdir[64];
static char cred_file[128], token_file[128], auth_file[128];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void expect_source(const char *name, const char *const *env, int want_rc,
			  enum aws_creds_source want_src, const char *want_key)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct sigv4_credentials c;
	enum aws_creds_source src = AWS_CREDS__MAX;
	struct aws_error err;
	int rc;

	double_init(&d);
	d.route = route;
	set_sts(d.now_ms + 3600 * 1000);
	ctx = double_ctx(&d, env, NULL, NULL, &clk);
	CHECK(ctx != NULL, "%s: ctx", name);
	if (!ctx)
		return;
	memset(&err, 0, sizeof(err));
	memset(&c, 0, sizeof(c));
	rc = aws_creds_base(aws_creds_of(ctx), &c, &src, &err);
	CHECK(rc == want_rc, "%s: rc %s (%s)", name, status_str(rc), err.message);
	if (want_rc == IT_OK) {
		CHECK(src == want_src, "%s: source %s", name, src < AWS_CREDS__MAX ? aws_creds_source_names[src] : "?");
		CHECK_STR(c.access_key_id, want_key, name);
	}
	if (want_src == AWS_CREDS_IMDS && rc == IT_OK) {
		CHECK(d.n_reqs == 3 && !strcmp(d.reqs[0].method, "PUT") &&
		      strstr(d.reqs[0].headers, "X-aws-ec2-metadata-token-ttl-seconds: 21600") &&
		      strstr(d.reqs[1].headers, "X-aws-ec2-metadata-token: imds-token") &&
		      strstr(d.reqs[2].url, "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/role-a"),
		      "IMDSv2 token flow");
	}
	if (want_src == AWS_CREDS_CONTAINER && rc == IT_OK && strstr(name, "auth"))
		CHECK(strstr(d.reqs[0].headers, "Authorization: Bearer file-token\n") != NULL,
		      "container auth from file: %s", d.reqs[0].headers);
	if (want_src == AWS_CREDS_WEB_IDENTITY && rc == IT_OK) {
		CHECK(strstr(d.reqs[0].body, "Action=AssumeRoleWithWebIdentity") &&
		      strstr(d.reqs[0].body, "WebIdentityToken=oidc-token") &&
		      strstr(d.reqs[0].url, "https://sts.eu-west-1.amazonaws.com/") &&
		      !strstr(d.reqs[0].headers, "Authorization"),
		      "web identity: unsigned, regional STS: %s %s", d.reqs[0].url, d.reqs[0].body);
	}
	aws_ctx_free(ctx);
}

static void test_chain(void)
{
	char ev_file[256], ev_prof[64], ev_token[256], ev_auth[256];
	snprintf(ev_file, sizeof(ev_file), "AWS_SHARED_CREDENTIALS_FILE=%s", cred_file);
	snprintf(ev_token, sizeof(ev_token), "AWS_WEB_IDENTITY_TOKEN_FILE=%s", token_file);
	snprintf(ev_auth, sizeof(ev_auth), "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", auth_file);
	snprintf(ev_prof, sizeof(ev_prof), "AWS_PROFILE=other");
	{
		const char *const env[] = {"AWS_EC2_METADATA_DISABLED=true", "HOME=/nonexistent", NULL};
		expect_source("nothing configured", env, IT_EAUTH, AWS_CREDS__MAX, NULL);
	}
	{
		const char *const env[] = {"AWS_ACCESS_KEY_ID=AKENV", "AWS_EC2_METADATA_DISABLED=true", NULL};
		expect_source("half env", env, IT_EAUTH, AWS_CREDS__MAX, NULL);
	}
	{
		const char *const env[] = {"AWS_ACCESS_KEY_ID=AKENV", "AWS_SECRET_ACCESS_KEY=s",
					   ev_token, "AWS_ROLE_ARN=arn:aws:iam::111122223333:role/web",
					   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/creds", ev_file,
					   "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1", NULL};
		expect_source("env beats everything", env, IT_OK, AWS_CREDS_ENV, "AKENV");
	}
	{
		const char *const env[] = {ev_token, "AWS_ROLE_ARN=arn:aws:iam::111122223333:role/web",
					   "AWS_REGION=eu-west-1",
					   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/creds", ev_file, NULL};
		expect_source("web identity before container", env, IT_OK, AWS_CREDS_WEB_IDENTITY, "AKWEB");
	}
	{
		const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/creds", ev_file,
					   "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1", NULL};
		expect_source("container before profile", env, IT_OK, AWS_CREDS_CONTAINER, "AKCONT");
	}
	{
		const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/creds",
					   ev_auth, "AWS_CONTAINER_AUTHORIZATION_TOKEN=env-token", NULL};
		expect_source("container full uri auth file", env, IT_OK, AWS_CREDS_CONTAINER, "AKCONT");
	}
	{
		const char *const env[] = {"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://10.0.0.1/creds", NULL};
		expect_source("container full uri to a foreign host", env, IT_EAUTH, AWS_CREDS__MAX, NULL);
	}
	{
		const char *const env[] = {ev_file, "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1", NULL};
		expect_source("profile before IMDS", env, IT_OK, AWS_CREDS_PROFILE, "AKPROF");
	}
	{
		const char *const env[] = {ev_file, ev_prof, NULL};
		expect_source("named profile", env, IT_OK, AWS_CREDS_PROFILE, "AKOTHER");
	}
	{
		const char *const env[] = {ev_file, "AWS_PROFILE=missing", NULL};
		expect_source("missing named profile is an error", env, IT_EAUTH, AWS_CREDS__MAX, NULL);
	}
	{
		const char *const env[] = {"HOME=/nonexistent", "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1/", NULL};
		expect_source("IMDS last", env, IT_OK, AWS_CREDS_IMDS, "AKIMDS");
	}
}

static int parse_json_str(const char *s, struct sigv4_credentials *c)
{
	return aws_creds_parse_json(s, strlen(s), c);
}

static void test_pure(void)
{
	struct sigv4_credentials c;
	char arn[128] = "untouched";
	static const char ini[] =
		"# comment\n[default]\naws_access_key_id = AKDEF\naws_secret_access_key=sdef\n\n"
		"[profile p2]\r\naws_access_key_id=AKP2\r\naws_secret_access_key = sp2 \r\naws_session_token = tp2\r\n"
		"[nokeys]\nregion = us-east-1\n";

	CHECK(aws_creds_role_arn("aws", "12345678901", "Role", arn, sizeof(arn)) == IT_EINVAL, "short account");
	CHECK(aws_creds_role_arn("aws", "123456789012", "bad role", arn, sizeof(arn)) == IT_EINVAL, "space in role");
	CHECK(aws_creds_role_arn("aws", "123456789012", "", arn, sizeof(arn)) == IT_EINVAL, "empty role");
	CHECK(aws_creds_role_arn("aws", "123456789012", "R", arn, 10) == IT_ETOOBIG, "small buffer");
	CHECK_STR(arn, "untouched", "arn untouched after failures");
	CHECK(aws_creds_role_arn("aws-cn", "123456789012", "ItalicMember", arn, sizeof(arn)) == IT_OK, "arn");
	CHECK_STR(arn, "arn:aws-cn:iam::123456789012:role/ItalicMember", "arn text");

	CHECK(parse_json_str("{\"Code\":\"Failure\",\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\"}", &c) == IT_EDENIED, "IMDS failure code");
	CHECK(parse_json_str("{\"AccessKeyId\":\"a\"}", &c) == IT_EINVAL, "no secret");
	CHECK(parse_json_str("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Expiration\":\"soon\"}", &c) == IT_EINVAL, "bad expiration");
	CHECK(parse_json_str("[]", &c) == IT_EINVAL, "not an object");
	CHECK(parse_json_str("{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Token\":\"t\",\"Expiration\":\"2026-01-15T18:00:00Z\"}", &c) == IT_OK &&
	      c.expiration_ms == 1768500000000LL && !strcmp(c.session_token, "t"), "container json");

	CHECK(aws_creds_parse_ini(ini, strlen(ini), "nokeys", &c) == IT_ENOTFOUND, "profile without keys");
	CHECK(aws_creds_parse_ini(ini, strlen(ini), "absent", &c) == IT_ENOTFOUND, "absent profile");
	CHECK(aws_creds_parse_ini("[default\nx=1", 12, "default", &c) == IT_EINVAL, "broken section");
	CHECK(aws_creds_parse_ini(ini, strlen(ini), "default", &c) == IT_OK && !strcmp(c.access_key_id, "AKDEF") &&
	      !strcmp(c.secret_access_key, "sdef") && c.session_token[0] == '\0', "default profile");
	CHECK(aws_creds_parse_ini(ini, strlen(ini), "p2", &c) == IT_OK && !strcmp(c.secret_access_key, "sp2") &&
	      !strcmp(c.session_token, "tp2"), "[profile p2], CRLF, spaces");

	CHECK(aws_creds_full_uri_allowed("https://example.com/creds"), "https anywhere");
	CHECK(aws_creds_full_uri_allowed("http://127.0.0.1:8080/x"), "loopback v4");
	CHECK(aws_creds_full_uri_allowed("http://127.1.2.3/x"), "127/8");
	CHECK(aws_creds_full_uri_allowed("http://[::1]:80/x"), "loopback v6");
	CHECK(aws_creds_full_uri_allowed("http://169.254.170.23/v1/credentials"), "EKS pod identity");
	CHECK(aws_creds_full_uri_allowed("http://localhost/x"), "localhost");
	CHECK(!aws_creds_full_uri_allowed("http://10.0.0.1/x"), "private host over http");
	CHECK(!aws_creds_full_uri_allowed("http://127.0.0.1.evil.com/x"), "loopback-looking name");
	CHECK(!aws_creds_full_uri_allowed("http://evil@127.0.0.1/x"), "userinfo");
	CHECK(!aws_creds_full_uri_allowed("file:///etc/passwd"), "file scheme");
	CHECK(!aws_creds_full_uri_allowed(NULL), "NULL");
}

struct worker {
	struct aws_ctx *ctx;
	const char *account;
	int rc;
	char key[IT_AWS_MAX_KEY_ID + 1];
};

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	struct sigv4_credentials c;
	struct aws_error err;
	w->rc = aws_creds_for(aws_creds_of(w->ctx), w->account, "us-east-1", &c, &err);
	if (w->rc == 0)
		snprintf(w->key, sizeof(w->key), "%s", c.access_key_id);
	return NULL;
}

static void test_assume_role(void)
{
	const char *const env[] = {"AWS_ACCESS_KEY_ID=AKBASE", "AWS_SECRET_ACCESS_KEY=s", "AWS_REGION=eu-west-1", NULL};
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_creds *cr;
	struct sigv4_credentials c;
	struct aws_error err;
	struct aws_ec2_images im;
	const char *ids[] = {"ami-0123456789abcdef0"};

	double_init(&d);
	d.route = route;
	set_sts(d.now_ms + 3600 * 1000);
	ctx = double_ctx(&d, env, "ItalicMember", "ext-id-1", &clk);
	CHECK(ctx != NULL, "ctx");
	if (!ctx)
		return;
	cr = aws_creds_of(ctx);
	CHECK(aws_creds_for(cr, "111122223333", "us-east-1", &c, &err) == IT_OK, "assume");
	CHECK_STR(c.access_key_id, "ASIAROLE", "assumed key");
	CHECK(aws_creds_assume_calls(cr) == 1, "one STS call");
	CHECK_STR(d.reqs[0].url, "https://sts.eu-west-1.amazonaws.com/", "home-region STS");
	CHECK_STR(d.reqs[0].body, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FItalicMember&RoleSessionName=italic-111122223333&ExternalId=ext-id-1&DurationSeconds=3600",
		  "AssumeRole body");
	CHECK(strstr(d.reqs[0].headers, "Credential=AKBASE/20260115/eu-west-1/sts/aws4_request") != NULL, "signed with base creds");

	/* cached: no new STS call, and an EC2 call goes out signed with the role's set */
	d.n_reqs = 0;
	CHECK(aws_ec2_describe_images(ctx, "111122223333", "us-east-1", ids, 1, &im, &err) == IT_OK, "ec2 via role");
	aws_ec2_images_free(&im);
	CHECK(aws_creds_assume_calls(cr) == 1 && d.n_reqs == 1, "cache reused");
	CHECK(strstr(d.reqs[0].headers, "X-Amz-Security-Token: rt\n") && strstr(d.reqs[0].headers, "Credential=ASIAROLE/"),
	      "role credentials used");

	/* another account: its own set */
	CHECK(aws_creds_for(cr, "444455556666", "us-east-1", &c, &err) == IT_OK && aws_creds_assume_calls(cr) == 2, "per account");
	/* China region: partition in the ARN, that partition's STS */
	d.n_reqs = 0;
	CHECK(aws_creds_for(cr, "111122223333", "cn-north-1", &c, &err) == IT_OK && aws_creds_assume_calls(cr) == 3, "per partition");
	CHECK(strstr(d.reqs[0].body, "arn%3Aaws-cn%3Aiam") && !strcmp(d.reqs[0].url, "https://sts.cn-north-1.amazonaws.com.cn/"),
	      "aws-cn role and STS: %s", d.reqs[0].url);

	/* 54 min later (6 min before expiry): still fresh; 56 min: refreshed */
	d.now_ms += 54 * 60 * 1000;
	CHECK(aws_creds_for(cr, "111122223333", "us-east-1", &c, &err) == IT_OK && aws_creds_assume_calls(cr) == 3, "fresh at T-6min");
	d.now_ms += 2 * 60 * 1000;
	set_sts(d.now_ms + 3600 * 1000);
	CHECK(aws_creds_for(cr, "111122223333", "us-east-1", &c, &err) == IT_OK && aws_creds_assume_calls(cr) == 4, "refreshed at T-4min");
	CHECK(c.expiration_ms == d.now_ms + 3600 * 1000, "new expiration");

	/* STS refusal is final and reported */
	aws_creds_invalidate(cr, "777788889999");
	d.n_script = d.next = 0;
	double_push(&d, 403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>sts-1</RequestId></ErrorResponse>", NULL);
	memset(&err, 0, sizeof(err));
	CHECK(aws_creds_for(cr, "777788889999", "us-east-1", &c, &err) == IT_EDENIED, "AccessDenied");
	CHECK_STR(err.code, "AccessDenied", "STS code");
	CHECK_STR(err.request_id, "sts-1", "STS request id");
	CHECK(aws_creds_for(cr, "1234", "us-east-1", &c, &err) == IT_EINVAL, "bad account");

	/* concurrent callers for one account: one STS call */
	{
		struct worker w[8];
		pthread_t t[8];
		unsigned long before = aws_creds_assume_calls(cr);
		d.send_delay_ms = 50;
		for (int i = 0; i < 8; i++) {
			w[i].ctx = ctx;
			w[i].account = "999988887777";
			w[i].rc = -99;
			pthread_create(&t[i], NULL, run_worker, &w[i]);
		}
		for (int i = 0; i < 8; i++) {
			pthread_join(t[i], NULL);
			CHECK(w[i].rc == IT_OK && !strcmp(w[i].key, "ASIAROLE"), "worker %d", i);
		}
		CHECK(aws_creds_assume_calls(cr) == before + 1, "coalesced: %lu STS calls",
		      aws_creds_assume_calls(cr) - before);
		d.send_delay_ms = 0;
	}
	aws_ctx_free(ctx);

	/* without a member role, accounts use the base set */
	double_init(&d);
	ctx = double_ctx(&d, env, NULL, NULL, &clk);
	CHECK(ctx && aws_creds_for(aws_creds_of(ctx), "111122223333", "us-east-1", &c, &err) == IT_OK &&
	      !strcmp(c.access_key_id, "AKBASE") && d.n_reqs == 0, "no role: own credentials");
	aws_ctx_free(ctx);
	{
		struct aws_ctx_config cfg;
		struct aws_ctx *bad = NULL;
		memset(&cfg, 0, sizeof(cfg));
		cfg.member_role = "bad role";
		CHECK(aws_ctx_new(&cfg, &bad) == IT_EINVAL && bad == NULL, "bad member role name");
	}
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/italic-creds-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	snprintf(cred_file, sizeof(cred_file), "%s/credentials", tmpdir);
	snprintf(token_file, sizeof(token_file), "%s/token", tmpdir);
	snprintf(auth_file, sizeof(auth_file), "%s/auth", tmpdir);
	write_file(cred_file, "[default]\naws_access_key_id=AKPROF\naws_secret_access_key=sp\n"
			      "[other]\naws_access_key_id=AKOTHER\naws_secret_access_key=so\n");
	write_file(token_file, "oidc-token\n");
	write_file(auth_file, "Bearer file-token\n");
	test_pure();
	test_chain();
	test_assume_role();
	unlink(cred_file);
	unlink(token_file);
	unlink(auth_file);
	rmdir(tmpdir);
	return tap_done();
}
