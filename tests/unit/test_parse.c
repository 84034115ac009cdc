/* test_parse: negative cases first, then the accepted forms and exact boundaries. */
#include "parse.h"
#include "status.h"
#include "tap.h"

static void test_u64(void)
{
	static const char *bad[] = {"", "-1", "+1", " 1", "1 ", "1a", "0x10",
				    "18446744073709551616", "99999999999999999999999"};
	uint64_t v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse_u64(bad[i], 0, UINT64_MAX, &v) == IT_EINVAL, "reject \"%s\"", bad[i]);
		CHECK(v == 42, "out-param untouched after \"%s\"", bad[i]);
	}
	CHECK(parse_u64(NULL, 0, 1, &v) == IT_EINVAL, "NULL");
	CHECK(parse_u64("11", 0, 10, &v) == IT_EINVAL && v == 42, "over max");
	CHECK(parse_u64("4", 5, 10, &v) == IT_EINVAL && v == 42, "under min");
	CHECK(parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == IT_OK && v == UINT64_MAX, "max");
	CHECK(parse_u64("10", 0, 10, &v) == IT_OK && v == 10, "at max");
}

static void test_i64(void)
{
	int64_t v = 7;
	CHECK(parse_i64("-", INT64_MIN, INT64_MAX, &v) == IT_EINVAL && v == 7, "lone minus");
	CHECK(parse_i64("--1", INT64_MIN, INT64_MAX, &v) == IT_EINVAL, "double minus");
	CHECK(parse_i64("9223372036854775808", INT64_MIN, INT64_MAX, &v) == IT_EINVAL, "overflow");
	CHECK(parse_i64("-9223372036854775808", INT64_MIN, INT64_MAX, &v) == IT_OK && v == INT64_MIN, "min");
	CHECK(parse_i64("-5", 0, 10, &v) == IT_EINVAL, "negative below min");
	CHECK(parse_i64("-5", -10, 10, &v) == IT_OK && v == -5, "negative");
}

static void test_time(void)
{
	static const char *bad[] = {
		"", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
		"1969-12-31T23:59:59Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zjunk",
		"2026-01-01T00:00:00+0100", "2026/01/01T00:00:00Z", "2026-01-01T00:00:00.1234567890Z",
	};
	int64_t ms = 99;
	char out[IT_TIME_BUF];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse_time_ms(bad[i], &ms) == IT_EINVAL, "reject \"%s\"", bad[i]);
		CHECK(ms == 99, "untouched after \"%s\"", bad[i]);
	}
	CHECK(parse_time_ms("1970-01-01T00:00:00Z", &ms) == IT_OK && ms == 0, "epoch");
	CHECK(parse_time_ms("2016-02-20T01:09:13Z", &ms) == IT_OK && ms == 1455930553000LL, "cwe sample");
	CHECK(parse_time_ms("2024-02-29T12:00:00.5Z", &ms) == IT_OK && ms == 1709208000500LL, "leap day, .5");
	CHECK(parse_time_ms("2019-05-10T13:17:12.000Z", &ms) == IT_OK && ms == 1557494232000LL, "ec2 creationDate");
	CHECK(parse_time_ms("2026-01-01T01:00:00+01:00", &ms) == IT_OK && ms == 1767225600000LL, "offset");
	CHECK(parse_time_ms("2024-12-16 18:41:07.000000000Z", &ms) == IT_OK, "space separator, ns");
	CHECK_STR(format_time_ms(1709208000500LL, out), "2024-02-29T12:00:00.500Z", "format ms");
	CHECK_STR(format_time_s(1709208000500LL, out), "2024-02-29T12:00:00Z", "format s");
}

static void test_duration(void)
{
	uint64_t s = 5;
	CHECK(parse_duration_s("", 1000000, &s) == IT_EINVAL, "empty");
	CHECK(parse_duration_s("h", 1000000, &s) == IT_EINVAL, "unit only");
	CHECK(parse_duration_s("6x", 1000000, &s) == IT_EINVAL, "bad unit");
	CHECK(parse_duration_s("-1h", 1000000, &s) == IT_EINVAL, "negative");
	CHECK(parse_duration_s("300d", 86400, &s) == IT_EINVAL && s == 5, "over max");
	CHECK(parse_duration_s("6h", 1000000, &s) == IT_OK && s == 21600, "6h");
	CHECK(parse_duration_s("0", 10, &s) == IT_OK && s == 0, "0");
	CHECK(parse_duration_s("90", 100, &s) == IT_OK && s == 90, "bare seconds");
	CHECK(parse_duration_s("15m", 100000, &s) == IT_OK && s == 900, "15m");
}

static void test_ids(void)
{
	CHECK(!valid_account_id("12345678901"), "11 digits");
	CHECK(!valid_account_id("1234567890123"), "13 digits");
	CHECK(!valid_account_id("12345678901a"), "letter");
	CHECK(!valid_account_id(NULL), "NULL");
	CHECK(valid_account_id("123456789012"), "12 digits");

	CHECK(!valid_region("us-east"), "no number");
	CHECK(!valid_region("US-EAST-1"), "upper");
	CHECK(!valid_region("useast1"), "no dashes");
	CHECK(!valid_region("us-east-1 "), "trailing space");
	CHECK(!valid_region("us-east-01"), "leading zero");
	CHECK(!valid_region("-east-1"), "empty group");
	CHECK(valid_region("us-east-1"), "us-east-1");
	CHECK(valid_region("us-gov-west-1"), "gov");
	CHECK(valid_region("cn-northwest-1"), "cn");
	CHECK(valid_region("ap-southeast-3"), "ap");

	CHECK(!valid_image_id("ami-123"), "short");
	CHECK(!valid_image_id("ami-0123456789ABCDEF0"), "upper hex");
	CHECK(!valid_image_id("ami-0123456789abcdef"), "16 hex");
	CHECK(!valid_image_id("i-0123456789abcdef0"), "instance id");
	CHECK(valid_image_id("ami-0123456789abcdef0"), "17 hex");
	CHECK(valid_image_id("ami-c7d092f7"), "8 hex");
	CHECK(!valid_instance_id(" i-1234567890abcdef0"), "leading space (AWS sample typo)");
	CHECK(valid_instance_id("i-1234567890abcdef0"), "instance");

	CHECK(!valid_object_id(""), "empty id");
	CHECK(!valid_object_id("-x"), "leading dash");
	CHECK(!valid_object_id("a b"), "space");
	CHECK(!valid_object_id("a/b"), "slash");
	CHECK(valid_object_id("golden-linux.v2_1"), "rule id");

	CHECK(!valid_text("a\nb", 10), "control char");
	CHECK(!valid_text("abcdef", 5), "too long");
	CHECK(!valid_text("\xc3", 10), "truncated utf-8");
	CHECK(!valid_text("\xff", 10), "bad byte");
	CHECK(valid_text("caf\xc3\xa9", 10), "utf-8");
}

int main(void)
{
	test_u64();
	test_i64();
	test_time();
	test_duration();
	test_ids();
	return tap_done();
}
