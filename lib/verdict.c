/* verdict.c: verdict records, JSON, and the Config annotation (see verdict.h). */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "status.h"

const char *const compliance_names[COMPLIANCE__MAX] = {
	"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA",
};
_Static_assert(sizeof(compliance_names) / sizeof(compliance_names[0]) == COMPLIANCE__MAX,
	       "compliance_names");

int compliance_from_name(const char *s, enum compliance *ret)
{
	for (int i = 0; s && i < COMPLIANCE__MAX; i++)
		if (strcmp(s, compliance_names[i]) == 0) {
			*ret = (enum compliance)i;
			return IT_OK;
		}
	return IT_EINVAL;
}

void verdict_init(struct verdict *v, enum compliance c)
{
	/* Not a full memset: the reason arrays are 4 KiB and written only as used. */
	v->compliance = c;
	v->n_reasons = 0;
	v->n_omitted = 0;
	v->n_notes = 0;
	v->matched_rule[0] = '\0';
	v->exemption[0] = '\0';
	v->next_change_at_ms = VERDICT_NEVER;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > avail)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlongs and surrogates */
	if (c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (c == 0xed && s[1] >= 0xa0)
		return 0;
	if (c == 0xf0 && s[1] < 0x90)
		return 0;
	if (c == 0xf4 && s[1] >= 0x90)
		return 0;
	return n;
}

/* In place: invalid bytes and control characters become '?', and a sequence cut by
 * truncation at the end is dropped. */
static void sanitise(char *s)
{
	unsigned char *p = (unsigned char *)s;
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);
		if (n == 0) {
			/* a multi-byte lead cut by the end of the buffer: drop the tail */
			if (p[i] >= 0xc2 && p[i] <= 0xf4 && len - i < 4) {
				int tail = 1;
				for (size_t j = i + 1; j < len; j++)
					if ((p[j] & 0xc0) != 0x80)
						tail = 0;
				if (tail) {
					p[i] = '\0';
					return;
				}
			}
			p[i++] = '?';
			continue;
		}
		if (n == 1 && (p[i] < 0x20 || p[i] == 0x7f))
			p[i] = '?';
		i += n;
	}
}

void verdict_add_reason(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	char *r;

	if (v->n_reasons >= IT_VERDICT_MAX_REASONS) {
		v->n_omitted++;
		return;
	}
	r = v->reasons[v->n_reasons++];
	va_start(ap, fmt);
	/* A cut reason is still a useful reason; the cut is made UTF-8 safe below. */
	if (vsnprintf(r, IT_VERDICT_REASON_LEN, fmt, ap) < 0)
		r[0] = '\0';
	va_end(ap);
	sanitise(r);
}

void verdict_note(struct verdict *v, const char *fmt, ...)
{
	va_list ap;
	char *r;

	if (v->n_reasons >= IT_VERDICT_MAX_REASONS) {
		size_t drop;
		if (v->n_notes >= IT_VERDICT_MAX_REASONS) {
			v->n_omitted++;
			return;
		}
		/* the last ordinary reason goes; the notes after it move down one */
		drop = IT_VERDICT_MAX_REASONS - 1 - v->n_notes;
		memmove(v->reasons[drop], v->reasons[drop + 1], v->n_notes * sizeof(v->reasons[0]));
		v->n_reasons--;
		v->n_omitted++;
	}
	r = v->reasons[v->n_reasons++];
	v->n_notes++;
	va_start(ap, fmt);
	if (vsnprintf(r, IT_VERDICT_REASON_LEN, fmt, ap) < 0)
		r[0] = '\0';
	va_end(ap);
	sanitise(r);
}

static int put(json_t *o, const char *k, json_t *v)
{
	return (v && json_object_set_new(o, k, v) == 0) ? IT_OK : IT_ENOMEM;
}

int verdict_to_json(const struct verdict *v, json_t **ret)
{
	json_t *o = json_object(), *a = json_array();
	char t[IT_TIME_BUF];
	int rc = (o && a) ? IT_OK : IT_ENOMEM;

	for (size_t i = 0; rc == 0 && i < v->n_reasons; i++)
		if (json_array_append_new(a, json_string(v->reasons[i])) != 0)
			rc = IT_ENOMEM;
	if (rc == 0 && v->n_omitted) {
		char more[64];
		snprintf(more, sizeof(more), "(%zu more reasons omitted)", v->n_omitted);
		if (json_array_append_new(a, json_string(more)) != 0)
			rc = IT_ENOMEM;
	}
	if (rc == 0)
		rc = put(o, "compliance",
			 json_string(compliance_names[v->compliance < COMPLIANCE__MAX ? v->compliance
										: COMPLIANCE_INSUFFICIENT_DATA]));
	if (rc == 0) {
		rc = put(o, "reasons", a);
		a = NULL;
	}
	if (rc == 0)
		rc = put(o, "matched_rule", v->matched_rule[0] ? json_string(v->matched_rule) : json_null());
	if (rc == 0)
		rc = put(o, "exemption", v->exemption[0] ? json_string(v->exemption) : json_null());
	if (rc == 0)
		rc = put(o, "next_change_at", v->next_change_at_ms == VERDICT_NEVER
						      ? json_null()
						      : json_string(v->next_change_at_ms % 1000
									    ? format_time_ms(v->next_change_at_ms, t)
									    : format_time_s(v->next_change_at_ms, t)));
	json_decref(a);
	if (rc) {
		json_decref(o);
		return rc;
	}
	*ret = o;
	return IT_OK;
}

/* Largest prefix of s of at most max bytes that ends on a UTF-8 boundary. */
static size_t utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}

int verdict_annotation(const struct verdict *v, const char *instance_path, char *out, size_t outlen)
{
	static const char ellipsis[] = "\xe2\x80\xa6";   /* U+2026 */
	static const char see[] = " See ";
	char text[IT_VERDICT_MAX_REASONS * (IT_VERDICT_REASON_LEN + 2) + 32];
	char res[IT_ANNOTATION_MAX + 1];
	size_t tlen = 0, plen, room, keep;

	if (!instance_path || outlen < IT_ANNOTATION_MAX + 1)
		return IT_EINVAL;
	plen = strlen(instance_path);
	/* room for at least one character of text, the ellipsis and " See " */
	if (plen + sizeof(see) - 1 + 1 + (sizeof(ellipsis) - 1) > IT_ANNOTATION_MAX)
		return IT_ETOOBIG;
	text[0] = '\0';
	for (size_t i = 0; i < v->n_reasons; i++) {
		int n = snprintf(text + tlen, sizeof(text) - tlen, "%s%s", i ? "; " : "", v->reasons[i]);
		if (n < 0 || (size_t)n >= sizeof(text) - tlen)
			break;
		tlen += (size_t)n;
	}
	if (tlen == 0) {
		/* Config refuses an empty annotation: say at least the verdict. */
		tlen = (size_t)snprintf(text, sizeof(text), "%s",
					compliance_names[v->compliance < COMPLIANCE__MAX ? v->compliance : 0]);
	} else if (text[tlen - 1] == '.') {
		tlen--;   /* "... reason. See /v1/..." reads badly doubled */
	}
	room = IT_ANNOTATION_MAX - plen - (sizeof(see) - 1);
	if (tlen + 1 <= room) {
		/* "reasons. See /path" */
		snprintf(res, sizeof(res), "%.*s.%s%s", (int)tlen, text, see, instance_path);
	} else {
		keep = utf8_prefix(text, tlen, room - (sizeof(ellipsis) - 1));
		snprintf(res, sizeof(res), "%.*s%s%s%s", (int)keep, text, ellipsis, see, instance_path);
	}
	snprintf(out, outlen, "%s", res);
	return IT_OK;
}

void verdict_row_finish(struct verdict_row *v)
{
	if (!v)
		return;
	free(v->tags_json);
	free(v->reasons_json);
	free(v->result_token);
	v->tags_json = v->reasons_json = v->result_token = NULL;
}
