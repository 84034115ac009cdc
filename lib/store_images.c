/* store_images.c: per-image questions over the current verdicts (see store_images.h). */
#include "store_images.h"

#include <string.h>

#include "parse.h"
#include "status.h"

/* No index covers (region, image_id): a scan of the current verdicts is a few ms per
 * 100k instances, which an admin's image page can afford. */
static const char SQL_USAGE[] =
	"SELECT compliance, count(*) FROM instances WHERE region = ?1 AND image_id = ?2 GROUP BY compliance";

static int usage_row(void *ctx, sqlite3_stmt *st)
{
	struct store_image_usage *u = ctx;
	const char *name = store_col_text(st, 0);
	int64_t n = sqlite3_column_int64(st, 1);
	enum compliance c;

	u->total += n;
	if (name && compliance_from_name(name, &c) == IT_OK)
		u->by_compliance[c] += n;
	else
		u->other += n;
	return IT_OK;
}

int store_image_usage(struct store *s, const char *region, const char *image_id, struct store_image_usage *ret)
{
	struct store_image_usage u;
	sqlite3_stmt *st;
	int rc;

	if (!valid_region(region) || !valid_image_id(image_id))
		return IT_EINVAL;
	rc = store_stmt(s, SQL_USAGE, &st);
	if (rc)
		return rc;
	memset(&u, 0, sizeof(u));
	store_bind_text(st, 1, region);
	store_bind_text(st, 2, image_id);
	rc = store_each(s, st, usage_row, &u);
	if (rc)
		return rc;
	*ret = u;
	return IT_OK;
}
