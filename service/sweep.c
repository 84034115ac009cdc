/* sweep.c: the reconciliation sweep (see sweep.h). */
#include "sweep.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws_ec2.h"
#include "clock.h"
#include "image_facts.h"
#include "partition.h"
#include "reconcile.h"
#include "status.h"
#include "store_sweep.h"
#include "store_verdict.h"
#include "writer.h"

#define DUE_BATCH 64
#define KNOWN_PAGE 200
#define OBS_CHUNK 200
#define IDLE_MAX_MS 60000

struct sweep {
	struct server *srv;
	struct evaluator *ev;
	pthread_t thread;
	_Atomic(int) stop;
	pthread_mutex_t mu;
	pthread_cond_t wake;
	int64_t interval_ms;
};

static void nap(struct sweep *s, int64_t ms)
{
	struct timespec ts;

	if (ms < 1)
		ms = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	if (!atomic_load(&s->stop))
		pthread_cond_timedwait(&s->wake, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

/* ---- the record in table sweeps ---- */

struct mark_job {
	const char *account, *region;
	int64_t now, seen, changed;
	const char *error;
	int end;
};

static int mark(struct store *db, void *ctx)
{
	struct mark_job *j = ctx;

	if (!j->end)
		return store_sweep_begin(db, j->account, j->region, j->now);
	return store_sweep_end(db, j->account, j->region, j->now, j->seen, j->changed, j->error);
}

static void record(struct sweep *s, const char *account, const char *region, int end, int64_t seen, int64_t changed,
		   const char *error)
{
	struct mark_job j = {account, region, clock_now_ms(NULL), seen, changed, error, end};

	if (writer_run(s->srv->writer, mark, &j) != IT_OK)
		log_kv(&s->srv->log, LOG_WARN, NULL, "The sweep's outcome could not be recorded.", "cloud.account.id",
		       account, "cloud.region", region, NULL);
}

/* ---- one pair ---- */

struct listing {
	struct aws_ec2_instances *pages;
	size_t npages;
	struct aws_ec2_instance **items;   /* sorted by instance id */
	size_t n;
	unsigned char *seen;               /* matched a known instance */
};

static void listing_free(struct listing *l)
{
	for (size_t i = 0; i < l->npages; i++)
		aws_ec2_instances_free(&l->pages[i]);
	free(l->pages);
	free(l->items);
	free(l->seen);
	memset(l, 0, sizeof(*l));
}

static int by_id(const void *a, const void *b)
{
	const struct aws_ec2_instance *x = *(struct aws_ec2_instance *const *)a;
	const struct aws_ec2_instance *y = *(struct aws_ec2_instance *const *)b;
	return strcmp(x->instance_id ? x->instance_id : "", y->instance_id ? y->instance_id : "");
}

static int list_all(struct sweep *s, const char *account, const char *region, struct listing *l,
		    struct aws_error *err)
{
	char *token = NULL;
	int rc = IT_OK;

	do {
		struct aws_ec2_instances *grown, page;

		if (l->npages >= IT_AWS_MAX_PAGES) {
			rc = aws_error_set(err, IT_ETOOBIG, "more than %d pages", IT_AWS_MAX_PAGES);
			break;
		}
		memset(&page, 0, sizeof(page));
		rc = aws_ec2_list_instances(s->srv->aws, account, region, token, &page, err);
		{
			char labels[128];
			snprintf(labels, sizeof(labels), "service=\"ec2\",operation=\"DescribeInstances\",outcome=\"%s\"",
				 rc == IT_OK ? "ok" : status_retryable(rc) ? "retryable" : "error");
			metrics_add(s->srv->metrics, "italic_aws_calls_total", labels, 1);
		}
		free(token);
		token = NULL;
		if (rc)
			break;
		grown = realloc(l->pages, (l->npages + 1) * sizeof(*grown));
		if (!grown) {
			aws_ec2_instances_free(&page);
			rc = IT_ENOMEM;
			break;
		}
		l->pages = grown;
		l->pages[l->npages++] = page;
		if (page.next_token && !(token = strdup(page.next_token)))
			rc = IT_ENOMEM;
	} while (rc == IT_OK && token && !atomic_load(&s->stop));
	free(token);
	if (rc)
		return rc;
	for (size_t p = 0; p < l->npages; p++)
		l->n += l->pages[p].n;
	l->items = calloc(l->n ? l->n : 1, sizeof(*l->items));
	l->seen = calloc(l->n ? l->n : 1, 1);
	if (!l->items || !l->seen)
		return IT_ENOMEM;
	l->n = 0;
	for (size_t p = 0; p < l->npages; p++)
		for (size_t i = 0; i < l->pages[p].n; i++)
			if (l->pages[p].items[i].instance_id)
				l->items[l->n++] = &l->pages[p].items[i];
	qsort(l->items, l->n, sizeof(*l->items), by_id);
	return IT_OK;
}

static long find(const struct listing *l, const char *id)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->items[mid]->instance_id, id);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Observations being gathered; strings of known instances are copied (their page is
 * reused), strings of listed instances are borrowed from the listing. */
struct pending {
	struct evaluator_obs obs[OBS_CHUNK];
	struct image_tag *tags[OBS_CHUNK];
	char ids[OBS_CHUNK][32];
	size_t n;
	size_t changed;
	int rc;
};

static void flush_obs(struct sweep *s, struct store *db, struct pending *p)
{
	size_t applied = 0;

	if (p->n && p->rc == IT_OK) {
		p->rc = evaluator_observe(s->ev, db, p->obs, p->n, "sweep", &applied);
		p->changed += applied;
	}
	for (size_t i = 0; i < p->n; i++)
		free(p->tags[i]);
	p->n = 0;
}

static void add_listed(struct sweep *s, struct store *db, struct pending *p, const char *account, const char *region,
		       const struct aws_ec2_instance *it, int64_t at, int repair)
{
	struct evaluator_obs *o;

	if (p->n == OBS_CHUNK)
		flush_obs(s, db, p);
	o = &p->obs[p->n];
	memset(o, 0, sizeof(*o));
	p->tags[p->n] = NULL;
	if (it->n_tags) {
		struct image_tag *t = calloc(it->n_tags, sizeof(*t));
		for (size_t k = 0; t && k < it->n_tags; k++) {
			t[k].key = it->tags[k].key;
			t[k].value = it->tags[k].value;
		}
		if (!t) {
			p->rc = IT_ENOMEM;
			return;
		}
		p->tags[p->n] = t;
	}
	o->account = account;
	o->region = region;
	o->instance_id = it->instance_id;
	o->image_id = it->image_id;
	o->state = it->state_name;
	o->tags = p->tags[p->n];
	o->n_tags = it->n_tags;
	o->tags_known = 1;
	o->observed_at = at;
	o->repair = repair;
	p->n++;
}

static void add_gone(struct sweep *s, struct store *db, struct pending *p, const char *account, const char *region,
		     const struct verdict_row *k, int64_t at)
{
	struct evaluator_obs *o;

	if (p->n == OBS_CHUNK)
		flush_obs(s, db, p);
	o = &p->obs[p->n];
	memset(o, 0, sizeof(*o));
	p->tags[p->n] = NULL;
	snprintf(p->ids[p->n], sizeof(p->ids[p->n]), "%s", k->instance_id);
	o->account = account;
	o->region = region;
	o->instance_id = p->ids[p->n];
	o->gone_reason = "DescribeInstances no longer lists the instance (reconciliation sweep)";
	o->observed_at = at;
	o->repair = reconcile_pinned(k->observed_at, at);
	p->n++;
}

/* What the listing means for one known instance (reconcile.h: differs, or pinned). */
static enum reconcile_listed compare(const struct verdict_row *k, const struct aws_ec2_instance *it, int64_t at)
{
	struct reconcile_record rec = {k->state, k->image_id, k->compliance, k->observed_at};

	return reconcile_listed(&rec, it->state_name, it->image_id, at);
}

static void sweep_pair(struct sweep *s, struct store *db, const char *account, const char *region,
		       int64_t failing_since)
{
	struct server *srv = s->srv;
	struct listing l;
	struct aws_error err;
	struct verdict_row known[KNOWN_PAGE];
	struct pending *p = calloc(1, sizeof(*p));
	char after[32] = "", msg[256] = "";
	/* The listing's time orders its verdicts: Italic's own clock when the listing starts,
	 * so never ahead of the facts it stands for (the bound events get, reconcile.h, holds
	 * by construction); a record ahead of it by more than the skew is pinned. */
	int64_t at = clock_now_ms(NULL);
	size_t n;
	int rc;

	memset(&l, 0, sizeof(l));
	memset(&err, 0, sizeof(err));
	if (!p)
		return;
	record(s, account, region, 0, 0, 0, NULL);
	/* A pair from before regions were checked at ingest may name a region AWS does not
	 * have: it fails without an AWS call, and after a day of that it stops. */
	if (!partition_region_known(region, srv->cfg.extra_regions)) {
		rc = IT_EINVAL;
		snprintf(msg, sizeof(msg), "region %s is not an AWS region Italic knows (ITALIC_EXTRA_REGIONS)", region);
		goto out;
	}
	rc = list_all(s, account, region, &l, &err);
	if (rc) {
		snprintf(msg, sizeof(msg), "DescribeInstances: %s%s%s", status_str(rc), err.code[0] ? ": " : "", err.code);
		goto out;
	}
	/* Known instances of the pair, in instance id order, against the listing. */
	do {
		rc = store_verdict_page(db, account, region, account, region, after, known, KNOWN_PAGE, &n);
		if (rc)
			break;
		for (size_t i = 0; i < n; i++) {
			long at_i = find(&l, known[i].instance_id);
			if (at_i >= 0) {
				enum reconcile_listed what = compare(&known[i], l.items[at_i], at);
				l.seen[at_i] = 1;
				if (what != RECONCILE_KEEP)
					add_listed(s, db, p, account, region, l.items[at_i], at, what == RECONCILE_REPAIR);
			} else if (strcmp(known[i].compliance, "NOT_APPLICABLE") != 0) {
				add_gone(s, db, p, account, region, &known[i], at);
			}
		}
		if (n)
			snprintf(after, sizeof(after), "%s", known[n - 1].instance_id);
		for (size_t i = 0; i < n; i++)
			verdict_row_finish(&known[i]);
	} while (n == KNOWN_PAGE && p->rc == IT_OK && !atomic_load(&s->stop));
	/* Instances no event announced (a terminated one is not worth a first verdict). */
	for (size_t i = 0; rc == IT_OK && i < l.n && p->rc == IT_OK; i++)
		if (!l.seen[i] && l.items[i]->state_name && strcmp(l.items[i]->state_name, "terminated") != 0)
			add_listed(s, db, p, account, region, l.items[i], at, 0);
	flush_obs(s, db, p);
	if (rc == IT_OK)
		rc = p->rc;
	if (rc)
		snprintf(msg, sizeof(msg), "evaluating the listing: %s", status_str(rc));
out:
	if (rc)
		log_kv(&srv->log, LOG_WARN, NULL, "A sweep failed; it is tried again at its next turn.",
		       "cloud.account.id", account, "cloud.region", region, "error.message", msg,
		       "italic.aws_request_id", err.request_id, NULL);
	else
		log_f(&srv->log, LOG_INFO, NULL, "An account and Region were swept.", LOG_STR("cloud.account.id", account),
		      LOG_STR("cloud.region", region), LOG_INT("italic.instances", l.n),
		      LOG_INT("italic.changed", p->changed));
	record(s, account, region, 1, (int64_t)l.n, (int64_t)p->changed, rc ? msg : NULL);
	/* the same rule store_sweep_end() applies: the run of failures began over a day ago */
	if (rc && failing_since && clock_now_ms(NULL) - failing_since > IT_SWEEP_GIVE_UP_MS)
		log_kv(&srv->log, LOG_WARN, NULL, "every sweep of the pair failed for over a day: not swept again until "
		       "AWS answers for it", "account", account, "region", region, NULL);
	listing_free(&l);
	free(p);
}

static void *run(void *arg)
{
	struct sweep *s = arg;
	struct server *srv = s->srv;
	struct store *db = NULL;
	int64_t pause = s->interval_ms / 10 < SWEEP_PAUSE_MS ? s->interval_ms / 10 : SWEEP_PAUSE_MS;
	char err[256];

	if (store_open(srv->cfg.db, STORE_NO_CREATE, &db, err, sizeof(err))) {
		log_kv(&srv->log, LOG_ERROR, NULL, "The sweep thread cannot open the database.", "error.message", err, NULL);
		return NULL;
	}
	while (!atomic_load(&s->stop)) {
		struct sweep_row due[DUE_BATCH];
		/* A pair seen for the first time is due an interval later: look again by then. */
		int64_t now = clock_now_ms(NULL), next = 0,
			wait = s->interval_ms < IDLE_MAX_MS ? s->interval_ms : IDLE_MAX_MS;
		size_t n = 0;

		if (store_sweep_due(db, now, s->interval_ms, due, DUE_BATCH, &n, &next) != IT_OK)
			n = 0;
		for (size_t i = 0; i < n && !atomic_load(&s->stop); i++) {
			sweep_pair(s, db, due[i].account, due[i].region, due[i].failing_since);
			nap(s, pause);
		}
		if (n)
			continue;
		if (next > now && next - now < wait)
			wait = next - now;
		nap(s, wait);
	}
	store_close(db);
	return NULL;
}

int sweep_start(struct server *srv, struct evaluator *ev, struct sweep **ret)
{
	struct sweep *s;

	*ret = NULL;
	if (!srv->aws || srv->cfg.sweep_interval_s == 0) {
		log_msg(&srv->log, LOG_INFO, NULL, "The reconciliation sweep is off (%s).",
			srv->aws ? "ITALIC_SWEEP_INTERVAL=0" : "AWS is not in use");
		return IT_OK;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return IT_ENOMEM;
	s->srv = srv;
	s->ev = ev;
	s->interval_ms = (int64_t)srv->cfg.sweep_interval_s * 1000;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	if (pthread_create(&s->thread, NULL, run, s) != 0) {
		pthread_cond_destroy(&s->wake);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return IT_ENOMEM;
	}
	*ret = s;
	return IT_OK;
}

void sweep_stop(struct sweep *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	pthread_mutex_lock(&s->mu);
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
