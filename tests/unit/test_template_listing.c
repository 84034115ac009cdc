/*
 * test_template_listing: the sweep's listing of a Region's launch templates over the
 * scripted AWS double: two paged calls (DescribeLaunchTemplates, then every template's
 * $Default and $Latest), each template handed out once, sorted, with the versions the
 * second call answered for it; a version of a template the first call did not list is
 * dropped; a template without versions is still listed; an error hands nothing out.
 */
#include <string.h>

#include "aws_double.h"
#include "status.h"
#include "tap.h"
#include "template_listing.h"

static const char *const ENV[] = {
	"AWS_ACCESS_KEY_ID=AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"AWS_REGION=us-east-1", NULL,
};

static const char templates1[] =
	"<DescribeLaunchTemplatesResponse><launchTemplates>"
	"<item><launchTemplateId>lt-0000000000000000c</launchTemplateId><launchTemplateName>c</launchTemplateName>"
	"<defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>1</latestVersionNumber></item>"
	"<item><launchTemplateId>lt-0000000000000000a</launchTemplateId><launchTemplateName>a</launchTemplateName>"
	"<defaultVersionNumber>2</defaultVersionNumber><latestVersionNumber>5</latestVersionNumber></item>"
	"<item><launchTemplateId>not-a-template</launchTemplateId></item>"
	"</launchTemplates><nextToken>p2</nextToken></DescribeLaunchTemplatesResponse>";
static const char templates2[] =
	"<DescribeLaunchTemplatesResponse><launchTemplates>"
	"<item><launchTemplateId>lt-0000000000000000b</launchTemplateId>"
	"<defaultVersionNumber>1</defaultVersionNumber><latestVersionNumber>1</latestVersionNumber></item>"
	"</launchTemplates></DescribeLaunchTemplatesResponse>";
static const char versions1[] =
	"<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet>"
	"<item><launchTemplateId>lt-0000000000000000a</launchTemplateId><versionNumber>2</versionNumber>"
	"<defaultVersion>true</defaultVersion><launchTemplateData><imageId>resolve:ssm:golden-ami</imageId>"
	"</launchTemplateData></item>"
	"<item><launchTemplateId>lt-0000000000000000a</launchTemplateId><versionNumber>5</versionNumber>"
	"<defaultVersion>false</defaultVersion><launchTemplateData><imageId>ami-0123456789abcdef0</imageId>"
	"</launchTemplateData></item>"
	"<item><launchTemplateId>lt-0000000000000000c</launchTemplateId><versionNumber>1</versionNumber>"
	"<defaultVersion>true</defaultVersion><launchTemplateData/></item>"
	"</launchTemplateVersionSet><nextToken>v2</nextToken></DescribeLaunchTemplateVersionsResponse>";
static const char versions2[] =
	"<DescribeLaunchTemplateVersionsResponse><launchTemplateVersionSet>"
	"<item><launchTemplateId>lt-0000000000000000c</launchTemplateId><versionNumber>1</versionNumber>"
	"<defaultVersion>true</defaultVersion><launchTemplateData/></item>"
	"<item><launchTemplateId>lt-0000000000000000f</launchTemplateId><versionNumber>1</versionNumber>"
	"<defaultVersion>true</defaultVersion><launchTemplateData><imageId>ami-0123456789abcdef0</imageId>"
	"</launchTemplateData></item>"
	"</launchTemplateVersionSet></DescribeLaunchTemplateVersionsResponse>";

struct seen {
	char ids[8][24];
	size_t n;
	int ok_a, ok_b, ok_c;
};

static int take(void *fctx, const struct lt_listed *t)
{
	struct seen *s = fctx;

	if (s->n < 8)
		snprintf(s->ids[s->n++], 24, "%s", t->template_id);
	if (!strcmp(t->template_id, "lt-0000000000000000a"))
		s->ok_a = t->n == 2 && t->default_version == 2 && t->latest_version == 5 && t->v[0].number == 2 &&
			  t->v[0].is_default && !strcmp(t->v[0].image, "resolve:ssm:golden-ami") && t->v[1].number == 5 &&
			  !t->v[1].is_default && !strcmp(t->v[1].image, "ami-0123456789abcdef0") && !strcmp(t->name, "a");
	if (!strcmp(t->template_id, "lt-0000000000000000b"))
		s->ok_b = t->n == 0 && t->name == NULL && t->default_version == 1;
	if (!strcmp(t->template_id, "lt-0000000000000000c"))
		s->ok_c = t->n == 1 && t->v[0].image == NULL && t->v[0].is_default;
	return IT_OK;
}

static int stop(void *fctx, const struct lt_listed *t)
{
	(void)fctx;
	(void)t;
	return IT_ECONFLICT;
}

int main(void)
{
	struct aws_double d;
	struct clock clk;
	struct aws_ctx *ctx;
	struct aws_error err;
	struct seen s;
	size_t n = 0;

	double_init(&d);
	ctx = double_ctx(&d, ENV, NULL, NULL, &clk);
	CHECK(ctx != NULL, "ctx");
	if (!ctx)
		return tap_done();
	double_push(&d, 200, templates1, NULL);
	double_push(&d, 200, templates2, NULL);
	double_push(&d, 200, versions1, NULL);
	double_push(&d, 200, versions2, NULL);
	memset(&s, 0, sizeof(s));
	CHECK(template_listing(ctx, "111122223333", "eu-west-1", take, &s, &n, &err) == IT_OK, "listing");
	CHECK(n == 3 && s.n == 3, "three templates (the malformed id dropped): %zu", n);
	CHECK(!strcmp(s.ids[0], "lt-0000000000000000a") && !strcmp(s.ids[1], "lt-0000000000000000b") &&
		      !strcmp(s.ids[2], "lt-0000000000000000c"),
	      "sorted by id");
	CHECK(s.ok_a, "a: default 2 as written and latest 5");
	CHECK(s.ok_b, "b: listed without versions");
	CHECK(s.ok_c, "c: one version that is both, answered twice, kept once");
	CHECK(d.n_reqs == 4, "four calls: %zu", d.n_reqs);
	CHECK(!strcmp(d.reqs[1].body, "Action=DescribeLaunchTemplates&Version=2016-11-15&MaxResults=200&NextToken=p2"),
	      "templates page 2: %s", d.reqs[1].body);
	CHECK(!strcmp(d.reqs[2].body,
		      "Action=DescribeLaunchTemplateVersions&Version=2016-11-15&LaunchTemplateVersion.1=%24Default"
		      "&LaunchTemplateVersion.2=%24Latest&MaxResults=200"),
	      "every template's $Default and $Latest: %s", d.reqs[2].body);
	CHECK(strstr(d.reqs[3].body, "NextToken=v2") != NULL, "versions page 2");

	/* the callback's status stops the walk */
	double_push(&d, 200, templates2, NULL);
	double_push(&d, 200, versions2, NULL);
	CHECK(template_listing(ctx, "111122223333", "eu-west-1", stop, NULL, NULL, &err) == IT_ECONFLICT, "stopped");
	/* an error hands nothing out */
	double_push(&d, 403, "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error>"
			     "</Errors></Response>", NULL);
	memset(&s, 0, sizeof(s));
	CHECK(template_listing(ctx, "111122223333", "eu-west-1", take, &s, &n, &err) == IT_EDENIED && s.n == 0,
	      "denied: nothing listed");
	/* no templates: one call only */
	{
		size_t before = d.n_reqs;
		double_push(&d, 200, "<DescribeLaunchTemplatesResponse><launchTemplates/></DescribeLaunchTemplatesResponse>",
			    NULL);
		CHECK(template_listing(ctx, "111122223333", "eu-west-1", take, &s, &n, &err) == IT_OK && n == 0, "none");
		CHECK(d.n_reqs == before + 1, "no versions call for no templates");
	}
	aws_ctx_free(ctx);
	return tap_done();
}
