/*
 * sweep.c: the reconciliation sweep (see sweep.h): one scheduler thread and
 * ITALIC_SWEEP_CONCURRENCY workers, two lib/waiter.h crews that nap on their own waiters.
 *
 * The scheduler holds the plan: every known pair that is not stopped, with its due time
 * (sweep_plan_due), re-read from the database every PLAN_REFRESH_MS (new pairs, resumed
 * pairs) and kept up to date in between from what the workers report. It starts the
 * pairs that are due, most overdue first, while fewer than ITALIC_SWEEP_CONCURRENCY
 * run in all and fewer than ITALIC_SWEEP_PER_ACCOUNT run for the pair's account, and no
 * hold is on that account; then it sleeps until the next due time, hold end, refresh or
 * finished pair. Everything the scheduler and the workers share is under mu.
 *
 * A worker lists its pair one page at a time (MaxResults 1000, NextToken), compares each
 * listed instance with Italic's record and lets the page go, keeping only the ids it saw
 * (idset.h); after the last page, the known instances the listing did not show are
 * retired. A throttled page (aws_call() spent its own retries) puts a hold on the
 * account and is tried again when the hold ends, up to SWEEP_PAGE_TRIES times.
 */
#include "sweep.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_ec2.h"
#include "backoff.h"
#include "clock.h"
#include "idset.h"
#include "image_facts.h"
#include "partition.h"
#include "reconcile.h"
#include "status.h"
#include "store_sweep.h"
#include "store_verdict.h"
#include "sweep_lt.h"
#include "sweep_plan.h"
#include "waiter.h"
#include "writer.h"

#define KNOWN_PAGE 200
#define OBS_CHUNK 200
#define PAIRS_PAGE 500
#define PLAN_REFRESH_MS 30000      /* new and resumed pairs are planned within this (or a tenth of the interval) */
#define IDLE_MAX_MS 60000
#define SWEEP_PAGE_TRIES 8         /* a page throttled this many times fails the pair's sweep */
#define SWEEP_MAX_IDS (IT_AWS_MAX_PAGES * IT_AWS_MAX_ITEMS)

struct plan_pair {
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	int64_t due;
	int64_t failing_since;
	int running;
};

struct plan_acct {
	char account[IT_ACCOUNT_ID_SIZE];
	int running;
	int throttles;           /* throttled answers in a row */
	int64_t hold_until;      /* no page or pair of the account before this */
};

struct job {
	char account[IT_ACCOUNT_ID_SIZE];
	char region[IT_REGION_SIZE];
	int64_t due;
	int64_t failing_since;
	int taken;
};

struct sweep {
	struct server *srv;
	struct evaluator *ev;
	struct crew *scheduler;  /* one thread */
	struct crew *workers;    /* nworkers threads */
	struct sweep_worker *wargs;
	int nworkers;
	_Atomic(int) stop;       /* both crews' */
	pthread_mutex_t mu;
	struct waiter *wake;     /* the scheduler: a pair finished, or stop */
	struct waiter *work;     /* the workers: a job was queued, or stop */
	int64_t interval_ms;
	int64_t started_ms;      /* not_before of every due time: no burst at start-up */
	int per_account;
	/* under mu */
	struct plan_pair *pairs; /* sorted by (account, region) */
	size_t npairs;
	struct plan_acct *accts; /* sorted by account */
	size_t naccts;
	struct job *jobs;        /* nworkers slots */
	int running;
	/* the scheduler thread's own */
	struct store *db;
	struct plan_pair **cand;
	size_t cand_cap;
	int64_t refresh_ms;
	int64_t next_refresh;
};

/* A worker thread's own. */
struct sweep_worker {
	struct sweep *s;
	struct store *db;
};

static int cmp_pair_key(const char *a1, const char *r1, const char *a2, const char *r2)
{
	int c = strcmp(a1, a2);
	return c ? c : strcmp(r1, r2);
}

/* The account's state (mu held); NULL when the plan does not know it. */
static struct plan_acct *acct_of(struct sweep *s, const char *account)
{
	size_t lo = 0, hi = s->naccts;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->accts[mid].account, account);
		if (c == 0)
			return &s->accts[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static struct plan_pair *pair_of(struct sweep *s, const char *account, const char *region)
{
	size_t lo = 0, hi = s->npairs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_pair_key(s->pairs[mid].account, s->pairs[mid].region, account, region);
		if (c == 0)
			return &s->pairs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
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
	struct mark_job j = {account, region, clock_now_ms(s->srv->clock), seen, changed, error, end};

	if (writer_run(s->srv->writer, mark, &j) != IT_OK)
		log_kv(&s->srv->log, LOG_WARN, NULL, "The sweep's outcome could not be recorded.", "cloud.account.id",
		       account, "cloud.region", region, NULL);
}

/* Observations being gathered; strings of known instances are copied (their page is
 * reused), strings of listed instances are borrowed from the listing's page, which is
 * why a page's observations are flushed before the page is let go. */
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


/* ---- holds on throttled accounts ---- */

/* Waits until no hold is on the account; 1 when stopping. */
static int wait_hold(struct sweep *s, const char *account)
{
	for (;;) {
		int64_t now = clock_now_ms(s->srv->clock), wait = 0;
		struct plan_acct *a;

		pthread_mutex_lock(&s->mu);
		a = acct_of(s, account);
		if (a && a->hold_until > now)
			wait = a->hold_until - now;
		pthread_mutex_unlock(&s->mu);
		if (wait <= 0)
			return atomic_load(&s->stop);
		/* s->work is woken for jobs too, which only makes this look again. */
		waiter_pause(s->work, &s->stop, wait);
		if (atomic_load(&s->stop))
			return 1;
	}
}

/* AWS throttled one of the account's calls after aws_call()'s own retries. */
static void throttled(struct sweep *s, const char *account)
{
	int64_t now = clock_now_ms(s->srv->clock);
	struct plan_acct *a;

	pthread_mutex_lock(&s->mu);
	a = acct_of(s, account);
	if (a) {
		int64_t until = now + sweep_plan_hold_ms(++a->throttles, backoff_random(NULL));
		if (until > a->hold_until)
			a->hold_until = until;
	}
	pthread_mutex_unlock(&s->mu);
	metrics_add(s->srv->metrics, "italic_sweep_throttled_total", NULL, 1);
}

static void answered(struct sweep *s, const char *account)
{
	struct plan_acct *a;

	pthread_mutex_lock(&s->mu);
	a = acct_of(s, account);
	if (a)
		a->throttles = 0;
	pthread_mutex_unlock(&s->mu);
}

/* ---- one pair ---- */

static void count_call(struct sweep *s, int rc)
{
	char labels[128];

	snprintf(labels, sizeof(labels), "service=\"ec2\",operation=\"DescribeInstances\",outcome=\"%s\"",
		 rc == IT_OK ? "ok" : status_retryable(rc) ? "retryable" : "error");
	metrics_add(s->srv->metrics, "italic_aws_calls_total", labels, 1);
}

/* One listed instance against Italic's record of it. */
static int compare_listed(struct sweep *s, struct store *db, struct pending *p, const char *account,
			  const char *region, const struct aws_ec2_instance *it, int64_t at)
{
	struct verdict_row known;
	int rc = store_verdict_get(db, account, region, it->instance_id, &known);

	if (rc == IT_ENOTFOUND) {
		/* An instance no event announced (a terminated one is not worth a first verdict). */
		if (it->state_name && strcmp(it->state_name, "terminated") != 0)
			add_listed(s, db, p, account, region, it, at, 0);
		return IT_OK;
	}
	if (rc)
		return rc;
	{
		enum reconcile_listed what = compare(&known, it, at);
		if (what != RECONCILE_KEEP)
			add_listed(s, db, p, account, region, it, at, what == RECONCILE_REPAIR);
	}
	verdict_row_finish(&known);
	return IT_OK;
}

/* The pages of the listing, one at a time; seen gets every listed id. */
static int list_pages(struct sweep *s, struct store *db, struct pending *p, const struct job *job, int64_t at,
		      struct idset *seen, size_t *ret_listed, struct aws_error *err)
{
	char *token = NULL;
	size_t pages = 0, listed = 0;
	int rc = IT_OK, tries = 0;

	for (;;) {
		struct aws_ec2_instances page;

		if (pages >= IT_AWS_MAX_PAGES) {
			rc = aws_error_set(err, IT_ETOOBIG, "more than %d pages", IT_AWS_MAX_PAGES);
			break;
		}
		if (wait_hold(s, job->account)) {
			rc = IT_EBUSY;
			break;
		}
		memset(&page, 0, sizeof(page));
		rc = aws_ec2_list_instances(s->srv->aws, job->account, job->region, token, &page, err);
		count_call(s, rc);
		if (rc == IT_ETHROTTLE && ++tries < SWEEP_PAGE_TRIES) {
			throttled(s, job->account);
			continue;     /* the same page again, once the hold ends */
		}
		if (rc)
			break;
		tries = 0;
		answered(s, job->account);
		pages++;
		for (size_t i = 0; rc == IT_OK && i < page.n && p->rc == IT_OK; i++) {
			const struct aws_ec2_instance *it = &page.items[i];
			if (!it->instance_id)
				continue;
			listed++;
			rc = idset_add(seen, it->instance_id);
			if (rc == IT_OK)
				rc = compare_listed(s, db, p, job->account, job->region, it, at);
		}
		/* The page's observations borrow its strings: judged and written before it goes. */
		flush_obs(s, db, p);
		free(token);
		token = NULL;
		if (rc == IT_OK && page.next_token && !(token = strdup(page.next_token)))
			rc = IT_ENOMEM;
		aws_ec2_instances_free(&page);
		if (rc == IT_OK)
			rc = p->rc;
		/* The listing is whole only after a page without a next token. */
		if (rc || !token)
			break;
		if (atomic_load(&s->stop)) {
			rc = IT_EBUSY;
			break;
		}
	}
	free(token);
	*ret_listed = listed;
	return rc;
}

/* Retires the known instances a whole listing did not show. */
static int retire_unlisted(struct sweep *s, struct store *db, struct pending *p, const struct job *job, int64_t at,
			   const struct idset *seen)
{
	struct verdict_row *known = calloc(KNOWN_PAGE, sizeof(*known));
	char after[32] = "";
	size_t n = 0;
	int rc = known ? IT_OK : IT_ENOMEM;

	while (rc == IT_OK) {
		rc = store_verdict_page(db, job->account, job->region, job->account, job->region, after, known, KNOWN_PAGE,
					&n);
		if (rc)
			break;
		for (size_t i = 0; i < n; i++)
			if (!idset_has(seen, known[i].instance_id) && strcmp(known[i].compliance, "NOT_APPLICABLE") != 0)
				add_gone(s, db, p, job->account, job->region, &known[i], at);
		if (n)
			snprintf(after, sizeof(after), "%s", known[n - 1].instance_id);
		for (size_t i = 0; i < n; i++)
			verdict_row_finish(&known[i]);
		if (n < KNOWN_PAGE || p->rc != IT_OK || atomic_load(&s->stop))
			break;
	}
	flush_obs(s, db, p);
	free(known);
	return rc ? rc : p->rc;
}

/* Sweeps job's pair; returns when it started (the pair's new base). */
static int64_t sweep_pair(struct sweep *s, struct store *db, const struct job *job)
{
	struct server *srv = s->srv;
	struct aws_error err;
	struct idset seen;
	struct pending *p = calloc(1, sizeof(*p));
	char msg[256] = "";
	/* The listing's time orders its verdicts: Italic's own clock when the listing starts,
	 * so never ahead of the facts it stands for (the bound events get, reconcile.h, holds
	 * by construction); a record ahead of it by more than the skew is pinned. */
	int64_t at = clock_now_ms(s->srv->clock), late = at - job->due;
	size_t listed = 0;
	int rc;

	memset(&err, 0, sizeof(err));
	idset_init(&seen, SWEEP_MAX_IDS);
	metrics_observe(srv->metrics, "italic_sweep_lateness_seconds", NULL, late > 0 ? (double)late / 1000.0 : 0.0);
	if (!p)
		return at;
	record(s, job->account, job->region, 0, 0, 0, NULL);
	/* A pair from before regions were checked at ingest may name a region AWS does not
	 * have: it fails without an AWS call, and after a day of that it stops. */
	if (!partition_region_known(job->region, srv->cfg.extra_regions)) {
		rc = IT_EINVAL;
		snprintf(msg, sizeof(msg), "region %s is not an AWS region Italic knows (ITALIC_EXTRA_REGIONS)",
			 job->region);
		goto out;
	}
	rc = list_pages(s, db, p, job, at, &seen, &listed, &err);
	if (rc) {
		if (rc == IT_EBUSY)
			snprintf(msg, sizeof(msg), "stopped before the listing was complete");
		else if (p->rc)
			snprintf(msg, sizeof(msg), "evaluating the listing: %s", status_str(rc));
		else
			snprintf(msg, sizeof(msg), "DescribeInstances: %s%s%s", status_str(rc), err.code[0] ? ": " : "",
				 err.code);
		goto out;
	}
	idset_seal(&seen);
	rc = retire_unlisted(s, db, p, job, at, &seen);
	if (rc)
		snprintf(msg, sizeof(msg), "evaluating the listing: %s", status_str(rc));
	/* The templates after the instances, in the same worker: bounded by the same
	 * concurrency (its calls do not wait on the account's throttling hold). */
	else if (sweep_lt_pair(srv, s->ev, db, job->account, job->region, at, NULL) != IT_OK)
		(void)0;   /* the template step logs its own failure; the pair's record is the instances' */
out:
	if (rc)
		log_kv(&srv->log, LOG_WARN, NULL, "A sweep failed; it is tried again at its next turn.",
		       "cloud.account.id", job->account, "cloud.region", job->region, "error.message", msg,
		       "italic.aws_request_id", err.request_id, NULL);
	else
		log_f(&srv->log, LOG_INFO, NULL, "An account and Region were swept.", LOG_STR("cloud.account.id", job->account),
		      LOG_STR("cloud.region", job->region), LOG_INT("italic.instances", listed),
		      LOG_INT("italic.changed", p->changed), LOG_INT("italic.sweep.lateness_ms", late > 0 ? late : 0),
		      LOG_INT("italic.sweep.duration_ms", clock_now_ms(s->srv->clock) - at));
	record(s, job->account, job->region, 1, (int64_t)listed, (int64_t)p->changed, rc ? msg : NULL);
	/* the same rule store_sweep_end() applies: the run of failures began over a day ago */
	if (rc && job->failing_since && clock_now_ms(s->srv->clock) - job->failing_since > IT_SWEEP_GIVE_UP_MS)
		log_kv(&srv->log, LOG_WARN, NULL, "Every sweep of this account and Region failed for over a day, so it is not "
		       "swept again until AWS answers for it.", "cloud.account.id", job->account, "cloud.region",
		       job->region, NULL);
	idset_finish(&seen);
	free(p);
	return at;
}

/* ---- workers ---- */


static int worker_enter(void *arg)
{
	struct sweep_worker *w = arg;
	char err[256];

	if (store_open(w->s->srv->cfg.db, STORE_NO_CREATE, &w->db, err, sizeof(err))) {
		log_kv(&w->s->srv->log, LOG_ERROR, NULL, "A sweep worker cannot open the database.", "error.message", err,
		       NULL);
		return -1;
	}
	return 0;
}

static void worker_leave(void *arg)
{
	struct sweep_worker *w = arg;

	store_close(w->db);
	w->db = NULL;
}

/* Takes a queued job and sweeps its pair; with none, naps until the scheduler queues one. */
static int64_t worker_turn(void *arg)
{
	struct sweep_worker *w = arg;
	struct sweep *s = w->s;
	struct job *j = NULL, copy;
	struct plan_pair *pp;
	struct plan_acct *pa;
	int64_t started;

	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < s->nworkers && !j; i++)
		if (s->jobs[i].account[0] && !s->jobs[i].taken)
			j = &s->jobs[i];
	if (!j) {
		pthread_mutex_unlock(&s->mu);
		return IDLE_MAX_MS;
	}
	j->taken = 1;
	copy = *j;
	pthread_mutex_unlock(&s->mu);

	started = sweep_pair(s, w->db, &copy);

	pthread_mutex_lock(&s->mu);
	pp = pair_of(s, copy.account, copy.region);
	if (pp) {
		pp->running = 0;
		pp->due = sweep_plan_due(sweep_plan_phase(copy.account, copy.region, s->interval_ms), s->interval_ms,
					 started, s->started_ms);
	}
	pa = acct_of(s, copy.account);
	if (pa && pa->running > 0)
		pa->running--;
	s->running--;
	memset(j, 0, sizeof(*j));
	pthread_mutex_unlock(&s->mu);
	waiter_wake(s->wake);
	return WAITER_AGAIN;
}

/* ---- the scheduler ---- */

/* Reads every known pair into a new plan, keeping what only memory knows: which pairs
 * run (the jobs) and each account's holds. */
static void refresh(struct sweep *s, struct store *db)
{
	struct plan_pair *pairs = NULL, *grown;
	struct plan_acct *accts = NULL;
	struct sweep_pair page[PAIRS_PAGE];
	size_t npairs = 0, cap = 0, naccts = 0, n = 0;
	char after_a[13] = "", after_r[32] = "";
	int rc;

	do {
		rc = store_sweep_pairs(db, after_a, after_r, page, PAIRS_PAGE, &n);
		if (rc)
			break;
		if (npairs + n > cap) {
			cap = (npairs + n) * 2;
			grown = realloc(pairs, cap * sizeof(*pairs));
			if (!grown) {
				rc = IT_ENOMEM;
				break;
			}
			pairs = grown;
		}
		for (size_t i = 0; i < n; i++) {
			struct plan_pair *pp = &pairs[npairs++];
			int64_t base = page[i].last_started_at ? page[i].last_started_at : page[i].first_seen_at;

			memset(pp, 0, sizeof(*pp));
			memcpy(pp->account, page[i].account, sizeof(pp->account));
			memcpy(pp->region, page[i].region, sizeof(pp->region));
			pp->failing_since = page[i].failing_since;
			pp->due = sweep_plan_due(sweep_plan_phase(pp->account, pp->region, s->interval_ms), s->interval_ms,
						 base, s->started_ms);
		}
		if (n) {
			memcpy(after_a, page[n - 1].account, sizeof(after_a));
			memcpy(after_r, page[n - 1].region, sizeof(after_r));
		}
	} while (n == PAIRS_PAGE);
	if (rc == IT_OK && npairs)
		accts = calloc(npairs, sizeof(*accts));   /* at most one account per pair */
	if (rc || (npairs && !accts)) {
		log_kv(&s->srv->log, LOG_WARN, NULL, "The sweep could not read its pairs; it keeps its last plan.",
		       "error.code", status_str(rc ? rc : IT_ENOMEM), NULL);
		free(pairs);
		free(accts);
		return;
	}
	for (size_t i = 0; i < npairs; i++)
		if (!naccts || strcmp(accts[naccts - 1].account, pairs[i].account) != 0)
			memcpy(accts[naccts++].account, pairs[i].account, sizeof(accts[0].account));

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < naccts; i++) {
		struct plan_acct *old = acct_of(s, accts[i].account);
		if (old) {
			accts[i].throttles = old->throttles;
			accts[i].hold_until = old->hold_until;
		}
	}
	free(s->pairs);
	free(s->accts);
	s->pairs = pairs;
	s->npairs = npairs;
	s->accts = accts;
	s->naccts = naccts;
	for (int i = 0; i < s->nworkers; i++) {
		struct plan_pair *pp;
		struct plan_acct *pa;
		if (!s->jobs[i].account[0])
			continue;
		if ((pp = pair_of(s, s->jobs[i].account, s->jobs[i].region)) != NULL)
			pp->running = 1;
		if ((pa = acct_of(s, s->jobs[i].account)) != NULL)
			pa->running++;
	}
	metrics_set(s->srv->metrics, "italic_sweep_pairs", NULL, (double)npairs);
	pthread_mutex_unlock(&s->mu);
}

static int by_due(const void *a, const void *b)
{
	const struct plan_pair *x = *(struct plan_pair *const *)a, *y = *(struct plan_pair *const *)b;
	return x->due < y->due ? -1 : x->due > y->due;
}

/* Starts what is due (mu held); returns the time worth waking up at (0: none known). */
static int64_t dispatch(struct sweep *s, int64_t now, struct plan_pair **cand)
{
	int64_t wake = 0;
	size_t nc = 0, overdue = 0;
	int woken = 0;

	for (size_t i = 0; i < s->npairs; i++) {
		struct plan_pair *pp = &s->pairs[i];
		struct plan_acct *pa;
		int64_t at;

		if (pp->running)
			continue;
		pa = acct_of(s, pp->account);
		at = pp->due;
		if (pa && pa->hold_until > at)
			at = pa->hold_until;
		if (at <= now) {
			cand[nc++] = pp;
			if (now - pp->due > 60000)
				overdue++;
		} else if (!wake || at < wake) {
			wake = at;
		}
	}
	metrics_set(s->srv->metrics, "italic_sweep_overdue_pairs", NULL, (double)overdue);
	if (nc > 1)   /* cand is NULL while no pair is known: qsort wants an array */
		qsort(cand, nc, sizeof(*cand), by_due);
	for (size_t c = 0; c < nc && s->running < s->nworkers; c++) {
		struct plan_pair *pp = cand[c];
		struct plan_acct *pa = acct_of(s, pp->account);

		if (pa && pa->running >= s->per_account)
			continue;     /* its account is busy: woken when one of its pairs ends */
		for (int i = 0; i < s->nworkers; i++) {
			struct job *j = &s->jobs[i];
			if (j->account[0])
				continue;
			memcpy(j->account, pp->account, sizeof(j->account));
			memcpy(j->region, pp->region, sizeof(j->region));
			j->due = pp->due;
			j->failing_since = pp->failing_since;
			j->taken = 0;
			pp->running = 1;
			if (pa)
				pa->running++;
			s->running++;
			woken = 1;
			break;
		}
	}
	metrics_set(s->srv->metrics, "italic_sweep_running", NULL, (double)s->running);
	if (woken)
		waiter_wake(s->work);
	return wake;
}

static int scheduler_enter(void *arg)
{
	struct sweep *s = arg;
	char err[256];

	if (store_open(s->srv->cfg.db, STORE_NO_CREATE, &s->db, err, sizeof(err))) {
		log_kv(&s->srv->log, LOG_ERROR, NULL, "The sweep thread cannot open the database.", "error.message", err,
		       NULL);
		return -1;
	}
	return 0;
}

static void scheduler_leave(void *arg)
{
	struct sweep *s = arg;

	free(s->cand);
	s->cand = NULL;
	s->cand_cap = 0;
	store_close(s->db);
	s->db = NULL;
}

/* Re-reads the plan when it is time, starts what is due, and naps until the next due
 * time, hold end or refresh (a finished pair wakes it sooner). */
static int64_t scheduler_turn(void *arg)
{
	struct sweep *s = arg;
	int64_t now = clock_now_ms(s->srv->clock), wake, wait;

	if (now >= s->next_refresh) {
		refresh(s, s->db);
		s->next_refresh = now + s->refresh_ms;
	}
	pthread_mutex_lock(&s->mu);
	if (s->cand_cap < s->npairs) {
		struct plan_pair **grown = realloc(s->cand, s->npairs * sizeof(*s->cand));
		if (grown) {
			s->cand = grown;
			s->cand_cap = s->npairs;
		}
	}
	wake = s->cand_cap >= s->npairs ? dispatch(s, now, s->cand) : 0;
	pthread_mutex_unlock(&s->mu);
	wait = s->next_refresh - now;
	if (wake && wake - now < wait)
		wait = wake - now;
	if (wait > IDLE_MAX_MS)
		wait = IDLE_MAX_MS;
	return wait < 1 ? 1 : wait;
}

static void sweep_free(struct sweep *s)
{
	waiter_free(s->wake);
	waiter_free(s->work);
	pthread_mutex_destroy(&s->mu);
	free(s->pairs);
	free(s->accts);
	free(s->wargs);
	free(s->jobs);
	free(s);
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
	s->started_ms = clock_now_ms(srv->clock);
	s->nworkers = (int)srv->cfg.sweep_concurrency;
	s->per_account = (int)srv->cfg.sweep_per_account;
	s->refresh_ms = s->interval_ms / 10 < PLAN_REFRESH_MS ? s->interval_ms / 10 : PLAN_REFRESH_MS;
	if (s->refresh_ms < 100)
		s->refresh_ms = 100;
	pthread_mutex_init(&s->mu, NULL);
	s->wargs = calloc((size_t)s->nworkers, sizeof(*s->wargs));
	s->jobs = calloc((size_t)s->nworkers, sizeof(*s->jobs));
	if (!s->wargs || !s->jobs || waiter_new(&s->wake) != IT_OK || waiter_new(&s->work) != IT_OK) {
		sweep_free(s);
		return IT_ENOMEM;
	}
	for (int i = 0; i < s->nworkers; i++)
		s->wargs[i].s = s;
	metrics_declare(srv->metrics, "italic_sweep_throttled_total", METRIC_COUNTER,
			"DescribeInstances pages AWS throttled after the client's own retries (the account is held back).");
	metrics_declare(srv->metrics, "italic_sweep_lateness_seconds", METRIC_HISTOGRAM,
			"How long after its due time each (account, Region) sweep started.");
	metrics_declare(srv->metrics, "italic_sweep_pairs", METRIC_GAUGE, "Known (account, Region) pairs the sweep plans.");
	metrics_declare(srv->metrics, "italic_sweep_running", METRIC_GAUGE, "Pairs being listed now.");
	metrics_declare(srv->metrics, "italic_sweep_overdue_pairs", METRIC_GAUGE,
			"Pairs due for more than a minute and not started (concurrency, holds or a busy account).");
	{
		struct crew_spec workers = {s->work, &s->stop, worker_turn, worker_enter, worker_leave};
		struct crew_spec scheduler = {s->wake, &s->stop, scheduler_turn, scheduler_enter, scheduler_leave};

		if (crew_start(&workers, s->wargs, sizeof(*s->wargs), (size_t)s->nworkers, &s->workers) != IT_OK) {
			sweep_free(s);
			return IT_ENOMEM;
		}
		if (crew_start(&scheduler, s, 0, 1, &s->scheduler) != IT_OK) {
			crew_stop(s->workers);
			sweep_free(s);
			return IT_ENOMEM;
		}
	}
	*ret = s;
	return IT_OK;
}

void sweep_stop(struct sweep *s)
{
	if (!s)
		return;
	atomic_store(&s->stop, 1);
	waiter_wake(s->work);
	/* The scheduler first: it queues no job once stopped; then the workers, each after
	 * its pair (a listing checks the flag between pages, a hold is cut short). */
	crew_stop(s->scheduler);
	waiter_wake(s->work);
	crew_stop(s->workers);
	sweep_free(s);
}
