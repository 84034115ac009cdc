/*
 * cmd_serve.c: `italic serve`: open and migrate the database, start the HTTP daemon
 * and the background workers, wait for SIGTERM/SIGINT, then drain and exit 0.
 *
 * Signals are blocked in every thread and taken synchronously here with sigwait(), so
 * shutdown runs as ordinary code: stop accepting, let requests in flight finish (up to
 * ITALIC_SHUTDOWN_GRACE), stop the workers, close the database.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "http.h"
#include "retention.h"
#include "server.h"
#include "status.h"
#include "store_migrate.h"

#ifndef ITALIC_VERSION
#define ITALIC_VERSION "unknown"
#endif

static void declare_metrics(struct metrics *m)
{
	metrics_declare(m, "italic_http_requests_total", METRIC_COUNTER, "HTTP requests by method, route and status.");
	metrics_declare(m, "italic_http_request_duration_seconds", METRIC_HISTOGRAM,
			"Time from request headers to response queued, by route.");
	metrics_declare(m, "italic_uptime_seconds", METRIC_GAUGE, "Seconds since the service started.");
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int cmd_serve(int argc, char **argv)
{
	struct cli_spec spec = {
		.usage = "italic serve [--listen ADDR:PORT] [--db PATH] [settings...]\n\n"
			 "Runs the service. Every setting below also has an ITALIC_* environment variable;\n"
			 "flags override the environment.",
		.settings = NULL,
	};
	struct server srv;
	struct http *http = NULL;
	struct retention *retention = NULL;
	struct store *s = NULL;
	sigset_t set;
	char err[256];
	size_t npos = 0;
	int sig = 0, rc, status = 1;
	enum log_level level;

	memset(&srv, 0, sizeof(srv));
	config_defaults(&srv.cfg);
	switch (cli_parse(&spec, argc, argv, &srv.cfg, NULL, &npos, err, sizeof(err))) {
	case CLI_HELP:
		cli_help(&spec, stdout);
		return 0;
	case CLI_USAGE:
		return cli_usage_error("serve", err);
	default:
		break;
	}
	if (log_level_parse(srv.cfg.log_level, &level))
		level = LOG_INFO;
	srv.log.level = level;
	srv.log.fd = STDERR_FILENO;
	srv.started_ms = clock_now_ms(NULL);

	/* Block the signals before any thread exists, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* No child of ours (there are none today) may gain privileges. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

	rc = open_and_migrate(&srv.cfg, &s);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "refusing to start: database %s is not usable (%s)",
			srv.cfg.db, status_str(rc));
		return 1;
	}
	if (store_schema_version(s, &srv.schema_version))
		srv.schema_version = 0;
	rc = store_pool_new(srv.cfg.db, (int)srv.cfg.http_threads + 2, &srv.pool);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "cannot open database connections: %s", status_str(rc));
		goto out;
	}
	if (metrics_new(&srv.metrics))
		goto out;
	declare_metrics(srv.metrics);

	rc = http_start(&srv, &http);
	if (rc || retention_start(&srv, &retention))
		goto out;
	atomic_store(&srv.ready, 1);
	log_kv(&srv.log, LOG_INFO, NULL, "listening", "listen", srv.cfg.listen, "db", srv.cfg.db,
	       "version", ITALIC_VERSION, "tls", srv.cfg.tls_cert[0] ? "on" : "off", NULL);

	while (sigwait(&set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	log_kv(&srv.log, LOG_INFO, NULL, "shutting down", "signal", sig == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
	atomic_store(&srv.stopping, 1);
	http_quiesce(http);
	{
		int64_t deadline = clock_mono_ms() + (int64_t)srv.cfg.shutdown_grace_s * 1000;
		while (http_in_flight(http) > 0 && clock_mono_ms() < deadline)
			sleep_ms(10);
		if (http_in_flight(http) > 0)
			log_msg(&srv.log, LOG_WARN, NULL, "%d requests still in flight after the grace period",
				http_in_flight(http));
	}
	http_stop(http);
	http = NULL;
	status = 0;
out:
	http_stop(http);
	retention_stop(retention);
	store_pool_free(srv.pool);
	metrics_free(srv.metrics);
	store_close(s);
	if (status == 0)
		log_msg(&srv.log, LOG_INFO, NULL, "stopped");
	return status;
}
