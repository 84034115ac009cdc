/* sweep_lt.c: the sweep's launch template step (see sweep_lt.h). */
#include "sweep_lt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "status.h"
#include "store_template.h"
#include "template_listing.h"

#define KNOWN_PAGE 500

struct step {
	struct evaluator_lt_pass *pass;
	const char *account, *region;
	int64_t at;
	char (*ids)[IT_LT_ID_BUF];          /* listed, in the listing's (id) order */
	size_t n, cap;
	size_t gone;
	char after[IT_LT_ID_BUF];
	int rc;
};

static int listed(void *ctx, const struct lt_listed *t)
{
	struct step *s = ctx;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->ids, cap * sizeof(*s->ids));
		if (!p)
			return IT_ENOMEM;
		s->ids = p;
		s->cap = cap;
	}
	snprintf(s->ids[s->n++], IT_LT_ID_BUF, "%s", t->template_id);
	return evaluator_lt_pass_listed(s->pass, s->account, s->region, t, s->at);
}

static int by_id(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int known(void *ctx, const char *template_id)
{
	struct step *s = ctx;

	snprintf(s->after, sizeof(s->after), "%s", template_id);
	if (s->n && bsearch(template_id, s->ids, s->n, sizeof(*s->ids), by_id))
		return IT_OK;
	s->gone++;
	return evaluator_lt_pass_unlisted(s->pass, s->account, s->region, template_id, s->at);
}

int sweep_lt_pair(struct server *srv, struct evaluator *ev, struct store *db, const char *account, const char *region,
		  int64_t at, struct sweep_lt_result *ret)
{
	struct step s;
	struct aws_error err;
	size_t n, listed_n = 0, changed = 0;
	int rc, end;

	if (!srv->aws)
		return IT_OK;
	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	s.account = account;
	s.region = region;
	s.at = at;
	rc = evaluator_lt_pass_begin(ev, db, "sweep", &s.pass);
	if (rc == IT_OK)
		rc = template_listing(srv->aws, account, region, listed, &s, &listed_n, &err);
	{
		char labels[128];
		snprintf(labels, sizeof(labels), "service=\"ec2\",operation=\"DescribeLaunchTemplates\",outcome=\"%s\"",
			 rc == IT_OK ? "ok" : status_retryable(rc) ? "retryable" : "error");
		metrics_add(srv->metrics, "italic_aws_calls_total", labels, 1);
	}
	/* the listing is whole: the stored templates it does not show are gone (the ids
	 * arrive sorted, so a binary search finds the listed ones) */
	if (rc == IT_OK) {
		if (s.n > 1)   /* s.ids is NULL when the listing showed none */
			qsort(s.ids, s.n, sizeof(*s.ids), by_id);
		do {
			n = 0;
			rc = store_template_ids(db, account, region, s.after, KNOWN_PAGE, known, &s, &n);
		} while (rc == IT_OK && n == KNOWN_PAGE);
	}
	end = s.pass ? evaluator_lt_pass_end(s.pass, NULL, &changed) : IT_OK;
	if (rc == IT_OK)
		rc = end;
	if (rc)
		log_kv(&srv->log, LOG_WARN, NULL, "The sweep of launch templates failed; it is tried again at the next sweep.",
		       "cloud.account.id", account, "cloud.region", region, "error.code", status_str(rc), "error.message",
		       err.code[0] ? err.code : status_text(rc), "italic.aws_request_id", err.request_id, NULL);
	else if (listed_n || s.gone)
		log_f(&srv->log, LOG_INFO, NULL, "The launch templates of an account and Region were swept.",
		      LOG_STR("cloud.account.id", account), LOG_STR("cloud.region", region),
		      LOG_INT("italic.launch_templates", listed_n), LOG_INT("italic.gone", s.gone),
		      LOG_INT("italic.changed", changed));
	if (rc == IT_OK && ret) {
		ret->listed = listed_n;
		ret->gone = s.gone;
		ret->changed = changed;
	}
	free(s.ids);
	return rc;
}
