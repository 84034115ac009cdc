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

#include "aws_creds.h"
#include "aws_http.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "deliverer.h"
#include "evaluator.h"
#include "facts_aws.h"
#include "http.h"
#include "ingest.h"
#include "ratelimit.h"
#include "retention.h"
#include "writer.h"
#include "server.h"
#include "status.h"
#include "store_migrate.h"
#include "sweep.h"

#ifndef ITALIC_VERSION
#define ITALIC_VERSION "unknown"
#endif

static void declare_metrics(struct metrics *m)
{
	metrics_declare(m, "italic_http_requests_total", METRIC_COUNTER, "HTTP requests by method, route and status.");
	metrics_declare(m, "italic_http_request_duration_seconds", METRIC_HISTOGRAM,
			"Time from request headers to response queued, by route.");
	metrics_declare(m, "italic_uptime_seconds", METRIC_GAUGE, "Seconds since the service started.");
	metrics_declare(m, "italic_events_total", METRIC_COUNTER, "Events received on POST /v1/events by kind and outcome.");
	metrics_declare(m, "italic_writer_commits_total", METRIC_COUNTER,
			"Group commits of the single writer (events, verdicts, deliveries), by result.");
	metrics_declare(m, "italic_writer_jobs_total", METRIC_COUNTER,
			"Jobs written by group commits (divide by commits for the mean batch).");
	metrics_declare(m, "italic_writer_batch_seconds", METRIC_HISTOGRAM,
			"Duration of one group commit, from BEGIN to the end of COMMIT (its fsync included).");
	metrics_declare(m, "italic_aws_calls_total", METRIC_COUNTER, "AWS API calls by service, operation and outcome.");
	metrics_declare(m, "italic_image_cache_total", METRIC_COUNTER, "Image facts lookups by cache result.");
	metrics_declare(m, "italic_evaluations_total", METRIC_COUNTER, "Verdicts written, by compliance and trigger.");
	metrics_declare(m, "italic_evaluation_latency_seconds", METRIC_HISTOGRAM,
			"Time from an event's acceptance to its verdict.");
	deliveries_declare_metrics(m);
}

/*
 * ITALIC_AWS=auto: use AWS when the standard chain finds credentials (environment, web
 * identity, container, profile, IMDSv2). The chain is asked once here, so a machine
 * without credentials runs without AWS from the start instead of failing every event.
 */
static int start_aws(struct server *srv, struct aws_env *env, struct facts_aws **ret_facts)
{
	struct aws_ctx_config ac;
	struct sigv4_credentials c;
	struct aws_error err;
	enum aws_creds_source src;
	int rc;

	if (srv->cfg.aws == CONFIG_AWS_OFF) {
		log_msg(&srv->log, LOG_INFO, NULL, "AWS is off (ITALIC_AWS=off): facts come from events and registered images");
		return IT_OK;
	}
	rc = aws_env_load(env, aws_env_getenv, NULL);
	if (rc)
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.env = env;
	ac.log = &srv->log;
	ac.member_role = srv->cfg.member_role[0] ? srv->cfg.member_role : NULL;
	ac.external_id = srv->cfg.external_id[0] ? srv->cfg.external_id : NULL;
	ac.credentials = aws_creds_provider_new;
	rc = aws_ctx_new(&ac, &srv->aws);
	if (rc) {
		log_msg(&srv->log, LOG_ERROR, NULL, "invalid AWS settings (ITALIC_MEMBER_ROLE / ITALIC_EXTERNAL_ID?)");
		return rc;
	}
	memset(&err, 0, sizeof(err));
	rc = aws_creds_base(aws_creds_of(srv->aws), &c, &src, &err);
	sigv4_credentials_wipe(&c);
	if (rc) {
		log_kv(&srv->log, LOG_WARN, NULL, "no AWS credentials found: running without AWS", "reason",
		       err.message[0] ? err.message : status_str(rc), NULL);
		aws_ctx_free(srv->aws);
		srv->aws = NULL;
		return IT_OK;
	}
	log_kv(&srv->log, LOG_INFO, NULL, "AWS credentials found", "source", aws_creds_source_names[src],
	       "member_role", srv->cfg.member_role[0] ? srv->cfg.member_role : "(own credentials)", NULL);
	return facts_aws_new(srv, srv->aws, ret_facts);
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
	struct aws_env aws_env;
	struct facts_aws *facts = NULL;
	struct deliverers *deliverers = NULL;
	struct sweep *sweep = NULL;
	sigset_t set;
	int exit_status = 0;
	size_t npos = 0;
	int sig = 0, rc, status = 1;
	enum log_level level;

	memset(&srv, 0, sizeof(srv));
	memset(&aws_env, 0, sizeof(aws_env));
	config_defaults(&srv.cfg);
	if (!cli_start(&spec, "serve", argc, argv, &srv.cfg, NULL, &npos, &exit_status))
		return exit_status;
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
	store_close(s);   /* the pool and the writer have their own connections */
	s = NULL;
	rc = store_pool_new(srv.cfg.db, (int)srv.cfg.http_threads + 2, &srv.pool);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "cannot open database connections: %s", status_str(rc));
		goto out;
	}
	if (metrics_new(&srv.metrics))
		goto out;
	declare_metrics(srv.metrics);

	rc = ratelimit_new(srv.cfg.ingest_rate, &srv.ratelimit);
	if (rc == IT_OK)
		rc = writer_start(&srv, &srv.writer);
	if (rc == IT_OK)
		rc = ingest_start(&srv, srv.writer, &srv.ingest);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "cannot start the ingest writer: %s", status_str(rc));
		goto out;
	}

	rc = start_aws(&srv, &aws_env, &facts);
	if (rc)
		goto out;
	rc = evaluator_start(&srv, facts ? facts_aws_provider(facts) : NULL, &srv.evaluator);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "cannot start the evaluator: %s", status_str(rc));
		goto out;
	}
	rc = deliverers_start(&srv, &deliverers);
	if (rc == IT_OK)
		rc = sweep_start(&srv, srv.evaluator, &sweep);
	if (rc) {
		log_msg(&srv.log, LOG_ERROR, NULL, "cannot start deliveries or the sweep: %s", status_str(rc));
		goto out;
	}

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
	sweep_stop(sweep);
	deliverers_stop(deliverers);
	retention_stop(retention);
	evaluator_stop(srv.evaluator);
	facts_aws_free(facts);
	aws_ctx_free(srv.aws);
	aws_env_finish(&aws_env);
	ingest_stop(srv.ingest);
	writer_stop(srv.writer);
	ratelimit_free(srv.ratelimit);
	store_pool_free(srv.pool);
	metrics_free(srv.metrics);
	store_close(s);
	if (status == 0)
		log_msg(&srv.log, LOG_INFO, NULL, "stopped");
	return status;
}
