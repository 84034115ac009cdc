/*
 * http_syntax.h: the parts of HTTP/1.1 message syntax (RFC 9110, RFC 9112) that Italic
 * judges itself, because libmicrohttpd 0.9.75 (Debian 12) does not, or does it wrongly.
 *
 * libmicrohttpd frames requests; service/http.c asks these functions, on the first
 * call of a request (headers only, no body byte read yet), whether the request is one
 * it may answer at all. What each function refuses, and why:
 *
 *   - http_te_judge: Transfer-Encoding. libmicrohttpd honours exactly "chunked" and,
 *     for anything else ("gzip, chunked", "chunked, chunked"), waits for a body that
 *     never ends. RFC 9112 §6.1/§6.3: a request whose final coding is not chunked
 *     cannot be framed (400 and close); a coding we do not implement is 501.
 *   - http_token_valid / http_value_valid: field names and values. A name holding
 *     whitespace ("Content-Length : 5") is a different header to libmicrohttpd but
 *     the same one to some proxies (RFC 9112 §5.1: 400); a value with CR or another
 *     control character is refused (RFC 9110 §5.5).
 *   - http_host_valid: Host must be a uri-host [":" port] (RFC 9112 §3.2).
 *   - http_target_judge: the raw request target before any decoding: %00 (a NUL that
 *     the C-string API would cut values at) and bytes outside visible ASCII are 400,
 *     an over-long target or too many query parameters 414.
 *   - http_target_path: absolute-form targets ("http://host/v1/rules") route like
 *     origin-form (RFC 9112 §3.2.2).
 *   - http_accept_pick: Accept with q-values (RFC 9110 §12.5.1), bounded.
 *   - http_media_type_in: Content-Type against the types a route reads (RFC 9110
 *     §8.3.1), parameters ignored.
 *
 * Pure functions over bounded input: no allocation, no I/O, no libmicrohttpd.
 * Values are (pointer, length) pairs and need not be NUL-terminated unless said.
 */
#ifndef ITALIC_HTTP_SYNTAX_H
#define ITALIC_HTTP_SYNTAX_H

#include <stddef.h>

#include "compiler.h"

enum http_te {
	HTTP_TE_NONE,          /* no Transfer-Encoding field */
	HTTP_TE_CHUNKED,       /* exactly one "chunked", last: the body is chunked */
	HTTP_TE_MALFORMED,     /* chunked missing, not last, repeated, with parameters,
				  an invalid or empty list: 400 and close */
	HTTP_TE_UNSUPPORTED,   /* a coding before chunked (gzip, deflate, ...): 501 and close */
	HTTP_TE__MAX
};

/*
 * Judges every Transfer-Encoding field line of a request, in order, as one list
 * (RFC 9110 §5.3: several lines are one comma-separated list). values[i] holds lens[i]
 * bytes. At most IT_MAX_TE_CODINGS codings are looked at; more is HTTP_TE_MALFORMED.
 */
enum http_te http_te_judge(const char *const values[], const size_t lens[], size_t n);

/* 1 when s[0..n) is a token (RFC 9110 §5.6.2: one or more tchar), else 0. */
int http_token_valid(const char *s, size_t n);

/* 1 when s[0..n) is a valid field value: visible ASCII, obs-text (0x80-0xFF), SP and
 * HTAB only (no NUL, CR, LF or other control character), else 0. */
int http_value_valid(const char *s, size_t n);

/* 1 when s[0..n) is uri-host [":" port] (RFC 3986 characters, port digits, at most
 * 255 + 6 bytes; empty is valid, as RFC 9112 §3.2 allows), else 0. */
int http_host_valid(const char *s, size_t n);

/*
 * Judges a raw request target (NUL-terminated, as received: before percent-decoding
 * and before the query is split). Returns 0 when acceptable; 414 when it is longer
 * than max_len bytes or its query holds more than max_params parameters (counted as
 * libmicrohttpd splits them: one more than the '&'s of a non-empty query); 400 when it
 * holds "%00" or a byte outside visible ASCII (controls, space, DEL, 0x80-0xFF). *why
 * gets a static sentence for the problem's detail whenever the result is not 0.
 */
unsigned http_target_judge(const char *raw, size_t max_len, size_t max_params, const char **why);

/*
 * The origin-form path of a (decoded, query-free) request target: target itself when
 * it starts with '/'; for an absolute-form "http://authority/path" or "https://..."
 * (scheme case-insensitive, authority a valid uri-host[:port] without user info) the
 * part from the first '/' after the authority, or "/" when there is none. NULL for
 * anything else (other schemes, authority-form, "*"). Borrowed from target (or static).
 */
const char *http_target_path(const char *target);

/*
 * Content negotiation on Accept (RFC 9110 §12.5.1). offers are "type/subtype" media
 * types in the server's order of preference. Each offer takes the q of the most
 * specific range that matches it (type/subtype over type/ * over * / *; the first of
 * equally specific ones); a range with an invalid qvalue or shape is skipped. The
 * pick is the offer with the highest q above 0, the server's order breaking ties.
 *
 * accept NULL (no Accept field), or one without any valid range: *ret_index = 0.
 * Nothing acceptable (every offer at q=0 or unmatched): *ret_index = n_offers, and the
 * caller decides (Italic answers its default, which RFC 9110 §12.5.1 allows).
 * Returns IT_OK, or IT_EINVAL (ret_index untouched) when accept is longer than
 * IT_MAX_ACCEPT bytes or lists more than IT_MAX_ACCEPT_RANGES ranges.
 */
int http_accept_pick(const char *accept, size_t len, const char *const offers[], size_t n_offers,
		     size_t *ret_index) WARN_UNUSED;

/*
 * 1 when the Content-Type value s[0..n) is one of types ("type/subtype", lower case,
 * NULL-terminated list): the media type is OWS, a token, "/", a token, then OWS and
 * optionally ";" followed by parameters, which are not judged (charset is JSON's
 * UTF-8 anyway, RFC 8259 §8.1). Type and subtype compare case-insensitively (RFC 9110
 * §8.3.1). Anything else, a malformed value included, is 0.
 */
int http_media_type_in(const char *s, size_t n, const char *const types[]);

#endif
