/*
 * fuzz_aws_xml: every Query-API XML parser on the same input (DescribeInstances,
 * DescribeImages, DescribeInstanceImageMetadata, STS credentials, error documents).
 * Each must either reject or return a result whose strings are bounded and owned.
 */
#include <stdint.h>
#include <string.h>

#include "aws_ec2.h"
#include "aws_sts.h"
#include "aws_xml.h"
#include "status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct aws_ec2_instances in;
	struct aws_ec2_images im;
	struct aws_ec2_instance_images md;
	struct sigv4_credentials c;
	struct aws_xml_error e;

	if (aws_ec2_parse_instances(s, size, &in) == IT_OK) {
		for (size_t i = 0; i < in.n; i++)
			if (strlen(in.items[i].instance_id) > IT_AWS_MAX_FIELD ||
			    in.items[i].n_tags > IT_AWS_MAX_TAGS || in.items[i].state_code > 255)
				__builtin_trap();
		aws_ec2_instances_free(&in);
	}
	if (aws_ec2_parse_images(s, size, &im) == IT_OK) {
		for (size_t i = 0; i < im.n; i++)
			if (strlen(im.items[i].image_id) > IT_AWS_MAX_FIELD ||
			    im.items[i].n_product_codes > IT_AWS_MAX_PRODUCT_CODES)
				__builtin_trap();
		aws_ec2_images_free(&im);
	}
	if (aws_ec2_parse_instance_images(s, size, &md) == IT_OK)
		aws_ec2_instance_images_free(&md);
	if (aws_sts_parse_credentials(s, size, &c) == IT_OK) {
		if (!c.access_key_id[0] || !c.secret_access_key[0])
			__builtin_trap();
		sigv4_credentials_wipe(&c);
	}
	if (aws_xml_parse_error(s, size, &e) == IT_OK && !e.code[0])
		__builtin_trap();
	return 0;
}
