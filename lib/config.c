/* config.c: the settings table, env and flag parsing, --help (see config.h). */
#include "config.h"

#include "limits.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netaddr.h"
#include "alert.h"
#include "parse.h"
#include "partition.h"
#include "status.h"
#include "webhook.h"

/* K_CHOICE: an int field holding the index of the value in the setting's choices. */
enum kind { K_STR, K_ONOFF, K_U64, K_DURATION, K_AWS, K_LEVEL, K_BOOL01, K_LISTEN, K_REGIONS, K_CHOICE };

struct setting {
	const char *flag;
	const char *env;
	const char *def;      /* shown in --help; NULL = computed */
	enum kind kind;
	size_t off;
	uint64_t min, max;    /* K_U64 / K_DURATION bounds */
	const char *help;
	const char *const *choices;   /* K_CHOICE: the values, in enum order */
	size_t nchoices;
};

#define OFF(f) offsetof(struct config, f)
#define QUOTE_(x) #x
#define QUOTE(x) QUOTE_(x)

static const struct setting settings[] = {
	{"listen", "ITALIC_LISTEN", "127.0.0.1:8080", K_LISTEN, OFF(listen), 0, 0,
	 "address and port to listen on (IPv4 ADDR:PORT or [IPv6]:PORT)"},
	{"db", "ITALIC_DB", "./italic.db", K_STR, OFF(db), 0, 0,
	 "SQLite database file (created and migrated on start)"},
	{"tls-cert", "ITALIC_TLS_CERT", "", K_STR, OFF(tls_cert), 0, 0,
	 "PEM certificate chain: serve HTTPS directly (with --tls-key)"},
	{"tls-key", "ITALIC_TLS_KEY", "", K_STR, OFF(tls_key), 0, 0, "PEM private key for --tls-cert"},
	{"tls-priorities", "ITALIC_TLS_PRIORITIES", CONFIG_TLS_PRIORITIES, K_STR, OFF(tls_priorities), 0, 0,
	 "GnuTLS priority string for HTTPS (default: TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20-Poly1305)"},
	{"aws", "ITALIC_AWS", "auto", K_AWS, OFF(aws), 0, 0,
	 "auto: call AWS when credentials are found; off: never call AWS"},
	{"member-role", "ITALIC_MEMBER_ROLE", "", K_STR, OFF(member_role), 0, 0,
	 "role name assumed in each member account; empty: the service's own credentials"},
	{"external-id", "ITALIC_EXTERNAL_ID", "", K_STR, OFF(external_id), 0, 0,
	 "external id for that AssumeRole"},
	{"verify", "ITALIC_VERIFY", "on", K_ONOFF, OFF(verify), 0, 0,
	 "confirm an instance's image with DescribeInstances instead of trusting the event"},
	{"config-report", "ITALIC_CONFIG_REPORT", "on", K_ONOFF, OFF(config_report), 0, 0,
	 "PutEvaluations for Config rule invocations that carry a resultToken"},
	{"securityhub", "ITALIC_SECURITYHUB", "off", K_ONOFF, OFF(securityhub), 0, 0,
	 "send Security Hub findings"},
	{"siem-bucket", "ITALIC_SIEM_BUCKET", "", K_STR, OFF(siem_bucket), 0, 0,
	 "S3 bucket for the SIEM log (JSON Lines, gzip); empty: no S3 log"},
	{"siem-prefix", "ITALIC_SIEM_PREFIX", "italic/", K_STR, OFF(siem_prefix), 0, 0,
	 "key prefix for the SIEM log"},
	{"siem-flush-seconds", "ITALIC_SIEM_FLUSH_SECONDS", "60", K_U64, OFF(siem_flush_seconds), 1, 3600,
	 "longest time an evaluation waits before its S3 object is written"},
	{"sweep-interval", "ITALIC_SWEEP_INTERVAL", "6h", K_DURATION, OFF(sweep_interval_s), 0, 30 * 86400,
	 "reconciliation sweep period (s/m/h/d suffix; 0: off)"},
	{"sweep-concurrency", "ITALIC_SWEEP_CONCURRENCY", "8", K_U64, OFF(sweep_concurrency), 1, 64,
	 "(account, Region) pairs the sweep lists at once, in all"},
	{"sweep-per-account", "ITALIC_SWEEP_PER_ACCOUNT", "2", K_U64, OFF(sweep_per_account), 1, 64,
	 "pairs of one account the sweep lists at once (EC2 limits requests per account and Region)"},
	{"workers", "ITALIC_WORKERS", NULL, K_U64, OFF(workers), 1, 256,
	 "evaluation worker threads (default: number of CPUs)"},
	{"log-level", "ITALIC_LOG_LEVEL", "info", K_LEVEL, OFF(log_level), 0, 0,
	 "debug, info, warn or error"},
	{"metrics-public", "ITALIC_METRICS_PUBLIC", "0", K_BOOL01, OFF(metrics_public), 0, 0,
	 "1: serve /metrics without a token"},
	{"http-threads", "ITALIC_HTTP_THREADS", "16", K_U64, OFF(http_threads), 1, 256,
	 "HTTP worker threads"},
	{"max-connections", "ITALIC_MAX_CONNECTIONS", "1024", K_U64, OFF(max_connections), 1, 100000,
	 "concurrent HTTP connections in all"},
	{"max-connections-per-ip", "ITALIC_MAX_CONNECTIONS_PER_IP", "256", K_U64,
	 OFF(max_connections_per_ip), 1, 100000, "concurrent HTTP connections from one IP address"},
	{"connection-timeout", "ITALIC_CONNECTION_TIMEOUT", "30s", K_DURATION, OFF(connection_timeout_s), 1, 3600,
	 "idle connection timeout"},
	{"connection-memory", "ITALIC_CONNECTION_MEMORY", "65536", K_U64, OFF(connection_memory), 8192,
	 16 * 1024 * 1024, "bytes of header/read buffer per connection (larger headers get 431)"},
	{"inbox-max", "ITALIC_INBOX_MAX", "100000", K_U64, OFF(inbox_max), 1, 100000000,
	 "unevaluated events accepted before ingest answers 429"},
	{"ingest-rate", "ITALIC_INGEST_RATE", "0", K_U64, OFF(ingest_rate), 0, 1000000,
	 "events/s one ingest token may send before 429 (0: unlimited); a batch counts its items"},
	{"batch-max", "ITALIC_BATCH_MAX", QUOTE(IT_BATCH_MAX), K_U64, OFF(batch_max), 1, IT_BATCH_MAX,
	 "events one POST /v1/events array may hold (400 beyond)"},
	{"batch-max-bytes", "ITALIC_BATCH_MAX_BYTES", QUOTE(IT_BATCH_MAX_BYTES_DEFAULT), K_U64, OFF(batch_max_bytes),
	 IT_MAX_BODY, IT_BATCH_MAX_BYTES_CEILING,
	 "bytes one POST /v1/events request may carry (413 beyond); at least MaxBatchSize x 256 KiB"},
	{"body-memory", "ITALIC_BODY_MEMORY", QUOTE(IT_BODY_MEMORY_DEFAULT), K_U64, OFF(body_memory), IT_MAX_BODY,
	 UINT64_C(1) << 40, "bytes of request bodies held at once, all connections (503 beyond)"},
	{"retention-days", "ITALIC_RETENTION_DAYS", "400", K_U64, OFF(retention_days), 1, 36500,
	 "days of evaluation history and finished deliveries kept (current verdicts are never purged)"},
	{"image-cache-ttl", "ITALIC_IMAGE_CACHE_TTL", "15m", K_DURATION, OFF(image_cache_ttl_s), 0, 86400,
	 "how long image facts read from AWS are reused"},
	{"shutdown-grace", "ITALIC_SHUTDOWN_GRACE", "10s", K_DURATION, OFF(shutdown_grace_s), 0, 600,
	 "on SIGTERM, how long requests in flight may take to finish"},
	{"extra-regions", "ITALIC_EXTRA_REGIONS", "", K_REGIONS, OFF(extra_regions), 0, 0,
	 "regions to accept besides the built-in table, comma-separated (one AWS opened since this release)"},
	{"alert-eventbus", "ITALIC_ALERT_EVENTBUS", "", K_STR, OFF(alert_eventbus), 0, 0,
	 "EventBridge bus (name or ARN, own account and home Region) for compliance-change alerts; empty: none"},
	{"alert-webhook-url", "ITALIC_ALERT_WEBHOOK_URL", "", K_STR, OFF(alert_webhook_url), 0, 0,
	 "https URL that receives signed alert POSTs (http only to a loopback address); empty: none"},
	{"alert-webhook-secret", "ITALIC_ALERT_WEBHOOK_SECRET", "", K_STR, OFF(alert_webhook_secret), 0, 0,
	 "HMAC key (16..1024 bytes) signing webhook alerts; required for the json format (prefer the _FILE variant)"},
	{"alert-webhook-secret-file", "ITALIC_ALERT_WEBHOOK_SECRET_FILE", "", K_STR, OFF(alert_webhook_secret_file), 0,
	 0, "file holding the webhook secret (one trailing newline is dropped)"},
	{"alert-webhook-format", "ITALIC_ALERT_WEBHOOK_FORMAT", "json", K_CHOICE, OFF(alert_webhook_format), 0, 0,
	 "json: the alert detail; slack: a Slack incoming-webhook {\"text\": ...}", webhook_format_names,
	 WEBHOOK_FORMAT__MAX},
	{"alert-on", "ITALIC_ALERT_ON", "noncompliant", K_CHOICE, OFF(alert_on), 0, 0,
	 "noncompliant: changes into NON_COMPLIANT and out of it; all: every change of compliance", alert_on_names,
	 ALERT_ON__MAX},
	{"alert-max-per-minute", "ITALIC_ALERT_MAX_PER_MINUTE", "20", K_U64, OFF(alert_max_per_minute), 0,
	 IT_ALERT_MAX_PER_MINUTE, "single alerts per destination a minute; the rest of the minute goes out as one digest"},
	{"public-url", "ITALIC_PUBLIC_URL", "", K_STR, OFF(public_url), 0, 0,
	 "base URL of this service (https://italic.example.com): alerts link to it; empty: links are paths"},
};

static int set_value(struct config *c, const struct setting *s, const char *v, const char *origin,
		     char *err, size_t errlen)
{
	void *field = (char *)c + s->off;
	uint64_t u;

	switch (s->kind) {
	case K_STR:
		if (strlen(v) >= CONFIG_STR)
			goto bad;
		memcpy(field, v, strlen(v) + 1);
		return IT_OK;
	case K_LISTEN: {
		struct netaddr a;
		if (strlen(v) >= CONFIG_STR || netaddr_parse(v, &a) != IT_OK)
			goto bad;
		memcpy(field, v, strlen(v) + 1);
		return IT_OK;
	}
	case K_ONOFF:
		if (strcmp(v, "on") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "off") == 0)
			*(int *)field = 0;
		else
			goto bad;
		return IT_OK;
	case K_BOOL01:
		if (strcmp(v, "1") == 0)
			*(int *)field = 1;
		else if (strcmp(v, "0") == 0)
			*(int *)field = 0;
		else
			goto bad;
		return IT_OK;
	case K_U64:
		if (parse_u64(v, s->min, s->max, &u))
			goto bad;
		*(uint64_t *)field = u;
		return IT_OK;
	case K_DURATION:
		if (parse_duration_s(v, s->max, &u) || u < s->min)
			goto bad;
		*(uint64_t *)field = u;
		return IT_OK;
	case K_AWS:
		if (strcmp(v, "auto") == 0)
			*(enum config_aws *)field = CONFIG_AWS_AUTO;
		else if (strcmp(v, "off") == 0)
			*(enum config_aws *)field = CONFIG_AWS_OFF;
		else
			goto bad;
		return IT_OK;
	case K_REGIONS:
		if (strlen(v) >= CONFIG_STR || partition_extra_valid(v) != IT_OK)
			goto bad;
		memcpy(field, v, strlen(v) + 1);
		return IT_OK;
	case K_LEVEL:
		if (strcmp(v, "debug") && strcmp(v, "info") && strcmp(v, "warn") && strcmp(v, "error"))
			goto bad;
		snprintf(field, 16, "%s", v);
		return IT_OK;
	case K_CHOICE:
		for (size_t i = 0; i < s->nchoices; i++) {
			if (strcmp(v, s->choices[i]) == 0) {
				*(int *)field = (int)i;
				return IT_OK;
			}
		}
		goto bad;
	default:
		goto bad;
	}
bad:
	if (err && s->kind == K_CHOICE) {
		char want[128] = "";
		size_t used = 0;
		for (size_t i = 0; i < s->nchoices && used < sizeof(want); i++) {
			int w = snprintf(want + used, sizeof(want) - used, "%s%s", i == 0 ? "" :
					 i + 1 == s->nchoices ? " or " : ", ", s->choices[i]);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		snprintf(err, errlen, "invalid value for %s (expected %s)", origin, want);
	} else if (err) {
		const char *want = "";
		switch (s->kind) {
		case K_ONOFF: want = " (expected on or off)"; break;
		case K_BOOL01: want = " (expected 0 or 1)"; break;
		case K_AWS: want = " (expected auto or off)"; break;
		case K_LEVEL: want = " (expected debug, info, warn or error)"; break;
		case K_DURATION: want = " (expected a duration such as 90s, 15m, 6h, 2d)"; break;
		case K_U64: want = " (expected a whole number in range)"; break;
		case K_LISTEN:
			want = " (expected ADDR:PORT or [IPv6]:PORT with a numeric address and a port from 1 to 65535)";
			break;
		case K_REGIONS: want = " (expected region names such as ap-southeast-9, separated by commas)"; break;
		default: want = " (too long)"; break;
		}
		/* The value itself is not echoed: it may be a secret put in the wrong place. */
		snprintf(err, errlen, "invalid value for %s%s", origin, want);
	}
	return IT_EINVAL;
}

void config_defaults(struct config *c)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (settings[i].def && set_value(c, &settings[i], settings[i].def, "default", NULL, 0))
			abort(); /* a bad default is a programming error caught by every test */
	c->workers = ncpu > 0 && ncpu < 256 ? (uint64_t)ncpu : 1;
}

int config_from_env(struct config *c, const char *(*getenv_fn)(const char *), char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *v = getenv_fn ? getenv_fn(settings[i].env) : getenv(settings[i].env);
		int rc;
		if (!v)
			continue;
		rc = set_value(c, &settings[i], v, settings[i].env, err, errlen);
		if (rc)
			return rc;
	}
	return IT_OK;
}

int config_set_flag(struct config *c, const char *name, const char *value, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		char origin[64];
		if (strcmp(settings[i].flag, name) != 0)
			continue;
		if (!value) {
			if (err)
				snprintf(err, errlen, "--%s needs a value", name);
			return IT_EINVAL;
		}
		snprintf(origin, sizeof(origin), "--%s", name);
		return set_value(c, &settings[i], value, origin, err, errlen);
	}
	return IT_ENOTFOUND;
}

int config_validate(const struct config *c, char *err, size_t errlen)
{
	if (!c->tls_cert[0] != !c->tls_key[0]) {
		snprintf(err, errlen, "ITALIC_TLS_CERT and ITALIC_TLS_KEY go together: set both or neither");
		return IT_EINVAL;
	}
	if (c->body_memory < c->batch_max_bytes) {
		snprintf(err, errlen, "ITALIC_BODY_MEMORY must be at least ITALIC_BATCH_MAX_BYTES, or no full batch fits");
		return IT_EINVAL;
	}
	return IT_OK;
}

int config_has_flag(const char *name)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (strcmp(settings[i].flag, name) == 0)
			return 1;
	return 0;
}

static int listed(const char *const *only, const char *name)
{
	if (!only)
		return 1;
	for (; *only; only++)
		if (strcmp(*only, name) == 0)
			return 1;
	return 0;
}

void config_help(FILE *out, const char *const *only)
{
	fprintf(out, "Settings (flag, environment variable, default):\n");
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *s = &settings[i];
		char flag[48];
		if (!listed(only, s->flag))
			continue;
		snprintf(flag, sizeof(flag), "--%s", s->flag);
		fprintf(out, "  %-26s %-30s default: %s\n      %s\n", flag, s->env,
			s->def ? (*s->def ? s->def : "(unset)") : "(number of CPUs)", s->help);
	}
}
