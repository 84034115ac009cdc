/* launch_template.c: ids, image references, versions and link tags (see launch_template.h). */
#include "launch_template.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "status.h"

static const char *const kind_names[LT_IMAGE__MAX] = {
	[LT_IMAGE_NONE] = "none",
	[LT_IMAGE_AMI] = "ami",
	[LT_IMAGE_SSM] = "ssm",
};
_Static_assert(sizeof(kind_names) / sizeof(kind_names[0]) == LT_IMAGE__MAX, "kind_names");

const char *lt_image_kind_str(enum lt_image_kind kind)
{
	if ((unsigned)kind >= LT_IMAGE__MAX)
		return "unknown";
	return kind_names[kind];
}

static int is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int valid_launch_template_id(const char *s)
{
	size_t n;

	if (!s || strncmp(s, "lt-", 3) != 0)
		return 0;
	n = strlen(s + 3);
	if (n != 8 && n != 17)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_hex(s[3 + i]))
			return 0;
	return 1;
}

static int name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '(' || c == ')' || c == '.' || c == '-' || c == '/' || c == '_';
}

int valid_launch_template_name(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 3 || n > IT_LT_MAX_NAME)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!name_char(s[i]))
			return 0;
	return 1;
}

/* SSM parameter names: a-zA-Z0-9_.-/ (SSM PutParameter Name). */
static int ssm_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '/';
}

static int all_digits(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A label: letters, digits, '.', '-', '_', not starting with a digit (SSM label rules). */
static int valid_selector(const char *s, size_t n, int *ret_version)
{
	if (n == 0 || n > IT_LT_MAX_SELECTOR)
		return 0;
	if (all_digits(s, n)) {
		uint64_t v;
		char tmp[32];
		if (n >= sizeof(tmp))
			return 0;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		/* SSM versions start at 1 */
		if (parse_u64(tmp, 1, UINT64_MAX, &v) != IT_OK)
			return 0;
		*ret_version = 1;
		return 1;
	}
	if (s[0] >= '0' && s[0] <= '9')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '-' || c == '_';
		if (!ok)
			return 0;
	}
	*ret_version = 0;
	return 1;
}

/* "name" or "name:selector" where name holds no ':'. */
static int split_name(const char *s, size_t *ret_name_len)
{
	const char *c = strchr(s, ':');
	size_t n = c ? (size_t)(c - s) : strlen(s);

	if (n == 0)
		return IT_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ssm_name_char(s[i]))
			return IT_EINVAL;
	*ret_name_len = n;
	return IT_OK;
}

/* arn:<partition>:ssm:<region>:<account>:parameter/<name>[:selector]: the length of the
 * ARN (up to the selector's ':') and its account. */
static int split_arn(const char *s, size_t *ret_len, char owner[IT_LT_ACCOUNT_BUF])
{
	const char *p = s, *parts[6];
	size_t lens[6];
	char region[40];

	for (int i = 0; i < 6; i++) {
		const char *c = i < 5 ? strchr(p, ':') : p + strcspn(p, ":");
		if (!c)
			return IT_EINVAL;
		parts[i] = p;
		lens[i] = (size_t)(c - p);
		p = *c ? c + 1 : c;
	}
	if (lens[0] != 3 || memcmp(parts[0], "arn", 3) != 0 || lens[1] < 3 ||
	    memcmp(parts[1], "aws", 3) != 0 || lens[2] != 3 || memcmp(parts[2], "ssm", 3) != 0 ||
	    lens[3] == 0 || lens[3] >= sizeof(region) || lens[4] != 12 || lens[5] <= 10 ||
	    memcmp(parts[5], "parameter/", 10) != 0)
		return IT_EINVAL;
	for (size_t i = 1; i < lens[1]; i++)
		if (!((parts[1][i] >= 'a' && parts[1][i] <= 'z') || parts[1][i] == '-'))
			return IT_EINVAL;
	memcpy(region, parts[3], lens[3]);
	region[lens[3]] = '\0';
	memcpy(owner, parts[4], 12);
	owner[12] = '\0';
	if (!valid_region(region) || !valid_account_id(owner))
		return IT_EINVAL;
	/* the name after "parameter/" (its leading '/' is part of the resource for a name
	 * that starts with '/': "parameter//aws/..." is not how ARNs write it, but allowed) */
	for (size_t i = 10; i < lens[5]; i++)
		if (!ssm_name_char(parts[5][i]))
			return IT_EINVAL;
	*ret_len = (size_t)(parts[5] + lens[5] - s);
	return IT_OK;
}

int lt_image_ref_parse(const char *image, struct lt_image_ref *ret)
{
	struct lt_image_ref r;
	const char *rest;
	size_t n, name_len;
	int rc;

	memset(&r, 0, sizeof(r));
	if (!image || !*image) {
		r.kind = LT_IMAGE_NONE;
		*ret = r;
		return IT_OK;
	}
	if (valid_image_id(image)) {
		r.kind = LT_IMAGE_AMI;
		snprintf(r.ami, sizeof(r.ami), "%s", image);
		*ret = r;
		return IT_OK;
	}
	if (strncmp(image, LT_SSM_PREFIX, strlen(LT_SSM_PREFIX)) != 0)
		return IT_EINVAL;
	rest = image + strlen(LT_SSM_PREFIX);
	n = strlen(rest);
	if (n == 0 || n > IT_LT_MAX_PARAMETER)
		return IT_EINVAL;
	if (strncmp(rest, "arn:", 4) == 0)
		rc = split_arn(rest, &name_len, r.owner);
	else
		rc = split_name(rest, &name_len);
	if (rc)
		return rc;
	if (rest[name_len] == ':') {
		const char *sel = rest + name_len + 1;
		size_t sel_len = n - name_len - 1;
		if (!valid_selector(sel, sel_len, &r.selector_is_version))
			return IT_EINVAL;
		memcpy(r.selector, sel, sel_len);
		r.selector[sel_len] = '\0';
	} else if (rest[name_len] != '\0') {
		return IT_EINVAL;
	}
	r.kind = LT_IMAGE_SSM;
	memcpy(r.parameter, rest, n);
	r.parameter[n] = '\0';
	*ret = r;
	return IT_OK;
}

int lt_version_parse(const char *s, struct lt_version_spec *ret)
{
	uint64_t v;

	if (!s)
		return IT_EINVAL;
	if (strcmp(s, "$Default") == 0) {
		ret->kind = LT_VERSION_DEFAULT;
		ret->number = 0;
		return IT_OK;
	}
	if (strcmp(s, "$Latest") == 0) {
		ret->kind = LT_VERSION_LATEST;
		ret->number = 0;
		return IT_OK;
	}
	if (parse_u64(s, 1, (uint64_t)IT_LT_MAX_VERSION, &v) != IT_OK)
		return IT_EINVAL;
	ret->kind = LT_VERSION_NUMBER;
	ret->number = (int64_t)v;
	return IT_OK;
}

int lt_link_tag(const char *key, const char *value, struct lt_link *link)
{
	struct lt_version_spec v;

	if (!key || !value || !link)
		return 0;
	if (strcmp(key, LT_TAG_ID) == 0) {
		if (!valid_launch_template_id(value))
			return 0;
		snprintf(link->template_id, sizeof(link->template_id), "%s", value);
		return 1;
	}
	if (strcmp(key, LT_TAG_VERSION) == 0) {
		if (lt_version_parse(value, &v) != IT_OK || v.kind != LT_VERSION_NUMBER)
			return 0;
		link->version = v.number;
		return 1;
	}
	return 0;
}
