/* status.c: names for the status codes of status.h. */
#include "status.h"

#include "compiler.h"

static const char *const status_names[] = {
	"ok", "einval", "enomem", "enotfound", "eexist", "econflict", "etoobig",
	"eio", "edb", "ebusy", "eauth", "eforbidden", "eschema", "ethrottle",
	"eserver", "enetwork", "edenied", "eremote", "eunsupported", "efull",
};
_Static_assert(ARRAY_LEN(status_names) == -(IT__STATUS_MIN), "status_names out of sync");

/* Phrases that finish a sentence such as "The database could not be opened: %s." */
static const char *const status_texts[] = {
	"no error",
	"the input is malformed",
	"out of memory",
	"it does not exist",
	"it exists already",
	"it was changed in the meantime",
	"it is over its size limit",
	"an input/output error occurred",
	"the database failed",
	"it is busy; try again later",
	"no usable credentials",
	"access is not allowed",
	"the database schema is newer than this binary",
	"the remote side is throttling requests",
	"the remote side had a server error",
	"the network failed or timed out",
	"access was denied",
	"the remote side rejected the request",
	"it is not supported here",
	"the disk is full",
};
_Static_assert(ARRAY_LEN(status_texts) == -(IT__STATUS_MIN), "status_texts out of sync");

const char *status_text(int status)
{
	if (status > 0 || status <= IT__STATUS_MIN)
		return "an unknown error occurred";
	return status_texts[-status];
}

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
