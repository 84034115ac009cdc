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

/* AWS */
#define IT_AWS_BATCH           100             /* PutEvaluations / BatchImportFindings */
#define IT_ANNOTATION_MAX      256             /* PutEvaluations Annotation */
#define IT_MAX_AWS_RESPONSE    (8 * 1024 * 1024)

/* events: POST /v1/events parsers (lib/event*.c) */
#define IT_EVENT_MAX_BODY      IT_MAX_BODY     /* one event per request; EventBridge allows 1 MB */
/* CloudTrail records nest: envelope > detail > responseElements > instancesSet > items[] >
 * item > networkInterfaceSet > items[] > item > privateIpAddressesSet > item[] > obj is
 * 12 levels in the RunInstances sample; other CloudTrail records (IAM policy documents,
 * launch-template data) add a few more. 64 leaves ~4x headroom, while keeping
 * jansson's recursion (and ours) to a small bounded stack. */
#define IT_EVENT_MAX_DEPTH     64
#define IT_EVENT_MAX_ID        128             /* envelope id (AWS: a 36-char UUID) */
#define IT_EVENT_MAX_FIELD     256             /* source, detail-type, messageType, eventName, status */
#define IT_EVENT_MAX_ARN       2048            /* IAM: ARNs up to 2048 chars */
#define IT_EVENT_MAX_RESOURCES 1000            /* envelope resources[] */
#define IT_EVENT_MAX_INSTANCES 1000            /* instances per RunInstances (a real record
						  holds far fewer within 1 MiB) */
#define IT_EVENT_MAX_TAGS      128             /* EC2: 50 user tags + aws:* system tags */
#define IT_EVENT_MAX_TAG_KEY   512             /* EC2: 128 UTF-8 chars, up to 4 bytes each */
#define IT_EVENT_MAX_TAG_VALUE 1024            /* EC2: 256 UTF-8 chars */
#define IT_EVENT_MAX_RESULT_TOKEN (16 * 1024)  /* real tokens are 2-4 KB of base64 */
#define IT_EVENT_MAX_RULE_PARAMS 4096          /* Config InputParameters: 1024 chars */
#define IT_EVENT_MAX_RULE_NAME 128             /* Config ConfigRuleName: 1..128 */
#define IT_EVENT_MAX_RULE_ARN  256             /* Config ConfigRuleArn: 1..256 */
#define IT_EVENT_MAX_REASON    256             /* EVENT_IGNORED reason */

/* Logging */
#define IT_MAX_LOG_LINE        4096
#define IT_REQUEST_ID_LEN      16              /* hex chars */

#endif
