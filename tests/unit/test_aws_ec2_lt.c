/*
 * test_aws_ec2_lt: the EC2 client's launch-template calls (DescribeLaunchTemplates,
 * DescribeLaunchTemplateVersions with and without ResolveAlias).
 *
 * Answers: the EC2 API reference's sample responses in tests/data/aws/launch-templates
 * (argv[1] is tests/data/aws), exact values; a version whose data nests items of its own
 * (network interfaces, block devices) must not be read as versions; rejections (no id,
 * no version number, a bad number, too many items). Requests: the same form, headers and
 * signature as botocore sends for the same call
 * (launch-templates/botocore-1.29.27-generated-signed-requests-launch-templates.json);
 * ResolveAlias, which that botocore does not know, is checked on the form; paging; a
 * template EC2 does not know and a version it does not know; arguments refused before
 * anything is sent.
 */
#include <string.h>

#include "aws_double.h"
#include "aws_ec2.h"
#include "aws_samples.h"
#include "parse.h"
#include "status.h"
#include "tap.h"

static int64_t T(const char *s)
{
	int64_t ms = 0;
	if (parse_time_ms(s, &ms) != IT_OK)
		exit(2);
	return ms;
}

static json_t *lt_botocore(size_t i)
{
	json_error_t je;
	char *text = sample_read("launch-templates/botocore-1.29.27-generated-signed-requests-launch-templates.json", NULL);
	json_t *doc = text ? json_loads(text, 0, &je) : NULL;
	json_t *req = json_incref(json_array_get(json_object_get(doc, "requests"), i));

	free(text);
	json_decref(doc);
	CHECK(json_is_object(req), "botocore launch-template request %zu", i);
	return req;
}

static void test_parse_samples(void)
{
	char *xml = sample_read("launch-templates/ec2api-DescribeLaunchTemplates-response.xml", NULL);
	struct aws_ec2_launch_templates lts;
	struct aws_ec2_lt_versions vs;

	if (xml && aws_ec2_parse_launch_templates(xml, strlen(xml), &lts) == IT_OK) {
		CHECK(lts.n == 1, "one template: %zu", lts.n);
		CHECK_STR(lts.items[0].template_id, "lt-0a20c965061f64abc", "id");
		CHECK_STR(lts.items[0].name, "MyLaunchTemplate", "name");
		CHECK(lts.items[0].default_version == 1 && lts.items[0].latest_version == 1, "versions");
		CHECK(lts.items[0].create_ms == T("2017-10-31T11:38:52.000Z"), "createTime");
		CHECK_STR(lts.request_id, "1afa6e44-eb38-4229-8db6-d5eaexample", "request id");
		CHECK(lts.next_token == NULL, "no next page");
		aws_ec2_launch_templates_free(&lts);
	} else {
		CHECK(0, "DescribeLaunchTemplates sample parses");
	}
	free(xml);

	xml = sample_read("launch-templates/ec2api-DescribeLaunchTemplateVersions-example1-response.xml", NULL);
	if (xml && aws_ec2_parse_lt_versions(xml, strlen(xml), &vs) == IT_OK) {
		static const struct {
			int64_t n;
			int is_default;
			const char *image;
		} want[] = {{1, 1, "ami-8c1be5f6"}, {2, 0, "ami-12345678"}, {3, 0, "ami-aabbccdd"}};
		CHECK(vs.n == 3, "three versions: %zu", vs.n);
		for (size_t i = 0; i < 3 && i < vs.n; i++) {
			CHECK_STR(vs.items[i].template_id, "lt-0a20c965061f64abc", "id");
			CHECK(vs.items[i].number == want[i].n, "number %lld", (long long)vs.items[i].number);
			CHECK(vs.items[i].is_default == want[i].is_default, "default of %zu", i);
			CHECK_STR(vs.items[i].image_id, want[i].image, "image");
		}
		CHECK(vs.n && vs.items[0].create_ms == T("2017-10-31T11:38:52.000Z"), "createTime");
		aws_ec2_lt_versions_free(&vs);
	} else {
		CHECK(0, "DescribeLaunchTemplateVersions example 1 parses");
	}
	free(xml);

	/* example 2: the $Latest of every template in the account, three templates */
	xml = sample_read("launch-templates/ec2api-DescribeLaunchTemplateVersions-example2-latest-response.xml", NULL);
	if (xml && aws_ec2_parse_lt_versions(xml, strlen(xml), &vs) == IT_OK) {
		CHECK(vs.n == 3, "three templates' versions");
		CHECK(vs.n == 3 && !strcmp(vs.items[1].template_id, "lt-2222222222EXAMPLE") && vs.items[1].number == 3 &&
			      !strcmp(vs.items[2].image_id, "ami-aabbccdd") && vs.items[2].number == 2,
		      "each template's own version");
		aws_ec2_lt_versions_free(&vs);
	} else {
		CHECK(0, "DescribeLaunchTemplateVersions example 2 parses");
	}
	free(xml);
}

/* A version with nested items and an alias as written (no ResolveAlias). */
static const char versions_nested[] =
	"<DescribeLaunchTemplateVersionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	"<requestId>r1</requestId><launchTemplateVersionSet><item>"
	"<createTime>2022-12-27T17:11:21.000Z</createTime><defaultVersion>true</defaultVersion>"
	"<launchTemplateData><imageId>resolve:ssm:golden-ami</imageId><instanceType>t2.micro</instanceType>"
	"<networkInterfaceSet><item><deviceIndex>0</deviceIndex><groupSet><item>sg-1</item></groupSet></item>"
	"</networkInterfaceSet><blockDeviceMappingSet><item><deviceName>/dev/xvda</deviceName>"
	"<ebs><volumeSize>8</volumeSize></ebs></item></blockDeviceMappingSet>"
	"<tagSpecificationSet><item><resourceType>instance</resourceType><tagSet><item><key>k</key>"
	"<value>v</value></item></tagSet></item></tagSpecificationSet></launchTemplateData>"
	"<launchTemplateId>lt-068f72b7240a1b2c3</launchTemplateId>"
	"<launchTemplateName>my-template-for-auto-scaling</launchTemplateName>"
	"<versionNumber>1</versionNumber></item>"
	"<item><launchTemplateId>lt-068f72b7240a1b2c3</launchTemplateId><versionNumber>7</versionNumber>"
	"<defaultVersion>false</defaultVersion><launchTemplateData/></item>"
	"</launchTemplateVersionSet><nextToken>tok/+=</nextToken></DescribeLaunchTemplateVersionsResponse>";

static void test_parse_shapes(void)
{
	struct aws_ec2_lt_versions vs;

	CHECK(aws_ec2_parse_lt_versions(versions_nested, strlen(versions_nested), &vs) == IT_OK, "nested parses");
	CHECK(vs.n == 2, "nested items are not versions: %zu", vs.n);
	if (vs.n == 2) {
		CHECK_STR(vs.items[0].image_id, "resolve:ssm:golden-ami", "the alias as written");
		CHECK(vs.items[0].is_default == 1 && vs.items[0].number == 1, "first");
		CHECK(vs.items[1].image_id == NULL && vs.items[1].number == 7 && vs.items[1].is_default == 0,
		      "data without an image");
		CHECK(vs.items[1].create_ms == AWS_TIME_UNSET, "no createTime");
		CHECK_STR(vs.next_token, "tok/+=", "next token");
	}
	aws_ec2_lt_versions_free(&vs);

	/* rejections: a version without an id or a number, a bad number, a bad default */
	{
		static const char *const bad[] = {
			"<R><launchTemplateVersionSet><item><versionNumber>1</versionNumber></item></launchTemplateVersionSet></R>",
			"<R><launchTemplateVersionSet><item><launchTemplateId>lt-01234567</launchTemplateId></item>"
			"</launchTemplateVersionSet></R>",
			"<R><launchTemplateVersionSet><item><launchTemplateId>lt-01234567</launchTemplateId>"
			"<versionNumber>0</versionNumber></item></launchTemplateVersionSet></R>",
			"<R><launchTemplateVersionSet><item><launchTemplateId>lt-01234567</launchTemplateId>"
			"<versionNumber>1</versionNumber><defaultVersion>yes</defaultVersion></item></launchTemplateVersionSet></R>",
			"<R><launchTemplateVersionSet><item><launchTemplateId>lt-01234567</launchTemplateId>"
			"<versionNumber>99999999999999999999</versionNumber></item></launchTemplateVersionSet></R>",
			"<R><launchTemplateVersionSet><item>",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct aws_ec2_lt_versions r = {.n = 77};
			CHECK(aws_ec2_parse_lt_versions(bad[i], strlen(bad[i]), &r) != IT_OK, "bad version %zu refused", i);
			CHECK(r.n == 77, "untouched %zu", i);
		}
	}
	{
		static const char *const bad[] = {
			"<R><launchTemplates><item><launchTemplateName>x</launchTemplateName></item></launchTemplates></R>",
			"<R><launchTemplates><item><launchTemplateId>lt-01234567</launchTemplateId>"
			"<defaultVersionNumber>-1</defaultVersionNumber></item></launchTemplates></R>",
			"<R><launchTemplates><item><launchTemplateId>lt-01234567</launchTemplateId>"
			"<createTime>yesterday</createTime></item></launchTemplates></R>",
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct aws_ec2_launch_templates r = {.n = 77};
			CHECK(aws_ec2_parse_launch_templates(bad[i], strlen(bad[i]), &r) != IT_OK, "bad template %zu", i);
			CHECK(r.n == 77, "untouched %zu", i);
		}
	}
	/* IT_AWS_MAX_ITEMS templates is the limit, one more is refused */
	{
		struct buf b;
		struct aws_ec2_launch_templates r;
		buf_init(&b, 1024 * 1024);
		CHECK(buf_puts(&b, "<R><launchTemplates>") == IT_OK, "buf");
		for (int i = 0; i <= IT_AWS_MAX_ITEMS; i++)
			CHECK(buf_printf(&b, "<item><launchTemplateId>lt-%08x</launchTemplateId></item>", (unsigned)i) == IT_OK,
			      "buf");
		CHECK(buf_puts(&b, "</launchTemplates></R>") == IT_OK, "buf");
		CHECK(aws_ec2_parse_launch_templates(buf_str(&b), b.len, &r) == IT_ETOOBIG, "over IT_AWS_MAX_ITEMS");
		buf_finish(&b);
	}
}

static void test_requests_like_botocore(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_error err;
	char *xml = sample_read("launch-templates/ec2api-DescribeLaunchTemplates-response.xml", NULL);
	char *vxml = sample_read("launch-templates/ec2api-DescribeLaunchTemplateVersions-example1-response.xml", NULL);
	json_t *ref;

	if (!ctx || !xml || !vxml)
		goto out;
	{
		const char *ids[] = {"lt-0a20c965061f64abc"};
		struct aws_ec2_launch_templates r;
		double_push(&d, 200, xml, NULL);
		CHECK(aws_ec2_describe_launch_templates(ctx, NULL, "us-east-1", ids, 1, &r, &err) == IT_OK, "by id");
		ref = lt_botocore(0);
		if (ref)
			check_like_botocore(&d.reqs[0], ref, "DescribeLaunchTemplates by id");
		json_decref(ref);
		aws_ec2_launch_templates_free(&r);
	}
	{
		struct aws_ec2_launch_templates r;
		double_push(&d, 200, xml, NULL);
		CHECK(aws_ec2_list_launch_templates(ctx, NULL, "us-east-1", NULL, &r, &err) == IT_OK, "a page");
		ref = lt_botocore(1);
		if (ref)
			check_like_botocore(&d.reqs[1], ref, "DescribeLaunchTemplates MaxResults=200");
		json_decref(ref);
		aws_ec2_launch_templates_free(&r);
	}
	{
		const char *v[] = {"$Default", "$Latest"};
		struct aws_ec2_lt_versions r;
		double_push(&d, 200, vxml, NULL);
		CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-0a20c965061f64abc", v, 2, 0, NULL, &r, &err) ==
			      IT_OK,
		      "one template's $Default and $Latest");
		ref = lt_botocore(2);
		if (ref)
			check_like_botocore(&d.reqs[2], ref, "DescribeLaunchTemplateVersions of one template");
		json_decref(ref);
		aws_ec2_lt_versions_free(&r);
		double_push(&d, 200, vxml, NULL);
		CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", NULL, v, 2, 0, NULL, &r, &err) == IT_OK,
		      "every template's");
		ref = lt_botocore(3);
		if (ref)
			check_like_botocore(&d.reqs[3], ref, "DescribeLaunchTemplateVersions of every template");
		json_decref(ref);
		aws_ec2_lt_versions_free(&r);
		/* ResolveAlias (botocore 1.29.27 predates it): after the versions, as botocore
		 * orders members by its model (ResolveAlias is the model's last member) */
		double_push(&d, 200, vxml, NULL);
		CHECK(aws_ec2_describe_lt_versions(ctx, "111122223333", "eu-west-1", "lt-0a20c965061f64abc",
						   (const char *[]){"3"}, 1, 1, NULL, &r, &err) == IT_OK,
		      "ResolveAlias in a member account");
		CHECK_STR(d.reqs[4].body,
			  "Action=DescribeLaunchTemplateVersions&Version=2016-11-15&LaunchTemplateId=lt-0a20c965061f64abc"
			  "&LaunchTemplateVersion.1=3&ResolveAlias=true",
			  "ResolveAlias form");
		CHECK_STR(d.reqs[4].url, "https://ec2.eu-west-1.amazonaws.com/", "regional endpoint");
		aws_ec2_lt_versions_free(&r);
	}
out:
	free(xml);
	free(vxml);
	aws_ctx_free(ctx);
}

static const char lt_page1[] =
	"<DescribeLaunchTemplatesResponse><requestId>p1</requestId><launchTemplates>"
	"<item><launchTemplateId>lt-00000000000000001</launchTemplateId><defaultVersionNumber>2</defaultVersionNumber>"
	"<latestVersionNumber>5</latestVersionNumber><tagSet><item><key>Team</key><value>web</value></item></tagSet></item>"
	"</launchTemplates><nextToken>a+b/c=</nextToken></DescribeLaunchTemplatesResponse>";
static const char lt_page2[] =
	"<DescribeLaunchTemplatesResponse><requestId>p2</requestId><launchTemplates>"
	"<item><launchTemplateId>lt-00000000000000002</launchTemplateId></item>"
	"</launchTemplates></DescribeLaunchTemplatesResponse>";

static const char version_not_found[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidLaunchTemplateId.VersionNotFound"
	"</Code><Message>Could not find launch template version 9 for launch template lt-0a20c965061f64abc</Message>"
	"</Error></Errors><RequestID>v1</RequestID></Response>";
static const char template_not_found[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidLaunchTemplateId.NotFound"
	"</Code><Message>The specified launch template, with template ID lt-0a20c965061f64abc, does not exist."
	"</Message></Error></Errors><RequestID>n1</RequestID></Response>";

static void test_paging_and_not_found(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_ec2_launch_templates p1, p2;
	struct aws_ec2_lt_versions vs = {.n = 5};
	struct aws_error err;
	const char *v9[] = {"9"};

	if (!ctx)
		return;
	double_push(&d, 200, lt_page1, NULL);
	double_push(&d, 200, lt_page2, NULL);
	CHECK(aws_ec2_list_launch_templates(ctx, "111122223333", "us-east-1", NULL, &p1, &err) == IT_OK, "page 1");
	CHECK(p1.n == 1 && p1.items[0].default_version == 2 && p1.items[0].latest_version == 5 && p1.items[0].n_tags == 1,
	      "page 1 values");
	CHECK(aws_ec2_list_launch_templates(ctx, "111122223333", "us-east-1", p1.next_token, &p2, &err) == IT_OK, "page 2");
	CHECK_STR(d.reqs[1].body, "Action=DescribeLaunchTemplates&Version=2016-11-15&MaxResults=200&NextToken=a%2Bb%2Fc%3D",
		  "the token goes back form-encoded");
	CHECK(p2.n == 1 && p2.next_token == NULL && p2.items[0].default_version == 0, "last page");
	aws_ec2_launch_templates_free(&p1);
	aws_ec2_launch_templates_free(&p2);

	double_push(&d, 400, version_not_found, NULL);
	memset(&err, 0, sizeof(err));
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-0a20c965061f64abc", v9, 1, 0, NULL, &vs, &err) ==
		      IT_ENOTFOUND,
	      "an unknown version is IT_ENOTFOUND");
	CHECK(err.status == IT_ENOTFOUND && !strcmp(err.code, "InvalidLaunchTemplateId.VersionNotFound"), "err says so");
	CHECK(vs.n == 5, "result untouched");
	double_push(&d, 400, template_not_found, NULL);
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-0a20c965061f64abc", v9, 1, 0, NULL, &vs, &err) ==
		      IT_OK,
	      "an unknown template is an empty result");
	CHECK(vs.n == 0 && vs.items == NULL, "empty");
	double_push(&d, 400, template_not_found, NULL);
	{
		const char *ids[] = {"lt-0a20c965061f64abc"};
		struct aws_ec2_launch_templates r = {.n = 3};
		CHECK(aws_ec2_describe_launch_templates(ctx, NULL, "us-east-1", ids, 1, &r, &err) == IT_OK, "by id: empty");
		CHECK(r.n == 0, "none");
	}
	aws_ctx_free(ctx);
}

static void test_arguments(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx = sample_ctx(&d, &clk, BOTOCORE_ENV);
	struct aws_ec2_lt_versions vs = {.n = 5};
	struct aws_ec2_launch_templates lts = {.n = 5};
	struct aws_error err;
	const char *good[] = {"$Default"}, *bad_v[] = {"$Newest"}, *num[] = {"3"}, *bad_id[] = {"lt-XYZ"};

	if (!ctx)
		return;
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-bad", good, 1, 0, NULL, &vs, &err) == IT_EINVAL,
	      "bad template id");
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-0a20c965061f64abc", bad_v, 1, 0, NULL, &vs, &err) ==
		      IT_EINVAL,
	      "bad version");
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", "lt-0a20c965061f64abc", good, 0, 0, NULL, &vs, &err) ==
		      IT_EINVAL,
	      "no version");
	CHECK(aws_ec2_describe_lt_versions(ctx, NULL, "us-east-1", NULL, num, 1, 0, NULL, &vs, &err) == IT_EINVAL,
	      "a number for every template");
	CHECK(aws_ec2_describe_launch_templates(ctx, NULL, "us-east-1", bad_id, 1, &lts, &err) == IT_EINVAL, "bad id");
	CHECK(d.n_reqs == 0, "nothing sent");
	CHECK(vs.n == 5 && lts.n == 5, "results untouched");
	aws_ctx_free(ctx);
}

int main(int argc, char **argv)
{
	sample_init(argc, argv);
	test_parse_samples();
	test_parse_shapes();
	test_requests_like_botocore();
	test_paging_and_not_found();
	test_arguments();
	return tap_done();
}
