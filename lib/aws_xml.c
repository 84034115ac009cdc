/* aws_xml.c: expat walker with bounds (see aws_xml.h). */
#include "aws_xml.h"

#include <expat.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "status.h"

struct walker {
	XML_Parser p;
	const struct aws_xml_handler *h;
	char names[IT_AWS_XML_DEPTH][AWS_XML_NAME_MAX + 1];
	const char *path[IT_AWS_XML_DEPTH];
	int depth;
	struct buf text;
	int rc;
};

static void stop(struct walker *w, int rc)
{
	if (w->rc == 0)
		w->rc = rc;
	XML_StopParser(w->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct walker *w = ud;
	const char *local = strrchr(name, ':');
	size_t n;
	(void)attrs;

	if (w->rc)
		return;
	local = local ? local + 1 : name;
	n = strlen(local);
	if (w->depth >= IT_AWS_XML_DEPTH || n > AWS_XML_NAME_MAX) {
		stop(w, IT_ETOOBIG);
		return;
	}
	memcpy(w->names[w->depth], local, n + 1);
	w->path[w->depth] = w->names[w->depth];
	w->depth++;
	buf_reset(&w->text);
	if (w->h->start) {
		int rc = w->h->start(w->h->ctx, w->path, w->depth);
		if (rc)
			stop(w, rc);
	}
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	struct walker *w = ud;
	(void)name;

	if (w->rc || w->depth == 0)
		return;
	if (w->h->end) {
		int rc = w->h->end(w->h->ctx, w->path, w->depth, buf_str(&w->text), w->text.len);
		if (rc) {
			stop(w, rc);
			return;
		}
	}
	w->depth--;
	buf_reset(&w->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct walker *w = ud;
	if (w->rc || len <= 0)
		return;
	if (buf_append(&w->text, s, (size_t)len) != IT_OK)
		stop(w, IT_ETOOBIG);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	stop(ud, IT_EINVAL);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
			      const XML_Char *value, int value_length, const XML_Char *base,
			      const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
	(void)name;
	(void)is_param;
	(void)value;
	(void)value_length;
	(void)base;
	(void)sysid;
	(void)pubid;
	(void)notation;
	stop(ud, IT_EINVAL);
}

int aws_xml_parse(const char *data, size_t len, const struct aws_xml_handler *h)
{
	struct walker *w;
	int rc;

	if (!data || !h)
		return IT_EINVAL;
	if (len > IT_MAX_AWS_RESPONSE)
		return IT_ETOOBIG;
	w = calloc(1, sizeof(*w));
	if (!w)
		return IT_ENOMEM;
	w->h = h;
	buf_init(&w->text, IT_AWS_XML_TEXT);
	w->p = XML_ParserCreate(NULL);
	if (!w->p) {
		free(w);
		return IT_ENOMEM;
	}
	XML_SetUserData(w->p, w);
	XML_SetElementHandler(w->p, on_start, on_end);
	XML_SetCharacterDataHandler(w->p, on_text);
	XML_SetStartDoctypeDeclHandler(w->p, on_doctype);
	XML_SetEntityDeclHandler(w->p, on_entity);
	XML_SetParamEntityParsing(w->p, XML_PARAM_ENTITY_PARSING_NEVER);
	if (XML_Parse(w->p, data, (int)len, XML_TRUE) == XML_STATUS_ERROR && w->rc == 0)
		w->rc = IT_EINVAL;
	rc = w->rc;
	XML_ParserFree(w->p);
	buf_finish(&w->text);
	free(w);
	return rc;
}

int aws_xml_path_is(const char *const *path, int depth, int from, const char *spec)
{
	int i = from;
	const char *s = spec;

	while (i < depth) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		if (n == 0 || strlen(path[i]) != n || memcmp(path[i], s, n) != 0)
			return 0;
		i++;
		if (!slash)
			return i == depth;
		s = slash + 1;
	}
	return 0;
}

static void trim(const char **text, size_t *len)
{
	const char *s = *text;
	size_t n = *len;
	while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	*text = s;
	*len = n;
}

int aws_xml_strdup(char **dst, const char *text, size_t len, size_t max)
{
	char *p;

	trim(&text, &len);
	if (len > max)
		return IT_ETOOBIG;
	p = malloc(len + 1);
	if (!p)
		return IT_ENOMEM;
	memcpy(p, text, len);
	p[len] = '\0';
	free(*dst);
	*dst = p;
	return IT_OK;
}

void aws_xml_copy(char *dst, size_t size, const char *text, size_t len)
{
	if (size == 0)
		return;
	trim(&text, &len);
	if (len >= size)
		len = size - 1;
	memcpy(dst, text, len);
	dst[len] = '\0';
}

static int error_end(void *ctx, const char *const *path, int depth, const char *text, size_t len)
{
	struct aws_xml_error *e = ctx;
	const char *name = path[depth - 1];

	if (!strcmp(name, "Code") && !e->code[0])
		aws_xml_copy(e->code, sizeof(e->code), text, len);
	else if (!strcmp(name, "Message") && !e->message[0])
		aws_xml_copy(e->message, sizeof(e->message), text, len);
	else if ((!strcmp(name, "RequestId") || !strcmp(name, "RequestID")) && !e->request_id[0])
		aws_xml_copy(e->request_id, sizeof(e->request_id), text, len);
	return IT_OK;
}

int aws_xml_parse_error(const char *data, size_t len, struct aws_xml_error *ret)
{
	struct aws_xml_error e;
	struct aws_xml_handler h = {NULL, error_end, &e};
	int rc;

	memset(&e, 0, sizeof(e));
	rc = aws_xml_parse(data, len, &h);
	if (rc)
		return rc;
	if (!e.code[0])
		return IT_ENOTFOUND;
	*ret = e;
	return IT_OK;
}
