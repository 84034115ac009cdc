/* http_syntax.c: HTTP/1.1 syntax checks Italic makes itself (see http_syntax.h). */
#include "http_syntax.h"

#include <string.h>
#include <strings.h>

#include "limits.h"
#include "status.h"

/* RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
 * "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA */
static int tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

int http_token_valid(const char *s, size_t n)
{
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!tchar((unsigned char)s[i]))
			return 0;
	return 1;
}

int http_value_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

int http_host_valid(const char *s, size_t n)
{
	/* RFC 3986 reg-name / IP-literal characters plus ':' for the port; the exact
	 * split is not needed: Italic never uses Host, only refuses what cannot be one. */
	static const char extra[] = "-._~%!$&'()*+,;=:[]";

	if (n > 255 + 6)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(extra, c))))
			return 0;
	}
	return 1;
}

/* ---- Transfer-Encoding ---- */

struct te_walk {
	size_t codings;     /* non-empty list elements seen */
	int chunked_seen;   /* "chunked" already seen (it must be the last) */
	int other;          /* a coding other than chunked */
	int bad;            /* malformed */
};

/* One list element s[0..n), OWS already trimmed, not empty. */
static void te_element(struct te_walk *w, const char *s, size_t n)
{
	size_t name = 0;

	while (name < n && tchar((unsigned char)s[name]))
		name++;
	if (name == 0 || ++w->codings > IT_MAX_TE_CODINGS) {
		w->bad = 1;
		return;
	}
	/* Whatever follows the name must be parameters; chunked has none (RFC 9112 §7). */
	if (name < n && !(ows(s[name]) || s[name] == ';')) {
		w->bad = 1;
		return;
	}
	if (w->chunked_seen) {
		/* Anything after chunked, including a second chunked (RFC 9112 §6.1). */
		w->bad = 1;
		return;
	}
	if (name == 7 && strncasecmp(s, "chunked", 7) == 0) {
		if (name != n)
			w->bad = 1;
		w->chunked_seen = 1;
		return;
	}
	w->other = 1;
}

enum http_te http_te_judge(const char *const values[], const size_t lens[], size_t n)
{
	struct te_walk w = {0, 0, 0, 0};

	if (n == 0)
		return HTTP_TE_NONE;
	for (size_t i = 0; i < n && !w.bad; i++) {
		const char *v = values[i];
		size_t len = lens[i], start = 0;
		while (start <= len && !w.bad) {
			size_t end = start, a, b;
			while (end < len && v[end] != ',')
				end++;
			a = start;
			b = end;
			while (a < b && ows(v[a]))
				a++;
			while (b > a && ows(v[b - 1]))
				b--;
			if (b > a)   /* empty elements are allowed and ignored (RFC 9110 §5.6.1) */
				te_element(&w, v + a, b - a);
			start = end + 1;
		}
	}
	if (w.bad || w.codings == 0 || !w.chunked_seen)
		return HTTP_TE_MALFORMED;
	return w.other ? HTTP_TE_UNSUPPORTED : HTTP_TE_CHUNKED;
}

/* ---- request target ---- */

unsigned http_target_judge(const char *raw, size_t max_len, size_t max_params, const char **why)
{
	size_t len = 0, params = 0;
	const char *query = NULL;

	for (const char *p = raw; *p; p++, len++) {
		unsigned char c = (unsigned char)*p;
		if (len >= max_len) {
			*why = "request target too long";
			return 414;
		}
		if (c <= 0x20 || c >= 0x7f) {
			*why = "request target holds a byte outside visible ASCII";
			return 400;
		}
		if (c == '%' && p[1] == '0' && p[2] == '0') {
			*why = "request target holds %00 (a NUL byte)";
			return 400;
		}
		if (c == '?' && !query) {
			query = p + 1;
			params = *query ? 1 : 0;
		} else if (c == '&' && query) {
			params++;
		}
	}
	if (params > max_params) {
		*why = "too many query parameters";
		return 414;
	}
	return 0;
}

const char *http_target_path(const char *target)
{
	const char *auth, *end;
	size_t skip;

	if (target[0] == '/')
		return target;
	if (strncasecmp(target, "http://", 7) == 0)
		skip = 7;
	else if (strncasecmp(target, "https://", 8) == 0)
		skip = 8;
	else
		return NULL;
	auth = target + skip;
	end = strchr(auth, '/');
	if (!end)
		end = auth + strlen(auth);
	/* user info ('@') is not allowed in an http(s) target (RFC 9110 §4.2.4). */
	if (end == auth || !http_host_valid(auth, (size_t)(end - auth)))
		return NULL;
	return *end ? end : "/";
}

/* ---- Accept ---- */

struct range {
	const char *type, *sub;
	size_t type_len, sub_len;
	int q;               /* 0..1000 */
};

/* RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static int parse_qvalue(const char *s, size_t n, int *ret)
{
	int q, scale = 100;

	if (n == 0 || n > 5 || (s[0] != '0' && s[0] != '1') || (n > 1 && s[1] != '.'))
		return IT_EINVAL;
	q = (s[0] - '0') * 1000;
	for (size_t i = 2; i < n; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9' || (s[0] == '1' && s[i] != '0'))
			return IT_EINVAL;
		q += (s[i] - '0') * scale;
	}
	*ret = q;
	return IT_OK;
}

/* Parses one media range s[0..n) (OWS trimmed). 0 when it is well formed. */
static int parse_range(const char *s, size_t n, struct range *r)
{
	size_t i = 0;

	r->type = s;
	while (i < n && tchar((unsigned char)s[i]))
		i++;
	r->type_len = i;
	if (i == 0 || i == n || s[i] != '/')
		return -1;
	r->sub = s + ++i;
	while (i < n && tchar((unsigned char)s[i]))
		i++;
	r->sub_len = (size_t)(s + i - r->sub);
	if (r->sub_len == 0)
		return -1;
	if ((r->type_len == 1 && r->type[0] == '*') && !(r->sub_len == 1 && r->sub[0] == '*'))
		return -1;   /* "* / subtype" is not a media range */
	r->q = 1000;
	/* Parameters: ;name=value, the first "q" is the weight (what follows it is
	 * accept-ext, ignored). Other parameters are ignored for matching: Italic's
	 * offers carry none. */
	while (i < n) {
		size_t name, name_len, val, val_len;
		while (i < n && ows(s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] != ';')
			return -1;
		i++;
		while (i < n && ows(s[i]))
			i++;
		name = i;
		while (i < n && tchar((unsigned char)s[i]))
			i++;
		name_len = i - name;
		if (name_len == 0 || i == n || s[i] != '=')
			return -1;
		val = ++i;
		if (i < n && s[i] == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\' && i + 1 < n)
					i++;
			if (i == n)
				return -1;
			i++;
		} else {
			while (i < n && tchar((unsigned char)s[i]))
				i++;
		}
		val_len = i - val;
		if (name_len == 1 && (s[name] == 'q' || s[name] == 'Q'))
			return parse_qvalue(s + val, val_len, &r->q) ? -1 : 0;
	}
	return 0;
}

/* How specifically r matches "type/sub": 3 exact, 2 type/ *, 1 * / *, 0 no match. */
static int specificity(const struct range *r, const char *offer)
{
	const char *slash = strchr(offer, '/');
	size_t tl = slash ? (size_t)(slash - offer) : strlen(offer);
	const char *sub = slash ? slash + 1 : "";

	if (r->type_len == 1 && r->type[0] == '*')
		return 1;
	if (r->type_len != tl || strncasecmp(r->type, offer, tl) != 0)
		return 0;
	if (r->sub_len == 1 && r->sub[0] == '*')
		return 2;
	return r->sub_len == strlen(sub) && strncasecmp(r->sub, sub, r->sub_len) == 0 ? 3 : 0;
}

int http_accept_pick(const char *accept, size_t len, const char *const offers[], size_t n_offers,
		     size_t *ret_index)
{
	struct range ranges[IT_MAX_ACCEPT_RANGES];
	size_t nr = 0, elements = 0, start = 0, best = n_offers;
	int best_q = 0;

	if (!accept) {
		*ret_index = 0;
		return IT_OK;
	}
	if (len > IT_MAX_ACCEPT)
		return IT_EINVAL;
	while (start <= len) {
		size_t end = start, a, b;
		int quoted = 0;
		/* A comma inside a quoted parameter value does not end the element. */
		for (; end < len && (quoted || accept[end] != ','); end++) {
			if (accept[end] == '"')
				quoted = !quoted;
			else if (quoted && accept[end] == '\\' && end + 1 < len)
				end++;
		}
		a = start;
		b = end;
		while (a < b && ows(accept[a]))
			a++;
		while (b > a && ows(accept[b - 1]))
			b--;
		start = end + 1;
		if (b == a)
			continue;
		if (++elements > IT_MAX_ACCEPT_RANGES)
			return IT_EINVAL;
		if (parse_range(accept + a, b - a, &ranges[nr]) == 0)
			nr++;
	}
	if (nr == 0) {
		*ret_index = 0;
		return IT_OK;
	}
	for (size_t o = 0; o < n_offers; o++) {
		int spec = 0, q = 0;
		for (size_t i = 0; i < nr; i++) {
			int s = specificity(&ranges[i], offers[o]);
			if (s > spec) {
				spec = s;
				q = ranges[i].q;
			}
		}
		if (spec && q > best_q) {
			best_q = q;
			best = o;
		}
	}
	*ret_index = best;
	return IT_OK;
}

int http_media_type_in(const char *s, size_t n, const char *const types[])
{
	size_t b = 0, e, slash;

	while (b < n && (s[b] == ' ' || s[b] == '\t'))
		b++;
	e = b;
	while (e < n && s[e] != ';')
		e++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	for (slash = b; slash < e && s[slash] != '/'; slash++)
		;
	if (slash == e || !http_token_valid(s + b, slash - b) || !http_token_valid(s + slash + 1, e - slash - 1))
		return 0;
	for (size_t i = 0; types && types[i]; i++)
		if (strlen(types[i]) == e - b && strncasecmp(types[i], s + b, e - b) == 0)
			return 1;
	return 0;
}
