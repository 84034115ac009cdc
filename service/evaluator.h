/*
 * evaluator.h: the workers that turn accepted events into verdicts.
 *
 * ITALIC_WORKERS threads claim inbox rows, gather facts (event, AWS when available,
 * registered images), judge with the policy engine and write the new current verdict,
 * its history row and the inbox row's completion in one transaction. One more thread
 * re-evaluates: every known instance after a rule or exemption change, and each
 * instance at its next_change_at (an exemption lapses, an image ages out, an
 * INSUFFICIENT_DATA verdict is retried).
 *
 * Crash safety: at start every claim is released (no worker of a dead process lives),
 * so an event acknowledged before a kill -9 is evaluated after the restart.
 */
#ifndef ITALIC_EVALUATOR_H
#define ITALIC_EVALUATOR_H

#include "assess.h"
#include "compiler.h"
#include "facts.h"
#include "server.h"
#include "store.h"
#include "store_template.h"
#include "template_facts.h"
#include "template_listing.h"

struct evaluator;

/* provider and templates (launch template versions and SSM parameters,
 * template_facts.h) may be NULL (no AWS). They are borrowed for the evaluator's life. */
int evaluator_start(struct server *srv, const struct facts_provider *provider,
		    const struct template_provider *templates, struct evaluator **ret) WARN_UNUSED;
void evaluator_stop(struct evaluator *ev);

/* Tells the evaluator that rules, exemptions or registered images changed (their
 * reeval_requests row is committed): it reloads the rules at once and re-evaluates
 * every known instance in the background. NULL is a no-op. */
void evaluator_poke(struct evaluator *ev);

/* One instance as seen outside an event (the reconciliation sweep's listing): the
 * listing of lib/assess.h. The old name stays so the sweep needs no change for it. */
#define evaluator_obs assess_listing

/*
 * Judges each observation like an event's instance (rules snapshot, image facts from
 * the provider; the instance facts given are taken as fresh, so no DescribeInstances)
 * and writes the verdicts and their deliveries through the writer with the given
 * trigger ("sweep"). A verdict older than the stored one is stale and not written,
 * unless the observation says repair and the stored one is pinned in the future.
 * db is the caller's read connection. *ret_applied (may be NULL) counts the verdicts
 * written. Errors: IT_ENOMEM, or the writer's status (then nothing was written).
 */
int evaluator_observe(struct evaluator *ev, struct store *db, const struct evaluator_obs *obs, size_t n,
		      const char *trigger, size_t *ret_applied) WARN_UNUSED;

/*
 * Launch templates judged outside an event (docs/launch-templates.md): a pass holds one
 * rules snapshot and writes what it judged through the writer every 100 templates, with
 * trigger ("sweep"). The sweep hands it each template its listing showed (_listed) and
 * each stored template it no longer shows (_unlisted: gone); _end writes the rest and
 * frees the pass, returning the first write error (what was written before stays) and
 * the templates settled and changed. db is the caller's read connection.
 */
struct evaluator_lt_pass;
int evaluator_lt_pass_begin(struct evaluator *ev, struct store *db, const char *trigger,
			    struct evaluator_lt_pass **ret) WARN_UNUSED;
int evaluator_lt_pass_listed(struct evaluator_lt_pass *p, const char *account, const char *region,
			     const struct lt_listed *t, int64_t observed_at) WARN_UNUSED;
int evaluator_lt_pass_unlisted(struct evaluator_lt_pass *p, const char *account, const char *region,
			       const char *template_id, int64_t observed_at) WARN_UNUSED;
int evaluator_lt_pass_version(struct evaluator_lt_pass *p, const struct template_version_row *v) WARN_UNUSED;
int evaluator_lt_pass_end(struct evaluator_lt_pass *p, size_t *ret_settled, size_t *ret_changed);

#endif
