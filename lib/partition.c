/* partition.c: partitions and the region table (see partition.h). */
#include "partition.h"

#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "status.h"
#include "limits.h"

/* Prefix -> partition, most specific first ("us-isob-" before "us-iso-", "us-gov-"
 * before the commercial fallback). The DNS suffixes are the SDKs' partitions.json
 * dnsSuffix values. */
static const struct {
	const char *prefix;
	const char *partition;
	const char *dns_suffix;
} prefixes[] = {
	{"cn-", "aws-cn", "amazonaws.com.cn"},
	{"us-gov-", "aws-us-gov", "amazonaws.com"},
	{"us-isob-", "aws-iso-b", "sc2s.sgov.gov"},
	{"us-isof-", "aws-iso-f", "csp.hci.ic.gov"},
	{"us-iso-", "aws-iso", "c2s.ic.gov"},
	{"eu-isoe-", "aws-iso-e", "cloud.adc-e.uk"},
	{"eusc-", "aws-eusc", "amazonaws.eu"},
	{"", "aws", "amazonaws.com"},
};

/* Every region AWS had opened by the end of 2026, sorted (bsearch). A new one goes
 * here in order; until a release carries it, ITALIC_EXTRA_REGIONS admits it. */
static const char *const regions[] = {
	"af-south-1",
	"ap-east-1",
	"ap-east-2",
	"ap-northeast-1",
	"ap-northeast-2",
	"ap-northeast-3",
	"ap-south-1",
	"ap-south-2",
	"ap-southeast-1",
	"ap-southeast-2",
	"ap-southeast-3",
	"ap-southeast-4",
	"ap-southeast-5",
	"ap-southeast-6",
	"ap-southeast-7",
	"ca-central-1",
	"ca-west-1",
	"cn-north-1",
	"cn-northwest-1",
	"eu-central-1",
	"eu-central-2",
	"eu-isoe-west-1",
	"eu-north-1",
	"eu-south-1",
	"eu-south-2",
	"eu-west-1",
	"eu-west-2",
	"eu-west-3",
	"eusc-de-east-1",
	"il-central-1",
	"me-central-1",
	"me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1",
	"us-east-2",
	"us-gov-east-1",
	"us-gov-west-1",
	"us-iso-east-1",
	"us-iso-west-1",
	"us-isob-east-1",
	"us-isob-west-1",
	"us-isof-east-1",
	"us-isof-south-1",
	"us-west-1",
	"us-west-2",
};

#define N_PREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))
#define N_REGIONS (sizeof(regions) / sizeof(regions[0]))

const char *partition_of(const char *region)
{
	if (!valid_region(region))
		return NULL;
	for (size_t i = 0; i < N_PREFIXES; i++)
		if (strncmp(region, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
			return prefixes[i].partition;
	return NULL; /* not reached: the last prefix is "" */
}

int partition_known(const char *name)
{
	return partition_dns_suffix(name) != NULL;
}

const char *partition_dns_suffix(const char *partition)
{
	for (size_t i = 0; partition && i < N_PREFIXES; i++)
		if (strcmp(partition, prefixes[i].partition) == 0)
			return prefixes[i].dns_suffix;
	return NULL;
}

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* 1 when region appears as a whole entry of the comma-separated list. */
static int in_csv(const char *region, const char *csv)
{
	size_t n = strlen(region);

	while (csv && *csv) {
		const char *comma = strchr(csv, ',');
		size_t len = comma ? (size_t)(comma - csv) : strlen(csv);
		if (len == n && memcmp(csv, region, n) == 0)
			return 1;
		csv = comma ? comma + 1 : NULL;
	}
	return 0;
}

int partition_region_known(const char *region, const char *extra)
{
	if (!valid_region(region))
		return 0;
	if (bsearch(region, regions, N_REGIONS, sizeof(regions[0]), by_name))
		return 1;
	return in_csv(region, extra);
}

int partition_extra_valid(const char *extra)
{
	char name[IT_REGION_SIZE];

	if (!extra)
		return IT_OK;
	if (strlen(extra) > PARTITION_EXTRA_MAX)
		return IT_EINVAL;
	while (*extra) {
		const char *comma = strchr(extra, ',');
		size_t len = comma ? (size_t)(comma - extra) : strlen(extra);
		if (len == 0 || len >= sizeof(name))
			return IT_EINVAL;
		memcpy(name, extra, len);
		name[len] = '\0';
		if (!partition_of(name))
			return IT_EINVAL;
		if (!comma)
			break;
		extra = comma + 1;
		if (!*extra)
			return IT_EINVAL; /* a trailing comma */
	}
	return IT_OK;
}

size_t partition_region_count(void)
{
	return N_REGIONS;
}

const char *partition_region_at(size_t i)
{
	return i < N_REGIONS ? regions[i] : NULL;
}
