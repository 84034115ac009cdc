/*
 * aws_env.h: the AWS_* environment, read once.
 *
 * struct aws_env is a snapshot of every variable the AWS client layer consults
 * (credentials, region, profile, container and IMDS settings, endpoint overrides),
 * taken through a getter so tests can pass a table. Nothing in lib/ reads the process
 * environment after the snapshot: a variable changed later has no effect, and two
 * contexts built from two snapshots never see each other's values.
 *
 * Invariants: each value is an owned copy of at most IT_AWS_MAX_ENV bytes; unset and
 * empty variables are both NULL (AWS SDKs treat an empty value as unset).
 */
#ifndef ITALIC_AWS_ENV_H
#define ITALIC_AWS_ENV_H

#include "compiler.h"

enum aws_env_var {
	AWS_ENV_ACCESS_KEY_ID,
	AWS_ENV_SECRET_ACCESS_KEY,
	AWS_ENV_SESSION_TOKEN,
	AWS_ENV_REGION,
	AWS_ENV_DEFAULT_REGION,
	AWS_ENV_PROFILE,
	AWS_ENV_SHARED_CREDENTIALS_FILE,
	AWS_ENV_HOME,
	AWS_ENV_WEB_IDENTITY_TOKEN_FILE,
	AWS_ENV_ROLE_ARN,
	AWS_ENV_ROLE_SESSION_NAME,
	AWS_ENV_CONTAINER_RELATIVE_URI,
	AWS_ENV_CONTAINER_FULL_URI,
	AWS_ENV_CONTAINER_AUTH_TOKEN,
	AWS_ENV_CONTAINER_AUTH_TOKEN_FILE,
	AWS_ENV_EC2_METADATA_DISABLED,
	AWS_ENV_EC2_METADATA_ENDPOINT,
	AWS_ENV_ENDPOINT_URL,
	AWS_ENV_ENDPOINT_URL_STS,
	AWS_ENV_ENDPOINT_URL_EC2,
	AWS_ENV_ENDPOINT_URL_CONFIG_SERVICE,
	AWS_ENV_ENDPOINT_URL_SECURITYHUB,
	AWS_ENV_ENDPOINT_URL_S3,
	AWS_ENV_ENDPOINT_URL_SSM,
	AWS_ENV_ENDPOINT_URL_EVENTBRIDGE,
	AWS_ENV__MAX
};

/* The variable names, e.g. "AWS_ACCESS_KEY_ID", "HOME". */
extern const char *const aws_env_names[AWS_ENV__MAX];

/* Value record: one owned copy per variable, NULL when unset or empty. */
struct aws_env {
	char *v[AWS_ENV__MAX];
};

/* Reads every variable through get(get_ctx, name) (aws_env_getenv for the process
 * environment, a table in tests). Values over IT_AWS_MAX_ENV are IT_ETOOBIG. *env is
 * written only on success; release with aws_env_finish(). */
int aws_env_load(struct aws_env *env, const char *(*get)(void *get_ctx, const char *name),
		 void *get_ctx) WARN_UNUSED;
/* Copies src (NULL: an empty environment) into *ret, which is written only on success
 * (IT_ENOMEM otherwise). */
int aws_env_copy(const struct aws_env *src, struct aws_env *ret) WARN_UNUSED;
/* Frees the values and leaves every one NULL. NULL and a finished env are no-ops. */
void aws_env_finish(struct aws_env *env);
/* Borrowed value or NULL. */
const char *aws_env_get(const struct aws_env *env, enum aws_env_var var);
/* getenv() adapter for aws_env_load(); get_ctx is ignored. */
const char *aws_env_getenv(void *get_ctx, const char *name);

#endif
