/*
 * test_outbox_apply: the one job that writes verdicts (lib/outbox_apply.h) on a real,
 * migrated SQLite file: what each row becomes (applied, unchanged, stale), the history
 * and deliveries it writes or does not, and the sweep of a pair AWS answered for
 * resuming once per run of rows.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outbox_apply.h"
#include "status.h"
#include "store.h"
#include "store_migrate.h"
#include "store_outbox.h"
#include "store_sweep.h"
#include "tap.h"

#define T0 ((int64_t)1768478370000)
#define DAY ((int64_t)86400000)

static struct store *s;

static struct verdict_row row(const char *account, const char *instance, const char *compliance, int64_t observed)
{
	struct verdict_row v;

	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "%s", account);
	snprintf(v.region, sizeof(v.region), "us-east-1");
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", instance);
	snprintf(v.image_id, sizeof(v.image_id), "ami-12345678");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "event");
	v.observed_at = observed;
	v.evaluated_at = observed + 1000;
	v.reasons_json = strdup("[\"allowed by rule golden\"]");
	return v;
}

static int64_t pending(const char *dest)
{
	int64_t n = -1;
	return store_outbox_count(s, dest, "pending", &n) == IT_OK ? n : -1;
}

static int64_t history(void)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(store_db(s), "SELECT count(*) FROM evaluations", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A pair that failed every sweep for over a day: stopped. */
static void stop_pair(const char *account)
{
	CHECK(store_sweep_begin(s, account, "us-east-1", T0) == IT_OK &&
		      store_sweep_end(s, account, "us-east-1", T0 + 1, 0, 0, "AssumeRole: denied") == IT_OK &&
		      store_sweep_begin(s, account, "us-east-1", T0 + DAY + 1) == IT_OK &&
		      store_sweep_end(s, account, "us-east-1", T0 + DAY + 2, 0, 0, "AssumeRole: denied") == IT_OK,
	      "stop %s", account);
}

static int stopped(const char *account)
{
	struct sweep_row rows[8];
	size_t n = 0;

	if (store_sweep_list(s, "", "", rows, 8, &n) != IT_OK)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].account, account) == 0)
			return rows[i].stopped_at != 0;
	return -1;
}

static void finish(struct verdict_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		verdict_row_finish(&v[i]);
}

int main(void)
{
	char path[] = "/tmp/italic-test-apply-XXXXXX", err[256];
	struct outbox_settings all = {1, 1, 1};
	struct outbox_applied c = {9, 9, 9};
	enum verdict_apply how[3];
	struct verdict_row v[3];
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");

	/* two new instances: applied, a history row and deliveries each */
	v[0] = row("111122223333", "i-00000001", "COMPLIANT", T0);
	v[1] = row("111122223333", "i-00000002", "NON_COMPLIANT", T0);
	CHECK(outbox_apply_verdicts(s, v, 2, &all, T0 + 2000, how, &c) == IT_OK, "apply two");
	CHECK(c.applied == 2 && c.unchanged == 0 && c.stale == 0, "two applied (%zu %zu %zu)", c.applied, c.unchanged,
	      c.stale);
	CHECK(how[0] == VERDICT_APPLIED && how[1] == VERDICT_APPLIED, "each applied");
	CHECK(history() == 2, "two history rows");
	CHECK(pending("securityhub") == 2 && pending("siem") == 2, "a finding and a SIEM line each");
	finish(v, 2);

	/* the same verdict again, by a re-evaluation: unchanged, no history, a SIEM line;
	 * an older event: stale, nothing at all */
	v[0] = row("111122223333", "i-00000001", "COMPLIANT", T0);
	snprintf(v[0].trigger, sizeof(v[0].trigger), "reevaluate");
	v[1] = row("111122223333", "i-00000002", "COMPLIANT", T0 - 1);
	CHECK(outbox_apply_verdicts(s, v, 2, &all, T0 + 3000, how, &c) == IT_OK, "apply again");
	CHECK(how[0] == VERDICT_UNCHANGED && how[1] == VERDICT_STALE, "unchanged, stale (%d %d)", how[0], how[1]);
	CHECK(c.applied == 0 && c.unchanged == 1 && c.stale == 1, "counts");
	CHECK(history() == 2, "no history for either");
	CHECK(pending("securityhub") == 2 && pending("siem") == 3, "only the unchanged row's SIEM line");
	finish(v, 2);

	/* AWS answered for two stopped pairs: each resumes, once per run of its rows */
	stop_pair("222233334444");
	stop_pair("333344445555");
	CHECK(stopped("222233334444") == 1 && stopped("333344445555") == 1, "both stopped");
	v[0] = row("222233334444", "i-00000003", "COMPLIANT", T0);
	v[1] = row("222233334444", "i-00000004", "COMPLIANT", T0);
	v[2] = row("333344445555", "i-00000005", "COMPLIANT", T0);
	v[0].aws_answered = v[1].aws_answered = v[2].aws_answered = 1;
	CHECK(outbox_apply_verdicts(s, v, 3, &all, T0 + 4000, NULL, NULL) == IT_OK, "apply answered rows");
	CHECK(stopped("222233334444") == 0, "the first pair resumed");
	CHECK(stopped("333344445555") == 0, "the second pair resumed although its row follows an answered one");
	finish(v, 3);

	/* without AWS's answer a stopped pair stays stopped */
	stop_pair("444455556666");
	v[0] = row("444455556666", "i-00000006", "COMPLIANT", T0);
	c.applied = 9;
	CHECK(outbox_apply_verdicts(s, v, 1, &all, T0 + 5000, NULL, &c) == IT_OK && c.applied == 1, "apply unanswered");
	CHECK(stopped("444455556666") == 1, "still stopped");
	finish(v, 1);

	/* nothing to apply */
	c.applied = 9;
	CHECK(outbox_apply_verdicts(s, NULL, 0, &all, T0, NULL, &c) == IT_OK && c.applied == 0, "empty batch");

	store_close(s);
	unlink(path);
	return tap_done();
}
