/*
 * limits.h: every size, count and depth ceiling of Italic, in one place.
 *
 * A limit lives here so a reviewer can see all of them at once, and so tests
 * and the OpenAPI document can quote the same numbers.
 */
#ifndef ITALIC_LIMITS_H
#define ITALIC_LIMITS_H

/* HTTP */
#define IT_MAX_BODY            (1024 * 1024)   /* EventBridge events may be 1 MB (2026): 413 beyond */
#define IT_MAX_AUTH_HEADER     1024            /* Authorization / x-api-key value */
#define IT_MAX_TOKEN_LEN       512             /* EventBridge ApiKeyValue max */
#define IT_MAX_PATH            1024
#define IT_MAX_PATH_PARAMS     4
#define IT_MAX_QUERY_PARAMS    32
#define IT_MAX_QUERY_VALUE     1024
#define IT_MAX_IDEMPOTENCY_KEY 128

/* JSON documents */
#define IT_MAX_JSON_DEPTH      32
#define IT_MAX_STRING          4096            /* generic string field */
#define IT_MAX_NAME            256             /* rule/token names */
#define IT_MAX_DESCRIPTION     1024
#define IT_MAX_ID              128             /* rule / exemption ids */

/* Tokens */
#define IT_MAX_TOKEN_ACCOUNTS  100             /* accounts one ingest token may be bound to */
#define IT_TOKEN_RAW_BYTES     32              /* entropy in a new token */

/* Listing */
#define IT_LIST_DEFAULT        100
#define IT_LIST_MAX            1000

/* Query API (lists, summary, gauges, retention) */
#define IT_CURSOR_MAX_AGE_MS   (24LL * 3600 * 1000)   /* a paging cursor is good for a day */
#define IT_SUMMARY_ACCOUNTS    1000            /* by_account entries, largest accounts first */
#define IT_SUMMARY_IMAGES      10              /* images behind the most non-compliant instances */
#define IT_SUMMARY_EXEMPTIONS  100             /* exemptions expiring soon, soonest first */
#define IT_SUMMARY_EXPIRY_DAYS 7               /* "expiring soon" window */
#define IT_METRICS_ACCOUNTS    50              /* per-account gauges, largest accounts only */
#define IT_RETENTION_BATCH     1000            /* rows per purge transaction */
#define IT_RETENTION_PAUSE_MS  50              /* between purge transactions */
#define IT_RETENTION_INTERVAL_S 600            /* between purge passes */

/* AWS */
#define IT_AWS_BATCH           100             /* PutEvaluations / BatchImportFindings */
#define IT_ANNOTATION_MAX      256             /* PutEvaluations Annotation */
#define IT_MAX_AWS_RESPONSE    (8 * 1024 * 1024)

/* Logging */
#define IT_MAX_LOG_LINE        4096
#define IT_REQUEST_ID_LEN      16              /* hex chars */

#endif
