/*
 * aws_endpoint.h: which AWS services Italic calls, and where each one is.
 *
 * A service has a SigV4 signing name (aws_service_names) and an endpoint override
 * variable AWS_ENDPOINT_URL_<SUFFIX>. The endpoint of a service in a region is, in
 * this order: AWS_ENDPOINT_URL_<SUFFIX>, AWS_ENDPOINT_URL, or the regional public
 * endpoint https://<service>.<region>.<dns suffix> of the region's partition
 * (amazonaws.com; amazonaws.com.cn for aws-cn). There is no global endpoint here: STS
 * is always called regionally (aws_sts.h says why).
 *
 * To add a service: a row in enum aws_service, its signing name in aws_service_names,
 * and its override variable in enum aws_env_var (aws_env.h) and in service_override
 * (aws_endpoint.c). Nothing else in the call path knows the list.
 *
 * Pure: no I/O, no allocation; the environment comes in as a snapshot.
 */
#ifndef ITALIC_AWS_ENDPOINT_H
#define ITALIC_AWS_ENDPOINT_H

#include "aws_env.h"
#include "compiler.h"

enum aws_service {
	AWS_SVC_STS,
	AWS_SVC_EC2,
	AWS_SVC_CONFIG,        /* AWS Config; env suffix CONFIG_SERVICE, signing name "config" */
	AWS_SVC_SECURITYHUB,
	AWS_SVC_S3,
	AWS_SVC_SSM,           /* Systems Manager: launch templates' resolve:ssm: images */
	AWS_SVC_EVENTS,        /* EventBridge; env suffix EVENTBRIDGE, signing name "events" */
	AWS_SVC__MAX
};

/* SigV4 signing names: "sts", "ec2", "config", "securityhub", "s3", "ssm", "events". */
extern const char *const aws_service_names[AWS_SVC__MAX];

/* The region's partition: partition_of() in partition.h ("aws", "aws-cn", "aws-us-gov",
 * "aws-iso", ...; NULL when region is not a valid region name). */
const char *aws_partition(const char *region);

struct aws_endpoint {
	char scheme[8];                 /* "https" or "http" */
	char host[256];                 /* host[:port], the signed Host header */
	char base_path[256];            /* "" or an override's path without trailing '/' */
	int overridden;                 /* came from AWS_ENDPOINT_URL[_<SVC>] */
};

/* Endpoint of svc in region: AWS_ENDPOINT_URL_<SVC>, else AWS_ENDPOINT_URL, else
 * https://<svc>.<region>.<dns suffix> (amazonaws.com, amazonaws.com.cn). IT_EINVAL for
 * an invalid region or override URL (a scheme other than http/https, userinfo, a query
 * or fragment). *ret written only on success. */
int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *ret) WARN_UNUSED;

#endif
