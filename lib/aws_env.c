/* aws_env.c: the AWS_* environment snapshot (see aws_env.h). */
#include "aws_env.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "status.h"

const char *const aws_env_names[AWS_ENV__MAX] = {
	[AWS_ENV_ACCESS_KEY_ID] = "AWS_ACCESS_KEY_ID",
	[AWS_ENV_SECRET_ACCESS_KEY] = "AWS_SECRET_ACCESS_KEY",
	[AWS_ENV_SESSION_TOKEN] = "AWS_SESSION_TOKEN",
	[AWS_ENV_REGION] = "AWS_REGION",
	[AWS_ENV_DEFAULT_REGION] = "AWS_DEFAULT_REGION",
	[AWS_ENV_PROFILE] = "AWS_PROFILE",
	[AWS_ENV_SHARED_CREDENTIALS_FILE] = "AWS_SHARED_CREDENTIALS_FILE",
	[AWS_ENV_HOME] = "HOME",
	[AWS_ENV_WEB_IDENTITY_TOKEN_FILE] = "AWS_WEB_IDENTITY_TOKEN_FILE",
	[AWS_ENV_ROLE_ARN] = "AWS_ROLE_ARN",
	[AWS_ENV_ROLE_SESSION_NAME] = "AWS_ROLE_SESSION_NAME",
	[AWS_ENV_CONTAINER_RELATIVE_URI] = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	[AWS_ENV_CONTAINER_FULL_URI] = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	[AWS_ENV_CONTAINER_AUTH_TOKEN] = "AWS_CONTAINER_AUTHORIZATION_TOKEN",
	[AWS_ENV_CONTAINER_AUTH_TOKEN_FILE] = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	[AWS_ENV_EC2_METADATA_DISABLED] = "AWS_EC2_METADATA_DISABLED",
	[AWS_ENV_EC2_METADATA_ENDPOINT] = "AWS_EC2_METADATA_SERVICE_ENDPOINT",
	[AWS_ENV_ENDPOINT_URL] = "AWS_ENDPOINT_URL",
	[AWS_ENV_ENDPOINT_URL_STS] = "AWS_ENDPOINT_URL_STS",
	[AWS_ENV_ENDPOINT_URL_EC2] = "AWS_ENDPOINT_URL_EC2",
	[AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE] = "AWS_ENDPOINT_URL_CONFIG_SERVICE",
	[AWS_ENV_ENDPOINT_URL_SECURITYHUB] = "AWS_ENDPOINT_URL_SECURITYHUB",
	[AWS_ENV_ENDPOINT_URL_S3] = "AWS_ENDPOINT_URL_S3",
	[AWS_ENV_ENDPOINT_URL_SSM] = "AWS_ENDPOINT_URL_SSM",
	[AWS_ENV_ENDPOINT_URL_EVENTBRIDGE] = "AWS_ENDPOINT_URL_EVENTBRIDGE",
};

/* Fills tmp through get(); on failure tmp holds what was copied so far. */
static int load(struct aws_env *tmp, const char *(*get)(void *, const char *), void *get_ctx)
{
	for (int i = 0; i < AWS_ENV__MAX; i++) {
		const char *v = get ? get(get_ctx, aws_env_names[i]) : NULL;
		if (!v || !*v)
			continue;
		if (strlen(v) > IT_AWS_MAX_ENV)
			return IT_ETOOBIG;
		tmp->v[i] = strdup(v);
		if (!tmp->v[i])
			return IT_ENOMEM;
	}
	return IT_OK;
}

int aws_env_load(struct aws_env *env, const char *(*get)(void *, const char *), void *get_ctx)
{
	struct aws_env tmp;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	rc = load(&tmp, get, get_ctx);
	if (rc) {
		aws_env_finish(&tmp);
		return rc;
	}
	*env = tmp;
	return IT_OK;
}

int aws_env_copy(const struct aws_env *src, struct aws_env *ret)
{
	struct aws_env tmp;

	memset(&tmp, 0, sizeof(tmp));
	for (int i = 0; src && i < AWS_ENV__MAX; i++) {
		if (!src->v[i] || !*src->v[i])
			continue;
		tmp.v[i] = strdup(src->v[i]);
		if (!tmp.v[i]) {
			aws_env_finish(&tmp);
			return IT_ENOMEM;
		}
	}
	*ret = tmp;
	return IT_OK;
}

void aws_env_finish(struct aws_env *env)
{
	if (!env)
		return;
	for (int i = 0; i < AWS_ENV__MAX; i++) {
		free(env->v[i]);
		env->v[i] = NULL;
	}
}

const char *aws_env_get(const struct aws_env *env, enum aws_env_var var)
{
	if (!env || var < 0 || var >= AWS_ENV__MAX)
		return NULL;
	return env->v[var];
}

const char *aws_env_getenv(void *get_ctx, const char *name)
{
	(void)get_ctx;
	return getenv(name);
}
