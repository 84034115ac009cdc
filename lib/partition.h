/*
 * partition.h: AWS partitions and the regions Italic knows, as a pure table.
 *
 * An AWS partition is a separate copy of AWS with its own ARNs ("arn:<partition>:..."),
 * its own DNS suffix and its own accounts: aws (commercial), aws-cn (China),
 * aws-us-gov (GovCloud), aws-iso (us-iso-*), aws-iso-b (us-isob-*), aws-iso-e
 * (eu-isoe-*), aws-iso-f (us-isof-*) and aws-eusc (the European Sovereign Cloud,
 * eusc-*). A region belongs to exactly one partition, decided by its name's prefix
 * the way the AWS SDKs' partitions.json regionRegex does it: "us-isob-" is tested
 * before "us-iso-", so us-isob-east-1 is aws-iso-b, never aws-iso.
 *
 * Two questions, two answers:
 *  - partition_of(): which partition a syntactically valid region name (parse.h
 *    valid_region) would be in. It answers for names AWS has not opened yet, so the
 *    endpoint and ARN code never refuses a real new region on form alone.
 *  - partition_region_known(): whether the region is one AWS has, from the table in
 *    partition.c (the regions AWS listed at the end of 2026) plus the operator's
 *    ITALIC_EXTRA_REGIONS. Events naming any other region are refused, so an ingest
 *    token cannot make Italic keep and sweep made-up (account, region) pairs; when AWS
 *    opens a region, the operator adds it to ITALIC_EXTRA_REGIONS until the next release
 *    carries it in the table.
 *
 * Nothing here allocates, reads the environment or keeps state: the extra regions are
 * passed in by the caller (service/ reads the setting once).
 */
#ifndef ITALIC_PARTITION_H
#define ITALIC_PARTITION_H

#include <stddef.h>

#include "compiler.h"

/* Longest ITALIC_EXTRA_REGIONS value in bytes (about 30 regions; AWS opens a few a
 * year, and each release adds them to the table). */
#define PARTITION_EXTRA_MAX 511

/* The partition of a valid_region() name ("aws", "aws-cn", "aws-us-gov", "aws-iso",
 * "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"); NULL for anything else
 * (NULL included). The string is static. */
const char *partition_of(const char *region);

/* 1 when name is one of the partitions above, exactly (case-sensitive). */
int partition_known(const char *name);

/* The DNS suffix of a known partition ("amazonaws.com", "amazonaws.com.cn",
 * "c2s.ic.gov", ...); NULL for an unknown one. */
const char *partition_dns_suffix(const char *partition);

/*
 * 1 when region is in the built-in table or listed in extra, a comma-separated list
 * of region names (NULL or "" for none; checked with partition_extra_valid() when the
 * setting is read). 0 for anything else, NULL included.
 */
int partition_region_known(const char *region, const char *extra);

/*
 * Checks an ITALIC_EXTRA_REGIONS value: "" or region names separated by single commas,
 * each valid_region() and of a known partition, the whole at most
 * PARTITION_EXTRA_MAX bytes. IT_OK or IT_EINVAL.
 */
int partition_extra_valid(const char *extra) WARN_UNUSED;

/* The number of regions in the built-in table and the i-th of them (sorted), for tests
 * and documentation; NULL past the end. */
size_t partition_region_count(void);
const char *partition_region_at(size_t i);

#endif
