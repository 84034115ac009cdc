/* aws_endpoint.c: services and endpoint resolution (see aws_endpoint.h). */
#include "aws_endpoint.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "partition.h"
#include "status.h"

const char *const aws_service_names[AWS_SVC__MAX] = {
	[AWS_SVC_STS] = "sts",
	[AWS_SVC_EC2] = "ec2",
	[AWS_SVC_CONFIG] = "config",
	[AWS_SVC_SECURITYHUB] = "securityhub",
	[AWS_SVC_S3] = "s3",
	[AWS_SVC_SSM] = "ssm",
	[AWS_SVC_EVENTS] = "events",
};

static const enum aws_env_var service_override[AWS_SVC__MAX] = {
	[AWS_SVC_STS] = AWS_ENV_ENDPOINT_URL_STS,
	[AWS_SVC_EC2] = AWS_ENV_ENDPOINT_URL_EC2,
	[AWS_SVC_CONFIG] = AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE,
	[AWS_SVC_SECURITYHUB] = AWS_ENV_ENDPOINT_URL_SECURITYHUB,
	[AWS_SVC_S3] = AWS_ENV_ENDPOINT_URL_S3,
	[AWS_SVC_SSM] = AWS_ENV_ENDPOINT_URL_SSM,
	[AWS_SVC_EVENTS] = AWS_ENV_ENDPOINT_URL_EVENTBRIDGE,
};

/* The partition table lives in partition.c (a pure domain module). */
const char *aws_partition(const char *region)
{
	return partition_of(region);
}

static int parse_endpoint_url(const char *url, struct aws_endpoint *ep)
{
	const char *rest, *slash;
	size_t hl;

	if (!strncmp(url, "https://", 8)) {
		snprintf(ep->scheme, sizeof(ep->scheme), "https");
		rest = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		snprintf(ep->scheme, sizeof(ep->scheme), "http");
		rest = url + 7;
	} else {
		return IT_EINVAL;
	}
	slash = strchr(rest, '/');
	hl = slash ? (size_t)(slash - rest) : strlen(rest);
	if (hl == 0 || hl >= sizeof(ep->host) || memchr(rest, '@', hl) || memchr(rest, '?', hl))
		return IT_EINVAL;
	memcpy(ep->host, rest, hl);
	ep->host[hl] = '\0';
	ep->base_path[0] = '\0';
	if (slash) {
		size_t pl = strlen(slash);
		while (pl > 0 && slash[pl - 1] == '/')
			pl--;
		if (pl >= sizeof(ep->base_path) || memchr(slash, '?', pl) || memchr(slash, '#', pl))
			return IT_EINVAL;
		memcpy(ep->base_path, slash, pl);
		ep->base_path[pl] = '\0';
	}
	return IT_OK;
}

int aws_endpoint_resolve(const struct aws_env *env, enum aws_service svc, const char *region,
			 struct aws_endpoint *ret)
{
	struct aws_endpoint ep;
	const char *partition = aws_partition(region), *url;
	int n;

	if (svc < 0 || svc >= AWS_SVC__MAX || !partition)
		return IT_EINVAL;
	memset(&ep, 0, sizeof(ep));
	url = aws_env_get(env, service_override[svc]);
	if (!url)
		url = aws_env_get(env, AWS_ENV_ENDPOINT_URL);
	if (url) {
		if (parse_endpoint_url(url, &ep) != IT_OK)
			return IT_EINVAL;
		ep.overridden = 1;
		*ret = ep;
		return IT_OK;
	}
	snprintf(ep.scheme, sizeof(ep.scheme), "https");
	n = snprintf(ep.host, sizeof(ep.host), "%s.%s.%s", aws_service_names[svc], region,
		     partition_dns_suffix(partition));
	if (n < 0 || (size_t)n >= sizeof(ep.host))
		return IT_EINVAL;
	*ret = ep;
	return IT_OK;
}
