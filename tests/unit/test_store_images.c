/* test_store_images: instance counts per (region, image) split by compliance. */
#include <stdlib.h>
#include <unistd.h>

#include "status.h"
#include "store.h"
#include "store_images.h"
#include "store_migrate.h"
#include "store_verdict.h"
#include "tap.h"

static void put(struct store *s, const char *region, const char *inst, const char *image, const char *compliance)
{
	struct verdict_row v;
	enum verdict_apply how;

	memset(&v, 0, sizeof(v));
	snprintf(v.account, sizeof(v.account), "111122223333");
	snprintf(v.region, sizeof(v.region), "%s", region);
	snprintf(v.instance_id, sizeof(v.instance_id), "%s", inst);
	snprintf(v.image_id, sizeof(v.image_id), "%s", image);
	snprintf(v.state, sizeof(v.state), "running");
	snprintf(v.compliance, sizeof(v.compliance), "%s", compliance);
	snprintf(v.trigger, sizeof(v.trigger), "event");
	v.observed_at = 1000;
	v.evaluated_at = 1001;
	v.reasons_json = strdup("[]");
	CHECK(store_verdict_apply(s, &v, &how, NULL) == IT_OK && how == VERDICT_APPLIED, "apply %s", inst);
	verdict_row_finish(&v);
}

int main(void)
{
	char path[] = "/tmp/italic-test-images-XXXXXX", err[256];
	struct store *s;
	struct store_image_usage u, untouched;
	int fd = mkstemp(path);

	close(fd);
	CHECK(store_open(path, 0, &s, err, sizeof(err)) == IT_OK, "open");
	CHECK(store_migrate(s, italic_migrations, NULL, err, sizeof(err)) == IT_OK, "migrate");

	/* Rejections first; the out-param stays untouched. */
	memset(&untouched, 0x5a, sizeof(untouched));
	u = untouched;
	CHECK(store_image_usage(s, "nowhere", "ami-12345678", &u) == IT_EINVAL, "bad region");
	CHECK(store_image_usage(s, "us-east-1", "ami-XYZ", &u) == IT_EINVAL, "bad image id");
	CHECK(store_image_usage(s, "us-east-1", "i-12345678", &u) == IT_EINVAL, "instance id is not an image id");
	CHECK(memcmp(&u, &untouched, sizeof(u)) == 0, "untouched after failure");

	CHECK(store_image_usage(s, "us-east-1", "ami-12345678", &u) == IT_OK && u.total == 0 &&
	      u.by_compliance[COMPLIANCE_COMPLIANT] == 0 && u.other == 0, "empty database: zeros");

	put(s, "us-east-1", "i-00000001", "ami-12345678", "COMPLIANT");
	put(s, "us-east-1", "i-00000002", "ami-12345678", "NON_COMPLIANT");
	put(s, "us-east-1", "i-00000003", "ami-12345678", "NON_COMPLIANT");
	put(s, "us-east-1", "i-00000004", "ami-12345678", "NOT_APPLICABLE");
	put(s, "us-east-1", "i-00000005", "ami-87654321", "COMPLIANT");   /* another image */
	put(s, "eu-west-1", "i-00000006", "ami-12345678", "COMPLIANT");   /* same id, other region */

	CHECK(store_image_usage(s, "us-east-1", "ami-12345678", &u) == IT_OK, "usage");
	CHECK(u.total == 4, "total %lld", (long long)u.total);
	CHECK(u.by_compliance[COMPLIANCE_COMPLIANT] == 1, "compliant %lld", (long long)u.by_compliance[0]);
	CHECK(u.by_compliance[COMPLIANCE_NON_COMPLIANT] == 2, "non-compliant");
	CHECK(u.by_compliance[COMPLIANCE_NOT_APPLICABLE] == 1, "not applicable");
	CHECK(u.by_compliance[COMPLIANCE_INSUFFICIENT_DATA] == 0, "insufficient");
	CHECK(u.other == 0, "other");

	CHECK(store_image_usage(s, "eu-west-1", "ami-12345678", &u) == IT_OK && u.total == 1 &&
	      u.by_compliance[COMPLIANCE_COMPLIANT] == 1, "region is part of the image's identity");
	CHECK(store_image_usage(s, "us-east-1", "ami-87654321", &u) == IT_OK && u.total == 1, "other image");

	/* A re-judged instance moves between buckets (one row per instance, not history). */
	put(s, "us-east-1", "i-00000002", "ami-12345678", "COMPLIANT");
	CHECK(store_image_usage(s, "us-east-1", "ami-12345678", &u) == IT_OK && u.total == 4 &&
	      u.by_compliance[COMPLIANCE_COMPLIANT] == 2 && u.by_compliance[COMPLIANCE_NON_COMPLIANT] == 1,
	      "counts follow the current verdict");

	store_close(s);
	unlink(path);
	return tap_done();
}
