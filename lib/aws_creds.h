/*
 * aws_creds.h: where Italic's AWS credentials come from, and the per-account
 * assumed-role cache.
 *
 * Base (the service's own) credentials: the first configured source of this chain,
 * in this order (docs/outputs.md; a source that is configured but fails is an error, not a
 * fall-through, so a broken setup is never papered over by a weaker one):
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN];
 *   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      [+ AWS_ROLE_SESSION_NAME] -> STS AssumeRoleWithWebIdentity (unsigned);
 *   3. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or
 *      _FULL_URI (https, or http to a loopback / ECS / EKS address only), with
 *      Authorization from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or _TOKEN;
 *   4. shared credentials file: AWS_SHARED_CREDENTIALS_FILE or $HOME/.aws/credentials,
 *      profile AWS_PROFILE or "default";
 *   5. IMDSv2 (unless AWS_EC2_METADATA_DISABLED=true): PUT /latest/api/token, then
 *      the role's credentials; AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the host.
 * Temporary base credentials are cached and refreshed IT_AWS_REFRESH_MS before their
 * Expiration.
 *
 * Member accounts: with a member role configured, calls into account A use
 * AssumeRole(arn:<partition>:iam::A:role/<role>, ExternalId, RoleSessionName
 * "italic-A") on the regional STS endpoint of the service's home region (or of the
 * target region when that is in another partition). One credential set per
 * (partition, account) is cached and refreshed IT_AWS_REFRESH_MS before Expiration;
 * concurrent callers for the same account wait for one STS call instead of making
 * their own (the rest keep using a still-valid old set while a refresh runs).
 *
 * The chain is the default credentials provider of an aws_ctx (aws_http.h): pass
 * aws_creds_provider_new as aws_ctx_config.credentials. It reads its settings
 * (environment, member role, external id, duration, container host, clock) from that
 * ctx and makes its own calls through it, always with explicit credentials (AssumeRole
 * with the base set) or none (web identity, IMDS, container), so a lookup never
 * re-enters the chain.
 *
 * Thread-safety: all functions may be called from any thread; one mutex guards the
 * caches and a condition variable wakes the waiters of a refresh. No STS/IMDS call
 * is made while the mutex is held.
 */
#ifndef ITALIC_AWS_CREDS_H
#define ITALIC_AWS_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "aws_http.h"
#include "aws_sigv4.h"
#include "compiler.h"

/* Refresh this long before Expiration (AssumeRole, web identity, container, IMDS). */
#define IT_AWS_REFRESH_MS (5 * 60 * 1000)

enum aws_creds_source {
	AWS_CREDS_ENV,
	AWS_CREDS_WEB_IDENTITY,
	AWS_CREDS_CONTAINER,
	AWS_CREDS_PROFILE,
	AWS_CREDS_IMDS,
	AWS_CREDS_ASSUMED,     /* member-role credentials */
	AWS_CREDS__MAX
};

extern const char *const aws_creds_source_names[AWS_CREDS__MAX];

struct aws_creds;

/* aws_ctx_config.credentials: makes the chain for ctx (borrowed for the chain's life)
 * and fills *ret with it as a provider that aws_ctx_free() releases. IT_ENOMEM; *ret
 * written only on success. */
int aws_creds_provider_new(struct aws_ctx *ctx, struct aws_credentials_provider *ret) WARN_UNUSED;

/* The chain of a ctx made with aws_creds_provider_new, for the calls below; NULL when
 * the ctx has another provider or none. Borrowed for the ctx's life. */
struct aws_creds *aws_creds_of(const struct aws_ctx *ctx);

/* The service's own credentials (a copy the caller wipes). IT_EAUTH when no source is
 * configured, the source's error otherwise (err filled). *ret untouched on failure. */
int aws_creds_base(struct aws_creds *c, struct sigv4_credentials *ret,
		   enum aws_creds_source *ret_source, struct aws_error *err) WARN_UNUSED;

/* Credentials for a call into account in region: the member role's when a role is
 * configured and account is not NULL, the base credentials otherwise. */
int aws_creds_for(struct aws_creds *c, const char *account, const char *region,
		  struct sigv4_credentials *ret, struct aws_error *err) WARN_UNUSED;

/* Drops the cached set of account (NULL: the base set), e.g. after ExpiredToken. */
void aws_creds_invalidate(struct aws_creds *c, const char *account);

/* Number of AssumeRole calls made so far (tests, metrics). */
unsigned long aws_creds_assume_calls(struct aws_creds *c);

/* ---- pure pieces, tested directly ---- */

/* arn:<partition>:iam::<account>:role/<role> into out[size]. IT_EINVAL for a bad
 * account or role name, IT_ETOOBIG when it does not fit. */
int aws_creds_role_arn(const char *partition, const char *account, const char *role,
		       char *out, size_t size) WARN_UNUSED;

/* Container / IMDS credential document: {"AccessKeyId","SecretAccessKey","Token",
 * "Expiration"} (IMDS adds "Code":"Success", anything else is IT_EDENIED). */
int aws_creds_parse_json(const char *data, size_t len, struct sigv4_credentials *ret) WARN_UNUSED;

/* aws_access_key_id / aws_secret_access_key / aws_session_token of [profile] in an
 * INI text. IT_ENOTFOUND when the profile or its keys are absent. */
int aws_creds_parse_ini(const char *text, size_t len, const char *profile,
			struct sigv4_credentials *ret) WARN_UNUSED;

/* 1 when a FULL_URI may be used: https, or http to 127.0.0.0/8, [::1], localhost,
 * 169.254.170.2, 169.254.170.23 or [fd00:ec2::23]. */
int aws_creds_full_uri_allowed(const char *url);

#endif
