/*
 * config.h: every setting of Italic, from one table.
 *
 * Each setting has a flag (--name), an ITALIC_* environment variable and a default.
 * Precedence: default < environment < flag. --help text is generated from the same
 * table, so it cannot drift from what is parsed. Values are checked on parse (ranges,
 * choices, durations) and a bad value is an error that names the setting and where it
 * came from; the CLI turns it into exit status 2.
 */
#ifndef ITALIC_CONFIG_H
#define ITALIC_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

#define CONFIG_STR 512

/*
 * The default ITALIC_TLS_PRIORITIES: TLS 1.2 and 1.3 only, forward-secret key exchange
 * (ECDHE; TLS 1.3 is always ephemeral) and AEAD ciphers only (AES-GCM,
 * ChaCha20-Poly1305), the server's order: what Mozilla's "intermediate" profile and
 * AWS's TLS 1.2+ endpoint policies accept, without the DHE suites (those would need
 * Diffie-Hellman parameters). No static-RSA key exchange, CBC, SHA-1 MACs, 3DES or RC4.
 *
 * Groups: X25519 first. SECURE128's own order puts SECP256R1 first, and with
 * %SERVER_PRECEDENCE GnuTLS then answers a TLS 1.3 client whose key share is X25519
 * (OpenSSL's, Go's, the AWS SDKs' first choice) with a HelloRetryRequest asking for a
 * P-256 share: a second round trip and a second key generation on both sides for
 * every connection, which halved the handshake rate (bench/RESULTS.md, "TLS").
 */
#define CONFIG_TLS_PRIORITIES \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:" \
	"-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:" \
	"-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:%SERVER_PRECEDENCE"

enum config_aws { CONFIG_AWS_AUTO, CONFIG_AWS_OFF };

struct config {
	char listen[CONFIG_STR];
	char db[CONFIG_STR];
	char tls_cert[CONFIG_STR];
	char tls_key[CONFIG_STR];
	char tls_priorities[CONFIG_STR];
	enum config_aws aws;
	char member_role[CONFIG_STR];
	char external_id[CONFIG_STR];
	int verify;
	int config_report;
	int securityhub;
	char siem_bucket[CONFIG_STR];
	char siem_prefix[CONFIG_STR];
	uint64_t siem_flush_seconds;
	uint64_t sweep_interval_s;
	uint64_t sweep_concurrency;
	uint64_t sweep_per_account;
	uint64_t workers;
	char log_level[16];
	int metrics_public;
	uint64_t http_threads;
	uint64_t max_connections;
	uint64_t max_connections_per_ip;
	uint64_t connection_timeout_s;
	uint64_t connection_memory;
	uint64_t inbox_max;
	uint64_t ingest_rate;
	uint64_t batch_max;              /* items in one POST /v1/events array */
	uint64_t batch_max_bytes;        /* bytes of one POST /v1/events request */
	uint64_t body_memory;            /* request body bytes held at once */
	uint64_t retention_days;
	uint64_t image_cache_ttl_s;
	uint64_t shutdown_grace_s;
	char extra_regions[CONFIG_STR];  /* comma-separated, partition_extra_valid() */
	/* alerts (docs/alerts.md; checked together by alert_settings_load) */
	char alert_eventbus[CONFIG_STR];
	char alert_webhook_url[CONFIG_STR];
	char alert_webhook_secret[CONFIG_STR];       /* wiped once alert_settings_load copied it */
	char alert_webhook_secret_file[CONFIG_STR];
	int alert_webhook_format;                    /* enum webhook_format */
	int alert_on;                                /* enum alert_on */
	uint64_t alert_max_per_minute;
	char public_url[CONFIG_STR];                 /* base of links in alerts; "" none */
};

/* Fills c with defaults (workers = number of CPUs). */
void config_defaults(struct config *c);

/* Applies ITALIC_* variables found through getenv_fn (NULL: getenv). On error returns
 * IT_EINVAL and writes a one-line message into err. */
int config_from_env(struct config *c, const char *(*getenv_fn)(const char *), char *err,
		    size_t errlen) WARN_UNUSED;

/*
 * Applies one flag. name is without leading dashes ("listen"), value may be NULL for
 * a "--name=value"-less boolean. Returns IT_OK, IT_ENOTFOUND for an unknown flag,
 * IT_EINVAL for a bad value (err says why).
 */
int config_set_flag(struct config *c, const char *name, const char *value, char *err,
		    size_t errlen) WARN_UNUSED;

/* Checks what no single setting can: settings that only make sense together (both TLS
 * files or neither; a body budget that holds at least one full batch). IT_EINVAL with a one-line message in err. Each value was already
 * checked on parse (the listen address included). */
int config_validate(const struct config *c, char *err, size_t errlen) WARN_UNUSED;

/* Writes the settings table (flag, variable, default, meaning) to out; only the
 * settings named in the NULL-terminated list only, or all when only is NULL. */
void config_help(FILE *out, const char *const *only);

/* Looks up whether a flag takes a value (all settings do). 1 if known. */
int config_has_flag(const char *name);

#endif
