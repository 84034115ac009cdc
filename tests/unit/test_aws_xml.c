/*
 * test_aws_xml: the expat walker and every Query-API parser (EC2, STS, errors), on the
 * real samples in tests/data/aws (argv[1] = tests/data) and on inline documents for
 * the shapes no public sample has. Rejections first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_ec2.h"
#include "aws_sts.h"
#include "aws_xml.h"
#include "fixture_files.h"
#include "status.h"
#include "tap.h"

static const char *data_dir;

static char *sample(const char *name, size_t *len)
{
	char path[4096];
	char *d;

	snprintf(path, sizeof(path), "%s/aws/%s", data_dir, name);
	d = fixture_read(path, len);
	CHECK(d != NULL, "sample %s readable", path);
	return d;
}

static void test_rejects(void)
{
	struct aws_ec2_images im = {.n = 77};
	struct aws_ec2_instances in = {.n = 77};
	struct aws_xml_error xe = {.code = "untouched"};
	struct sigv4_credentials c;
	static const char doctype[] =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>";
	static const char entity_only[] = "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r/>";
	char deep[2048];
	size_t o = 0;

	CHECK(aws_xml_parse_error(doctype, strlen(doctype), &xe) == IT_EINVAL, "DOCTYPE refused");
	CHECK(aws_xml_parse_error(entity_only, strlen(entity_only), &xe) == IT_EINVAL, "external DTD refused");
	CHECK(aws_xml_parse_error("<a><b></a>", 10, &xe) == IT_EINVAL, "malformed");
	CHECK(aws_xml_parse_error("", 0, &xe) == IT_EINVAL, "empty");
	CHECK(aws_xml_parse_error("<a/>", 4, &xe) == IT_ENOTFOUND, "no Code");
	CHECK(!strcmp(xe.code, "untouched"), "error untouched on failure");
	for (int i = 0; i < IT_AWS_XML_DEPTH + 1; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "<d>");
	CHECK(aws_xml_parse_error(deep, o, &xe) == IT_ETOOBIG, "nesting bound");

	CHECK(aws_ec2_parse_images("<x><imagesSet><item><name>n</name></item></imagesSet></x>", 57, &im)
	      == IT_EINVAL && im.n == 77, "image without imageId rejected, out untouched");
	{
		const char *bad = "<x><imagesSet><item><imageId>ami-1</imageId><creationDate>yesterday"
				  "</creationDate></item></imagesSet></x>";
		CHECK(aws_ec2_parse_images(bad, strlen(bad), &im) == IT_EINVAL, "bad creationDate");
	}
	{
		const char *bad = "<x><reservationSet><item><instancesSet><item><instanceId>i-1</instanceId>"
				  "<instanceState><code>sixteen</code></instanceState></item></instancesSet>"
				  "</item></reservationSet></x>";
		CHECK(aws_ec2_parse_instances(bad, strlen(bad), &in) == IT_EINVAL && in.n == 77,
		      "bad state code");
	}
	{
		/* IT_AWS_MAX_TAGS + 1 tags on one image */
		char *big = malloc(64 * 1024);
		size_t n = 0;
		n += (size_t)snprintf(big + n, 64 * 1024 - n, "<x><imagesSet><item><imageId>ami-1</imageId><tagSet>");
		for (int i = 0; i <= IT_AWS_MAX_TAGS; i++)
			n += (size_t)snprintf(big + n, 64 * 1024 - n, "<item><key>k%d</key><value>v</value></item>", i);
		n += (size_t)snprintf(big + n, 64 * 1024 - n, "</tagSet></item></imagesSet></x>");
		CHECK(aws_ec2_parse_images(big, n, &im) == IT_ETOOBIG, "tag count bound");
		free(big);
	}
	memset(&c, 0x11, sizeof(c));
	CHECK(aws_sts_parse_credentials("<AssumeRoleResponse><AssumeRoleResult><Credentials>"
					"<AccessKeyId>A</AccessKeyId></Credentials></AssumeRoleResult>"
					"</AssumeRoleResponse>", 126, &c) == IT_EINVAL,
	      "STS credentials missing fields");
	CHECK(c.access_key_id[0] == 0x11, "creds untouched");
}

static void test_samples(void)
{
	size_t len = 0;
	char *d;
	struct aws_ec2_images im;
	struct aws_xml_error xe;
	struct sigv4_credentials c;

	d = sample("ec2-describeimages-response-aws-sdk-net-fixture.xml", &len);
	if (d) {
		CHECK(aws_ec2_parse_images(d, len, &im) == IT_OK, "DescribeImages fixture parses");
		CHECK(im.n == 1, "one image, got %zu", im.n);
		if (im.n == 1) {
			struct aws_ec2_image *i = &im.items[0];
			CHECK_STR(i->image_id, "ami-1a2b3c4d", "imageId");
			CHECK_STR(i->owner_id, "111122223333", "owner");
			CHECK_STR(i->owner_alias, "amazon", "alias");
			CHECK_STR(i->name, "getting-started", "name");
			CHECK_STR(i->state, "available", "state");
			CHECK(i->creation_ms == AWS_TIME_UNSET, "no creationDate in fixture");
			CHECK(i->deprecation_ms == AWS_TIME_UNSET, "no deprecationTime");
			CHECK(i->n_tags == 0 && i->n_product_codes == 0, "empty tagSet, no codes");
			CHECK(i->platform == NULL && i->image_allowed == -1, "no platform");
		}
		CHECK_STR(im.request_id, "c8ed10b1-5ad2-40b0-b44e-da4c4183c026", "requestId");
		CHECK(im.next_token == NULL, "no nextToken");
		aws_ec2_images_free(&im);
		aws_ec2_images_free(&im);
		free(d);
	}
	d = sample("ec2-error-invalidamiid-notfound-captured.xml", &len);
	if (d) {
		CHECK(aws_xml_parse_error(d, len, &xe) == IT_OK, "EC2 error parses");
		CHECK_STR(xe.code, "InvalidAMIID.NotFound", "code");
		CHECK_STR(xe.message, "The image id '[ami-c7d092f7]' does not exist", "message");
		CHECK_STR(xe.request_id, "2faa7d19-2406-40a4-bcd0-4711a4918d2a", "RequestID");
		free(d);
	}
	d = sample("sts-error-invalidclienttokenid.xml", &len);
	if (d) {
		CHECK(aws_xml_parse_error(d, len, &xe) == IT_OK, "STS error parses");
		CHECK_STR(xe.code, "InvalidClientTokenId", "code");
		CHECK_STR(xe.request_id, "cb8d1c0c-9eb2-11e8-8f77-515da1a9422f", "RequestId");
		free(d);
	}
	d = sample("sts-assumerole-response-awsdocs-example.xml", &len);
	if (d) {
		CHECK(aws_sts_parse_credentials(d, len, &c) == IT_OK, "AssumeRole response parses");
		CHECK_STR(c.access_key_id, "ASIAIOSFODNN7EXAMPLE", "key id");
		CHECK_STR(c.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "secret");
		/* the same token the aws-c-auth post-sts-header-before case carries on one line */
		CHECK_STR(c.session_token, "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==", "token unwrapped");
		CHECK(c.expiration_ms == 1573306481000LL, "Expiration 2019-11-09T13:34:41Z: %lld",
		      (long long)c.expiration_ms);
		free(d);
	}
}

static void test_instances(void)
{
	static const char xml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
		"<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
		"<requestId>r-1</requestId><reservationSet><item><reservationId>r-0</reservationId>"
		"<instancesSet><item><instanceId>i-1234567890abcdef0</instanceId>"
		"<imageId>ami-0123456789abcdef0</imageId>"
		"<instanceState><code>272</code><name>running</name></instanceState>"
		"<launchTime>2026-01-15T11:59:00.000Z</launchTime><platform>windows</platform>"
		"<platformDetails>Windows</platformDetails>"
		"<networkInterfaceSet><item><attachment><attachTime>2020-01-01T00:00:00Z</attachTime>"
		"</attachment><tagSet><item><key>wrong</key><value>x</value></item></tagSet></item>"
		"</networkInterfaceSet>"
		"<tagSet><item><key>Name</key><value>web 1</value></item><item><key>env</key>"
		"<value></value></item></tagSet></item>"
		"<item><instanceId>i-0000000000000000a</instanceId><imageId>ami-0000000a</imageId>"
		"<instanceState><code>80</code><name>stopped</name></instanceState></item>"
		"</instancesSet></item></reservationSet><nextToken>tok+/=</nextToken>"
		"</DescribeInstancesResponse>";
	struct aws_ec2_instances r;

	CHECK(aws_ec2_parse_instances(xml, strlen(xml), &r) == IT_OK, "instances parse");
	CHECK(r.n == 2, "two instances: %zu", r.n);
	if (r.n == 2) {
		CHECK_STR(r.items[0].instance_id, "i-1234567890abcdef0", "id");
		CHECK_STR(r.items[0].image_id, "ami-0123456789abcdef0", "image");
		CHECK(r.items[0].state_code == 16, "low byte of 272 is 16: %d", r.items[0].state_code);
		CHECK_STR(r.items[0].state_name, "running", "state");
		CHECK(r.items[0].launch_time_ms == 1768478340000LL, "launch time");
		CHECK_STR(r.items[0].platform, "windows", "platform");
		CHECK_STR(r.items[0].platform_details, "Windows", "details");
		CHECK(r.items[0].n_tags == 2, "ENI tags not mixed in: %zu", r.items[0].n_tags);
		if (r.items[0].n_tags == 2) {
			CHECK_STR(r.items[0].tags[0].key, "Name", "tag key");
			CHECK_STR(r.items[0].tags[0].value, "web 1", "tag value");
			CHECK_STR(r.items[0].tags[1].value, "", "empty tag value");
		}
		CHECK(r.items[1].state_code == 80 && r.items[1].launch_time_ms == AWS_TIME_UNSET,
		      "second instance");
	}
	CHECK_STR(r.next_token, "tok+/=", "nextToken");
	CHECK_STR(r.request_id, "r-1", "requestId");
	aws_ec2_instances_free(&r);
}

static void test_images_full(void)
{
	static const char xml[] =
		"<DescribeImagesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
		"<requestId>q</requestId><imagesSet><item><imageId>ami-0123456789abcdef0</imageId>"
		"<imageState>available</imageState><imageOwnerId>123456789012</imageOwnerId>"
		"<creationDate>2025-06-01T10:00:00.000Z</creationDate>"
		"<deprecationTime>2027-06-01T10:00:00.000Z</deprecationTime>"
		"<productCodes><item><productCode>abc123</productCode><type>marketplace</type></item>"
		"</productCodes><platform>windows</platform><platformDetails>Windows</platformDetails>"
		"<name>golden-al2023-2025</name><imageAllowed>false</imageAllowed>"
		"<blockDeviceMapping><item><deviceName>/dev/xvda</deviceName></item></blockDeviceMapping>"
		"<tagSet><item><key>team</key><value>platform</value></item></tagSet></item>"
		"</imagesSet></DescribeImagesResponse>";
	static const char empty[] =
		"<DescribeImagesResponse><requestId>e</requestId><imagesSet/></DescribeImagesResponse>";
	struct aws_ec2_images r;

	CHECK(aws_ec2_parse_images(xml, strlen(xml), &r) == IT_OK && r.n == 1, "full image");
	if (r.n == 1) {
		struct aws_ec2_image *i = &r.items[0];
		CHECK(i->creation_ms == 1748772000000LL, "creation");
		CHECK(i->deprecation_ms == 1811844000000LL, "deprecation");
		CHECK(i->n_product_codes == 1, "codes");
		if (i->n_product_codes == 1) {
			CHECK_STR(i->product_codes[0].code, "abc123", "code");
			CHECK_STR(i->product_codes[0].type, "marketplace", "type");
		}
		CHECK(i->image_allowed == 0, "imageAllowed false");
		CHECK(i->n_tags == 1, "tags");
		CHECK_STR(i->name, "golden-al2023-2025", "name");
	}
	aws_ec2_images_free(&r);
	CHECK(aws_ec2_parse_images(empty, strlen(empty), &r) == IT_OK && r.n == 0 && r.items == NULL,
	      "empty imagesSet is an empty list");
	aws_ec2_images_free(&r);
}

static void test_metadata(void)
{
	static const char xml[] =
		"<DescribeInstanceImageMetadataResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
		"<requestId>m</requestId><instanceImageMetadataSet><item>"
		"<instanceId>i-1234567890abcdef0</instanceId><instanceType>t3.micro</instanceType>"
		"<launchTime>2024-08-28T11:25:45.000Z</launchTime>"
		"<instanceState><code>16</code><name>running</name></instanceState>"
		"<imageMetadata><imageId>ami-0123456789abcdef0</imageId><name>old-image</name>"
		"<imageOwnerId>123456789012</imageOwnerId><imageState>deregistered</imageState>"
		"<imageOwnerAlias>amazon</imageOwnerAlias><creationDate>2023-01-01T00:00:00.000Z</creationDate>"
		"<isPublic>false</isPublic></imageMetadata></item></instanceImageMetadataSet>"
		"</DescribeInstanceImageMetadataResponse>";
	struct aws_ec2_instance_images r;

	CHECK(aws_ec2_parse_instance_images(xml, strlen(xml), &r) == IT_OK && r.n == 1, "metadata");
	if (r.n == 1) {
		CHECK_STR(r.items[0].instance_id, "i-1234567890abcdef0", "instance");
		CHECK(r.items[0].state_code == 16, "state");
		CHECK_STR(r.items[0].image.image_id, "ami-0123456789abcdef0", "image id");
		CHECK_STR(r.items[0].image.state, "deregistered", "image state");
		CHECK_STR(r.items[0].image.owner_id, "123456789012", "owner");
		CHECK_STR(r.items[0].image.name, "old-image", "name");
		CHECK(r.items[0].image.creation_ms == 1672531200000LL, "creation");
	}
	aws_ec2_instance_images_free(&r);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_aws_xml DATA_DIR (tests/data)\n");
		return 2;
	}
	data_dir = argv[1];
	test_rejects();
	test_samples();
	test_instances();
	test_images_full();
	test_metadata();
	return tap_done();
}
