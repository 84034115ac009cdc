/* siem_log.c: JSON Lines batches, gzip and keys for the SIEM log (see siem_log.h). */
#include "siem_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "buf.h"
#include "limits.h"
#include "status.h"

struct siem_batch {
	struct buf data;
	size_t max_bytes;
	size_t max_lines;
	size_t lines;
};

int siem_batch_new(size_t max_bytes, size_t max_lines, struct siem_batch **ret)
{
	struct siem_batch *b = calloc(1, sizeof(*b));

	if (!b)
		return IT_ENOMEM;
	b->max_bytes = max_bytes ? max_bytes : SIEM_MAX_BYTES;
	b->max_lines = max_lines ? max_lines : SIEM_MAX_LINES;
	buf_init(&b->data, b->max_bytes + 1);
	*ret = b;
	return IT_OK;
}

void siem_batch_free(struct siem_batch *b)
{
	if (!b)
		return;
	buf_finish(&b->data);
	free(b);
}

int siem_batch_add(struct siem_batch *b, const char *line, size_t len)
{
	if (len == 0 || memchr(line, '\n', len))
		return IT_EINVAL;
	if (len + 1 > b->max_bytes)
		return IT_ETOOBIG;
	if (b->lines + 1 > b->max_lines || b->data.len + len + 1 > b->max_bytes)
		return IT_EFULL;
	if (buf_append(&b->data, line, len))
		return IT_ENOMEM;
	if (buf_append(&b->data, "\n", 1)) {
		/* Only the newline failed: take the line back out so the batch is unchanged. */
		b->data.len -= len;
		b->data.data[b->data.len] = '\0';
		return IT_ENOMEM;
	}
	b->lines++;
	return IT_OK;
}

size_t siem_batch_lines(const struct siem_batch *b)
{
	return b->lines;
}

size_t siem_batch_bytes(const struct siem_batch *b)
{
	return b->data.len;
}

const char *siem_batch_data(const struct siem_batch *b)
{
	return buf_str(&b->data);
}

void siem_batch_reset(struct siem_batch *b)
{
	buf_reset(&b->data);
	b->lines = 0;
}

int siem_gzip(const void *in, size_t len, unsigned char **ret_out, size_t *ret_len)
{
	z_stream z;
	unsigned char *out;
	uLong cap;
	int zrc;

	if (len > IT_AWS_MAX_S3_OBJECT)
		return IT_ETOOBIG;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's. */
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return IT_ENOMEM;
	cap = deflateBound(&z, (uLong)len);
	out = malloc(cap);
	if (!out) {
		deflateEnd(&z);
		return IT_ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	zrc = deflate(&z, Z_FINISH);
	if (zrc != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return IT_EIO;
	}
	*ret_len = (size_t)z.total_out;
	deflateEnd(&z);
	*ret_out = out;
	return IT_OK;
}

void siem_host_sanitise(const char *in, char out[SIEM_HOST_MAX])
{
	size_t n = 0;

	for (; in && in[n] && n < SIEM_HOST_MAX - 1; n++) {
		char c = in[n];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			 c == '-';
		out[n] = ok ? c : '-';
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, SIEM_HOST_MAX, "host");
}

int siem_key(const char *prefix, const char *host, int64_t flush_ms, uint64_t seq, char *out, size_t n)
{
	char tmp[IT_AWS_MAX_S3_KEY + 1];
	time_t t = (time_t)(flush_ms / 1000);
	struct tm tm;
	int w;

	if (!prefix || prefix[0] == '/' || flush_ms < 0 || !gmtime_r(&t, &tm))
		return IT_EINVAL;
	w = snprintf(tmp, sizeof(tmp), "%sdt=%04d-%02d-%02d/hour=%02d/%s-%04d%02d%02dT%02d%02d%02d%03dZ-%llu.jsonl.gz",
		     prefix, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, host, tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(flush_ms % 1000),
		     (unsigned long long)seq);
	if (w < 0 || (size_t)w >= sizeof(tmp) || (size_t)w >= n)
		return IT_ETOOBIG;
	memcpy(out, tmp, (size_t)w + 1);
	return IT_OK;
}
