/*
 * event_lt.h: what an event says about an EC2 launch template, and which template an
 * instance was launched from (docs/launch-templates.md, docs/events.md).
 *
 * Events (EventBridge "AWS API Call via CloudTrail", source aws.ec2, eventSource
 * ec2.amazonaws.com):
 *
 *   CreateLaunchTemplate         responseElements.CreateLaunchTemplateResponse.launchTemplate
 *                                (id, name, default and latest version numbers) and
 *                                requestParameters.CreateLaunchTemplateRequest
 *                                .LaunchTemplateData.ImageId: version 1, the default
 *   CreateLaunchTemplateVersion  responseElements.CreateLaunchTemplateVersionResponse
 *                                .launchTemplateVersion (id, versionNumber, defaultVersion,
 *                                launchTemplateData.imageId); without response data the
 *                                request's LaunchTemplateData counts only when it names no
 *                                SourceVersion (a version built on another inherits its
 *                                image, which the event does not show)
 *   ModifyLaunchTemplate         responseElements.ModifyLaunchTemplateResponse.launchTemplate
 *                                .defaultVersionNumber (else the request's SetDefaultVersion):
 *                                a new default version, whose data is read from AWS
 *   DeleteLaunchTemplate         the template and every version are gone (NOT_APPLICABLE)
 *   DeleteLaunchTemplateVersions responseElements.DeleteLaunchTemplateVersionsResponse
 *                                .successfullyDeletedLaunchTemplateVersionSet: those
 *                                versions are gone
 *
 * A failed call (errorCode set) and one without responseElements are EVENT_IGNORED.
 * CloudTrail writes an XML list of one as an object and of many as an array ({"item":
 * {...}} or {"item": [...]}), and a request list member as {"tag": 1, "content": "2"}:
 * both are read. No real CreateLaunchTemplateVersion, ModifyLaunchTemplate or
 * DeleteLaunchTemplateVersions record was found; their fixtures follow the documented
 * request and response shapes (tests/fixtures/event_lt/SOURCE.md).
 *
 * Config: a configuration item (or the oversized summary) of resourceType
 * AWS::EC2::LaunchTemplate: resourceId the template id, configuration.LaunchTemplateName,
 * DefaultVersionNumber, LatestVersionNumber (strings or numbers) and LaunchTemplateData
 * .ImageId, which Italic takes as the default version's data (AWS's managed rules judge
 * a template by its default version); ResourceDeleted means the template is gone. The
 * summary carries no configuration, so the template is read from AWS. The same item
 * inside a Config rule invocation gives a rule invocation about a template.
 *
 * Instances: every observation's tags aws:ec2launchtemplate:id / :version (EC2 adds
 * them to instances launched from a template; the version is the resolved number), and
 * for RunInstances requestParameters.launchTemplate (launchTemplateId or
 * launchTemplateName, version: a number, "$Default" or "$Latest", absent meaning
 * $Default). A RunInstances request that names a launch template and an imageId of its
 * own (requestParameters.instancesSet.items[].imageId) overrode the template's image:
 * lt_image_override is set. The image judged is still the one the response names.
 *
 * Invariants added to event.h's (the evaluator and the route rely on them):
 *  - ev->lt is set exactly when kind == EVENT_LAUNCH_TEMPLATE (then n_obs == 0), or
 *    kind == EVENT_CONFIG_RULE_INVOCATION whose configuration item is a launch template
 *    (then n_obs == 0 too); never for EVENT_IGNORED;
 *  - lt->account and lt->region equal ev->account and ev->region, so a token's account
 *    binding covers templates as it covers instances;
 *  - lt->template_id is valid_launch_template_id; a version's image, when set, passes
 *    lt_image_ref_parse (an AMI id or a resolve:ssm: reference), else the event is a 400;
 *  - an observation's lt_id, when set, is valid_launch_template_id.
 *
 * Pure, like the rest of lib/event*.c.
 */
#ifndef ITALIC_EVENT_LT_H
#define ITALIC_EVENT_LT_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "event.h"

#define EVENT_LT_CONFIG_TYPE "AWS::EC2::LaunchTemplate"

enum event_lt_action {
	EVENT_LT_CREATE,            /* CreateLaunchTemplate */
	EVENT_LT_CREATE_VERSION,    /* CreateLaunchTemplateVersion */
	EVENT_LT_MODIFY,            /* ModifyLaunchTemplate (a new default version) */
	EVENT_LT_DELETE,            /* DeleteLaunchTemplate */
	EVENT_LT_DELETE_VERSIONS,   /* DeleteLaunchTemplateVersions */
	EVENT_LT_CONFIG_ITEM,       /* Config item (full) */
	EVENT_LT_CONFIG_OVERSIZED,  /* Config item summary: read the template from AWS */
	EVENT_LT__MAX
};

/* The CloudTrail eventName or "ConfigurationItem" / "ConfigurationItemSummary". */
const char *event_lt_action_str(enum event_lt_action action);

/* One version whose launch template data the event carries. */
struct event_lt_version {
	int64_t number;             /* >= 1; 0 when the event does not say (Config item
				       without DefaultVersionNumber) */
	char *image;                /* ImageId as written (ami-... or resolve:ssm:...);
				       NULL when the data names no image */
	int is_default;             /* this version is (now) the template's default */
};

struct event_lt {
	enum event_lt_action action;
	char *account;              /* == ev->account */
	char *region;               /* == ev->region */
	char *template_id;          /* lt-..., always set */
	char *name;                 /* LaunchTemplateName; NULL when the event does not say */
	int64_t default_version;    /* 0: not said */
	int64_t latest_version;     /* 0: not said */
	int has_version;            /* version below holds data from the event */
	struct event_lt_version version;
	int64_t *gone;              /* versions deleted (DeleteLaunchTemplateVersions) */
	size_t n_gone;              /* <= IT_LT_MAX_GONE_VERSIONS */
	int deleted;                /* the whole template is gone */
	int needs_lookup;           /* the event lacks what a verdict needs (the default
				       version's image): read the template from AWS */
	int64_t observed_at_ms;     /* eventTime / configurationItemCaptureTime */
	int64_t claimed_observed_ms;/* what the event said, when event_bound_times clamped it */
};

/* The parsers (is_cloudtrail, parse_cloudtrail, parse_config_item, link) are the event
 * module's own: event_extern.h. */

/* The reason a verdict on ev->lt gives when its time was clamped (event_time_reason's
 * wording). 1 with out filled, 0 when nothing was clamped or ev has no template. */
int event_lt_time_reason(const struct event *ev, int64_t received_ms, char *out, size_t size);

/*
 * A Config rule's parameters can say which resource type it covers: deploy/config-rule.yaml's
 * launch template rule sets {"italicResourceType": "AWS::EC2::LaunchTemplate"}, so its
 * scheduled invocations (which name no resource) re-judge the account and Region's
 * templates rather than its instances. 1 when ev is a rule invocation whose parameters
 * say so, else 0.
 */
#define EVENT_LT_RULE_PARAMETER "italicResourceType"
int event_lt_rule_covers_templates(const struct event *ev);

/* Frees lt and everything it owns; NULL is a no-op. */
void event_lt_free(struct event_lt *lt);

#endif
