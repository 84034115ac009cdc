/*
 * cmd_healthcheck.c: `italic healthcheck`: asks the running service on this machine
 * whether it answers, for a container HEALTHCHECK or a monitoring probe.
 *
 * It reads the same settings as `italic serve` (ITALIC_LISTEN, ITALIC_TLS_CERT /
 * ITALIC_TLS_KEY, or the same flags), so it finds the service wherever it listens: an
 * IPv4 or IPv6 address, a non-loopback one, a wildcard (asked on the loopback address
 * of its family), over HTTPS when TLS is on. GET /healthz (or /readyz with --ready)
 * must answer 200 within 3 seconds: exit 0; anything else exits 1 with the reason on
 * stderr; a bad setting exits 2.
 *
 * With TLS the certificate is not verified: the probe talks to its own process
 * through an address the certificate usually does not name, sends no credential and
 * reads nothing but the status, so there is nothing for an impostor to learn or forge
 * that the probe would act on. Proxies from the environment are ignored (the service
 * is local).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "netaddr.h"
#include "status.h"

struct healthcheck_opts {
	int ready;
};

static int on_opt(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
	struct healthcheck_opts *o = ctx;
	(void)value;
	(void)err;
	(void)errlen;
	if (strcmp(name, "ready") == 0)
		o->ready = 1;
	return 0;
}

/* The body is not read: only the status matters. */
static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n;
}

static const char *const healthcheck_settings[] = {"listen", "tls-cert", "tls-key", NULL};

int cmd_healthcheck(int argc, char **argv)
{
	static const struct cli_opt opts[] = {
		{"ready", 0, "--ready            ask GET /readyz (database open and migrated) instead of /healthz"},
	};
	struct healthcheck_opts o = {0};
	struct cli_spec spec = {
		.usage = "italic healthcheck [--ready] [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n\n"
			 "Exits 0 when the service on this machine answers GET /healthz with 200 within 3 s,\n"
			 "1 otherwise. Reads the same ITALIC_* settings as italic serve.",
		.settings = healthcheck_settings,
		.opts = opts,
		.nopts = sizeof(opts) / sizeof(opts[0]),
		.on_opt = on_opt,
		.ctx = &o,
	};
	struct config cfg;
	struct netaddr addr;
	char base[96], url[128], err[256];
	int exit_status = 0, tls;
	size_t npos = 0;
	CURL *curl;
	CURLcode cc;
	long status = 0;

	config_defaults(&cfg);
	if (!cli_start(&spec, "healthcheck", argc, argv, &cfg, NULL, &npos, &exit_status))
		return exit_status;
	if (config_validate(&cfg, err, sizeof(err)) != IT_OK)
		return cli_usage_error("healthcheck", err);
	if (netaddr_parse(cfg.listen, &addr) != IT_OK)
		return cli_usage_error("healthcheck", "the listen address is not valid");
	tls = cfg.tls_cert[0] != '\0';
	if (netaddr_client_url(&addr, tls, base, sizeof(base)) != IT_OK)
		return cli_usage_error("healthcheck", "the listen address is too long");
	snprintf(url, sizeof(url), "%s%s", base, o.ready ? "/readyz" : "/healthz");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "italic healthcheck: libcurl could not start\n");
		return 1;
	}
	curl = curl_easy_init();
	if (!curl) {
		curl_global_cleanup();
		fprintf(stderr, "italic healthcheck: libcurl could not start\n");
		return 1;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	if (tls) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	if (cc != CURLE_OK) {
		fprintf(stderr, "italic healthcheck: no answer from %s: %s\n", url, curl_easy_strerror(cc));
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "italic healthcheck: %s answered %ld\n", url, status);
		return 1;
	}
	return 0;
}
