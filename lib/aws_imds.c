/* aws_imds.c: the Region from IMDSv2 (see aws_imds.h). */
#include "aws_imds.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "parse.h"
#include "status.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_MAX_ANSWER 4096

static int imds_request(struct aws_ctx *ctx, const char *method, const char *url, const char *header,
			struct aws_http_response *resp)
{
	struct aws_http_request req;
	const char *hdr[1] = {header};
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = url;
	req.headers = hdr;
	req.n_headers = 1;
	req.timeout_ms = 2000;
	req.connect_timeout_ms = 1000;
	req.max_response = IMDS_MAX_ANSWER;
	buf_reset(&resp->body);
	rc = aws_http_send(ctx, &req, resp);
	if (rc == IT_OK && resp->status != 200)
		rc = resp->status == 404 ? IT_ENOTFOUND : aws_classify(resp->status, NULL);
	if (rc == IT_OK && !resp->body.data)
		rc = IT_EINVAL;
	return rc;
}

int aws_imds_region(struct aws_ctx *ctx, char *out, size_t outlen)
{
	const struct aws_env *env = aws_ctx_env(ctx);
	const char *base = aws_env_get(env, AWS_ENV_EC2_METADATA_ENDPOINT);
	const char *disabled = aws_env_get(env, AWS_ENV_EC2_METADATA_DISABLED);
	struct aws_http_response resp;
	struct buf url, hdr;
	size_t n;
	int rc;

	if (disabled && strcasecmp(disabled, "true") == 0)
		return IT_EUNSUPPORTED;
	if (!base)
		base = IMDS_DEFAULT;
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	memset(&resp, 0, sizeof(resp));
	buf_init(&resp.body, IMDS_MAX_ANSWER);
	buf_init(&url, IT_AWS_MAX_URL);
	buf_init(&hdr, IT_AWS_MAX_HEADER_LEN);
	rc = buf_printf(&url, "%.*s/latest/api/token", (int)n, base);
	if (rc == IT_OK)
		rc = imds_request(ctx, "PUT", buf_str(&url), "X-aws-ec2-metadata-token-ttl-seconds: 21600", &resp);
	if (rc == IT_OK) {
		resp.body.len = strcspn(resp.body.data, "\r\n");
		resp.body.data[resp.body.len] = '\0';
		rc = resp.body.len ? buf_printf(&hdr, "X-aws-ec2-metadata-token: %s", resp.body.data) : IT_EINVAL;
	}
	buf_reset(&url);
	if (rc == IT_OK)
		rc = buf_printf(&url, "%.*s/latest/meta-data/placement/region", (int)n, base);
	if (rc == IT_OK) {
		explicit_bzero(resp.body.data, resp.body.len);
		rc = imds_request(ctx, "GET", buf_str(&url), buf_str(&hdr), &resp);
	}
	if (rc == IT_OK) {
		resp.body.len = strcspn(resp.body.data, "\r\n");
		resp.body.data[resp.body.len] = '\0';
		if (!valid_region(resp.body.data))
			rc = IT_EINVAL;
		else if (resp.body.len >= outlen)
			rc = IT_ETOOBIG;
		else
			memcpy(out, resp.body.data, resp.body.len + 1);
	}
	if (hdr.data)
		explicit_bzero(hdr.data, hdr.len);
	buf_finish(&hdr);
	buf_finish(&url);
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	buf_finish(&resp.body);
	return rc;
}
