/* test_finding: ASFF findings from securityhub payloads — rejections first, then the
 * exact members of a finding for each compliance. */
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "status.h"
#include "tap.h"

#define PAYLOAD(acct, region, inst, comp, rec)                                                               \
	"{\"account\":\"" acct "\",\"region\":\"" region "\",\"instance_id\":\"" inst "\","                 \
	"\"image_id\":\"ami-0abcdef1234567890\",\"compliance\":\"" comp "\",\"previous_compliance\":null,"    \
	"\"reasons\":[\"no rule allows ami-0abcdef1234567890\",\"owner 111111111111 not approved\"],"          \
	"\"matched_rule\":null,\"exemption\":null,\"observed_at\":\"2026-01-15T10:00:00Z\","                   \
	"\"evaluated_at\":\"2026-01-15T10:00:02.250Z\",\"record_state\":\"" rec "\","                          \
	"\"instance_path\":\"/v1/instances/" acct "/" region "/" inst "\"}"

static const char *get(const json_t *f, const char *path)
{
	/* "A.B.0.C": objects by key, arrays by index. */
	char buf[128], *save = NULL, *tok;
	const json_t *cur = f;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(cur))
			cur = json_array_get(cur, (size_t)(tok[0] - '0'));
		else
			cur = json_object_get(cur, tok);
	}
	return json_string_value(cur);
}

static json_t *load(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);
	if (!j)
		fprintf(stderr, "bad test payload: %s\n", s);
	return j;
}

int main(void)
{
	static const struct {
		const char *name, *payload;
	} bad[] = {
		{"bad account", PAYLOAD("12345", "us-east-1", "i-0123456789abcdef0", "COMPLIANT", "ACTIVE")},
		{"bad region", PAYLOAD("123456789012", "nowhere", "i-0123456789abcdef0", "COMPLIANT", "ACTIVE")},
		{"bad instance", PAYLOAD("123456789012", "us-east-1", "x-1", "COMPLIANT", "ACTIVE")},
		{"bad compliance", PAYLOAD("123456789012", "us-east-1", "i-0123456789abcdef0", "MAYBE", "ACTIVE")},
		{"no evaluated_at", "{\"account\":\"123456789012\",\"region\":\"us-east-1\","
				    "\"instance_id\":\"i-0123456789abcdef0\",\"compliance\":\"COMPLIANT\"}"},
	};
	json_t *p, *f, *sentinel = json_string("untouched"), *ret;
	char id[FINDING_ID_MAX], *cut;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		p = load(bad[i].payload);
		ret = sentinel;
		CHECK(finding_build(p, 0, &ret) == IT_EINVAL && ret == sentinel, "%s rejected", bad[i].name);
		json_decref(p);
	}
	json_decref(sentinel);

	finding_id("123456789012", "us-east-1", "i-0123456789abcdef0", id);
	CHECK_STR(id, "italic/123456789012/us-east-1/i-0123456789abcdef0", "finding id");

	/* NON_COMPLIANT in the commercial partition: every required member. */
	p = load(PAYLOAD("123456789012", "us-east-1", "i-0123456789abcdef0", "NON_COMPLIANT", "ACTIVE"));
	CHECK(finding_build(p, 1768470000000LL, &f) == IT_OK, "build");
	CHECK_STR(get(f, "SchemaVersion"), "2018-10-08", "schema");
	CHECK_STR(get(f, "Id"), "italic/123456789012/us-east-1/i-0123456789abcdef0", "Id");
	CHECK_STR(get(f, "ProductArn"), "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default",
		  "ProductArn");
	CHECK_STR(get(f, "GeneratorId"), "italic-approved-ami", "GeneratorId");
	CHECK_STR(get(f, "AwsAccountId"), "123456789012", "AwsAccountId");
	CHECK_STR(get(f, "CreatedAt"), "2026-01-15T09:40:00.000Z", "CreatedAt = first seen");
	CHECK_STR(get(f, "UpdatedAt"), "2026-01-15T10:00:02.250Z", "UpdatedAt = evaluated_at");
	CHECK_STR(get(f, "Severity.Label"), "HIGH", "severity");
	CHECK_STR(get(f, "FindingProviderFields.Severity.Label"), "HIGH", "provider severity");
	CHECK_STR(get(f, "Types.0"), FINDING_TYPE, "types");
	CHECK_STR(get(f, "FindingProviderFields.Types.0"), FINDING_TYPE, "provider types");
	CHECK_STR(get(f, "Title"), "EC2 instance i-0123456789abcdef0 runs an AMI that is not approved", "title");
	CHECK_STR(get(f, "Description"), "no rule allows ami-0abcdef1234567890; owner 111111111111 not approved",
		  "description");
	CHECK_STR(get(f, "Resources.0.Type"), "AwsEc2Instance", "resource type");
	CHECK_STR(get(f, "Resources.0.Id"), "arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
		  "resource arn");
	CHECK_STR(get(f, "Resources.0.Partition"), "aws", "partition");
	CHECK_STR(get(f, "Resources.0.Region"), "us-east-1", "region");
	CHECK_STR(get(f, "Resources.0.Details.AwsEc2Instance.ImageId"), "ami-0abcdef1234567890", "image");
	CHECK_STR(get(f, "Compliance.Status"), "FAILED", "compliance");
	CHECK_STR(get(f, "RecordState"), "ACTIVE", "active");
	CHECK_STR(get(f, "ProductFields.italic/instance_path"), "/v1/instances/123456789012/us-east-1/i-0123456789abcdef0",
		  "path");
	json_decref(f);
	json_decref(p);

	/* A first-seen time after the evaluation (clock skew) never makes CreatedAt > UpdatedAt. */
	p = load(PAYLOAD("123456789012", "cn-north-1", "i-0123456789abcdef0", "COMPLIANT", "ACTIVE"));
	CHECK(finding_build(p, 1868470000000LL, &f) == IT_OK, "build cn");
	CHECK_STR(get(f, "CreatedAt"), "2026-01-15T10:00:02.250Z", "CreatedAt clamped");
	CHECK_STR(get(f, "ProductArn"), "arn:aws-cn:securityhub:cn-north-1:123456789012:product/123456789012/default",
		  "cn product arn");
	CHECK_STR(get(f, "Resources.0.Partition"), "aws-cn", "cn partition");
	CHECK_STR(get(f, "Severity.Label"), "INFORMATIONAL", "compliant severity");
	CHECK_STR(get(f, "Compliance.Status"), "PASSED", "passed");
	json_decref(f);
	json_decref(p);

	/* NOT_APPLICABLE archives, whatever record_state says. */
	p = load(PAYLOAD("123456789012", "us-gov-west-1", "i-0123456789abcdef0", "NOT_APPLICABLE", "ACTIVE"));
	CHECK(finding_build(p, 0, &f) == IT_OK, "build gov");
	CHECK_STR(get(f, "RecordState"), "ARCHIVED", "archived");
	CHECK_STR(get(f, "Compliance.Status"), "NOT_AVAILABLE", "not available");
	CHECK_STR(get(f, "Resources.0.Partition"), "aws-us-gov", "gov partition");
	CHECK_STR(get(f, "CreatedAt"), "2026-01-15T10:00:02.250Z", "no first seen: evaluated_at");
	json_decref(f);
	json_decref(p);

	p = load(PAYLOAD("123456789012", "us-east-1", "i-0123456789abcdef0", "INSUFFICIENT_DATA", "ACTIVE"));
	CHECK(finding_build(p, 0, &f) == IT_OK, "build insufficient");
	CHECK_STR(get(f, "Compliance.Status"), "NOT_AVAILABLE", "insufficient: not available");
	CHECK_STR(get(f, "RecordState"), "ACTIVE", "insufficient stays active");
	json_decref(f);

	/* A long description is cut to 1024 bytes on a character boundary; no reasons: a sentence. */
	{
		char big[3000];
		json_t *reasons = json_array();
		memset(big, 0, sizeof(big));
		for (size_t i = 0; i + 2 < 2999; i += 2)
			memcpy(big + i, "\xc3\xa9", 2); /* é */
		json_array_append_new(reasons, json_string(big));
		json_object_set_new(p, "reasons", reasons);
		CHECK(finding_build(p, 0, &f) == IT_OK, "build long");
		CHECK(strlen(get(f, "Description")) == 1024, "cut to 1024 (%zu)", strlen(get(f, "Description")));
		json_decref(f);
		json_object_set_new(p, "reasons", json_array());
		CHECK(finding_build(p, 0, &f) == IT_OK, "build empty");
		CHECK_STR(get(f, "Description"), "Italic judged this instance INSUFFICIENT_DATA.", "empty reasons");
		json_decref(f);
	}
	json_decref(p);

	/* A launch template (its default version): its own resource type, ARN, details and
	 * titles; the template id keys the finding. */
	p = load("{\"resource_type\":\"AwsEc2LaunchTemplate\",\"account\":\"123456789012\","
		 "\"region\":\"us-east-1\",\"launch_template_id\":\"lt-0abcd1234ef567890\",\"name\":\"web\","
		 "\"default_version\":2,\"latest_version\":3,\"image\":\"resolve:ssm:/golden/web\","
		 "\"image_id\":\"ami-0abcdef1234567890\",\"compliance\":\"NON_COMPLIANT\","
		 "\"previous_compliance\":\"COMPLIANT\",\"reasons\":[],\"matched_rule\":null,\"exemption\":null,"
		 "\"observed_at\":\"2026-01-15T10:00:00Z\",\"evaluated_at\":\"2026-01-15T10:00:02.250Z\","
		 "\"record_state\":\"ACTIVE\","
		 "\"instance_path\":\"/v1/launch-templates/123456789012/us-east-1/lt-0abcd1234ef567890\"}");
	CHECK(finding_build(p, 1768470000000LL, &f) == IT_OK, "build template");
	CHECK_STR(get(f, "Id"), "italic/123456789012/us-east-1/lt-0abcd1234ef567890", "template finding id");
	CHECK_STR(get(f, "Resources.0.Type"), "AwsEc2LaunchTemplate", "template resource type");
	CHECK_STR(get(f, "Resources.0.Id"), "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-0abcd1234ef567890",
		  "template arn");
	CHECK_STR(get(f, "Resources.0.Details.AwsEc2LaunchTemplate.Id"), "lt-0abcd1234ef567890", "details id");
	CHECK_STR(get(f, "Resources.0.Details.AwsEc2LaunchTemplate.LaunchTemplateName"), "web", "details name");
	CHECK_STR(get(f, "Resources.0.Details.AwsEc2LaunchTemplate.LaunchTemplateData.ImageId"),
		  "resolve:ssm:/golden/web", "details image as written");
	CHECK(json_integer_value(json_object_get(
		      json_object_get(json_object_get(json_array_get(json_object_get(f, "Resources"), 0), "Details"),
				      "AwsEc2LaunchTemplate"),
		      "DefaultVersionNumber")) == 2,
	      "details default version");
	CHECK_STR(get(f, "Title"), "EC2 launch template lt-0abcd1234ef567890 launches an AMI that is not approved",
		  "template title");
	CHECK_STR(get(f, "Description"), "Italic judged this launch template NON_COMPLIANT.", "template sentence");
	CHECK_STR(get(f, "Compliance.Status"), "FAILED", "template failed");
	CHECK_STR(get(f, "ProductFields.italic/image"), "resolve:ssm:/golden/web", "product field image");
	CHECK_STR(get(f, "ProductFields.italic/instance_path"),
		  "/v1/launch-templates/123456789012/us-east-1/lt-0abcd1234ef567890", "template path");
	json_decref(f);
	json_object_set_new(p, "launch_template_id", json_string("i-0123456789abcdef0"));
	ret = NULL;
	CHECK(finding_build(p, 0, &ret) == IT_EINVAL && !ret, "a template finding needs a template id");
	json_decref(p);

	cut = finding_cut_utf8("ab\xc3\xa9", 3);
	CHECK_STR(cut, "ab", "cut before a split character");
	free(cut);
	cut = finding_cut_utf8("abc", 10);
	CHECK_STR(cut, "abc", "short untouched");
	free(cut);
	return tap_done();
}
