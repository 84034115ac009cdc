/*
 * status.h: the one error vocabulary of lib/.
 *
 * Every fallible function returns int: IT_OK (0) or a negative IT_E* code.
 * service/ maps codes to HTTP statuses; status_str() gives a stable name for logs.
 */
#ifndef ITALIC_STATUS_H
#define ITALIC_STATUS_H

enum it_status {
	IT_OK = 0,
	IT_EINVAL = -1,     /* malformed input */
	IT_ENOMEM = -2,     /* allocation failed */
	IT_ENOTFOUND = -3,  /* no such thing */
	IT_EEXIST = -4,     /* already there (duplicate id) */
	IT_ECONFLICT = -5,  /* version / precondition mismatch */
	IT_ETOOBIG = -6,    /* over a named ceiling in limits.h */
	IT_EIO = -7,        /* OS-level I/O failure */
	IT_EDB = -8,        /* SQLite failure (not busy) */
	IT_EBUSY = -9,      /* locked / backlog full: try again later */
	IT_EAUTH = -10,     /* missing or unknown credential */
	IT_EFORBIDDEN = -11,/* credential known, not allowed */
	IT_ESCHEMA = -12,   /* database schema newer than this binary */
	IT_ETHROTTLE = -13, /* remote asked us to slow down (retryable) */
	IT_ESERVER = -14,   /* remote 5xx (retryable) */
	IT_ENETWORK = -15,  /* connect / timeout (retryable) */
	IT_EDENIED = -16,   /* remote access denied (final) */
	IT_EREMOTE = -17,   /* remote rejected the request (final) */
	IT_EUNSUPPORTED = -18, /* operation not available here */
	IT_EFULL = -19,     /* disk full */
	IT__STATUS_MIN = -20,
};

/* Stable lower-case name of a status code ("ok", "einval", ...); "unknown" otherwise. */
const char *status_str(int status);

/* The same code as a lower-case phrase for log messages and problem details ("the
 * network failed or timed out"); never NULL. */
const char *status_text(int status);

/* True for codes a caller may retry after a delay. */
int status_retryable(int status);

#endif
