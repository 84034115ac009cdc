/*
 * test_launch_template: ids, names, image references, versions and link tags, one row
 * per case. The references are the documented forms (EC2 API reference,
 * RequestLaunchTemplateData.ImageId; the ASG guide's samples in
 * tests/data/aws/launch-templates) and one rejection per reason.
 */
#include "launch_template.h"
#include "status.h"
#include "tap.h"

#include <stdlib.h>
#include <string.h>

static void test_ids(void)
{
	static const struct {
		const char *s;
		int ok;
	} ids[] = {
		{"lt-0a20c965061f64abc", 1},
		{"lt-db0c0ffee4616a338", 1},
		{"lt-01234567", 1},
		{"lt-1111111111EXAMPLE", 0},   /* the API reference's placeholder */
		{"lt-0A20C965061F64ABC", 0},
		{"lt-0a20c965061f64ab", 0},    /* 16 digits */
		{"lt-0a20c965061f64abcd", 0},  /* 18 */
		{"i-0a20c965061f64abc", 0},
		{"lt-", 0},
		{"", 0},
	};
	static const struct {
		const char *s;
		int ok;
	} names[] = {
		{"MyLaunchTemplate", 1},
		{"my-template-for-auto-scaling", 1},
		{"eks-1a2b(3)/x_y.z", 1},
		{"abc", 1},
		{"ab", 0},
		{"my template", 0},
		{"tmpl:1", 0},
		{"", 0},
	};
	char long_name[IT_LT_MAX_NAME + 2];

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		CHECK(valid_launch_template_id(ids[i].s) == ids[i].ok, "id %s", ids[i].s);
	CHECK(!valid_launch_template_id(NULL), "NULL id");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		CHECK(valid_launch_template_name(names[i].s) == names[i].ok, "name '%s'", names[i].s);
	memset(long_name, 'a', sizeof(long_name));
	long_name[IT_LT_MAX_NAME] = '\0';
	CHECK(valid_launch_template_name(long_name), "128 characters");
	long_name[IT_LT_MAX_NAME] = 'a';
	long_name[IT_LT_MAX_NAME + 1] = '\0';
	CHECK(!valid_launch_template_name(long_name), "129 characters");
}

static void test_image_refs(void)
{
	static const struct {
		const char *in;
		int rc;
		enum lt_image_kind kind;
		const char *parameter, *selector;
		int is_version;
		const char *owner;
	} rows[] = {
		{"ami-8c1be5f6", IT_OK, LT_IMAGE_AMI, "", "", 0, ""},
		{"ami-0ac394d6a3e0a1b2c", IT_OK, LT_IMAGE_AMI, "", "", 0, ""},
		{"", IT_OK, LT_IMAGE_NONE, "", "", 0, ""},
		/* the ASG user guide's four forms */
		{"resolve:ssm:golden-ami", IT_OK, LT_IMAGE_SSM, "golden-ami", "", 0, ""},
		{"resolve:ssm:golden-ami:3", IT_OK, LT_IMAGE_SSM, "golden-ami:3", "3", 1, ""},
		{"resolve:ssm:golden-ami:prod", IT_OK, LT_IMAGE_SSM, "golden-ami:prod", "prod", 0, ""},
		{"resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", IT_OK, LT_IMAGE_SSM,
		 "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2", "", 0, ""},
		/* a parameter shared from another account */
		{"resolve:ssm:arn:aws:ssm:us-east-2:123456789012:parameter/golden-ami", IT_OK, LT_IMAGE_SSM,
		 "arn:aws:ssm:us-east-2:123456789012:parameter/golden-ami", "", 0, "123456789012"},
		{"resolve:ssm:arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/team/ami:12", IT_OK, LT_IMAGE_SSM,
		 "arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/team/ami:12", "12", 1, "123456789012"},
		{"resolve:ssm:arn:aws:ssm:us-east-2:123456789012:parameter/golden-ami:blue_v2", IT_OK, LT_IMAGE_SSM,
		 "arn:aws:ssm:us-east-2:123456789012:parameter/golden-ami:blue_v2", "blue_v2", 0, "123456789012"},
		/* rejections, one per reason */
		{"ami-xyz", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"ubuntu-22.04", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden ami", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden-ami:", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden-ami:3prod", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden-ami:0", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden-ami:a:b", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm::prod", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:golden-ami:pr*d", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:aws:s3:us-east-1:123456789012:parameter/x", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:aws:ssm:us-east-1:12345678901:parameter/x", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:aws:ssm:mars-1:123456789012:parameter/x", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:aws:ssm:us-east-1:123456789012:document/x", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:aws:ssm:us-east-1:123456789012:parameter/", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"resolve:ssm:arn:evil:ssm:us-east-1:123456789012:parameter/x", IT_EINVAL, 0, NULL, NULL, 0, NULL},
		{"RESOLVE:SSM:golden-ami", IT_EINVAL, 0, NULL, NULL, 0, NULL},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct lt_image_ref r;
		int rc;

		memset(&r, 0x5a, sizeof(r));
		rc = lt_image_ref_parse(rows[i].in, &r);
		CHECK(rc == rows[i].rc, "%s: rc %s", rows[i].in, status_str(rc));
		if (rc != IT_OK) {
			CHECK(((unsigned char *)&r)[0] == 0x5a, "%s: untouched on failure", rows[i].in);
			continue;
		}
		CHECK(r.kind == rows[i].kind, "%s: kind %s", rows[i].in, lt_image_kind_str(r.kind));
		if (r.kind == LT_IMAGE_AMI)
			CHECK_STR(r.ami, rows[i].in, rows[i].in);
		CHECK_STR(r.parameter, rows[i].parameter, rows[i].in);
		CHECK_STR(r.selector, rows[i].selector, rows[i].in);
		CHECK(r.selector_is_version == rows[i].is_version, "%s: selector is a version", rows[i].in);
		CHECK_STR(r.owner, rows[i].owner, rows[i].in);
	}

	/* bounds: a Name of exactly IT_LT_MAX_PARAMETER bytes, and one more */
	{
		size_t n = strlen(LT_SSM_PREFIX) + IT_LT_MAX_PARAMETER;
		char *s = malloc(n + 2);
		struct lt_image_ref *r = malloc(sizeof(*r));
		memcpy(s, LT_SSM_PREFIX, strlen(LT_SSM_PREFIX));
		memset(s + strlen(LT_SSM_PREFIX), 'a', IT_LT_MAX_PARAMETER);
		s[n] = '\0';
		CHECK(lt_image_ref_parse(s, r) == IT_OK && strlen(r->parameter) == IT_LT_MAX_PARAMETER,
		      "a 2048-byte name");
		s[n] = 'a';
		s[n + 1] = '\0';
		CHECK(lt_image_ref_parse(s, r) == IT_EINVAL, "a 2049-byte name");
		free(s);
		free(r);
	}
	CHECK(lt_image_ref_parse(NULL, &(struct lt_image_ref){0}) == IT_OK, "NULL is no image");
	CHECK(!strcmp(lt_image_kind_str(LT_IMAGE_SSM), "ssm") && !strcmp(lt_image_kind_str(LT_IMAGE__MAX), "unknown"),
	      "kind names");
}

static void test_versions(void)
{
	static const struct {
		const char *s;
		int rc;
		enum lt_version_kind kind;
		int64_t n;
	} rows[] = {
		{"$Default", IT_OK, LT_VERSION_DEFAULT, 0},
		{"$Latest", IT_OK, LT_VERSION_LATEST, 0},
		{"1", IT_OK, LT_VERSION_NUMBER, 1},
		{"10000", IT_OK, LT_VERSION_NUMBER, 10000},
		{"9007199254740991", IT_OK, LT_VERSION_NUMBER, 9007199254740991LL},
		{"9007199254740992", IT_EINVAL, 0, 0},
		{"0", IT_EINVAL, 0, 0},
		{"-1", IT_EINVAL, 0, 0},
		{"+2", IT_EINVAL, 0, 0},
		{"2.0", IT_EINVAL, 0, 0},
		{"$default", IT_EINVAL, 0, 0},
		{"", IT_EINVAL, 0, 0},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct lt_version_spec v = {LT_VERSION__MAX, -7};
		int rc = lt_version_parse(rows[i].s, &v);
		CHECK(rc == rows[i].rc, "'%s': rc %s", rows[i].s, status_str(rc));
		if (rc == IT_OK)
			CHECK(v.kind == rows[i].kind && v.number == rows[i].n, "'%s': %d %lld", rows[i].s, v.kind,
			      (long long)v.number);
		else
			CHECK(v.kind == LT_VERSION__MAX && v.number == -7, "'%s': untouched", rows[i].s);
	}
	CHECK(lt_version_parse(NULL, &(struct lt_version_spec){0}) == IT_EINVAL, "NULL");
}

static void test_link_tags(void)
{
	struct lt_link link;

	memset(&link, 0, sizeof(link));
	CHECK(lt_link_tag("aws:ec2launchtemplate:id", "lt-0abcdef1234567890", &link) == 1, "id tag");
	CHECK(lt_link_tag("aws:ec2launchtemplate:version", "3", &link) == 1, "version tag");
	CHECK_STR(link.template_id, "lt-0abcdef1234567890", "id");
	CHECK(link.version == 3, "version %lld", (long long)link.version);
	/* not ours, or malformed: ignored, link untouched */
	CHECK(lt_link_tag("Name", "web", &link) == 0, "other tag");
	CHECK(lt_link_tag("aws:ec2launchtemplate:id", "lt-bad", &link) == 0, "bad id");
	CHECK(lt_link_tag("aws:ec2launchtemplate:version", "$Latest", &link) == 0, "an alias is no tag value");
	CHECK(lt_link_tag("aws:ec2launchtemplate:version", "x", &link) == 0, "bad version");
	CHECK(lt_link_tag("AWS:EC2LAUNCHTEMPLATE:ID", "lt-0abcdef1234567899", &link) == 0, "case matters");
	CHECK_STR(link.template_id, "lt-0abcdef1234567890", "id kept");
	CHECK(link.version == 3, "version kept");
	CHECK(lt_link_tag(NULL, "x", &link) == 0 && lt_link_tag("k", NULL, &link) == 0, "NULLs");
}

int main(void)
{
	test_ids();
	test_image_refs();
	test_versions();
	test_link_tags();
	return tap_done();
}
