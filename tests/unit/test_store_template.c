/*
 * test_store_template: launch templates in a real SQLite file, migrated.
 *
 * A template settles on its default version's verdict; the three writes are ordered by
 * their own times (a ModifyLaunchTemplate before the version it names, an older event
 * after a newer one); a template whose default is unknown or unjudged is
 * INSUFFICIENT_DATA and a deleted one NOT_APPLICABLE; history rows as the header says;
 * counts kept by triggers; keyset paging without gaps or repeats; links newest-wins;
 * the instances launched from a template with their verdicts; templates naming an
 * image; retention; the re-judging reads (pages of live versions, due versions, a
 * pair's template ids); every statement's plan uses an index.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_template.h"
#include "tap.h"

#define A "111122223333"
#define R "us-east-1"
#define LT "lt-0a20c965061f64abc"
#define GOOD "ami-0123456789abcdef0"
#define BAD "ami-0bad0bad0bad0bad0"

static struct store *open_db(char *path, size_t n)
{
	struct store *s = NULL;
	char err[256];

	snprintf(path, n, "/tmp/test_store_template_%d.db", (int)getpid());
	unlink(path);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(s && store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate: %s", err);
	return s;
}

static void meta(struct store *s, const char *id, int64_t dflt, int64_t latest, int deleted, int64_t at,
		 enum template_apply *how)
{
	struct template_meta m = {A, R, id, "web", dflt, latest, deleted, at, "ev", NULL};
	CHECK(store_template_put_meta(s, &m, at + 5, how) == IT_OK, "put_meta %s %lld", id, (long long)at);
}

static void version(struct store *s, const char *id, int64_t v, const char *image, const char *compliance,
		    int64_t at, const char *trigger, enum template_apply *how)
{
	char reasons[128];
	struct template_version_verdict vv;

	snprintf(reasons, sizeof(reasons), "[\"%s is %s\"]", image, compliance);
	memset(&vv, 0, sizeof(vv));
	vv.account = A;
	vv.region = R;
	vv.template_id = id;
	vv.version = v;
	vv.image_ref = image;
	vv.image_id = image;
	vv.compliance = compliance;
	vv.reasons_json = reasons;
	vv.facts_source = "registered";
	vv.observed_at = at;
	vv.evaluated_at = at + 10;
	vv.trigger = trigger;
	vv.event_id = "ev";
	CHECK(store_template_put_version(s, &vv, how) == IT_OK, "put_version %s v%lld", id, (long long)v);
}

struct got {
	char compliance[24], image_id[32], reasons[256], latest_compliance[24];
	int64_t default_version, latest_version, observed_at;
	int deleted, n;
};

static int take(void *ctx, const struct template_row *r)
{
	struct got *g = ctx;
	snprintf(g->compliance, sizeof(g->compliance), "%s", r->compliance);
	snprintf(g->image_id, sizeof(g->image_id), "%s", r->image_id ? r->image_id : "");
	snprintf(g->reasons, sizeof(g->reasons), "%s", r->reasons_json);
	snprintf(g->latest_compliance, sizeof(g->latest_compliance), "%s", r->latest_compliance ? r->latest_compliance : "");
	g->default_version = r->default_version;
	g->latest_version = r->latest_version;
	g->observed_at = r->observed_at;
	g->deleted = r->deleted;
	g->n++;
	return IT_OK;
}

static struct got get(struct store *s, const char *id)
{
	struct got g;
	memset(&g, 0, sizeof(g));
	CHECK(store_template_get(s, A, R, id, take, &g) == IT_OK, "get %s", id);
	return g;
}

static void settle(struct store *s, const char *id, int64_t now, struct template_change *ch)
{
	CHECK(store_template_settle(s, A, R, id, now, "event", "ev", ch) == IT_OK, "settle %s", id);
}

static int64_t count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_settle(struct store *s)
{
	struct template_change ch;
	enum template_apply how;
	struct got g;

	/* created with version 1, the default, judged */
	meta(s, LT, 1, 1, 0, 1000, &how);
	CHECK(how == TEMPLATE_APPLIED, "new template");
	g = get(s, LT);
	CHECK(!strcmp(g.compliance, "INSUFFICIENT_DATA"), "not judged yet: %s", g.compliance);
	version(s, LT, 1, GOOD, "COMPLIANT", 1000, "event", &how);
	settle(s, LT, 1100, &ch);
	g = get(s, LT);
	CHECK(!strcmp(g.compliance, "COMPLIANT") && !strcmp(g.image_id, GOOD), "settled on v1: %s", g.compliance);
	CHECK(ch.changed && !strcmp(ch.previous, "") && !strcmp(ch.compliance, "COMPLIANT"), "first settle");
	settle(s, LT, 1150, &ch);
	CHECK(!ch.changed && !strcmp(ch.previous, "COMPLIANT"), "settling again changes nothing");

	/* ModifyLaunchTemplate (default 3) arrives before the version 3 it names */
	meta(s, LT, 3, 3, 0, 3000, &how);
	settle(s, LT, 3100, &ch);
	g = get(s, LT);
	CHECK(!strcmp(g.compliance, "INSUFFICIENT_DATA") && strstr(g.reasons, "default version (3) has not been read"),
	      "default unjudged: %s %s", g.compliance, g.reasons);
	CHECK(ch.changed && !strcmp(ch.previous, "COMPLIANT"), "a change");
	/* ... then CreateLaunchTemplateVersion (older: t=2000) brings version 3 */
	meta(s, LT, 0, 3, 0, 2000, &how);
	CHECK(how == TEMPLATE_STALE, "the older meta is stale");
	version(s, LT, 3, BAD, "NON_COMPLIANT", 2000, "event", &how);
	CHECK(how == TEMPLATE_APPLIED, "the version's own verdict applies");
	settle(s, LT, 3200, &ch);
	g = get(s, LT);
	CHECK(!strcmp(g.compliance, "NON_COMPLIANT") && g.default_version == 3 && !strcmp(g.image_id, BAD),
	      "settled on v3: %s %lld", g.compliance, (long long)g.default_version);
	CHECK(g.observed_at == 3000, "observed at the newer of the meta and the version: %lld", (long long)g.observed_at);
	CHECK(!strcmp(g.latest_compliance, "NON_COMPLIANT"), "latest is v3 too");

	/* an older verdict of version 3 does not replace the newer one */
	version(s, LT, 3, GOOD, "COMPLIANT", 1500, "event", &how);
	CHECK(how == TEMPLATE_STALE, "stale version verdict");
	/* a stale meta saying default 1 does not move the default back */
	meta(s, LT, 1, 1, 0, 2500, &how);
	settle(s, LT, 3300, &ch);
	g = get(s, LT);
	CHECK(g.default_version == 3 && g.latest_version == 3 && !ch.changed, "default kept at 3");
	/* a newer one does (ModifyLaunchTemplate back to 1) */
	meta(s, LT, 1, 0, 0, 4000, &how);
	settle(s, LT, 4100, &ch);
	g = get(s, LT);
	CHECK(g.default_version == 1 && !strcmp(g.compliance, "COMPLIANT") && g.latest_version == 3,
	      "back on v1, latest still 3: %s %lld %lld", g.compliance, (long long)g.default_version,
	      (long long)g.latest_version);
	CHECK(ch.changed && !strcmp(ch.previous, "NON_COMPLIANT"), "the change back");

	/* a non-default version judged writes its own history row (is_default 0) */
	version(s, LT, 3, BAD, "NON_COMPLIANT", 4200, "sweep", &how);
	CHECK(how == TEMPLATE_UNCHANGED, "unchanged");
	CHECK(count(s, "SELECT count(*) FROM launch_template_evaluations WHERE version = 3 AND is_default = 0") == 0,
	      "an unchanged sweep verdict of v3 wrote no history (v3 was the default when judged before)");
	version(s, LT, 3, BAD, "NON_COMPLIANT", 4300, "event", NULL);
	CHECK(count(s, "SELECT count(*) FROM launch_template_evaluations WHERE version = 3 AND is_default = 0") == 1,
	      "an event verdict of the non-default v3 is in the history");
	/* the template's history: first settle, v3 unread, v3, back on v1 */
	CHECK(count(s, "SELECT count(*) FROM launch_template_evaluations WHERE is_default = 1") == 4,
	      "four template history rows: %lld",
	      (long long)count(s, "SELECT count(*) FROM launch_template_evaluations WHERE is_default = 1"));

	/* deleted: NOT_APPLICABLE; a stale meta does not undelete, a newer listing does */
	meta(s, LT, 0, 0, 1, 5000, &how);
	settle(s, LT, 5100, &ch);
	g = get(s, LT);
	CHECK(!strcmp(g.compliance, "NOT_APPLICABLE") && g.deleted && strstr(g.reasons, "deleted"), "deleted: %s",
	      g.compliance);
	meta(s, LT, 1, 3, 0, 4900, &how);
	settle(s, LT, 5200, &ch);
	CHECK(!strcmp(get(s, LT).compliance, "NOT_APPLICABLE"), "an older word does not undelete");
	meta(s, LT, 1, 3, 0, 6000, &how);
	settle(s, LT, 6100, &ch);
	CHECK(!strcmp(get(s, LT).compliance, "COMPLIANT") && !get(s, LT).deleted, "AWS listing it later does");

	/* a template never given its default version */
	meta(s, "lt-00000000000000002", 0, 0, 0, 100, NULL);
	settle(s, "lt-00000000000000002", 200, &ch);
	g = get(s, "lt-00000000000000002");
	CHECK(!strcmp(g.compliance, "INSUFFICIENT_DATA") && strstr(g.reasons, "not known yet"), "default unknown");

	/* errors */
	{
		struct template_version_verdict vv = {A, R, "lt-0000000000000dead", 1, GOOD, GOOD, 0, "COMPLIANT", "[]",
						      NULL, NULL, NULL, 1, 1, 0, 0, "event", NULL};
		CHECK(store_template_put_version(s, &vv, NULL) == IT_ENOTFOUND, "a version of an unknown template");
		vv.version = 0;
		CHECK(store_template_put_version(s, &vv, NULL) == IT_EINVAL, "version 0");
		CHECK(store_template_settle(s, A, R, "lt-0000000000000dead", 1, "event", NULL, &ch) == IT_ENOTFOUND,
		      "settle unknown");
	}
}

static int count_versions(void *ctx, const struct template_version_row *r)
{
	int *n = ctx;
	if (r->version == 1)
		CHECK(r->is_default == 1, "v1 is the default now");
	if (r->version == 3)
		CHECK(r->is_default == 0 && !strcmp(r->compliance, "NON_COMPLIANT"), "v3 not the default");
	(*n)++;
	return IT_OK;
}

struct hist_ctx {
	int n;
	int64_t last_id;
};

static int count_history(void *ctx, const struct template_version_row *r)
{
	struct hist_ctx *h = ctx;
	CHECK(h->last_id == 0 || r->id < h->last_id, "newest first");
	h->last_id = r->id;
	h->n++;
	return IT_OK;
}

static void test_reads(struct store *s)
{
	struct query_page page;
	struct hist_ctx h = {0, 0};
	int n = 0, more = -1;
	int64_t total = count(s, "SELECT count(*) FROM launch_template_evaluations WHERE template_id = '" LT "'");

	CHECK(store_template_versions(s, A, R, LT, 10, count_versions, &n, &more) == IT_OK && n == 2 && more == 0,
	      "two versions seen: %d", n);
	n = 0;
	CHECK(store_template_versions(s, A, R, LT, 1, count_versions, &n, &more) == IT_OK && n == 1 && more == 1,
	      "capped, more");
	CHECK(store_template_versions(s, A, R, LT, 0, count_versions, &n, &more) == IT_EINVAL, "max 0");
	/* history paged two at a time covers every row once */
	{
		struct query_key key;
		int pages = 0;
		memset(&key, 0, sizeof(key));
		CHECK(store_template_history(s, A, R, LT, NULL, 2, count_history, &h, &page) == IT_OK, "history");
		pages++;
		while (page.has_next && pages < 50) {
			key = page.next;
			CHECK(store_template_history(s, A, R, LT, &key, 2, count_history, &h, &page) == IT_OK, "next");
			pages++;
		}
		CHECK(h.n == total, "every history row once: %d of %lld", h.n, (long long)total);
	}
}

struct list_ctx {
	char seen[64][24];
	int n;
};

static int list_take(void *ctx, const struct template_row *r)
{
	struct list_ctx *l = ctx;
	for (int i = 0; i < l->n; i++)
		CHECK(strcmp(l->seen[i], r->template_id) != 0, "no repeat: %s", r->template_id);
	if (l->n < 64)
		snprintf(l->seen[l->n++], 24, "%s", r->template_id);
	return IT_OK;
}

static void test_list_and_counts(struct store *s)
{
	struct query_filter f;
	struct query_page page;
	struct list_ctx l;
	int64_t c[QUERY_COMPLIANCE__MAX];

	for (int i = 10; i < 40; i++) {
		char id[24];
		snprintf(id, sizeof(id), "lt-%017x", i);
		meta(s, id, 1, 1, 0, 10000 + i, NULL);
		version(s, id, 1, i % 3 ? GOOD : BAD, i % 3 ? "COMPLIANT" : "NON_COMPLIANT", 10000 + i, "sweep", NULL);
		settle(s, id, 20000 + i, NULL);
	}
	CHECK(store_template_totals(s, NULL, NULL, c) == IT_OK, "totals");
	CHECK(c[QUERY_NON_COMPLIANT] == 10 && c[QUERY_COMPLIANT] == 21 && c[QUERY_INSUFFICIENT_DATA] == 1,
	      "counts kept by triggers: %lld %lld %lld", (long long)c[QUERY_COMPLIANT], (long long)c[QUERY_NON_COMPLIANT],
	      (long long)c[QUERY_INSUFFICIENT_DATA]);
	CHECK(count(s, "SELECT sum(n) FROM launch_template_counts") == count(s, "SELECT count(*) FROM launch_templates"),
	      "counts match the table");
	CHECK(store_template_totals(s, "999999999999", NULL, c) == IT_OK && c[QUERY_COMPLIANT] == 0, "other account");

	/* every filter shape, paged by 7: no gaps, no repeats */
	for (int shape = 0; shape < 4; shape++) {
		int pages = 0, want;
		query_filter_init(&f);
		if (shape == 1)
			f.account = A;
		if (shape == 2) {
			f.account = A;
			f.compliance = "NON_COMPLIANT";
		}
		if (shape == 3)
			f.image_id = BAD;
		want = shape == 0 || shape == 1 ? 32 : 10;
		memset(&l, 0, sizeof(l));
		CHECK(store_template_list(s, &f, NULL, 7, list_take, &l, &page) == IT_OK, "list %d", shape);
		pages++;
		while (page.has_next && pages < 20) {
			struct query_key k = page.next;
			CHECK(store_template_list(s, &f, &k, 7, list_take, &l, &page) == IT_OK, "page");
			pages++;
		}
		CHECK(l.n == want, "shape %d: %d of %d", shape, l.n, want);
	}
	query_filter_init(&f);
	f.compliance = "NON_COMPLIANT";
	memset(&l, 0, sizeof(l));
	CHECK(store_template_list(s, &f, NULL, 100, list_take, &l, &page) == IT_OK && l.n == 10 && !page.has_next,
	      "compliance filter: %d", l.n);
	CHECK(store_template_list(s, &f, NULL, 0, list_take, &l, &page) == IT_EINVAL, "limit 0");
}

static int link_take(void *ctx, const struct template_link *l)
{
	struct got *g = ctx;
	g->default_version = l->version;
	g->observed_at = l->observed_at;
	g->deleted = l->image_override;
	snprintf(g->image_id, sizeof(g->image_id), "%s", l->template_id);
	snprintf(g->compliance, sizeof(g->compliance), "%s", l->version_alias ? l->version_alias : "");
	return IT_OK;
}

static int inst_take(void *ctx, const struct template_instance *in)
{
	int *n = ctx;
	if (!strcmp(in->instance_id, "i-00000000000000001"))
		CHECK(in->compliance && !strcmp(in->compliance, "NON_COMPLIANT") && in->version == 3, "joined verdict");
	else
		CHECK(in->compliance == NULL && in->version == 0 && in->version_alias && !strcmp(in->version_alias, "$Latest"),
		      "no verdict yet, launched from $Latest");
	(*n)++;
	return IT_OK;
}

static void test_links(struct store *s)
{
	struct template_link l = {A, R, "i-00000000000000001", LT, 3, NULL, 1, 500};
	struct got g;
	int n = 0, more = -1;

	CHECK(store_template_link_put(s, &l) == IT_OK, "link");
	l.version = 1;
	l.observed_at = 400;
	CHECK(store_template_link_put(s, &l) == IT_OK, "an older link");
	memset(&g, 0, sizeof(g));
	CHECK(store_template_link_get(s, A, R, "i-00000000000000001", link_take, &g) == IT_OK, "get");
	CHECK(g.default_version == 3 && g.observed_at == 500 && g.deleted == 1 && !strcmp(g.image_id, LT),
	      "the newer link stays");
	l = (struct template_link){A, R, "i-00000000000000002", LT, 0, "$Latest", 0, 600};
	CHECK(store_template_link_put(s, &l) == IT_OK, "alias link");
	CHECK(store_template_link_get(s, A, R, "i-0000000000000000f", link_take, &g) == IT_ENOTFOUND, "no link");
	l.template_id = "";
	CHECK(store_template_link_put(s, &l) == IT_EINVAL, "empty template id");
	CHECK(sqlite3_exec(store_db(s),
			   "INSERT INTO instances(account, region, instance_id, image_id, compliance, reasons, observed_at,"
			   " evaluated_at, first_seen_at) VALUES ('" A "', '" R "', 'i-00000000000000001', '" BAD "',"
			   " 'NON_COMPLIANT', '[]', 1, 1, 1)",
			   NULL, NULL, NULL) == SQLITE_OK,
	      "an instance verdict");
	CHECK(store_template_instances(s, A, R, LT, 10, inst_take, &n, &more) == IT_OK && n == 2 && more == 0,
	      "instances launched from it: %d", n);
	n = 0;
	CHECK(store_template_instances(s, A, R, LT, 1, inst_take, &n, &more) == IT_OK && n == 1 && more == 1, "capped");
}

static int image_take(void *ctx, const struct template_image_use *u)
{
	int *n = ctx;
	if (*n == 0)
		CHECK(u->is_default, "defaults first");
	(*n)++;
	return IT_OK;
}

static void test_images_and_purge(struct store *s)
{
	int n = 0, more = -1;
	int64_t purged = -1, before;

	CHECK(store_template_naming_image(s, R, BAD, 100, image_take, &n, &more) == IT_OK, "naming image");
	/* the 10 generated NON_COMPLIANT defaults, and LT's v3 (not its default) */
	CHECK(n == 11 && more == 0, "templates naming the bad image: %d", n);
	n = 0;
	CHECK(store_template_naming_image(s, "eu-west-1", BAD, 100, image_take, &n, &more) == IT_OK && n == 0,
	      "AMI ids are regional");
	before = count(s, "SELECT count(*) FROM launch_template_evaluations");
	CHECK(store_template_purge(s, 1000LL + 400LL * 86400000LL, 400, 5, &purged) == IT_OK, "purge");
	CHECK(purged > 0 && purged <= 5, "at most a batch: %lld", (long long)purged);
	CHECK(count(s, "SELECT count(*) FROM launch_template_evaluations") == before - purged, "deleted");
	CHECK(count(s, "SELECT count(*) FROM launch_templates") == 32, "current verdicts kept");
}

/* Re-judging reads: pages of live versions without gaps or repeats, by pair, due
 * versions, the next due time, a pair's live template ids. */
struct walk {
	struct template_version_key last;
	int64_t n, due_seen;
	int order_ok;
};

static int walk_take(void *ctx, const struct template_version_row *r)
{
	struct walk *w = ctx;
	int cmp = strcmp(r->account, w->last.account);

	if (!cmp)
		cmp = strcmp(r->region, w->last.region);
	if (!cmp)
		cmp = strcmp(r->template_id, w->last.template_id);
	if (!cmp)
		cmp = r->version > w->last.version ? 1 : r->version < w->last.version ? -1 : 0;
	if (cmp <= 0)
		w->order_ok = 0;
	if (r->deleted_at)
		w->order_ok = 0;
	snprintf(w->last.account, sizeof(w->last.account), "%s", r->account);
	snprintf(w->last.region, sizeof(w->last.region), "%s", r->region);
	snprintf(w->last.template_id, sizeof(w->last.template_id), "%s", r->template_id);
	w->last.version = r->version;
	if (r->has_next_change)
		w->due_seen++;
	w->n++;
	return IT_OK;
}

static int id_take(void *ctx, const char *id)
{
	(*(int *)ctx)++;
	return id && strncmp(id, "lt-", 3) == 0 ? IT_OK : IT_EINVAL;
}

static int token_take(void *ctx, const struct template_row *r)
{
	snprintf((char *)ctx, 16, "%s", r->result_token ? r->result_token : "");
	return IT_OK;
}

static void test_rejudge_reads(struct store *s)
{
	struct walk w;
	size_t n;
	int pages = 0, ids = 0;
	int64_t next = -1, live = count(s, "SELECT count(*) FROM launch_template_versions WHERE deleted_at IS NULL");
	struct template_version_verdict vv;

	memset(&w, 0, sizeof(w));
	w.order_ok = 1;
	do {
		CHECK(store_template_version_page(s, NULL, NULL, pages ? &w.last : NULL, 7, walk_take, &w, &n) == IT_OK,
		      "version page %d", pages);
		pages++;
	} while (n == 7 && pages < 1000);
	CHECK(w.n == live && w.order_ok, "every live version once, in key order: %lld of %lld", (long long)w.n,
	      (long long)live);
	memset(&w, 0, sizeof(w));
	w.order_ok = 1;
	CHECK(store_template_version_page(s, A, R, NULL, IT_LIST_MAX, walk_take, &w, &n) == IT_OK, "pair page");
	CHECK(w.n == count(s, "SELECT count(*) FROM launch_template_versions WHERE deleted_at IS NULL AND account = '"
			      A "' AND region = '" R "'"),
	      "the pair's live versions");
	{
		/* a deleted template's versions are not judged again */
		int64_t before_n = w.n;
		meta(s, "lt-0dddddddddddddddd", 1, 1, 0, 7000, NULL);
		version(s, "lt-0dddddddddddddddd", 1, GOOD, "COMPLIANT", 7000, "event", NULL);
		memset(&w, 0, sizeof(w));
		w.order_ok = 1;
		CHECK(store_template_version_page(s, A, R, NULL, IT_LIST_MAX, walk_take, &w, &n) == IT_OK &&
			      w.n == before_n + 1,
		      "a live template's version is paged");
		meta(s, "lt-0dddddddddddddddd", 0, 0, 1, 7100, NULL);
		memset(&w, 0, sizeof(w));
		w.order_ok = 1;
		CHECK(store_template_version_page(s, A, R, NULL, IT_LIST_MAX, walk_take, &w, &n) == IT_OK &&
			      w.n == before_n,
		      "a deleted template's are not");
	}
	CHECK(store_template_version_page(s, NULL, NULL, NULL, 0, walk_take, &w, &n) == IT_EINVAL, "max 0 refused");
	CHECK(store_template_version_page(s, A, NULL, NULL, 5, walk_take, &w, &n) == IT_EINVAL, "account without region");

	CHECK(store_template_next_due(s, &next) == IT_OK, "next due");
	memset(&vv, 0, sizeof(vv));
	vv.account = A;
	vv.region = R;
	vv.template_id = LT;
	vv.version = 42;
	vv.image_ref = vv.image_id = GOOD;
	vv.compliance = "INSUFFICIENT_DATA";
	vv.reasons_json = "[\"later\"]";
	vv.observed_at = 5000000;
	vv.evaluated_at = 5000001;
	vv.next_change_at = 7000000;
	vv.trigger = "event";
	CHECK(store_template_put_version(s, &vv, NULL) == IT_OK, "a version due later");
	CHECK(store_template_next_due(s, &next) == IT_OK && next > 0 && next <= 7000000, "next due %lld", (long long)next);
	memset(&w, 0, sizeof(w));
	CHECK(store_template_version_due(s, 6999999, 100, walk_take, &w, &n) == IT_OK, "due before");
	{
		int64_t before = w.n;
		memset(&w, 0, sizeof(w));
		CHECK(store_template_version_due(s, 7000000, 100, walk_take, &w, &n) == IT_OK && w.n == before + 1 &&
			      w.due_seen == w.n,
		      "due at its time (%lld, %lld before)", (long long)w.n, (long long)before);
	}
	CHECK(store_template_ids(s, A, R, NULL, IT_LIST_MAX, id_take, &ids, &n) == IT_OK && (int64_t)ids ==
		      count(s, "SELECT count(*) FROM launch_templates WHERE deleted_at IS NULL AND account = '" A
			       "' AND region = '" R "'") && (size_t)ids == n,
	      "the pair's live template ids: %d", ids);
	ids = 0;
	CHECK(store_template_ids(s, A, R, "lt-f", IT_LIST_MAX, id_take, &ids, &n) == IT_OK && ids == 0, "after the last");
	{
		/* a Config invocation's token stays with the template for a later definite verdict */
		struct template_meta m = {A, R, LT, NULL, 0, 0, 0, 9000000, "ev-tok", "tok-1"};
		char tok[16] = "";
		CHECK(store_template_put_meta(s, &m, 9000001, NULL) == IT_OK, "meta with a token");
		CHECK(store_template_get(s, A, R, LT, token_take, tok) == IT_OK && strcmp(tok, "tok-1") == 0,
		      "result_token read back: %s", tok);
	}
}

static void test_plans(struct store *s)
{
	size_t n;
	const struct query_statement *q = store_template_statements(&n);

	CHECK(n >= 14, "statements listed");
	for (size_t i = 0; i < n; i++) {
		char sql[4096], plan[2048] = "";
		sqlite3_stmt *st = NULL;
		int uses_index = 0, bad = 0;

		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", q[i].sql);
		CHECK(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) == SQLITE_OK, "%s: prepare: %s", q[i].name,
		      sqlite3_errmsg(store_db(s)));
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			size_t used = strlen(plan);
			snprintf(plan + used, sizeof(plan) - used, "%s | ", d);
			if (q[i].table) {
				char scan[80], search[80];
				snprintf(scan, sizeof(scan), "SCAN %s", q[i].table);
				snprintf(search, sizeof(search), "SEARCH %s ", q[i].table);
				if (strncmp(d, scan, strlen(scan)) == 0 && (d[strlen(scan)] == '\0' || d[strlen(scan)] == ' '))
					bad |= strstr(d, "USING") == NULL;
				if (strncmp(d, search, strlen(search)) == 0 || (strncmp(d, "SEARCH ", 7) == 0 && strstr(d, q[i].table)))
					uses_index = 1;
				/* the list without a filter walks its index in order, from the key */
				if (strstr(d, "USING INDEX launch_templates_q_eval") || strstr(d, "USING COVERING INDEX"))
					uses_index = 1;
			}
		}
		sqlite3_finalize(st);
		if (q[i].table)
			CHECK(uses_index && !bad, "%s uses an index: %s", q[i].name, plan);
	}
}

int main(void)
{
	char path[256];
	struct store *s = open_db(path, sizeof(path));

	if (s) {
		test_settle(s);
		test_reads(s);
		test_list_and_counts(s);
		test_links(s);
		test_images_and_purge(s);
		test_rejudge_reads(s);
		test_plans(s);
	}
	store_close(s);
	unlink(path);
	{
		char p2[300];
		snprintf(p2, sizeof(p2), "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof(p2), "%s-shm", path);
		unlink(p2);
	}
	return tap_done();
}
