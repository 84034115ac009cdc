/* status.c: names for the status codes of status.h. */
#include "status.h"

#include "compiler.h"

static const char *const status_names[] = {
	"ok", "einval", "enomem", "enotfound", "eexist", "econflict", "etoobig",
	"eio", "edb", "ebusy", "eauth", "eforbidden", "eschema", "ethrottle",
	"eserver", "enetwork", "edenied", "eremote", "eunsupported", "efull",
};
_Static_assert(ARRAY_LEN(status_names) == -(IT__STATUS_MIN), "status_names out of sync");

const char *status_str(int status)
{
	if (status > 0 || status <= IT__STATUS_MIN)
		return "unknown";
	return status_names[-status];
}

int status_retryable(int status)
{
	switch (status) {
	case IT_EBUSY:
	case IT_ETHROTTLE:
	case IT_ESERVER:
	case IT_ENETWORK:
	case IT_EIO:
		return 1;
	default:
		return 0;
	}
}
