/*
 * test_aws_ec2: the EC2 client's requests and answers.
 *
 * Requests: DescribeImages and DescribeInstances by id are compared with what Debian's
 * botocore sends for the same call (tests/data/aws, argv[1]): the same form, headers
 * and signature, byte for byte. Paging sends MaxResults/NextToken and follows
 * nextToken to the end. Bad arguments are refused before anything is sent.
 * Answers: the captured DescribeImages fixture (nested blockDeviceMapping items must
 * not be read as images), the captured InvalidAMIID.NotFound error (an empty result,
 * not an error, but only for the call it belongs to), DescribeInstances and
 * DescribeInstanceImageMetadata documents shaped on the EC2 API reference examples,
 * and the rejections: a missing id, a bad time, too many items.
 */
#include <string.h>

#include "aws_double.h"
#include "aws_ec2.h"
#include "aws_samples.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

/* Shaped on the DescribeInstances example of the EC2 API reference: two reservations,
 * an instance with tags, attachments and volumes carrying times and items of their
 * own, a state code with EC2's internal high byte set, and a nextToken. */
static const char instances_page1[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
	"  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n"
	"  <reservationSet>\n"
	"    <item>\n"
	"      <reservationId>r-1234567890abcdef0</reservationId>\n"
	"      <ownerId>123456789012</ownerId>\n"
	"      <groupSet/>\n"
	"      <instancesSet>\n"
	"        <item>\n"
	"          <instanceId>i-1234567890abcdef0</instanceId>\n"
	"          <imageId>ami-0123456789abcdef0</imageId>\n"
	"          <instanceState><code>16</code><name>running</name></instanceState>\n"
	"          <launchTime>2026-01-15T11:59:30.000Z</launchTime>\n"
	"          <platformDetails>Linux/UNIX</platformDetails>\n"
	"          <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName>\n"
	"            <ebs><volumeId>vol-1234567890abcdef0</volumeId><status>attached</status>\n"
	"            <attachTime>2020-01-01T00:00:00.000Z</attachTime></ebs></item></blockDeviceMapping>\n"
	"          <networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>\n"
	"            <attachment><attachTime>2020-01-01T00:00:00.000Z</attachTime></attachment>\n"
	"          </item></networkInterfaceSet>\n"
	"          <tagSet>\n"
	"            <item><key>Name</key><value>web-1</value></item>\n"
	"            <item><key>empty</key><value/></item>\n"
	"          </tagSet>\n"
	"        </item>\n"
	"      </instancesSet>\n"
	"    </item>\n"
	"    <item>\n"
	"      <reservationId>r-0000000000000000b</reservationId>\n"
	"      <instancesSet>\n"
	"        <item>\n"
	"          <instanceId>i-0000000000000000a</instanceId>\n"
	"          <imageId>ami-00000000000000001</imageId>\n"
	"          <instanceState><code>272</code><name>running</name></instanceState>\n"
	"          <platform>windows</platform>\n"
	"        </item>\n"
	"        <item>\n"
	"          <instanceId>i-0000000000000000b</instanceId>\n"
	"          <instanceState><code>48</code><name>terminated</name></instanceState>\n"
	"        </item>\n"
	"      </instancesSet>\n"
	"    </item>\n"
	"  </reservationSet>\n"
	"  <nextToken>eyJ2IjoiMiJ9/+=</nextToken>\n"
	"</DescribeInstancesResponse>\n";

static const char instances_page2[] =
	"<DescribeInstancesResponse><requestId>r2</requestId><reservationSet><item><instancesSet>"
	"<item><instanceId>i-0000000000000000c</instanceId></item></instancesSet></item></reservationSet>"
	"</DescribeInstancesResponse>";

/* Shaped on the DescribeInstanceImageMetadata reference: the image as EC2 recorded it
 * at launch, with the metadata spellings (ownerId, state) and Allowed AMIs' flag. */
static const char metadata_doc[] =
	"<DescribeInstanceImageMetadataResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	"<requestId>m-1</requestId><instanceImageMetadataSet><item>"
	"<instanceId>i-1234567890abcdef0</instanceId><instanceType>t3.micro</instanceType>"
	"<launchTime>2026-01-15T11:59:30.000Z</launchTime><availabilityZone>us-east-1a</availabilityZone>"
	"<instanceState><code>16</code><name>running</name></instanceState>"
	"<ownerId>111122223333</ownerId>"
	"<imageMetadata><imageId>ami-0123456789abcdef0</imageId><name>golden-al2023-2026.01</name>"
	"<ownerId>123456789012</ownerId><state>deregistered</state><imageOwnerAlias>self</imageOwnerAlias>"
	"<creationDate>2025-12-01T00:00:00.000Z</creationDate><deprecationTime>2027-12-01T00:00:00.000Z</deprecationTime>"
	"<imageAllowed>false</imageAllowed><isPublic>false</isPublic></imageMetadata>"
	"</item></instanceImageMetadataSet></DescribeInstanceImageMetadataResponse>";

static void test_parse_images_fixture(void)
{
	struct aws_ec2_images im;
	size_t len = 0;
	char *xml = sample_read("ec2-describeimages-response-aws-sdk-net-fixture.xml", &len);

	if (!xml)
		return;
	memset(&im, 0, sizeof(im));
	CHECK(aws_ec2_parse_images(xml, len, &im) == IT_OK, "SDK fixture parses");
	CHECK(im.n == 1, "one image, the blockDeviceMapping items are not images: %zu", im.n);
	if (im.n == 1) {
		const struct aws_ec2_image *a = &im.items[0];
		CHECK_STR(a->image_id, "ami-1a2b3c4d", "imageId");
		CHECK_STR(a->owner_id, "111122223333", "imageOwnerId");
		CHECK_STR(a->owner_alias, "amazon", "imageOwnerAlias");
		CHECK_STR(a->name, "getting-started", "name");
		CHECK_STR(a->state, "available", "imageState");
		CHECK(a->platform == NULL && a->platform_details == NULL, "no platform fields in this old fixture");
		CHECK(a->n_tags == 0 && a->n_product_codes == 0, "empty tagSet, no productCodes");
		CHECK(a->creation_ms == AWS_TIME_UNSET && a->deprecation_ms == AWS_TIME_UNSET,
		      "times absent: unset, not zero");
		CHECK(a->image_allowed == -1, "imageAllowed absent: -1");
	}
	CHECK_STR(im.request_id, "c8ed10b1-5ad2-40b0-b44e-da4c4183c026", "requestId");
	CHECK(im.next_token == NULL, "last page");
	aws_ec2_images_free(&im);
	CHECK(im.items == NULL && im.n == 0, "free zeroes");
	free(xml);
}

static void test_parse_instances(void)
{
	struct aws_ec2_instances r;

	memset(&r, 0, sizeof(r));
	CHECK(aws_ec2_parse_instances(instances_page1, sizeof(instances_page1) - 1, &r) == IT_OK, "instances parse");
	CHECK(r.n == 3, "three instances over two reservations: %zu", r.n);
	if (r.n == 3) {
		const struct aws_ec2_instance *a = &r.items[0], *b = &r.items[1], *c = &r.items[2];
		int64_t t;
		CHECK_STR(a->instance_id, "i-1234567890abcdef0", "instanceId");
		CHECK_STR(a->image_id, "ami-0123456789abcdef0", "imageId");
		CHECK_STR(a->state_name, "running", "state");
		CHECK(a->state_code == 16, "code");
		CHECK(parse_time_ms("2026-01-15T11:59:30Z", &t) == IT_OK && a->launch_time_ms == t,
		      "launchTime, not an attachTime");
		CHECK_STR(a->platform_details, "Linux/UNIX", "platformDetails");
		CHECK(a->platform == NULL, "no platform on Linux");
		CHECK(a->n_tags == 2, "two tags: %zu", a->n_tags);
		if (a->n_tags == 2) {
			CHECK_STR(a->tags[0].key, "Name", "tag key");
			CHECK_STR(a->tags[0].value, "web-1", "tag value");
			CHECK_STR(a->tags[1].key, "empty", "empty-valued tag key");
			CHECK_STR(a->tags[1].value, "", "empty value");
		}
		CHECK(b->state_code == 16, "EC2's internal high byte dropped (272 -> 16): %d", b->state_code);
		CHECK_STR(b->platform, "windows", "platform");
		CHECK(b->launch_time_ms == AWS_TIME_UNSET && b->n_tags == 0, "absent fields unset");
		CHECK_STR(c->state_name, "terminated", "third instance");
		CHECK(c->image_id == NULL, "no imageId: NULL");
	}
	CHECK_STR(r.next_token, "eyJ2IjoiMiJ9/+=", "nextToken");
	CHECK_STR(r.request_id, "8f7724cf-496f-496e-8fe3-example", "requestId");
	aws_ec2_instances_free(&r);
}

static void test_parse_metadata(void)
{
	struct aws_ec2_instance_images r;

	memset(&r, 0, sizeof(r));
	CHECK(aws_ec2_parse_instance_images(metadata_doc, sizeof(metadata_doc) - 1, &r) == IT_OK, "metadata parses");
	CHECK(r.n == 1, "one item");
	if (r.n == 1) {
		const struct aws_ec2_instance_image *it = &r.items[0];
		CHECK_STR(it->instance_id, "i-1234567890abcdef0", "instanceId");
		CHECK_STR(it->state_name, "running", "instanceState");
		CHECK(it->state_code == 16, "state code");
		CHECK_STR(it->image.image_id, "ami-0123456789abcdef0", "imageMetadata/imageId");
		CHECK_STR(it->image.owner_id, "123456789012", "the image's owner, not the instance's");
		CHECK_STR(it->image.state, "deregistered", "imageMetadata/state");
		CHECK_STR(it->image.name, "golden-al2023-2026.01", "name");
		CHECK(it->image.image_allowed == 0, "imageAllowed false");
		CHECK(it->image.creation_ms != AWS_TIME_UNSET && it->image.deprecation_ms > it->image.creation_ms,
		      "creation and deprecation times");
	}
	aws_ec2_instance_images_free(&r);
}

static void test_parse_rejections(void)
{
	static const struct {
		const char *name, *xml;
		int rc;
	} cases[] = {
		{"instance without instanceId",
		 "<R><reservationSet><item><instancesSet><item><imageId>ami-1</imageId></item></instancesSet></item></reservationSet></R>",
		 IT_EINVAL},
		{"unparsable launchTime",
		 "<R><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId><launchTime>yesterday</launchTime>"
		 "</item></instancesSet></item></reservationSet></R>",
		 IT_EINVAL},
		{"state code out of range",
		 "<R><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId><instanceState><code>70000</code>"
		 "</instanceState></item></instancesSet></item></reservationSet></R>",
		 IT_EINVAL},
		{"truncated document", "<R><reservationSet><item>", IT_EINVAL},
		{"DOCTYPE", "<!DOCTYPE R [<!ENTITY x \"y\">]><R>&x;</R>", IT_EINVAL},
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct aws_ec2_instances r = {.n = 99};
		int rc = aws_ec2_parse_instances(cases[i].xml, strlen(cases[i].xml), &r);
		CHECK(rc == cases[i].rc, "%s: %s", cases[i].name, status_str(rc));
		CHECK(r.n == 99 && r.items == NULL, "%s: result untouched", cases[i].name);
	}
	{
		struct aws_ec2_images im = {.n = 99};
		const char *no_id = "<R><imagesSet><item><name>x</name></item></imagesSet></R>";
		const char *bad_bool = "<R><imagesSet><item><imageId>ami-1</imageId><imageAllowed>yes</imageAllowed></item></imagesSet></R>";
		CHECK(aws_ec2_parse_images(no_id, strlen(no_id), &im) == IT_EINVAL && im.n == 99, "image without imageId");
		CHECK(aws_ec2_parse_images(bad_bool, strlen(bad_bool), &im) == IT_EINVAL && im.n == 99, "imageAllowed not a boolean");
	}
	{
		/* IT_AWS_MAX_ITEMS + 1 images: refused, not cut */
		struct buf b;
		struct aws_ec2_images im = {.n = 99};
		int rc = IT_OK;
		buf_init(&b, IT_MAX_AWS_RESPONSE);
		rc = buf_puts(&b, "<R><imagesSet>");
		for (int i = 0; i <= IT_AWS_MAX_ITEMS && rc == 0; i++)
			rc = buf_printf(&b, "<item><imageId>ami-%08d</imageId></item>", i);
		if (rc == 0)
			rc = buf_puts(&b, "</imagesSet></R>");
		CHECK(rc == IT_OK, "built");
		CHECK(aws_ec2_parse_images(b.data, b.len, &im) == IT_ETOOBIG && im.n == 99, "too many items: IT_ETOOBIG");
		buf_finish(&b);
	}
}

static void test_requests_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	json_t *ref;

	if (!ctx)
		return;
	{
		const char *ids[] = {"ami-0123456789abcdef0"};
		struct aws_ec2_images im;
		char *xml = sample_read("ec2-describeimages-response-aws-sdk-net-fixture.xml", NULL);
		double_push(&d, 200, xml, NULL);
		CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK, "describe images");
		CHECK(im.n == 1 && !strcmp(im.items[0].image_id, "ami-1a2b3c4d"), "the answer is parsed");
		aws_ec2_images_free(&im);
		ref = botocore_request(0);
		check_like_botocore(&d.reqs[0], ref, "DescribeImages");
		json_decref(ref);
		free(xml);
	}
	{
		const char *ids[] = {"i-1234567890abcdef0"};
		struct aws_ec2_instances in;
		d.n_reqs = 0;
		double_push(&d, 200, instances_page1, NULL);
		CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", ids, 1, &in, &err) == IT_OK, "describe instances");
		CHECK(in.n == 3, "parsed");
		aws_ec2_instances_free(&in);
		ref = botocore_request(2);
		check_like_botocore(&d.reqs[0], ref, "DescribeInstances");
		json_decref(ref);
	}
	{
		/* not a botocore sample: the same shape for the third call */
		const char *ids[] = {"i-1234567890abcdef0", "i-0000000000000000a"};
		struct aws_ec2_instance_images md;
		d.n_reqs = 0;
		double_push(&d, 200, metadata_doc, NULL);
		CHECK(aws_ec2_describe_instance_image_metadata(ctx, NULL, "us-east-1", ids, 2, &md, &err) == IT_OK, "metadata");
		aws_ec2_instance_images_free(&md);
		CHECK_STR(d.reqs[0].body, "Action=DescribeInstanceImageMetadata&Version=2016-11-15"
			  "&InstanceId.1=i-1234567890abcdef0&InstanceId.2=i-0000000000000000a", "metadata form");
	}
	aws_ctx_free(ctx);
}

static void test_pagination(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_ec2_instances p1, p2;
	struct aws_error err;

	if (!ctx)
		return;
	double_push(&d, 200, instances_page1, NULL);
	double_push(&d, 200, instances_page2, NULL);
	CHECK(aws_ec2_list_instances(ctx, "111122223333", "eu-west-1", NULL, &p1, &err) == IT_OK, "page 1");
	CHECK_STR(d.reqs[0].body, "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000", "first page: no NextToken");
	CHECK_STR(d.reqs[0].url, "https://ec2.eu-west-1.amazonaws.com/", "regional endpoint");
	CHECK(p1.n == 3 && p1.next_token != NULL, "page 1 has a next token");
	CHECK(aws_ec2_list_instances(ctx, "111122223333", "eu-west-1", p1.next_token, &p2, &err) == IT_OK, "page 2");
	CHECK_STR(d.reqs[1].body, "Action=DescribeInstances&Version=2016-11-15&MaxResults=1000&NextToken=eyJ2IjoiMiJ9%2F%2B%3D",
		  "the token goes back form-encoded");
	CHECK(p2.n == 1 && p2.next_token == NULL, "last page: no token");
	aws_ec2_instances_free(&p1);
	aws_ec2_instances_free(&p2);
	aws_ctx_free(ctx);
}

static void test_not_found(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	char *xml = sample_read("ec2-error-invalidamiid-notfound-captured.xml", NULL);

	if (!ctx || !xml) {
		aws_ctx_free(ctx);
		free(xml);
		return;
	}
	{
		const char *ids[] = {"ami-c7d092f7"};
		struct aws_ec2_images im = {.n = 99};
		memset(&err, 0, sizeof(err));
		err.attempts = 42;
		double_push(&d, 400, xml, NULL);
		CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", ids, 1, &im, &err) == IT_OK, "captured NotFound: OK");
		CHECK(im.n == 0 && im.items == NULL && im.request_id == NULL, "an empty result");
		CHECK(err.attempts == 42, "err untouched on success");
		CHECK(d.n_reqs == 1 && d.n_slept == 0, "not retried");
	}
	{
		/* the same answer to another call is an error: only its own stem means "none" */
		const char *ids[] = {"i-1234567890abcdef0"};
		struct aws_ec2_instances in = {.n = 99};
		double_push(&d, 400, xml, NULL);
		CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", ids, 1, &in, &err) == IT_ENOTFOUND,
		      "InvalidAMIID.NotFound for DescribeInstances is an error");
		CHECK(in.n == 99, "result untouched");
		CHECK_STR(err.code, "InvalidAMIID.NotFound", "code");
		CHECK_STR(err.request_id, "2faa7d19-2406-40a4-bcd0-4711a4918d2a", "RequestID (capital ID in errors)");
		CHECK(strstr(err.message, "does not exist") != NULL, "message: %s", err.message);
		CHECK(err.http_status == 400 && err.status == IT_ENOTFOUND, "status");
	}
	{
		const char *ids[] = {"i-1234567890abcdef0"};
		struct aws_ec2_instances in;
		double_push(&d, 400, "<Response><Errors><Error><Code>InvalidInstanceID.Malformed</Code></Error></Errors></Response>", NULL);
		CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", ids, 1, &in, &err) == IT_EREMOTE,
		      "Malformed is not NotFound");
		double_push(&d, 400, "<Response><Errors><Error><Code>InvalidAMIID.Unavailable</Code></Error></Errors></Response>", NULL);
		{
			const char *amis[] = {"ami-0123456789abcdef0"};
			struct aws_ec2_images im;
			CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", amis, 1, &im, &err) == IT_OK && im.n == 0,
			      ".Unavailable (deregistered) is an empty result too");
		}
	}
	free(xml);
	aws_ctx_free(ctx);
}

static void test_arguments(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	const char *many[IT_AWS_MAX_IDS + 1];
	const char *bad[] = {"i-1234567890abcdef0", "i-XYZ"};
	struct aws_ec2_instances in = {.n = 99};
	struct aws_error err;

	if (!ctx)
		return;
	for (size_t i = 0; i < ARRAY_LEN(many); i++)
		many[i] = "i-1234567890abcdef0";
	memset(&err, 0, sizeof(err));
	CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", many, ARRAY_LEN(many), &in, &err) == IT_EINVAL,
	      "more than IT_AWS_MAX_IDS ids");
	CHECK(err.status == IT_EINVAL && err.message[0], "err says why: %s", err.message);
	CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", many, 0, &in, &err) == IT_EINVAL, "no ids");
	CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", bad, 2, &in, &err) == IT_EINVAL, "a malformed id");
	CHECK(aws_ec2_describe_instance_image_metadata(ctx, NULL, "us-east-1", bad, 2, NULL, &err) == IT_EINVAL,
	      "a malformed id is our error, not 'no fallback'");
	CHECK(aws_ec2_describe_images(ctx, NULL, "us-east-1", bad, 1, NULL, &err) == IT_EINVAL, "an instance id as image id");
	CHECK(aws_ec2_describe_images(ctx, NULL, "nowhere-1", (const char *[]){"ami-0123456789abcdef0"}, 1, NULL, &err) == IT_EINVAL,
	      "bad region");
	CHECK(in.n == 99 && d.n_reqs == 0, "nothing sent for any of them");
	/* IT_AWS_MAX_IDS exactly is fine */
	double_push(&d, 200, "<R><reservationSet/></R>", NULL);
	CHECK(aws_ec2_describe_instances(ctx, NULL, "us-east-1", many, IT_AWS_MAX_IDS, &in, &err) == IT_OK && in.n == 0,
	      "IT_AWS_MAX_IDS ids");
	CHECK(strstr(d.reqs[0].body, "&InstanceId.200=i-1234567890abcdef0") != NULL, "numbered to 200");
	aws_ec2_instances_free(&in);
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_parse_images_fixture();
	test_parse_instances();
	test_parse_metadata();
	test_parse_rejections();
	test_requests_like_botocore();
	test_pagination();
	test_not_found();
	test_arguments();
	return tap_done();
}
