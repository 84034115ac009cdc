/*
 * fuzz_aws_lt: the launch-template answers Italic parses from AWS (DescribeLaunchTemplates
 * and DescribeLaunchTemplateVersions XML, SSM GetParameter JSON) on the same input. Each
 * must reject or return bounded, owned results: every item has its id (and a version its
 * number), counts within IT_AWS_MAX_ITEMS, a parameter's value within IT_LT_MAX_VALUE.
 * Corpus: the EC2 API reference samples of tests/data/aws/launch-templates and a
 * documented GetParameter answer.
 */
#include <stdint.h>
#include <string.h>

#include "aws_ec2.h"
#include "aws_ssm.h"
#include "limits.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_ec2_launch_templates lts;
	struct aws_ec2_lt_versions vs;
	struct aws_ssm_parameter p;

	if (aws_ec2_parse_launch_templates(s, size, &lts) == IT_OK) {
		if (lts.n > IT_AWS_MAX_ITEMS)
			__builtin_trap();
		for (size_t i = 0; i < lts.n; i++)
			if (!lts.items[i].template_id || strlen(lts.items[i].template_id) > IT_AWS_MAX_FIELD ||
			    lts.items[i].n_tags > IT_AWS_MAX_TAGS || lts.items[i].default_version < 0)
				__builtin_trap();
		aws_ec2_launch_templates_free(&lts);
	}
	if (aws_ec2_parse_lt_versions(s, size, &vs) == IT_OK) {
		for (size_t i = 0; i < vs.n; i++)
			if (!vs.items[i].template_id || vs.items[i].number < 1 || vs.items[i].number > IT_LT_MAX_VERSION ||
			    (vs.items[i].image_id && strlen(vs.items[i].image_id) > IT_AWS_MAX_FIELD))
				__builtin_trap();
		aws_ec2_lt_versions_free(&vs);
	}
	if (aws_ssm_parse_get_parameter(s, size, &p) == IT_OK) {
		if (!p.name || !p.value || strlen(p.value) > IT_LT_MAX_VALUE)
			__builtin_trap();
		aws_ssm_parameter_free(&p);
	}
	return 0;
}
