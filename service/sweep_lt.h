/*
 * sweep_lt.h: the sweep's launch template step (docs/launch-templates.md, "The sweep").
 *
 * For one account and Region: template_listing() (DescribeLaunchTemplates, then the
 * $Default and $Latest of every template), each listed template judged through the
 * evaluator (evaluator_lt_pass_*: aliases resolved again), and every stored template
 * the listing no longer shows marked gone (NOT_APPLICABLE), unless an event newer than
 * the listing said otherwise. A listing that fails hands nothing out and marks nothing
 * gone: the step is logged and tried at the pair's next sweep. It is a separate step so
 * the sweep's scheduler calls it beside the instances' listing.
 */
#ifndef ITALIC_SWEEP_LT_H
#define ITALIC_SWEEP_LT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "evaluator.h"
#include "server.h"
#include "store.h"

struct sweep_lt_result {
	size_t listed;      /* templates the listing showed */
	size_t gone;        /* stored templates it no longer shows */
	size_t changed;     /* templates whose verdict changed */
};

/*
 * Sweeps account/region's templates at `at` (the listing's time, Italic's clock when
 * the pair's sweep started). db is the sweep's read connection. IT_OK with *ret
 * (optional) filled; the listing's or the writer's error otherwise (logged here).
 */
int sweep_lt_pair(struct server *srv, struct evaluator *ev, struct store *db, const char *account, const char *region,
		  int64_t at, struct sweep_lt_result *ret) WARN_UNUSED;

#endif
