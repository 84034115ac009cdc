/*
 * fuzz_event_batch: the POST /v1/events body reader, bytes in, batch or error out,
 * then admission with a token bound to one account.
 *
 * Beyond "no crash", checks what event_batch.h promises: a refusal leaves *ret alone;
 * an array holds 1..max items in order; every item's bytes lie inside the body, in
 * order and without overlap, and do not start with whitespace, a comma or a ']'; a
 * candidate or ignored item has its event and an id, and a candidate's stored body is
 * either its own bytes or (WITH_METADATA) a document event_parse() reads back to an
 * event of the same kind; a rejected item has a reason; admission only rejects.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event_batch.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int bound(void *ctx, const char *account)
{
	(void)ctx;
	return strcmp(account, "123456789012") == 0;
}

/* The bytes the split consumes between elements: none may start one. */
static const char split_bytes[] = " \t\r\n,]";

static void check(const char *body, size_t len, const struct event_batch *b, size_t max)
{
	const char *prev_end = body;

	if (b->n == 0 || (b->is_array && b->n > max) || (!b->is_array && b->n != 1))
		abort();
	for (size_t i = 0; i < b->n; i++) {
		const struct event_batch_item *it = &b->items[i];
		if (it->index != i || it->raw < prev_end || it->raw + it->raw_len > body + len)
			abort();
		/* Not strchr: it finds the terminator for a NUL byte, and an element that
		 * starts with NUL is one the split kept (a too-deep one is rejected unread). */
		if (b->is_array && (it->raw_len == 0 || memchr(split_bytes, it->raw[0], sizeof(split_bytes) - 1)))
			abort();
		prev_end = it->raw + it->raw_len;
		switch (it->status) {
		case EVENT_BATCH_CANDIDATE:
		case EVENT_BATCH_IGNORED:
			if (!it->ev || !it->id[0] || it->reason != EVENT_BATCH_OK)
				abort();
			if ((it->status == EVENT_BATCH_IGNORED) != (it->ev->kind == EVENT_IGNORED))
				abort();
			if (it->with_metadata) {
				struct event *again = NULL;
				struct json_err err;
				if (it->body != it->data || event_parse(it->body, it->body_len, &again, &err) != IT_OK)
					abort();
				if (again->kind != it->ev->kind || strcmp(again->id, it->ev->id) != 0)
					abort();
				event_free(again);
			} else if (it->body != it->raw || it->body_len != it->raw_len) {
				abort();
			}
			break;
		case EVENT_BATCH_REJECTED:
			if (it->reason == EVENT_BATCH_OK || !event_batch_reason_str(it->reason))
				abort();
			break;
		default:
			abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const size_t max = 8;
	static struct event_batch dummy;
	struct json_err err;
	struct event_batch *b = &dummy, *sentinel = &dummy;
	size_t before[EVENT_BATCH_STATUS__MAX], after[EVENT_BATCH_STATUS__MAX];
	int rc = event_batch_read((const char *)data, size, max, &b, &err);

	if (rc != IT_OK) {
		if (b != sentinel || (rc != IT_EINVAL && rc != IT_ETOOBIG && rc != IT_ENOMEM))
			abort();
		return 0;
	}
	check((const char *)data, size, b, max);
	event_batch_count(b, before);
	event_batch_admit(b, bound, NULL, "");
	event_batch_count(b, after);
	if (after[EVENT_BATCH_REJECTED] < before[EVENT_BATCH_REJECTED] ||
	    after[EVENT_BATCH_CANDIDATE] > before[EVENT_BATCH_CANDIDATE] ||
	    after[EVENT_BATCH_IGNORED] > before[EVENT_BATCH_IGNORED])
		abort();
	event_batch_free(b);
	return 0;
}
