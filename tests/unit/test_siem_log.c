/* test_siem_log: line batching ceilings, gzip round trip (zlib inflate), host and keys. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "siem_log.h"
#include "status.h"
#include "tap.h"

static int gunzip(const unsigned char *in, size_t len, char *out, size_t cap, size_t *ret)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	rc = inflate(&z, Z_FINISH);
	*ret = z.total_out;
	inflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : -1;
}

int main(void)
{
	struct siem_batch *b = NULL;
	unsigned char *gz = NULL;
	size_t gzlen = 0, outlen = 0;
	char key[1100], host[SIEM_HOST_MAX], *out;

	/* Rejections. */
	CHECK(siem_batch_new(64, 3, &b) == IT_OK, "new");
	CHECK(siem_batch_add(b, "", 0) == IT_EINVAL, "empty line");
	CHECK(siem_batch_add(b, "a\nb", 3) == IT_EINVAL, "newline inside");
	{
		char big[100];
		memset(big, 'x', sizeof(big));
		CHECK(siem_batch_add(b, big, sizeof(big)) == IT_ETOOBIG, "never fits");
	}
	CHECK(siem_batch_lines(b) == 0 && siem_batch_bytes(b) == 0, "unchanged after rejections");

	/* Line ceiling. */
	CHECK(siem_batch_add(b, "{\"n\":1}", 7) == IT_OK, "line 1");
	CHECK(siem_batch_add(b, "{\"n\":2}", 7) == IT_OK, "line 2");
	CHECK(siem_batch_add(b, "{\"n\":3}", 7) == IT_OK, "line 3");
	CHECK(siem_batch_add(b, "{\"n\":4}", 7) == IT_EFULL, "fourth line: full");
	CHECK(siem_batch_lines(b) == 3 && siem_batch_bytes(b) == 24, "3 lines, 24 bytes");
	CHECK_STR(siem_batch_data(b), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "contents");

	/* gzip round trip. */
	CHECK(siem_gzip(siem_batch_data(b), siem_batch_bytes(b), &gz, &gzlen) == IT_OK, "gzip");
	CHECK(gzlen > 18 && gz[0] == 0x1f && gz[1] == 0x8b, "gzip magic");
	out = malloc(1 << 20);
	CHECK(gunzip(gz, gzlen, out, 1 << 20, &outlen) == 0 && outlen == 24 && memcmp(out, siem_batch_data(b), 24) == 0,
	      "decompresses to the same lines");
	free(gz);

	/* Byte ceiling. */
	siem_batch_reset(b);
	CHECK(siem_batch_lines(b) == 0 && siem_batch_bytes(b) == 0, "reset");
	{
		char l[40];
		memset(l, 'y', sizeof(l));
		CHECK(siem_batch_add(b, l, 40) == IT_OK, "40 + 1 bytes");
		CHECK(siem_batch_add(b, l, 23) == IT_EFULL, "64 bytes would be passed");
		CHECK(siem_batch_add(b, l, 22) == IT_OK, "exactly 64 bytes");
	}
	siem_batch_free(b);
	siem_batch_free(NULL);

	/* A big batch compresses and survives the round trip. */
	CHECK(siem_batch_new(0, 0, &b) == IT_OK, "default ceilings");
	for (int i = 0; i < SIEM_MAX_LINES; i++) {
		char l[128];
		int n = snprintf(l, sizeof(l), "{\"instance_id\":\"i-%017d\",\"compliance\":\"COMPLIANT\"}", i);
		if (siem_batch_add(b, l, (size_t)n) != IT_OK) {
			CHECK(0, "line %d refused", i);
			break;
		}
	}
	CHECK(siem_batch_add(b, "{}", 2) == IT_EFULL, "10,000 lines: full");
	CHECK(siem_gzip(siem_batch_data(b), siem_batch_bytes(b), &gz, &gzlen) == IT_OK && gzlen < siem_batch_bytes(b) / 4,
	      "compresses (%zu of %zu)", gzlen, siem_batch_bytes(b));
	CHECK(gunzip(gz, gzlen, out, 1 << 20, &outlen) == 0 && outlen == siem_batch_bytes(b) &&
	      memcmp(out, siem_batch_data(b), outlen) == 0, "big round trip");
	free(gz);
	free(out);
	siem_batch_free(b);

	/* Host names and keys. */
	siem_host_sanitise("ip-10-0-0-1.ec2.internal", host);
	CHECK_STR(host, "ip-10-0-0-1.ec2.internal", "host kept");
	siem_host_sanitise("bad host/with_chars", host);
	CHECK_STR(host, "bad-host-with-chars", "host sanitised");
	siem_host_sanitise("", host);
	CHECK_STR(host, "host", "empty host");
	CHECK(siem_key("/abs/", "h", 0, 0, key, sizeof(key)) == IT_EINVAL, "leading slash rejected");
	CHECK(siem_key("italic/", "h", 1768471262123LL, 7, key, 20) == IT_ETOOBIG, "too small");
	CHECK(siem_key("italic/", "h", 1768471262123LL, 7, key, sizeof(key)) == IT_OK, "key");
	CHECK_STR(key, "italic/dt=2026-01-15/hour=10/h-20260115T100102123Z-7.jsonl.gz", "key layout");
	CHECK(siem_key("", "web-1", 1768435200000LL, 0, key, sizeof(key)) == IT_OK, "empty prefix");
	CHECK_STR(key, "dt=2026-01-15/hour=00/web-1-20260115T000000000Z-0.jsonl.gz", "midnight");
	return tap_done();
}
