/* test_config: defaults, env, flags, and one rejection per kind of bad value. */
#include "config.h"
#include "limits.h"
#include "status.h"
#include "tap.h"

#include <string.h>

static const char *env_table[][2] = {
	{"ITALIC_LISTEN", "0.0.0.0:9000"},
	{"ITALIC_SWEEP_INTERVAL", "15m"},
	{"ITALIC_SECURITYHUB", "on"},
	{NULL, NULL},
};
static const char *fake_env(const char *name)
{
	for (int i = 0; env_table[i][0]; i++)
		if (strcmp(env_table[i][0], name) == 0)
			return env_table[i][1];
	return NULL;
}
static const char *bad_env_value;
static const char *bad_env(const char *name)
{
	return strcmp(name, "ITALIC_VERIFY") == 0 ? bad_env_value : NULL;
}

int main(void)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	CHECK_STR(c.listen, "127.0.0.1:8080", "default listen");
	CHECK_STR(c.db, "./italic.db", "default db");
	CHECK(c.verify == 1 && c.securityhub == 0 && c.config_report == 1, "on/off defaults");
	CHECK(c.sweep_interval_s == 21600, "6h default");
	CHECK(c.sweep_concurrency == 8 && c.sweep_per_account == 2, "sweep concurrency defaults");
	CHECK(c.workers >= 1, "workers default");
	CHECK(c.aws == CONFIG_AWS_AUTO, "aws auto");

	CHECK(config_from_env(&c, fake_env, err, sizeof(err)) == IT_OK, "env");
	CHECK_STR(c.listen, "0.0.0.0:9000", "env listen");
	CHECK(c.sweep_interval_s == 900 && c.securityhub == 1, "env values");

	bad_env_value = "yes";
	CHECK(config_from_env(&c, bad_env, err, sizeof(err)) == IT_EINVAL, "bad on/off in env");
	CHECK(strstr(err, "ITALIC_VERIFY") != NULL && strstr(err, "yes") == NULL,
	      "error names the variable, not the value: %s", err);

	CHECK(config_set_flag(&c, "nosuch", "1", err, sizeof(err)) == IT_ENOTFOUND, "unknown flag");
	CHECK(config_set_flag(&c, "workers", "0", err, sizeof(err)) == IT_EINVAL, "workers below min");
	CHECK(config_set_flag(&c, "workers", "abc", err, sizeof(err)) == IT_EINVAL, "workers junk");
	CHECK(config_set_flag(&c, "sweep-interval", "6y", err, sizeof(err)) == IT_EINVAL, "bad duration");
	CHECK(config_set_flag(&c, "aws", "maybe", err, sizeof(err)) == IT_EINVAL, "bad aws mode");
	CHECK(config_set_flag(&c, "log-level", "loud", err, sizeof(err)) == IT_EINVAL, "bad level");
	CHECK(config_set_flag(&c, "metrics-public", "true", err, sizeof(err)) == IT_EINVAL, "0/1 only");
	CHECK(config_set_flag(&c, "listen", NULL, err, sizeof(err)) == IT_EINVAL, "missing value");
	CHECK(config_set_flag(&c, "extra-regions", "us-east-9,", err, sizeof(err)) == IT_EINVAL &&
		      strstr(err, "--extra-regions") != NULL, "extra regions: trailing comma");
	CHECK(config_set_flag(&c, "extra-regions", "mars", err, sizeof(err)) == IT_EINVAL, "extra regions: no region");
	CHECK(c.extra_regions[0] == '\0', "extra regions default empty, untouched by a bad value");
	CHECK(config_set_flag(&c, "extra-regions", "ap-southeast-9,us-isob-west-2", err, sizeof(err)) == IT_OK &&
		      strcmp(c.extra_regions, "ap-southeast-9,us-isob-west-2") == 0, "extra regions");
	CHECK(config_set_flag(&c, "workers", "8", err, sizeof(err)) == IT_OK && c.workers == 8, "flag value");
	CHECK(config_set_flag(&c, "aws", "off", err, sizeof(err)) == IT_OK && c.aws == CONFIG_AWS_OFF, "aws off");
	CHECK(config_set_flag(&c, "sweep-interval", "0", err, sizeof(err)) == IT_OK && c.sweep_interval_s == 0,
	      "sweep off");

	/* The listen address is checked on parse: a bad one never reaches the server. */
	CHECK(config_set_flag(&c, "listen", "nonsense", err, sizeof(err)) == IT_EINVAL, "listen without a port");
	CHECK(strstr(err, "--listen") && strstr(err, "ADDR:PORT"), "message says what is expected: %s", err);
	CHECK(config_set_flag(&c, "listen", "127.0.0.1:99999", err, sizeof(err)) == IT_EINVAL, "port over 65535");
	CHECK_STR(c.listen, "0.0.0.0:9000", "listen unchanged by the refusals");
	CHECK(config_set_flag(&c, "listen", "[::1]:8443", err, sizeof(err)) == IT_OK, "IPv6 listen");
	CHECK_STR(c.listen, "[::1]:8443", "IPv6 kept as written");

	/* Batches (issue 14): the defaults are the documented ones, and within their bounds. */
	{
		struct config d;
		config_defaults(&d);
		CHECK(d.batch_max == IT_BATCH_MAX && d.batch_max_bytes == IT_BATCH_MAX_BYTES_DEFAULT &&
		      d.body_memory == IT_BODY_MEMORY_DEFAULT, "batch defaults");
		CHECK(config_set_flag(&d, "batch-max", "501", err, sizeof(err)) == IT_EINVAL, "batch-max over 500");
		CHECK(config_set_flag(&d, "batch-max", "0", err, sizeof(err)) == IT_EINVAL, "batch-max 0");
		CHECK(config_set_flag(&d, "batch-max-bytes", "1048575", err, sizeof(err)) == IT_EINVAL,
		      "batch-max-bytes below one event");
		CHECK(config_set_flag(&d, "batch-max-bytes", "536870913", err, sizeof(err)) == IT_EINVAL,
		      "batch-max-bytes over the ceiling");
		CHECK(config_set_flag(&d, "batch-max-bytes", "134217728", err, sizeof(err)) == IT_OK &&
		      d.batch_max_bytes == 134217728, "128 MiB batches");
		CHECK(config_set_flag(&d, "body-memory", "67108864", err, sizeof(err)) == IT_OK, "64 MiB budget");
		CHECK(config_validate(&d, err, sizeof(err)) == IT_EINVAL && strstr(err, "ITALIC_BODY_MEMORY"),
		      "a body budget smaller than one batch: %s", err);
		CHECK(config_set_flag(&d, "body-memory", "134217728", err, sizeof(err)) == IT_OK &&
		      config_validate(&d, err, sizeof(err)) == IT_OK, "budget of exactly one batch");
	}

	/* Settings that only make sense together. */
	CHECK(config_validate(&c, err, sizeof(err)) == IT_OK, "defaults are consistent");
	CHECK(config_set_flag(&c, "tls-cert", "/etc/italic/cert.pem", err, sizeof(err)) == IT_OK, "cert alone");
	CHECK(config_validate(&c, err, sizeof(err)) == IT_EINVAL && strstr(err, "ITALIC_TLS_KEY"),
	      "a certificate without a key: %s", err);
	CHECK(config_set_flag(&c, "tls-key", "/etc/italic/key.pem", err, sizeof(err)) == IT_OK, "key too");
	CHECK(config_validate(&c, err, sizeof(err)) == IT_OK, "both TLS files");
	/* alerts: choices, a bounded count, defaults */
	config_defaults(&c);
	CHECK(c.alert_on == 0 && c.alert_webhook_format == 0 && c.alert_max_per_minute == 20 && !c.alert_eventbus[0],
	      "alert defaults: noncompliant, json, 20, no bus");
	CHECK(config_set_flag(&c, "alert-on", "all", err, sizeof(err)) == IT_OK && c.alert_on == 1, "alert-on all");
	CHECK(config_set_flag(&c, "alert-webhook-format", "slack", err, sizeof(err)) == IT_OK &&
	      c.alert_webhook_format == 1, "format slack");
	CHECK(config_set_flag(&c, "alert-on", "ALL", err, sizeof(err)) == IT_EINVAL && c.alert_on == 1,
	      "choices are exact, the old value kept");
	CHECK(strstr(err, "--alert-on (expected noncompliant or all)") != NULL, "names the choices: %s", err);
	CHECK(config_set_flag(&c, "alert-webhook-format", "xml", err, sizeof(err)) == IT_EINVAL &&
	      strstr(err, "(expected json or slack)") != NULL, "format choices: %s", err);
	CHECK(config_set_flag(&c, "alert-max-per-minute", "0", err, sizeof(err)) == IT_OK && c.alert_max_per_minute == 0,
	      "0: digests only");
	CHECK(config_set_flag(&c, "alert-max-per-minute", "100001", err, sizeof(err)) == IT_EINVAL, "over the bound");
	CHECK(config_set_flag(&c, "alert-webhook-secret", "s3cr3t-value-not-echoed-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			      err, sizeof(err)) == IT_EINVAL && !strstr(err, "s3cr3t"), "a too-long secret is not echoed: %s",
	      err);
	return tap_done();
}
