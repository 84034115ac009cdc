/*
 * aws_xml.h: bounded extraction from AWS Query-API XML (EC2, STS, S3 errors) with expat.
 *
 * aws_xml_parse() walks a document and calls back at every element start and end with
 * the path of local element names (namespace prefixes dropped) from the root. At an
 * end the callback also gets the element's text; for leaf elements that is its whole
 * content, for elements with children it is only the text after the last child, which
 * parsers ignore. Parsers are state machines over paths (aws_xml_path_is()), so an
 * element of the same name elsewhere (an attachment's time, a volume's tags) is never
 * mistaken for the one wanted.
 *
 * Bounds: input size (IT_MAX_AWS_RESPONSE), nesting (IT_AWS_XML_DEPTH), one element's
 * text (IT_AWS_XML_TEXT), element names (63 bytes). DOCTYPE and entity declarations
 * are refused outright, so no entity expansion can happen. No globals: one parser per
 * call, safe from any thread.
 */
#ifndef ITALIC_AWS_XML_H
#define ITALIC_AWS_XML_H

#include <stddef.h>

#include "compiler.h"
#include "limits.h"

#define AWS_XML_NAME_MAX 63

struct aws_xml_handler {
	/* Either may be NULL. path[0] is the root; depth counts path entries (>= 1).
	 * A non-zero return (an IT_E* code) stops the parse and is returned by
	 * aws_xml_parse(). */
	int (*start)(void *ctx, const char *const *path, int depth);
	int (*end)(void *ctx, const char *const *path, int depth, const char *text, size_t len);
	void *ctx;
};

/* Parses len bytes. IT_OK, or IT_EINVAL (malformed, DOCTYPE, entity), IT_ETOOBIG (a
 * bound), IT_ENOMEM, or whatever a callback returned. */
int aws_xml_parse(const char *data, size_t len, const struct aws_xml_handler *h) WARN_UNUSED;

/* 1 when path[from..depth-1] equals spec, a '/'-separated list of names
 * ("reservationSet/item/instancesSet/item"). from = 1 skips the root element, whose
 * name differs per action. */
int aws_xml_path_is(const char *const *path, int depth, int from, const char *spec);

/* The error document of any Query-API or S3 error: the first Code and Message found
 * anywhere, and RequestId / RequestID. Fields are cut to their buffers. */
struct aws_xml_error {
	char code[IT_AWS_MAX_CODE + 1];
	char message[IT_AWS_MAX_MESSAGE + 1];
	char request_id[IT_AWS_MAX_REQUEST_ID + 1];
};

/* IT_OK when the document parsed and carried a Code; IT_ENOTFOUND when it parsed
 * without one; parse errors as aws_xml_parse(). *ret written only on IT_OK. */
int aws_xml_parse_error(const char *data, size_t len, struct aws_xml_error *ret) WARN_UNUSED;

/* Copies text (len bytes) with leading/trailing whitespace removed into a new string
 * of at most max bytes: IT_ETOOBIG beyond, IT_ENOMEM. Replaces *dst (freeing it). */
int aws_xml_strdup(char **dst, const char *text, size_t len, size_t max) WARN_UNUSED;

/* Like aws_xml_strdup() into a fixed buffer of size bytes, cutting (never failing). */
void aws_xml_copy(char *dst, size_t size, const char *text, size_t len);

#endif
