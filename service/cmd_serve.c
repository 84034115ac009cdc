/*
 * cmd_serve.c: `italic serve`: open and migrate the database, start the HTTP daemon
 * and the background workers, wait for SIGTERM/SIGINT, then drain and exit 0.
 *
 * Signals are blocked in every thread and taken synchronously here with sigwait(), so
 * shutdown runs as ordinary code: stop accepting, let requests in flight finish (up to
 * ITALIC_SHUTDOWN_GRACE), stop the workers, close the database.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "alert_settings.h"
#include "aws_creds.h"
#include "build_info.h"
#include "aws_http.h"
#include "aws_imds.h"
#include "cli.h"
#include "clock.h"
#include "commands.h"
#include "deliver_alerts.h"
#include "deliverer.h"
#include "evaluator.h"
#include "facts_aws.h"
#include "facts_lt_aws.h"
#include "http.h"
#include "ingest.h"
#include "parse.h"
#include "ratelimit.h"
#include "sdnotify.h"
#include "retention.h"
#include "writer.h"
#include "server.h"
#include "status.h"
#include "store_migrate.h"
#include "sweep.h"

static void declare_metrics(struct metrics *m)
{
	metrics_declare(m, "italic_http_requests_total", METRIC_COUNTER, "HTTP requests by method, route and status.");
	metrics_declare(m, "italic_http_request_duration_seconds", METRIC_HISTOGRAM,
			"Time from request headers to response queued, by route.");
	metrics_declare(m, "italic_uptime_seconds", METRIC_GAUGE, "Seconds since the service started.");
	metrics_declare(m, "italic_events_total", METRIC_COUNTER, "Events received on POST /v1/events by kind and outcome.");
	metrics_declare(m, "italic_events_rejected_total", METRIC_COUNTER,
			"Batch items rejected and kept in the quarantine, by reason.");
	metrics_declare(m, "italic_writer_commits_total", METRIC_COUNTER,
			"Group commits of the single writer (events, verdicts, deliveries), by result.");
	metrics_declare(m, "italic_writer_jobs_total", METRIC_COUNTER,
			"Jobs written by group commits (divide by commits for the mean batch).");
	metrics_declare(m, "italic_writer_batch_seconds", METRIC_HISTOGRAM,
			"Duration of one group commit, from BEGIN to the end of COMMIT (its fsync included).");
	metrics_declare(m, "italic_aws_calls_total", METRIC_COUNTER, "AWS API calls by service, operation and outcome.");
	metrics_declare(m, "italic_image_cache_total", METRIC_COUNTER, "Image facts lookups by cache result.");
	metrics_declare(m, "italic_evaluations_total", METRIC_COUNTER, "Verdicts written, by compliance and trigger.");
	metrics_declare(m, "italic_launch_template_evaluations_total", METRIC_COUNTER,
			"Launch template verdicts settled, by compliance and trigger.");
	metrics_declare(m, "italic_evaluation_latency_seconds", METRIC_HISTOGRAM,
			"Time from an event's acceptance to its verdict.");
	metrics_declare(m, "italic_event_handoff_total", METRIC_COUNTER,
			"Events the evaluator judged from the request's own parse (parsed) or parsed again from storage (reparsed).");
	metrics_declare(m, "italic_build_info", METRIC_GAUGE,
			"Always 1; the labels say which version and commit this binary was built from.");
	deliveries_declare_metrics(m);
}

/* italic_build_info{version,commit} 1: both come from the build (build_info.h), and
 * are made of characters that need no escaping in a label value. */
static void set_build_info(struct metrics *m)
{
	char labels[METRICS_LABELS_MAX];

	snprintf(labels, sizeof(labels), "version=\"%s\",commit=\"%s\"", italic_build_version,
		 italic_build_commit);
	(void)metrics_set(m, "italic_build_info", labels, 1);
}

/* Where the home Region came from, for the start-up log line. */
static const char *region_from_env(const struct aws_env *env, const char **ret_source)
{
	const char *r = aws_env_get(env, AWS_ENV_REGION);

	*ret_source = "AWS_REGION";
	if (!r) {
		r = aws_env_get(env, AWS_ENV_DEFAULT_REGION);
		*ret_source = "AWS_DEFAULT_REGION";
	}
	if (!r)
		*ret_source = NULL;
	return r;
}

static int new_ctx(struct server *srv, const struct aws_env *env, struct aws_ctx **ret)
{
	struct aws_ctx_config ac;

	memset(&ac, 0, sizeof(ac));
	ac.env = env;
	ac.log = &srv->log;
	ac.clock = srv->clock;
	ac.member_role = srv->cfg.member_role[0] ? srv->cfg.member_role : NULL;
	ac.external_id = srv->cfg.external_id[0] ? srv->cfg.external_id : NULL;
	ac.credentials = aws_creds_provider_new;
	return aws_ctx_new(&ac, ret);
}

/*
 * ITALIC_AWS=auto: use AWS when the standard chain finds credentials (environment, web
 * identity, container, profile, IMDSv2). The chain is asked once here, so a machine
 * without credentials runs without AWS from the start instead of failing every event.
 *
 * The home Region (the service's own: SIEM objects, web identity STS) is AWS_REGION,
 * else AWS_DEFAULT_REGION, else, with AWS in use, the instance metadata's placement
 * Region. It is logged at start. A SIEM bucket without a home Region is a setting
 * error (exit 2): its objects would otherwise go to a guessed Region.
 *
 * Returns IT_OK (srv->aws set when AWS is in use), or an error with *ret_exit the exit
 * status (2 for settings, 1 otherwise); the reason is logged.
 */
static int start_aws(struct server *srv, struct aws_env *env, struct facts_aws **ret_facts, int *ret_exit)
{
	struct sigv4_credentials c;
	struct aws_error err;
	enum aws_creds_source src;
	char imds_region[IT_REGION_SIZE];
	const char *region, *source;
	int rc;

	*ret_exit = 1;
	rc = aws_env_load(env, aws_env_getenv, NULL);
	if (rc) {
		log_kv(&srv->log, LOG_ERROR, NULL, "An AWS_* environment variable is too long.", "error.code",
		       status_str(rc), NULL);
		*ret_exit = 2;
		return rc;
	}
	region = region_from_env(env, &source);
	if (region && !valid_region(region)) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The home Region is not a Region name such as eu-west-1.",
		       "italic.region_source", source, NULL);
		*ret_exit = 2;
		return IT_EINVAL;
	}
	if (srv->cfg.aws == CONFIG_AWS_OFF) {
		log_msg(&srv->log, LOG_INFO, NULL,
			"AWS is off (ITALIC_AWS=off): facts come from events and registered images.");
	} else {
		rc = new_ctx(srv, env, &srv->aws);
		if (rc) {
			log_msg(&srv->log, LOG_ERROR, NULL,
				"The AWS settings are not valid (check ITALIC_MEMBER_ROLE and ITALIC_EXTERNAL_ID).");
			*ret_exit = 2;
			return rc;
		}
		memset(&err, 0, sizeof(err));
		rc = aws_creds_base(aws_creds_of(srv->aws), &c, &src, &err);
		sigv4_credentials_wipe(&c);
		if (rc) {
			log_kv(&srv->log, LOG_WARN, NULL, "No AWS credentials were found, so Italic runs without AWS.",
			       "error.message", err.message[0] ? err.message : status_text(rc), NULL);
			aws_ctx_free(srv->aws);
			srv->aws = NULL;
		} else {
			log_kv(&srv->log, LOG_INFO, NULL, "AWS credentials were found.", "italic.aws.credentials_source",
			       aws_creds_source_names[src], "italic.aws.member_role",
			       srv->cfg.member_role[0] ? srv->cfg.member_role : "(own credentials)", NULL);
		}
	}
	if (srv->aws && !region && aws_imds_region(srv->aws, imds_region, sizeof(imds_region)) == IT_OK) {
		/* The context read the environment when it was made: make it again with the
		 * Region the instance metadata gave, as if AWS_REGION had said so. */
		env->v[AWS_ENV_REGION] = strdup(imds_region);
		aws_ctx_free(srv->aws);
		srv->aws = NULL;
		if (!env->v[AWS_ENV_REGION] || new_ctx(srv, env, &srv->aws) != IT_OK) {
			log_msg(&srv->log, LOG_ERROR, NULL, "The AWS client could not be set up again.");
			return IT_ENOMEM;
		}
		region = env->v[AWS_ENV_REGION];
		source = "instance metadata";
	}
	if (region) {
		log_kv(&srv->log, LOG_INFO, NULL, "The home Region is set.", "cloud.region", region,
		       "italic.region_source", source, NULL);
	} else if (srv->cfg.siem_bucket[0]) {
		log_msg(&srv->log, LOG_ERROR, NULL,
			"ITALIC_SIEM_BUCKET is set but no home Region is known: set AWS_REGION (or "
			"AWS_DEFAULT_REGION), or run on an EC2 instance whose metadata service answers.");
		*ret_exit = 2;
		return IT_EINVAL;
	} else {
		log_kv(&srv->log, srv->aws ? LOG_WARN : LOG_INFO, NULL,
		       srv->aws ? "No home Region came from AWS_REGION, AWS_DEFAULT_REGION or the instance metadata; "
				  "the service's own AWS calls use us-east-1."
				: "No home Region is set; none is needed while AWS is not in use.",
		       "cloud.region", srv->aws ? aws_ctx_home_region(srv->aws) : NULL, NULL);
	}
	if (!srv->aws)
		return IT_OK;
	return facts_aws_new(srv, srv->aws, ret_facts);
}

/*
 * What no single setting can check, and the files settings name: a bad one exits 2
 * before anything starts (no database opened, no AWS asked). Prints the reason.
 */
static int check_settings(const struct config *cfg)
{
	char err[256];

	if (config_validate(cfg, err, sizeof(err)) != IT_OK) {
		fprintf(stderr, "italic serve: %s\n", err);
		return 2;
	}
	if (cfg->tls_cert[0] && access(cfg->tls_cert, R_OK) != 0) {
		fprintf(stderr, "italic serve: ITALIC_TLS_CERT names a file that cannot be read (%s)\n", strerror(errno));
		return 2;
	}
	if (cfg->tls_key[0] && access(cfg->tls_key, R_OK) != 0) {
		fprintf(stderr, "italic serve: ITALIC_TLS_KEY names a file that cannot be read (%s)\n", strerror(errno));
		return 2;
	}
	return 0;
}

/* systemd Type=notify: "ready" once the database is migrated and the listener is up;
 * "stopping" when the drain begins. A no-op outside systemd (no NOTIFY_SOCKET). */
static void notify_systemd(struct server *srv, const char *state)
{
	int rc = sdnotify_send(getenv("NOTIFY_SOCKET"), state);

	if (rc != IT_OK && rc != IT_ENOTFOUND)
		log_kv(&srv->log, LOG_WARN, NULL, "The notice to systemd could not be sent.", "error.code",
		       status_str(rc), NULL);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int cmd_serve(int argc, char **argv, const struct clock *clk)
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
	struct facts_lt_aws *lt_facts = NULL;   /* launch template versions, SSM parameters */
	struct sweep *sweep = NULL;
	struct alert_settings alerts;
	char aerr[320];
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
	exit_status = check_settings(&srv.cfg);
	if (exit_status)
		return exit_status;
	/* The alert settings only make sense together: checked now, exit 2 when they do not.
	 * The secret lives on in `alerts` only (wiped from the settings struct). */
	rc = alert_settings_load(&srv.cfg, &alerts, aerr, sizeof(aerr));
	explicit_bzero(srv.cfg.alert_webhook_secret, sizeof(srv.cfg.alert_webhook_secret));
	if (rc)
		return cli_usage_error("serve", aerr);
	snprintf(srv.cfg.public_url, sizeof(srv.cfg.public_url), "%s", alerts.public_url);
	if (log_level_parse(srv.cfg.log_level, &level))
		level = LOG_INFO;
	srv.log.level = level;
	srv.log.fd = STDERR_FILENO;
	srv.log.clock = clk;
	srv.clock = clk;
	srv.started_ms = clock_now_ms(clk);

	/* Block the signals before any thread exists, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* No child of ours (there are none today) may gain privileges. */
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

	/* AWS first: a settings error found there (the home Region) exits 2 before the
	 * database is touched. */
	rc = start_aws(&srv, &aws_env, &facts, &exit_status);
	if (rc == IT_OK && srv.aws)
		rc = facts_lt_aws_new(srv.aws, srv.metrics, &lt_facts);
	if (rc) {
		status = exit_status;
		goto out;
	}
	if (alerts.eventbridge && srv.aws && alerts.bus_region[0] &&
	    strcmp(alerts.bus_region, aws_ctx_home_region(srv.aws)) != 0) {
		/* PutEvents goes to the home Region's endpoint: a bus elsewhere is never reached */
		snprintf(aerr, sizeof(aerr), "ITALIC_ALERT_EVENTBUS names a bus in %s, not in the home Region %s",
			 alerts.bus_region, aws_ctx_home_region(srv.aws));
		status = cli_usage_error("serve", aerr);
		goto out;
	}
	rc = open_and_migrate(&srv.cfg, &s);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "Italic refuses to start: the database is not usable.", "file.path",
		       srv.cfg.db, "error.code", status_str(rc), "error.message", status_text(rc), NULL);
		goto out;
	}
	if (store_schema_version(s, &srv.schema_version))
		srv.schema_version = 0;
	store_close(s);   /* the pool and the writer have their own connections */
	s = NULL;
	rc = store_pool_new(srv.cfg.db, (int)srv.cfg.http_threads + 2, &srv.pool);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "The database connections cannot be opened.", "error.code",
		       status_str(rc), "error.message", status_text(rc), NULL);
		goto out;
	}
	if (metrics_new(&srv.metrics))
		goto out;
	declare_metrics(srv.metrics);
	set_build_info(srv.metrics);

	rc = ratelimit_new(srv.cfg.ingest_rate, &srv.ratelimit);
	if (rc == IT_OK)
		rc = writer_start(&srv, &srv.writer);
	if (rc == IT_OK)
		rc = ingest_start(&srv, srv.writer, &srv.ingest);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "The ingest writer cannot start.", "error.code", status_str(rc),
		       "error.message", status_text(rc), NULL);
		goto out;
	}

	rc = alerts_new(&srv, &alerts, &srv.alerts);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "The alert destinations cannot start.", "error.code", status_str(rc),
		       "error.message", status_text(rc), NULL);
		goto out;
	}
	if (alerts.webhook)
		log_kv(&srv.log, LOG_INFO, NULL, "Alerts go to a webhook.", "server.address", alerts.url.origin,
		       "italic.alert.format", webhook_format_names[alerts.format], "italic.alert.signed",
		       alerts.secret_len ? "yes" : "no", NULL);
	if (alerts.eventbridge)
		log_kv(&srv.log, LOG_INFO, NULL, "Alerts go to EventBridge.", "italic.alert.bus", alerts.bus, NULL);
	alert_settings_wipe(&alerts);
	/* The deliverers first: the evaluator wakes them when it commits deliveries. */
	rc = deliverers_start(&srv, &srv.deliverers);
	if (rc == IT_OK)
		rc = evaluator_start(&srv, facts ? facts_aws_provider(facts) : NULL,
				     lt_facts ? facts_lt_aws_provider(lt_facts) : NULL, &srv.evaluator);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "The evaluator or the deliveries cannot start.", "error.code",
		       status_str(rc), "error.message", status_text(rc), NULL);
		goto out;
	}
	rc = sweep_start(&srv, srv.evaluator, &sweep);
	if (rc) {
		log_kv(&srv.log, LOG_ERROR, NULL, "The sweep cannot start.", "error.code", status_str(rc),
		       "error.message", status_text(rc), NULL);
		goto out;
	}

	rc = http_start(&srv, &http);
	if (rc || retention_start(&srv, &retention))
		goto out;
	atomic_store(&srv.ready, 1);
	log_kv(&srv.log, LOG_INFO, NULL, "Italic is serving.", "italic.listen", srv.cfg.listen, "file.path", srv.cfg.db,
	       "service.version", italic_build_version, "italic.commit", italic_build_commit, "italic.tls",
	       srv.cfg.tls_cert[0] ? "on" : "off", NULL);
	{
		char st[CONFIG_STR + 64];
		snprintf(st, sizeof(st), "READY=1\nSTATUS=Serving on %s", srv.cfg.listen);
		notify_systemd(&srv, st);
	}

	while (sigwait(&set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	log_kv(&srv.log, LOG_INFO, NULL, "Italic is shutting down.", "italic.signal", sig == SIGTERM ? "SIGTERM" : "SIGINT",
	       NULL);
	notify_systemd(&srv, "STOPPING=1\nSTATUS=Draining requests in flight");
	atomic_store(&srv.stopping, 1);
	http_quiesce(http);
	{
		int64_t deadline = clock_mono_ms() + (int64_t)srv.cfg.shutdown_grace_s * 1000;
		while (http_in_flight(http) > 0 && clock_mono_ms() < deadline)
			sleep_ms(10);
		if (http_in_flight(http) > 0)
			log_f(&srv.log, LOG_WARN, NULL, "Requests were still in flight after the grace period.",
			      LOG_INT("italic.in_flight", http_in_flight(http)));
	}
	http_stop(http);
	http = NULL;
	status = 0;
out:
	http_stop(http);
	sweep_stop(sweep);
	retention_stop(retention);
	evaluator_stop(srv.evaluator);   /* before the deliverers: it wakes them */
	deliverers_stop(srv.deliverers);
	alerts_free(srv.alerts);         /* after the threads that send alerts */
	alert_settings_wipe(&alerts);
	facts_aws_free(facts);
	facts_lt_aws_free(lt_facts);
	aws_ctx_free(srv.aws);
	aws_env_finish(&aws_env);
	ingest_stop(srv.ingest);
	writer_stop(srv.writer);
	ratelimit_free(srv.ratelimit);
	store_pool_free(srv.pool);
	metrics_free(srv.metrics);
	store_close(s);
	if (status == 0)
		log_msg(&srv.log, LOG_INFO, NULL, "Italic stopped.");
	return status;
}
