/* aws_error.c: outcome classification and error bodies (see aws_error.h). */
#include "aws_error.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "aws_xml.h"
#include "status.h"

int aws_error_set(struct aws_error *err, int status, const char *fmt, ...)
{
	va_list ap;
	if (!err)
		return status;
	err->status = status;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

static int code_in(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(code, *list))
			return 1;
	return 0;
}

int aws_classify(long http_status, const char *code)
{
	static const char *const throttle[] = {
		"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
		"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", NULL};
	static const char *const server[] = {
		"InternalError", "InternalFailure", "InternalServerError", "InternalException",
		"ServiceUnavailable", "ServiceUnavailableException", "Unavailable",
		"RequestTimeout", "RequestTimeoutException", "IDPCommunicationError", NULL};
	static const char *const denied[] = {
		"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"IncompleteSignature", "MissingAuthenticationToken", "AuthFailure", "ExpiredToken",
		"ExpiredTokenException", "RequestExpired", "InvalidAccessException",
		"InvalidIdentityToken", "OptInRequired", "RegionDisabledException", NULL};
	size_t n;

	if (!code)
		code = "";
	if (code[0] == '\0' && http_status >= 200 && http_status < 300)
		return IT_OK;
	if (code_in(code, throttle) || http_status == 429)
		return IT_ETHROTTLE;
	if (code_in(code, server) || http_status >= 500)
		return IT_ESERVER;
	if (code_in(code, denied) || http_status == 401 || http_status == 403)
		return IT_EDENIED;
	n = strlen(code);
	if ((n > 9 && !strcmp(code + n - 9, ".NotFound")) || !strncmp(code, "NoSuch", 6) ||
	    !strcmp(code, "ResourceNotFoundException") || http_status == 404)
		return IT_ENOTFOUND;
	return IT_EREMOTE;
}

int aws_error_expired(const char *code)
{
	return code && (!strcmp(code, "ExpiredToken") || !strcmp(code, "ExpiredTokenException") ||
			!strcmp(code, "RequestExpired"));
}

void aws_parse_error_body(enum aws_body_kind kind, const char *body, size_t len,
			  const char *error_type_header, struct aws_error *err)
{
	if (!err)
		return;
	if (kind == AWS_BODY_XML) {
		struct aws_xml_error xe;
		if (body && len && aws_xml_parse_error(body, len, &xe) == IT_OK) {
			snprintf(err->code, sizeof(err->code), "%s", xe.code);
			snprintf(err->message, sizeof(err->message), "%s", xe.message);
			if (xe.request_id[0])
				snprintf(err->request_id, sizeof(err->request_id), "%s", xe.request_id);
		}
		return;
	}
	if (body && len && len <= IT_MAX_AWS_RESPONSE) {
		json_error_t je;
		json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
		if (json_is_object(doc)) {
			const char *t = json_string_value(json_object_get(doc, "__type"));
			const char *m = json_string_value(json_object_get(doc, "message"));
			if (!t)
				t = json_string_value(json_object_get(doc, "code"));
			if (!t)
				t = json_string_value(json_object_get(doc, "Code"));
			if (!m)
				m = json_string_value(json_object_get(doc, "Message"));
			if (t) {
				/* "com.amazon.coral.service#ThrottlingException" -> the part after '#' */
				const char *hash = strrchr(t, '#');
				snprintf(err->code, sizeof(err->code), "%s", hash ? hash + 1 : t);
			}
			if (m)
				snprintf(err->message, sizeof(err->message), "%s", m);
		}
		json_decref(doc);
	}
	if (error_type_header && *error_type_header)
		snprintf(err->code, sizeof(err->code), "%s", error_type_header);
}
