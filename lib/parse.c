/* parse.c: bounded number/time parsing and id validators (see parse.h). */
#include "parse.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "limits.h"
#include "status.h"

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	uint64_t v = 0;
	const char *p;

	if (!s || !*s)
		return IT_EINVAL;
	for (p = s; *p; p++) {
		unsigned d;
		if (*p < '0' || *p > '9')
			return IT_EINVAL;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return IT_EINVAL;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return IT_EINVAL;
	*ret = v;
	return IT_OK;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	uint64_t mag;
	int neg = 0, rc;
	int64_t v;

	if (!s)
		return IT_EINVAL;
	if (*s == '-') {
		neg = 1;
		s++;
	}
	rc = parse_u64(s, 0, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &mag);
	if (rc)
		return rc;
	if (neg)
		v = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	else
		v = (int64_t)mag;
	if (v < min || v > max)
		return IT_EINVAL;
	*ret = v;
	return IT_OK;
}

static int digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int parse_time_ms(const char *s, int64_t *ret_ms)
{
	int y, mo, d, h, mi, sec, frac_ms = 0, off_min = 0;
	const char *p;
	int64_t days, ms;

	if (!s || strlen(s) < 20 || strlen(s) > 40)
		return IT_EINVAL;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &sec))
		return IT_EINVAL;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 60)
		return IT_EINVAL;
	if (sec == 60) /* leap second: clamp, as most systems do */
		sec = 59;
	p = s + 19;
	if (*p == '.') {
		int n = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (n < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			n++;
			p++;
		}
		if (n == 0 || n > 9)
			return IT_EINVAL;
		for (; n < 3; n++)
			frac_ms *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, sign = *p == '-' ? -1 : 1;
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59)
			return IT_EINVAL;
		off_min = sign * (oh * 60 + om);
		p += 6;
	} else {
		return IT_EINVAL;
	}
	if (*p)
		return IT_EINVAL;
	days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	ms = ((days * 24 + h) * 60 + mi) * 60 + sec;
	ms = (ms - (int64_t)off_min * 60) * 1000 + frac_ms;
	if (ms < 0)
		return IT_EINVAL;
	*ret_ms = ms;
	return IT_OK;
}

static void civil(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	gmtime_r(&t, tm);
}

char *format_time_ms(int64_t ms, char out[IT_TIME_BUF])
{
	struct tm tm;
	unsigned rem = (unsigned)(((ms % 1000) + 1000) % 1000);
	size_t n;

	civil(ms, &tm);
	n = strftime(out, IT_TIME_BUF, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, IT_TIME_BUF - n, ".%03uZ", rem % 1000u);
	return out;
}

char *format_time_s(int64_t ms, char out[IT_TIME_BUF])
{
	struct tm tm;

	civil(ms, &tm);
	strftime(out, IT_TIME_BUF, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

int parse_duration_s(const char *s, uint64_t max, uint64_t *ret_s)
{
	char num[24];
	size_t n;
	uint64_t v, mult = 1;
	int rc;

	if (!s || !*s)
		return IT_EINVAL;
	n = strlen(s);
	if (n >= sizeof(num))
		return IT_EINVAL;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 's': mult = 1; num[--n] = '\0'; break;
	case 'm': mult = 60; num[--n] = '\0'; break;
	case 'h': mult = 3600; num[--n] = '\0'; break;
	case 'd': mult = 86400; num[--n] = '\0'; break;
	default: break;
	}
	rc = parse_u64(num, 0, max, &v);
	if (rc)
		return rc;
	if (v > max / mult)
		return IT_EINVAL;
	*ret_s = v * mult;
	return IT_OK;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int valid_account_id(const char *s)
{
	return s && strlen(s) == 12 && all_digits(s, 12);
}

static int lower_alpha(char c)
{
	return c >= 'a' && c <= 'z';
}

/* partition-area(-qualifier)*-N: "us-east-1", "us-gov-west-1", "ap-southeast-3",
 * "eu-isoe-west-1". Groups of lower-case letters, then a final number. */
int valid_region(const char *s)
{
	size_t n, groups = 0, i = 0;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 4 || n > 32)
		return 0;
	while (i < n) {
		size_t start = i;
		while (i < n && lower_alpha(s[i]))
			i++;
		if (i == start)
			break;
		if (i >= n || s[i] != '-')
			return 0;
		groups++;
		i++;
	}
	if (groups < 2 || i >= n || n - i > 2)
		return 0;
	return all_digits(s + i, n - i) && s[i] != '0';
}

static int valid_hex_id(const char *s, const char *prefix)
{
	size_t pl, n;

	if (!s)
		return 0;
	pl = strlen(prefix);
	if (strncmp(s, prefix, pl) != 0)
		return 0;
	s += pl;
	n = strlen(s);
	if (n != 8 && n != 17)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int valid_image_id(const char *s)
{
	return valid_hex_id(s, "ami-");
}

int valid_instance_id(const char *s)
{
	return valid_hex_id(s, "i-");
}

int valid_object_id(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 1 || n > IT_MAX_ID)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int valid_text(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (!s)
		return 0;
	while (*p) {
		unsigned c = *p;
		int extra;
		if (++n > max)
			return 0;
		if (c < 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80) {
			p++;
			continue;
		}
		if ((c & 0xe0) == 0xc0 && c >= 0xc2)
			extra = 1;
		else if ((c & 0xf0) == 0xe0)
			extra = 2;
		else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
			extra = 3;
		else
			return 0;
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			if (++n > max)
				return 0;
		}
	}
	return 1;
}

int valid_product_code(const char *s)
{
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 1 || n > IT_MAX_PRODUCT_CODE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

int valid_platform(const char *s)
{
	static const char *const platforms[] = {"Linux/UNIX", "Windows"};

	for (size_t i = 0; s && i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (strcmp(s, platforms[i]) == 0)
			return 1;
	return 0;
}
