/* alert_settings.c: the alert settings checked together (see alert_settings.h). */
#include "alert_settings.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "aws_events.h"
#include "status.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return IT_EINVAL;
}

static int public_url_ok(const char *u)
{
	const char *auth, *end;

	if (!strncmp(u, "https://", 8))
		auth = u + 8;
	else if (!strncmp(u, "http://", 7))
		auth = u + 7;
	else
		return 0;
	for (const char *p = u; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' || *p == '#' || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\')
			return 0;
	end = auth + strcspn(auth, "/");
	return end > auth && !memchr(auth, '@', (size_t)(end - auth));
}

/* Reads at most IT_WEBHOOK_SECRET_MAX bytes (after dropping one trailing newline). */
static int read_secret(const char *path, unsigned char *out, size_t *ret_len)
{
	unsigned char buf[IT_WEBHOOK_SECRET_MAX + 3];
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = IT_OK;

	if (fd < 0)
		return IT_EIO;
	while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = IT_EIO;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	if (rc == IT_OK) {
		if (n > 0 && buf[n - 1] == '\n')
			n--;
		if (n > 0 && buf[n - 1] == '\r')
			n--;
		if (n > IT_WEBHOOK_SECRET_MAX)
			rc = IT_ETOOBIG;
		else {
			memcpy(out, buf, n);
			*ret_len = n;
		}
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int alert_settings_load(const struct config *c, struct alert_settings *ret, char *err, size_t errlen)
{
	struct alert_settings s;
	const char *why = NULL;
	int rc = IT_OK;

	memset(&s, 0, sizeof(s));
	s.on = c->alert_on >= 0 && c->alert_on < ALERT_ON__MAX ? (enum alert_on)c->alert_on : ALERT_ON_NONCOMPLIANT;
	s.format = c->alert_webhook_format >= 0 && c->alert_webhook_format < WEBHOOK_FORMAT__MAX
			   ? (enum webhook_format)c->alert_webhook_format
			   : WEBHOOK_JSON;
	s.max_per_minute = c->alert_max_per_minute;
	if (s.max_per_minute > IT_ALERT_MAX_PER_MINUTE)
		return fail(err, errlen, "invalid value for %s (expected a whole number in range)",
			    "ITALIC_ALERT_MAX_PER_MINUTE");

	if (c->alert_eventbus[0]) {
		if (!aws_events_bus_valid(c->alert_eventbus, s.bus_region, sizeof(s.bus_region)))
			return fail(err, errlen,
				    "invalid value for %s (expected an event bus name of [A-Za-z0-9._/-] or an "
				    "arn:aws:events:<region>:<account>:event-bus/<name>)",
				    "ITALIC_ALERT_EVENTBUS");
		snprintf(s.bus, sizeof(s.bus), "%s", c->alert_eventbus);
		s.eventbridge = 1;
	}

	if (c->alert_webhook_secret[0] && c->alert_webhook_secret_file[0])
		return fail(err, errlen, "set %s or ITALIC_ALERT_WEBHOOK_SECRET_FILE, not both",
			    "ITALIC_ALERT_WEBHOOK_SECRET");
	if (c->alert_webhook_secret[0]) {
		size_t n = strlen(c->alert_webhook_secret);
		if (n < IT_WEBHOOK_SECRET_MIN || n > IT_WEBHOOK_SECRET_MAX)
			return fail(err, errlen, "invalid value for %s (expected 16 to 1024 bytes)",
				    "ITALIC_ALERT_WEBHOOK_SECRET");
		memcpy(s.secret, c->alert_webhook_secret, n);
		s.secret_len = n;
	} else if (c->alert_webhook_secret_file[0]) {
		rc = read_secret(c->alert_webhook_secret_file, s.secret, &s.secret_len);
		if (rc == IT_EIO) {
			if (err)
				snprintf(err, errlen, "ITALIC_ALERT_WEBHOOK_SECRET_FILE %.256s cannot be read",
					 c->alert_webhook_secret_file);
			goto out;
		}
		if (rc == IT_OK && (s.secret_len < IT_WEBHOOK_SECRET_MIN || s.secret_len > IT_WEBHOOK_SECRET_MAX))
			rc = IT_ETOOBIG;
		if (rc) {
			rc = fail(err, errlen, "invalid value for %s (the secret must be 16 to 1024 bytes)",
				  "ITALIC_ALERT_WEBHOOK_SECRET_FILE");
			goto out;
		}
	}

	if (c->alert_webhook_url[0]) {
		if (webhook_url_check(c->alert_webhook_url, &s.url, &why) != IT_OK) {
			/* why never quotes the URL: its path may be the secret */
			if (err)
				snprintf(err, errlen, "invalid value for ITALIC_ALERT_WEBHOOK_URL: it %s", why);
			rc = IT_EINVAL;
			goto out;
		}
		if (s.format == WEBHOOK_JSON && s.secret_len == 0) {
			rc = fail(err, errlen,
				  "%s needs ITALIC_ALERT_WEBHOOK_SECRET or ITALIC_ALERT_WEBHOOK_SECRET_FILE with "
				  "ITALIC_ALERT_WEBHOOK_FORMAT=json (receivers check the signature)",
				  "ITALIC_ALERT_WEBHOOK_URL");
			goto out;
		}
		s.webhook = 1;
	} else if (s.secret_len) {
		rc = fail(err, errlen, "%s is set but ITALIC_ALERT_WEBHOOK_URL is not", "ITALIC_ALERT_WEBHOOK_SECRET");
		goto out;
	}

	if (c->public_url[0]) {
		size_t n = strlen(c->public_url);
		if (n > ALERT_URL_MAX || !public_url_ok(c->public_url)) {
			rc = fail(err, errlen,
				  "invalid value for %s (expected http(s)://host[:port][/path] without a user, "
				  "query or fragment)",
				  "ITALIC_PUBLIC_URL");
			goto out;
		}
		snprintf(s.public_url, sizeof(s.public_url), "%s", c->public_url);
		if (n > 0 && s.public_url[n - 1] == '/')
			s.public_url[n - 1] = '\0';
	}
	*ret = s;
out:
	OPENSSL_cleanse(&s, sizeof(s));
	return rc;
}

void alert_settings_wipe(struct alert_settings *s)
{
	if (s)
		OPENSSL_cleanse(s, sizeof(*s));
}
