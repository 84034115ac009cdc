/*
 * launch_template.h: the small pure questions about EC2 launch templates (see
 * docs/launch-templates.md).
 *
 * A launch template (lt- and 17 hex digits) lives in one account and Region. Its
 * versions are numbered from 1 in creation order and never change: a change is a new
 * version. One version is the default, the one a launch uses when it names none
 * ("$Default"); the newest is "$Latest". Italic judges a version by the image its
 * launch template data names (ImageId), which is one of
 *
 *   - an AMI id, ami- and 8 or 17 hex digits;
 *   - a Systems Manager parameter that EC2 resolves to an AMI id at each launch
 *     (EC2 API reference, RequestLaunchTemplateData.ImageId):
 *       resolve:ssm:NAME, resolve:ssm:NAME:VERSION, resolve:ssm:NAME:LABEL (a parameter
 *       of the template's own account, or a public one such as /aws/service/...), and
 *       resolve:ssm:ARN[:VERSION|:LABEL] for one shared from another account;
 *   - nothing (a template without ImageId: the launch must give one).
 *
 * The part after "resolve:ssm:" is exactly what SSM GetParameter takes as its Name
 * ("name:version" and "name:label" select a version), so it is kept whole. A label
 * cannot begin with a digit (SSM's label rules), so a selector of digits only is a
 * version number and anything else a label. SSM parameter names hold no ':'; an ARN
 * (arn:<partition>:ssm:<region>:<account>:parameter/<name>) holds five, and a sixth
 * starts its selector.
 *
 * An instance launched from a template carries the tags aws:ec2launchtemplate:id and
 * aws:ec2launchtemplate:version (EC2 adds them; the version is the number the launch
 * resolved, never "$Default"); lt_link_tag() reads them.
 *
 * No allocation, no I/O.
 */
#ifndef ITALIC_LAUNCH_TEMPLATE_H
#define ITALIC_LAUNCH_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "limits.h"

#define LT_SSM_PREFIX "resolve:ssm:"
#define LT_TAG_ID "aws:ec2launchtemplate:id"
#define LT_TAG_VERSION "aws:ec2launchtemplate:version"

/* lt- and 8 or 17 lower-case hex digits, like every EC2 id. */
int valid_launch_template_id(const char *s);

/* A launch template name: 3..128 of [A-Za-z0-9().-/_] (EC2 API reference,
 * LaunchTemplateName). */
int valid_launch_template_name(const char *s);

enum lt_image_kind {
	LT_IMAGE_NONE,    /* the data names no image */
	LT_IMAGE_AMI,     /* an AMI id */
	LT_IMAGE_SSM,     /* resolve:ssm:... */
	LT_IMAGE__MAX
};

/* "none", "ami", "ssm"; "unknown" out of range. */
const char *lt_image_kind_str(enum lt_image_kind kind);

/* What an ImageId says. Strings are NUL-terminated copies. */
struct lt_image_ref {
	enum lt_image_kind kind;
	char ami[IT_LT_AMI_BUF];               /* LT_IMAGE_AMI: the id */
	char parameter[IT_LT_MAX_PARAMETER + 1]; /* LT_IMAGE_SSM: GetParameter's Name, selector
						 included ("golden-ami:prod") */
	char selector[IT_LT_MAX_SELECTOR + 1];/* "" (the parameter's latest version), a
						 version number, or a label */
	int selector_is_version;              /* selector is digits only */
	char owner[IT_LT_ACCOUNT_BUF];         /* an ARN's account ("" for a name: the
						 template's own account, or public) */
};

/*
 * Classifies image (NULL or "" is LT_IMAGE_NONE). IT_OK with *ret filled; IT_EINVAL
 * for anything that is neither a valid AMI id nor a well-formed resolve:ssm:
 * reference (an empty name, a name over 2048 bytes, a character SSM names cannot hold,
 * a malformed ARN, an empty selector, a label starting with a digit); *ret is then
 * untouched.
 */
int lt_image_ref_parse(const char *image, struct lt_image_ref *ret) WARN_UNUSED;

/* A version as a launch or a describe call names it. */
enum lt_version_kind {
	LT_VERSION_NUMBER,
	LT_VERSION_DEFAULT,   /* "$Default" */
	LT_VERSION_LATEST,    /* "$Latest" */
	LT_VERSION__MAX
};

struct lt_version_spec {
	enum lt_version_kind kind;
	int64_t number;       /* LT_VERSION_NUMBER: 1..IT_LT_MAX_VERSION */
};

/* "$Default", "$Latest", or a decimal number 1..IT_LT_MAX_VERSION. IT_EINVAL
 * otherwise (*ret untouched). */
int lt_version_parse(const char *s, struct lt_version_spec *ret) WARN_UNUSED;

/* The launch template an instance was launched from, as its tags say. */
struct lt_link {
	char template_id[IT_LT_ID_BUF];   /* "" when unknown */
	int64_t version;                  /* 0 when unknown */
};

/*
 * Reads one instance tag into link: aws:ec2launchtemplate:id (a valid template id) or
 * aws:ec2launchtemplate:version (a version number). Returns 1 when the tag was one of
 * them and well formed, 0 otherwise (link untouched). Feed it every tag of an instance.
 */
int lt_link_tag(const char *key, const char *value, struct lt_link *link);

#endif
