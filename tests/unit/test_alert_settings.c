/*
 * test_alert_settings: the alert settings checked together (lib/alert_settings.h): one
 * row per accepted or refused combination, the secret file's forms, and that a failure
 * leaves the result untouched and names the setting but never the secret or the URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_settings.h"
#include "config.h"
#include "status.h"
#include "tap.h"

#define GOOD_SECRET "0123456789abcdef-secret"

struct row {
	const char *name;
	const char *bus, *url, *secret, *secret_file, *public_url;
	int format;            /* 0 json, 1 slack */
	int rc;
	const char *err;       /* part of the message (rc != IT_OK) */
};

static int load(const struct row *r, struct alert_settings *out, char *err, size_t n)
{
	struct config c;

	config_defaults(&c);
	snprintf(c.alert_eventbus, sizeof(c.alert_eventbus), "%s", r->bus ? r->bus : "");
	snprintf(c.alert_webhook_url, sizeof(c.alert_webhook_url), "%s", r->url ? r->url : "");
	snprintf(c.alert_webhook_secret, sizeof(c.alert_webhook_secret), "%s", r->secret ? r->secret : "");
	snprintf(c.alert_webhook_secret_file, sizeof(c.alert_webhook_secret_file), "%s",
		 r->secret_file ? r->secret_file : "");
	snprintf(c.public_url, sizeof(c.public_url), "%s", r->public_url ? r->public_url : "");
	c.alert_webhook_format = r->format;
	return alert_settings_load(&c, out, err, n);
}

static void test_table(const char *file_ok, const char *file_short)
{
	const struct row rows[] = {
		{"nothing set", NULL, NULL, NULL, NULL, NULL, 0, IT_OK, NULL},
		{"a bus name", "italic-alerts", NULL, NULL, NULL, NULL, 0, IT_OK, NULL},
		{"a bus ARN", "arn:aws:events:eu-west-1:123456789012:event-bus/x", NULL, NULL, NULL, NULL, 0, IT_OK, NULL},
		{"a bad bus", "no spaces please", NULL, NULL, NULL, NULL, 0, IT_EINVAL, "ITALIC_ALERT_EVENTBUS"},
		{"https webhook, secret", NULL, "https://hooks.example.com/x", GOOD_SECRET, NULL, NULL, 0, IT_OK, NULL},
		{"loopback http webhook", NULL, "http://127.0.0.1:9/x", GOOD_SECRET, NULL, NULL, 0, IT_OK, NULL},
		{"json without a secret", NULL, "https://hooks.example.com/x", NULL, NULL, NULL, 0, IT_EINVAL,
		 "needs ITALIC_ALERT_WEBHOOK_SECRET"},
		{"slack without a secret", NULL, "https://hooks.slack.com/services/T/B/X", NULL, NULL, NULL, 1, IT_OK, NULL},
		{"plain http elsewhere", NULL, "http://hooks.example.com/secretpath", GOOD_SECRET, NULL, NULL, 0, IT_EINVAL,
		 "loopback"},
		{"a secret of 15 bytes", NULL, "https://h/x", "0123456789abcde", NULL, NULL, 0, IT_EINVAL, "16 to 1024"},
		{"secret and file", NULL, "https://h/x", GOOD_SECRET, file_ok, NULL, 0, IT_EINVAL, "not both"},
		{"a secret without a URL", NULL, NULL, GOOD_SECRET, NULL, NULL, 0, IT_EINVAL,
		 "ITALIC_ALERT_WEBHOOK_URL is not"},
		{"a secret file", NULL, "https://h/x", NULL, file_ok, NULL, 0, IT_OK, NULL},
		{"a short secret file", NULL, "https://h/x", NULL, file_short, NULL, 0, IT_EINVAL,
		 "ITALIC_ALERT_WEBHOOK_SECRET_FILE"},
		{"a missing secret file", NULL, "https://h/x", NULL, "/nonexistent/secret", NULL, 0, IT_EIO, "cannot be read"},
		{"public url", NULL, NULL, NULL, NULL, "https://italic.example.com/", 0, IT_OK, NULL},
		{"public url with a path", NULL, NULL, NULL, NULL, "http://lb.internal:8080/italic", 0, IT_OK, NULL},
		{"public url with a query", NULL, NULL, NULL, NULL, "https://i.example.com/?x=1", 0, IT_EINVAL,
		 "ITALIC_PUBLIC_URL"},
		{"public url with a user", NULL, NULL, NULL, NULL, "https://u@i.example.com", 0, IT_EINVAL,
		 "ITALIC_PUBLIC_URL"},
		{"public url not http", NULL, NULL, NULL, NULL, "italic.example.com", 0, IT_EINVAL, "ITALIC_PUBLIC_URL"},
		{"public url with a quote", NULL, NULL, NULL, NULL, "https://i.example.com/\"x", 0, IT_EINVAL,
		 "ITALIC_PUBLIC_URL"},
	};

	for (size_t i = 0; i < ARRAY_LEN(rows); i++) {
		struct alert_settings s;
		char err[320] = "";
		int rc;

		memset(&s, 0x5a, sizeof(s));
		rc = load(&rows[i], &s, err, sizeof(err));
		CHECK(rc == rows[i].rc, "%s: rc %d (%s)", rows[i].name, rc, err);
		if (rc != IT_OK) {
			CHECK(rows[i].err && strstr(err, rows[i].err) != NULL, "%s: message \"%s\"", rows[i].name, err);
			CHECK(!strstr(err, GOOD_SECRET) && !strstr(err, "secretpath") && !strstr(err, "0123456789abcde"),
			      "%s: no secret or URL path in \"%s\"", rows[i].name, err);
			CHECK(s.eventbridge == 0x5a5a5a5a && s.webhook == 0x5a5a5a5a && s.bus[0] == 0x5a,
			      "%s: result untouched", rows[i].name);
			continue;
		}
		CHECK(s.eventbridge == (rows[i].bus != NULL) && s.webhook == (rows[i].url != NULL), "%s: what is on",
		      rows[i].name);
		alert_settings_wipe(&s);
	}
}

static void test_values(const char *file_ok, const char *file_crlf)
{
	struct row r = {"values", "arn:aws:events:eu-west-1:123456789012:event-bus/x", "https://hooks.example.com/a/b",
			GOOD_SECRET, NULL, "https://italic.example.com/", 0, IT_OK, NULL};
	struct alert_settings s;
	char err[320];

	CHECK(load(&r, &s, err, sizeof(err)) == IT_OK, "load");
	CHECK_STR(s.bus, r.bus, "bus");
	CHECK_STR(s.bus_region, "eu-west-1", "the ARN's region");
	CHECK_STR(s.url.origin, "https://hooks.example.com", "origin");
	CHECK(s.secret_len == strlen(GOOD_SECRET) && !memcmp(s.secret, GOOD_SECRET, s.secret_len), "secret copied");
	CHECK_STR(s.public_url, "https://italic.example.com", "one trailing / dropped");
	CHECK(s.on == ALERT_ON_NONCOMPLIANT && s.format == WEBHOOK_JSON && s.max_per_minute == 20, "defaults");
	alert_settings_wipe(&s);
	CHECK(s.secret_len == 0 && s.secret[0] == 0 && !s.webhook, "wiped");

	r.secret = NULL;
	r.secret_file = file_ok;
	CHECK(load(&r, &s, err, sizeof(err)) == IT_OK, "from a file");
	CHECK(s.secret_len == strlen(GOOD_SECRET) && !memcmp(s.secret, GOOD_SECRET, s.secret_len),
	      "the trailing newline dropped (%zu)", s.secret_len);
	alert_settings_wipe(&s);
	r.secret_file = file_crlf;
	CHECK(load(&r, &s, err, sizeof(err)) == IT_OK && s.secret_len == strlen(GOOD_SECRET), "CRLF dropped too");
	alert_settings_wipe(&s);
	alert_settings_wipe(NULL);
}

static char *write_tmp(const char *content)
{
	char *path = strdup("/tmp/italic-test-secret-XXXXXX");
	int fd = path ? mkstemp(path) : -1;

	if (fd < 0) {
		free(path);
		return NULL;
	}
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		CHECK(0, "write %s", path);
	close(fd);
	return path;
}

int main(void)
{
	char *ok = write_tmp(GOOD_SECRET "\n"), *crlf = write_tmp(GOOD_SECRET "\r\n"), *shrt = write_tmp("short\n");

	CHECK(ok && crlf && shrt, "temporary secret files");
	if (ok && crlf && shrt) {
		test_table(ok, shrt);
		test_values(ok, crlf);
	}
	if (ok)
		unlink(ok);
	if (crlf)
		unlink(crlf);
	if (shrt)
		unlink(shrt);
	free(ok);
	free(crlf);
	free(shrt);
	return tap_done();
}
