/*
 * fuzz_aws_json: the JSON response parsers of the AWS layer (PutEvaluations,
 * BatchImportFindings, PutEvents, container / IMDS credential documents, JSON error bodies) and
 * the shared-credentials INI reader, all on the same input.
 */
#include <stdint.h>
#include <string.h>

#include "aws_configservice.h"
#include "aws_creds.h"
#include "aws_events.h"
#include "aws_http.h"
#include "aws_securityhub.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_config_result cr;
	struct aws_securityhub_result sr;
	struct aws_events_result er;
	struct sigv4_credentials c;
	struct aws_error e;

	if (aws_config_parse_put_evaluations(s, size, &cr) == IT_OK) {
		if (cr.n_failed > IT_AWS_MAX_FAILED)
			__builtin_trap();
		aws_config_result_free(&cr);
	}
	if (aws_securityhub_parse_import(s, size, &sr) == IT_OK) {
		if (sr.n_failed > IT_AWS_MAX_FAILED)
			__builtin_trap();
		aws_securityhub_result_free(&sr);
	}
	if (aws_events_parse_put(s, size, &er) == IT_OK) {
		if (er.n_entries > IT_EVENTS_BATCH)
			__builtin_trap();
		aws_events_result_free(&er);
	}
	if (aws_creds_parse_json(s, size, &c) == IT_OK)
		sigv4_credentials_wipe(&c);
	if (aws_creds_parse_ini(s, size, "default", &c) == IT_OK)
		sigv4_credentials_wipe(&c);
	memset(&e, 0, sizeof(e));
	aws_parse_error_body(AWS_BODY_JSON, s, size, NULL, &e);
	if (strlen(e.code) > IT_AWS_MAX_CODE)
		__builtin_trap();
	return 0;
}
