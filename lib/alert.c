/* alert.c: which changes alert, the storm rule, alert payloads (see alert.h). */
#include "alert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoint.h"
#include "buf.h"
#include "launch_template.h"
#include "parse.h"
#include "status.h"

const char *const alert_on_names[ALERT_ON__MAX] = {"noncompliant", "all"};
_Static_assert(ARRAY_LEN(alert_on_names) == ALERT_ON__MAX, "alert_on_names");
const char *const alert_kind_names[ALERT_KIND__MAX] = {"change", "digest", "test"};
_Static_assert(ARRAY_LEN(alert_kind_names) == ALERT_KIND__MAX, "alert_kind_names");
const char *const alert_detail_types[ALERT_KIND__MAX] = {
	"Italic Compliance Change",
	"Italic Compliance Digest",
	"Italic Compliance Change",
};
_Static_assert(ARRAY_LEN(alert_detail_types) == ALERT_KIND__MAX, "alert_detail_types");

#define REASON_CUT 120          /* bytes a reason keeps at the first cutting step */
#define SLACK_LISTED 10         /* accounts / images / instances named in a Slack digest line */

int alert_kind_of(const json_t *detail, enum alert_kind *ret)
{
	const char *k = json_string_value(json_object_get(detail, "kind"));

	for (int i = 0; k && i < ALERT_KIND__MAX; i++) {
		if (strcmp(k, alert_kind_names[i]) == 0) {
			*ret = (enum alert_kind)i;
			return IT_OK;
		}
	}
	return IT_EINVAL;
}

int alert_triggered(enum alert_on on, const char *from, const char *to)
{
	if (!to || !*to)
		return 0;
	if (!from)
		from = "";
	if (strcmp(from, to) == 0)
		return 0;
	switch (on) {
	case ALERT_ON_ALL:
		return 1;
	case ALERT_ON_NONCOMPLIANT:
		return strcmp(to, "NON_COMPLIANT") == 0 || strcmp(from, "NON_COMPLIANT") == 0;
	default:
		return 0;
	}
}

/* ---- storm rule ---- */

int64_t alert_window_end(const struct alert_window *w)
{
	return w->opened_at + IT_ALERT_WINDOW_MS;
}

void alert_storm_route(const struct alert_window *w, int64_t now, uint64_t max_per_minute,
		       struct alert_window *ret_w, enum alert_route *ret_route)
{
	struct alert_window nw = {0, 0, 0};

	if (w)
		nw = *w;
	if (nw.opened_at <= 0 || now < nw.opened_at || now >= alert_window_end(&nw)) {
		nw.opened_at = now;
		nw.singles = 0;
		nw.digest_id = 0;
	}
	if (nw.singles >= 0 && (uint64_t)nw.singles < max_per_minute) {
		nw.singles++;
		*ret_route = ALERT_ROUTE_SINGLE;
	} else {
		*ret_route = ALERT_ROUTE_DIGEST;
	}
	*ret_w = nw;
}

/* ---- payloads ---- */

static json_t *str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *time_or_null(int64_t ms)
{
	char t[IT_TIME_BUF];
	return ms > 0 ? json_string(format_time_ms(ms, t)) : json_null();
}

static json_t *reasons_of(const char *reasons_json)
{
	json_t *r = reasons_json ? json_loads(reasons_json, 0, NULL) : NULL, *out = json_array(), *v;
	size_t i;

	if (!out) {
		json_decref(r);
		return NULL;
	}
	json_array_foreach(r, i, v) {
		if (json_is_string(v) && json_array_append(out, v) != 0)
			break;
	}
	json_decref(r);
	return out;
}

static void with_base(const char *base_url, const char *path, char *out, size_t n)
{
	snprintf(out, n, "%s%s", base_url ? base_url : "", path);
}

int alert_change_detail(const struct alert_change *c, const char *base_url, json_t **ret)
{
	char path[160], url[ALERT_URL_MAX + 160];
	json_t *d;

	if (!c || !c->account || !*c->account || !c->region || !*c->region || !c->instance_id || !*c->instance_id ||
	    !c->to || !*c->to)
		return IT_EINVAL;
	if (c->launch_template_id)
		snprintf(path, sizeof(path), "/v1/launch-templates/%s/%s/%s", c->account, c->region, c->launch_template_id);
	else
		snprintf(path, sizeof(path), "/v1/instances/%s/%s/%s", c->account, c->region, c->instance_id);
	with_base(base_url, path, url, sizeof(url));
	d = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:s}", "kind",
		      alert_kind_names[ALERT_KIND_CHANGE], "account", c->account, "region", c->region, "instance_id",
		      c->instance_id, "image_id", str_or_null(c->image_id), "from", str_or_null(c->from), "to", c->to,
		      "reasons", reasons_of(c->reasons_json), "matched_rule", str_or_null(c->matched_rule), "exemption",
		      str_or_null(c->exemption), "observed_at", time_or_null(c->observed_at), "evaluated_at",
		      time_or_null(c->evaluated_at), "url", url);
	if (d && c->launch_template_id &&
	    (json_object_set_new(d, "resource_type", json_string("AwsEc2LaunchTemplate")) ||
	     json_object_set_new(d, "launch_template_id", json_string(c->launch_template_id)) ||
	     json_object_set_new(d, "instance_id", json_null()))) {
		json_decref(d);
		d = NULL;
	}
	if (!d)
		return IT_ENOMEM;
	*ret = d;
	return IT_OK;
}

void alert_digest_url(const char *base_url, char *out, size_t n)
{
	with_base(base_url, "/v1/instances?compliance=NON_COMPLIANT", out, n);
}

int alert_test_detail(int64_t now, const char *region, const char *base_url, json_t **ret)
{
	char url[ALERT_URL_MAX + 64];
	json_t *d;

	alert_digest_url(base_url, url, sizeof(url));
	d = json_pack("{s:s,s:s,s:s,s:s,s:n,s:s,s:s,s:[s],s:n,s:n,s:o,s:o,s:s}", "kind",
		      alert_kind_names[ALERT_KIND_TEST], "account", ALERT_TEST_ACCOUNT, "region",
		      region && *region ? region : "us-east-1", "instance_id", ALERT_TEST_INSTANCE, "image_id", "from",
		      "COMPLIANT", "to", "NON_COMPLIANT", "reasons",
		      "TEST ALERT sent by POST /v1/alerts/test to check the wiring; no instance changed", "matched_rule",
		      "exemption", "observed_at", time_or_null(now), "evaluated_at", time_or_null(now), "url", url);
	if (!d)
		return IT_ENOMEM;
	*ret = d;
	return IT_OK;
}

/* ---- digest ---- */

static int count_cmp(const void *a, const void *b)
{
	const struct alert_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* {key: n, ...} of the IT_ALERT_DIGEST_KEYS largest; *ret_others sums the rest. */
static json_t *counts_json(const struct alert_count *c, size_t n, int64_t *ret_others)
{
	struct alert_count *sorted = n ? calloc(n, sizeof(*sorted)) : NULL;
	json_t *o = json_object();
	int64_t others = 0;

	if (!o || (n && !sorted)) {
		free(sorted);
		json_decref(o);
		return NULL;
	}
	if (n)
		memcpy(sorted, c, n * sizeof(*sorted));
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), count_cmp);
	for (size_t i = 0; i < n; i++) {
		if (i >= IT_ALERT_DIGEST_KEYS) {
			others += sorted[i].n;
			continue;
		}
		if (json_object_set_new(o, sorted[i].key && *sorted[i].key ? sorted[i].key : "unknown",
					json_integer(sorted[i].n)) != 0) {
			free(sorted);
			json_decref(o);
			return NULL;
		}
	}
	free(sorted);
	*ret_others = others;
	return o;
}

int alert_digest_detail(const struct alert_digest *d, json_t **ret)
{
	json_t *out, *by_acc, *by_img, *by_to, *inst;
	int64_t acc_others = 0, img_others = 0, to_others = 0;
	size_t listed = 0, i;
	json_t *v;

	if (!d || d->count < 0)
		return IT_EINVAL;
	by_acc = counts_json(d->accounts, d->n_accounts, &acc_others);
	by_img = counts_json(d->images, d->n_images, &img_others);
	by_to = counts_json(d->to, d->n_to, &to_others);
	inst = json_array();
	json_array_foreach(d->instances, i, v) {
		if (listed >= IT_ALERT_DIGEST_FIRST || !inst)
			break;
		if (json_is_object(v) && json_array_append(inst, v) == 0)
			listed++;
	}
	if (!by_acc || !by_img || !by_to || !inst) {
		json_decref(by_acc);
		json_decref(by_img);
		json_decref(by_to);
		json_decref(inst);
		return IT_ENOMEM;
	}
	out = json_pack("{s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:I,s:I,s:o,s:I,s:s}", "kind",
			alert_kind_names[ALERT_KIND_DIGEST], "window_start", time_or_null(d->window_start), "window_end",
			time_or_null(d->window_end), "count", (json_int_t)d->count, "by_to", by_to, "by_account",
			by_acc, "by_image", by_img, "by_account_others", (json_int_t)acc_others, "by_image_others",
			(json_int_t)img_others, "instances", inst, "instances_not_listed",
			(json_int_t)(d->count > (int64_t)listed ? d->count - (int64_t)listed : 0), "url",
			d->url ? d->url : "/v1/instances?compliance=NON_COMPLIANT");
	if (!out)
		return IT_ENOMEM;
	*ret = out;
	return IT_OK;
}

/* ---- fitting into a size ---- */

/* s cut to at most max bytes on a UTF-8 boundary, with "…" when it was cut. */
static json_t *cut_string(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *t;
	json_t *j;

	if (n <= max)
		return json_string(s);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	t = malloc(max + 4);
	if (!t)
		return NULL;
	memcpy(t, s, max);
	memcpy(t + max, "\xe2\x80\xa6", 4);   /* … and the NUL */
	j = json_string(t);
	free(t);
	return j;
}

/* Applies cutting step `step` to one change's reasons (in place on a copy). */
static int cut_reasons(json_t *change, int step)
{
	json_t *r = json_object_get(change, "reasons"), *nr, *v;
	size_t i, n = json_array_size(r);

	if (!json_is_array(r) || n == 0)
		return IT_OK;
	nr = json_array();
	if (!nr)
		return IT_ENOMEM;
	if (step == 1) {
		json_array_foreach(r, i, v) {
			json_t *c = json_is_string(v) ? cut_string(json_string_value(v), REASON_CUT) : NULL;
			if (c && json_array_append_new(nr, c) != 0) {
				json_decref(nr);
				return IT_ENOMEM;
			}
		}
	} else if (step == 2 && n > 1) {
		char more[48];
		json_t *first = json_array_get(r, 0);
		snprintf(more, sizeof(more), "(+%zu more)", n - 1);
		if (json_array_append(nr, first) != 0 || json_array_append_new(nr, json_string(more)) != 0) {
			json_decref(nr);
			return IT_ENOMEM;
		}
	} else if (step == 2 && json_array_append(nr, json_array_get(r, 0)) != 0) {
		json_decref(nr);
		return IT_ENOMEM;
	}
	/* step 4: none at all */
	return json_object_set_new(change, "reasons", nr) == 0 ? IT_OK : IT_ENOMEM;
}

static int cut_all(json_t *d, int step)
{
	json_t *inst = json_object_get(d, "instances"), *v;
	size_t i;
	int rc = cut_reasons(d, step);

	json_array_foreach(inst, i, v) {
		if (rc == IT_OK)
			rc = cut_reasons(v, step);
	}
	return rc;
}

static int fits(const json_t *d, size_t max, char **ret_text)
{
	char *t = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (!t)
		return IT_ENOMEM;
	if (strlen(t) <= max) {
		*ret_text = t;
		return IT_OK;
	}
	free(t);
	return IT_ETOOBIG;
}

int alert_fit(const json_t *detail, size_t max, char **ret_text)
{
	json_t *d;
	int rc;

	if (!json_is_object(detail))
		return IT_EINVAL;
	rc = fits(detail, max, ret_text);
	if (rc != IT_ETOOBIG)
		return rc;
	d = json_deep_copy(detail);
	if (!d || json_object_set_new(d, "cut", json_true()) != 0) {
		json_decref(d);
		return IT_ENOMEM;
	}
	for (int step = 1; step <= 4 && rc == IT_ETOOBIG; step++) {
		if (step == 3) {
			/* drop listed instances from the end, counting them as not listed */
			json_t *inst = json_object_get(d, "instances");
			while (rc == IT_ETOOBIG && json_array_size(inst) > 0) {
				json_int_t nl = json_integer_value(json_object_get(d, "instances_not_listed"));
				json_array_remove(inst, json_array_size(inst) - 1);
				json_object_set_new(d, "instances_not_listed", json_integer(nl + 1));
				rc = fits(d, max, ret_text);
			}
			continue;
		}
		rc = cut_all(d, step);
		if (rc == IT_OK)
			rc = fits(d, max, ret_text);
	}
	json_decref(d);
	return rc;
}

/* ---- Slack ---- */

/* Appends s with Slack's three escapes (api.slack.com "Formatting text": &, <, >). */
static int slack_escaped(struct buf *b, const char *s)
{
	int rc = IT_OK;

	for (; s && *s && rc == IT_OK; s++) {
		switch (*s) {
		case '&': rc = buf_puts(b, "&amp;"); break;
		case '<': rc = buf_puts(b, "&lt;"); break;
		case '>': rc = buf_puts(b, "&gt;"); break;
		default: rc = buf_append(b, s, 1); break;
		}
	}
	return rc;
}

static const char *member(const json_t *o, const char *key, const char *dflt)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v && *v ? v : dflt;
}

static int slack_counts(struct buf *b, const json_t *counts, const char *label)
{
	const char *k;
	json_t *v;
	size_t listed = 0;
	int rc = buf_printf(b, " %s: ", label);

	json_object_foreach((json_t *)counts, k, v) {
		if (rc || listed >= SLACK_LISTED)
			break;
		if (listed++)
			rc = buf_puts(b, ", ");
		if (rc == IT_OK)
			rc = slack_escaped(b, k);
		if (rc == IT_OK)
			rc = buf_printf(b, " (%lld)", (long long)json_integer_value(v));
	}
	if (rc == IT_OK && json_object_size(counts) > listed)
		rc = buf_puts(b, ", …");
	return rc == IT_OK ? buf_puts(b, ".") : rc;
}

static int slack_change(struct buf *b, const json_t *d, int test)
{
	json_t *reasons = json_object_get(d, "reasons");
	const char *first = json_string_value(json_array_get(reasons, 0));
	int rc;

	if (test)
		return buf_puts(b, "Italic TEST ALERT (POST /v1/alerts/test): alerts reach this channel. "
				   "No instance changed.");
	rc = buf_puts(b, json_object_get(d, "launch_template_id") ? "Italic: launch template " : "Italic: ");
	if (rc == IT_OK)
		rc = slack_escaped(b, member(d, "instance_id", member(d, "launch_template_id", "?")));
	if (rc == IT_OK) rc = buf_puts(b, " (");
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "account", "?"));
	if (rc == IT_OK) rc = buf_puts(b, "/");
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "region", "?"));
	if (rc == IT_OK) rc = buf_puts(b, ", image ");
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "image_id", "unknown"));
	if (rc == IT_OK) rc = buf_puts(b, ") ");
	if (rc == IT_OK && member(d, "from", NULL)) {
		rc = buf_puts(b, "changed from ");
		if (rc == IT_OK) rc = slack_escaped(b, member(d, "from", ""));
		if (rc == IT_OK) rc = buf_puts(b, " to ");
	} else if (rc == IT_OK) {
		rc = buf_puts(b, "is new: ");
	}
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "to", "?"));
	if (rc == IT_OK && first) {
		rc = buf_puts(b, ": ");
		if (rc == IT_OK) rc = slack_escaped(b, first);
		if (rc == IT_OK && json_array_size(reasons) > 1)
			rc = buf_printf(b, " (+%zu more)", json_array_size(reasons) - 1);
	}
	if (rc == IT_OK) rc = buf_puts(b, ". ");
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "url", ""));
	return rc;
}

static int slack_digest(struct buf *b, const json_t *d)
{
	json_t *inst = json_object_get(d, "instances"), *v;
	size_t i;
	int rc = buf_printf(b, "Italic: %lld compliance changes in one minute from ",
			    (long long)json_integer_value(json_object_get(d, "count")));

	if (rc == IT_OK) rc = slack_escaped(b, member(d, "window_start", "?"));
	if (rc == IT_OK) rc = buf_puts(b, " (storm digest: more than the single alerts a minute allows).");
	if (rc == IT_OK) rc = slack_counts(b, json_object_get(d, "by_to"), "Now");
	if (rc == IT_OK) rc = slack_counts(b, json_object_get(d, "by_account"), "Accounts");
	if (rc == IT_OK) rc = slack_counts(b, json_object_get(d, "by_image"), "Images");
	if (rc == IT_OK && json_array_size(inst) > 0)
		rc = buf_puts(b, " First:");
	json_array_foreach(inst, i, v) {
		if (rc || i >= SLACK_LISTED)
			break;
		rc = buf_puts(b, i ? ", " : " ");
		if (rc == IT_OK) rc = slack_escaped(b, member(v, "instance_id", member(v, "launch_template_id", "?")));
		if (rc == IT_OK) rc = buf_puts(b, " (");
		if (rc == IT_OK) rc = slack_escaped(b, member(v, "account", "?"));
		if (rc == IT_OK) rc = buf_puts(b, ")");
	}
	if (rc == IT_OK && json_array_size(inst) > 0)
		rc = buf_puts(b, ".");
	if (rc == IT_OK) rc = buf_puts(b, " ");
	if (rc == IT_OK) rc = slack_escaped(b, member(d, "url", ""));
	return rc;
}

int alert_slack_body(const json_t *detail, char **ret)
{
	enum alert_kind k;
	struct buf b;
	json_t *o;
	char *out;
	int rc = alert_kind_of(detail, &k);

	if (rc)
		return rc;
	buf_init(&b, IT_ALERT_MAX_BODY);
	rc = k == ALERT_KIND_DIGEST ? slack_digest(&b, detail) : slack_change(&b, detail, k == ALERT_KIND_TEST);
	if (rc) {
		buf_finish(&b);
		return rc;
	}
	o = json_pack("{s:s}", "text", buf_str(&b));
	buf_finish(&b);
	out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!out)
		return IT_ENOMEM;
	*ret = out;
	return IT_OK;
}

int alert_instance_arn(const char *account, const char *region, const char *instance_id, char *out, size_t n)
{
	const char *partition = aws_partition(region);
	int w;

	if (!valid_account_id(account) || !partition || !instance_id || !*instance_id)
		return IT_EINVAL;
	w = snprintf(out, n, "arn:%s:ec2:%s:%s:instance/%s", partition, region, account, instance_id);
	return w < 0 || (size_t)w >= n ? IT_ETOOBIG : IT_OK;
}

int alert_resource_arn(const json_t *change, char *out, size_t n)
{
	const char *account = json_string_value(json_object_get(change, "account"));
	const char *region = json_string_value(json_object_get(change, "region"));
	const char *lt = json_string_value(json_object_get(change, "launch_template_id"));
	const char *partition = region ? aws_partition(region) : NULL;
	int w;

	if (!lt)
		return alert_instance_arn(account, region, json_string_value(json_object_get(change, "instance_id")), out,
					  n);
	if (!account || !valid_account_id(account) || !partition || !valid_launch_template_id(lt))
		return IT_EINVAL;
	w = snprintf(out, n, "arn:%s:ec2:%s:%s:launch-template/%s", partition, region, account, lt);
	return w < 0 || (size_t)w >= n ? IT_ETOOBIG : IT_OK;
}
