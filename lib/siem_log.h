/*
 * siem_log.h: the pure half of the SIEM log in S3: JSON Lines batches, gzip, and the
 * object keys.
 *
 * A batch holds whole lines (each one evaluation, already JSON, no newline inside)
 * up to a byte and a line ceiling fixed at creation; a line that would pass either is
 * refused (IT_EFULL) so the caller writes the batch out and starts the next one. A
 * single line larger than the byte ceiling is IT_ETOOBIG (it can never fit).
 * siem_gzip() produces one gzip member (RFC 1952), which `gunzip`, Athena and every
 * SIEM S3 reader accept.
 *
 * Keys: <prefix>dt=YYYY-MM-DD/hour=HH/<host>-<YYYYMMDDTHHMMSSmmmZ>-<seq>.jsonl.gz,
 * partitioned by the flush time (the time the object is written), so objects only
 * ever appear under the current hour's prefix and a reader that lists the newest
 * partition never misses a late object; each line keeps its own evaluation time.
 * host is sanitised to [A-Za-z0-9.-] (anything else becomes '-'), seq is a
 * per-process counter, and the millisecond time keeps keys unique across restarts.
 */
#ifndef ITALIC_SIEM_LOG_H
#define ITALIC_SIEM_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

#define SIEM_MAX_BYTES (5 * 1024 * 1024)   /* uncompressed object size that forces a flush */
#define SIEM_MAX_LINES 10000               /* lines that force a flush */
#define SIEM_HOST_MAX 64

struct siem_batch;

/* max_bytes / max_lines: the ceilings (0: SIEM_MAX_BYTES / SIEM_MAX_LINES). */
int siem_batch_new(size_t max_bytes, size_t max_lines, struct siem_batch **ret) WARN_UNUSED;
void siem_batch_free(struct siem_batch *b);

/* Appends line (len bytes, no '\n' in it) plus a newline. IT_EINVAL for an empty line or
 * one holding '\n', IT_EFULL when it would pass a ceiling (the batch is unchanged),
 * IT_ETOOBIG when it could never fit, IT_ENOMEM. */
int siem_batch_add(struct siem_batch *b, const char *line, size_t len) WARN_UNUSED;

size_t siem_batch_lines(const struct siem_batch *b);
size_t siem_batch_bytes(const struct siem_batch *b);
/* The uncompressed contents (borrowed until the next change). */
const char *siem_batch_data(const struct siem_batch *b);
void siem_batch_reset(struct siem_batch *b);

/* gzip of in[0..len) into a new buffer (*ret_out malloc'd, *ret_len bytes). */
int siem_gzip(const void *in, size_t len, unsigned char **ret_out, size_t *ret_len) WARN_UNUSED;

/* gethostname()'s answer made safe for a key: [A-Za-z0-9.-] kept, others '-', at most
 * SIEM_HOST_MAX - 1 bytes, "host" when empty. */
void siem_host_sanitise(const char *in, char out[SIEM_HOST_MAX]);

/* The object key (see above). IT_EINVAL for a prefix with a leading '/', IT_ETOOBIG
 * when it passes n bytes or IT_AWS_MAX_S3_KEY. out is written only on success. */
int siem_key(const char *prefix, const char *host, int64_t flush_ms, uint64_t seq, char *out, size_t n)
	WARN_UNUSED;

#endif
