/* test_partition: region -> partition by prefix, the known-region table, the extra
 * regions setting. Rejections first. */
#include <string.h>

#include "partition.h"
#include "status.h"
#include "tap.h"

static void test_partition_of(void)
{
	static const char *bad[] = {NULL, "", "us", "us-east", "US-EAST-1", "us_east_1", "us-east-01",
				    "us-east-1 ", "../../etc", "us-east-100"};
	static const struct {
		const char *region, *partition, *dns;
	} ok[] = {
		{"us-east-1", "aws", "amazonaws.com"},
		{"eu-west-3", "aws", "amazonaws.com"},
		{"ap-southeast-9", "aws", "amazonaws.com"},       /* not opened yet: partition by form */
		{"cn-north-1", "aws-cn", "amazonaws.com.cn"},
		{"cn-northwest-1", "aws-cn", "amazonaws.com.cn"},
		{"us-gov-west-1", "aws-us-gov", "amazonaws.com"},
		{"us-iso-east-1", "aws-iso", "c2s.ic.gov"},
		{"us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"},  /* not taken by the us-iso- prefix */
		{"us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"},
		{"eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"},
		{"eusc-de-east-1", "aws-eusc", "amazonaws.eu"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(partition_of(bad[i]) == NULL, "no partition for \"%s\"", bad[i] ? bad[i] : "(null)");
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_STR(partition_of(ok[i].region), ok[i].partition, ok[i].region);
		CHECK_STR(partition_dns_suffix(ok[i].partition), ok[i].dns, ok[i].partition);
		CHECK(partition_known(ok[i].partition), "%s known", ok[i].partition);
	}
	CHECK(!partition_known("awsevil") && !partition_known("aws-") && !partition_known("AWS") &&
		      !partition_known("") && !partition_known(NULL),
	      "only the exact partition names are known");
	CHECK(partition_dns_suffix("aws-mars") == NULL, "no suffix for an unknown partition");
}

static void test_known_regions(void)
{
	static const char *unknown[] = {"us-east-9", "xx-fake-1", "mars-north-1", "cn-south-7", NULL, ""};
	static const char *known[] = {"us-east-1", "us-west-2", "eu-central-2", "ap-southeast-7",
				      "mx-central-1", "cn-northwest-1", "us-gov-east-1", "us-isob-east-1"};

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		CHECK(!partition_region_known(unknown[i], NULL), "%s is not a region AWS has",
		      unknown[i] ? unknown[i] : "(null)");
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		CHECK(partition_region_known(known[i], NULL), "%s is known", known[i]);
	/* The table is sorted (bsearch relies on it) and every entry has a partition. */
	for (size_t i = 0; i < partition_region_count(); i++) {
		const char *r = partition_region_at(i);
		CHECK(partition_of(r) != NULL, "%s has a partition", r);
		if (i > 0)
			CHECK(strcmp(partition_region_at(i - 1), r) < 0, "table sorted at %s", r);
	}
	CHECK(partition_region_at(partition_region_count()) == NULL, "past the end");

	/* Extra regions admit exactly the listed names. */
	CHECK(partition_region_known("ap-southeast-9", "ap-southeast-9"), "single extra");
	CHECK(partition_region_known("us-east-9", "ap-southeast-9,us-east-9"), "second extra");
	CHECK(!partition_region_known("us-east-9", "us-east-99,us-east-"), "no prefix match");
	CHECK(!partition_region_known("us-east", "us-east-9"), "no substring match");
	CHECK(!partition_region_known("xx yy", "xx yy"), "an invalid name never becomes known");
}

static void test_extra_valid(void)
{
	static const char *bad[] = {",", "us-east-9,", ",us-east-9", "us-east-9,,us-west-9", "us-east-9 ",
				    "US-EAST-9", "us-east-9;rm", "not a region",
				    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bbbbbbbbbb-1"};
	char big[PARTITION_EXTRA_MAX + 32];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(partition_extra_valid(bad[i]) == IT_EINVAL, "reject \"%s\"", bad[i]);
	memset(big, 0, sizeof(big));
	for (size_t n = 0; n + 11 < sizeof(big) - 1;)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%sus-east-9", n ? "," : "");
	CHECK(strlen(big) > PARTITION_EXTRA_MAX && partition_extra_valid(big) == IT_EINVAL, "too long");
	CHECK(partition_extra_valid(NULL) == IT_OK && partition_extra_valid("") == IT_OK, "none");
	CHECK(partition_extra_valid("ap-southeast-9") == IT_OK, "one");
	CHECK(partition_extra_valid("ap-southeast-9,us-isob-west-2,cn-south-1") == IT_OK, "several");
}

int main(void)
{
	test_partition_of();
	test_known_regions();
	test_extra_valid();
	return tap_done();
}
