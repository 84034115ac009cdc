/*
 * limits.h: every size, count and depth ceiling of Italic, in one place.
 *
 * A limit lives here so a reviewer can see all of them at once, and so tests
 * and the OpenAPI document can quote the same numbers.
 */
#ifndef ITALIC_LIMITS_H
#define ITALIC_LIMITS_H

/* Identifiers (AWS's shapes; lib/parse.h validates them where they enter Italic). Sizes
 * of the buffers that hold them, in bytes with the NUL: the longest valid value fits,
 * with room for an AWS answer a little longer than documented (kept whole, not cut). */
#define IT_ACCOUNT_ID_SIZE     16              /* 12 digits */
#define IT_REGION_SIZE         33              /* valid_region: at most 32 bytes ("ap-southeast-5" is 14) */
#define IT_INSTANCE_ID_SIZE    32              /* "i-" and 8 or 17 hex digits: 19 */
#define IT_IMAGE_ID_SIZE       32              /* "ami-" and 8 or 17 hex digits: 21 */
#define IT_STATE_SIZE          24              /* EC2 instance state names: "shutting-down" */
#define IT_COMPLIANCE_SIZE     24              /* "INSUFFICIENT_DATA" */
#define IT_OWNER_ALIAS_SIZE    24              /* "aws-backup-vault" */
#define IT_PLATFORM_SIZE       16              /* "Linux/UNIX", "Windows" */
#define IT_PARTITION_SIZE      33              /* an ARN's partition: at most 32 bytes ("aws-us-gov") */

/* HTTP */
#define IT_MAX_BODY            (1024 * 1024)   /* EventBridge events may be 1 MB (2026): 413 beyond */
#define IT_MAX_AUTH_HEADER     1024            /* Authorization / x-api-key value */
#define IT_MAX_TOKEN_LEN       512             /* EventBridge ApiKeyValue max */
#define IT_MAX_PATH            1024
#define IT_MAX_PATH_PARAMS     4
#define IT_MAX_QUERY_PARAMS    32
#define IT_MAX_QUERY_VALUE     1024
#define IT_MAX_IDEMPOTENCY_KEY 128
/* The raw request target (path and query, before decoding): 414 beyond. Room for the
 * longest path and every query parameter a route takes at its longest value. */
#define IT_MAX_TARGET          8192
#define IT_MAX_ACCEPT          1024            /* Accept value bytes (browsers send < 300): 400 beyond */
#define IT_MAX_ACCEPT_RANGES   32              /* media ranges in one Accept: 400 beyond */
#define IT_MAX_TE_CODINGS      8               /* transfer codings in one request: 400 beyond */
/* A response body is built in memory up to this size; a handler whose answer does not
 * fit gets a 500 problem instead (logged). Lists are cut well before (IT_LIST_MAX_BYTES). */
#define IT_MAX_RESPONSE        (64u * 1024 * 1024)
/* Parsed events the ingest route hands to the evaluator in memory (one JSON parse per
 * event instead of two). A slot per seq % this; a miss only costs a re-parse of the
 * stored body, so the bound is about memory: a few KB per cached RunInstances event. */
#define IT_HANDOFF_EVENTS      1024
#define IT_HANDOFF_BYTES       (16u * 1024 * 1024)   /* and at most this much event body */

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
/* A page of a list also stops before its rendered rows pass this many bytes (the row
 * that would pass it starts the next page; the first row of a page is always kept).
 * One instance row is at most about 1.1 MiB (tags from a 1 MiB event, 16 reasons), so
 * every page holds at least one row and stays far below IT_MAX_RESPONSE, while
 * limit=1000 rows of up to 1.1 MiB each could not be built in memory at all. */
#define IT_LIST_MAX_BYTES      (8u * 1024 * 1024)

/* Query API (lists, summary, gauges, retention) */
#define IT_CURSOR_MAX_AGE_MS   (24LL * 3600 * 1000)   /* a paging cursor is good for a day */
#define IT_SUMMARY_ACCOUNTS    1000            /* by_account entries, largest accounts first */
#define IT_SUMMARY_IMAGES      10              /* images behind the most non-compliant instances */
#define IT_SUMMARY_EXEMPTIONS  100             /* exemptions expiring soon, soonest first */
#define IT_SUMMARY_EXPIRY_DAYS 7               /* "expiring soon" window */
#define IT_METRICS_ACCOUNTS    50              /* per-account gauges, largest accounts only */
#define IT_RETENTION_BATCH     1000            /* rows per purge transaction, at most (sized by time) */
#define IT_RETENTION_BATCH_START 20            /* ... and the first of a pass (cold pages: ~2 ms a row at 10M) */
#define IT_RETENTION_PAUSE_MS  50              /* between purge transactions */
#define IT_RETENTION_INTERVAL_S 600            /* between purge passes */

/* AWS */
#define IT_AWS_BATCH           100             /* PutEvaluations / BatchImportFindings */
#define IT_ANNOTATION_MAX      256             /* PutEvaluations Annotation */
#define IT_MAX_AWS_RESPONSE    (8 * 1024 * 1024)

/* events: POST /v1/events parsers (lib/event*.c) */
#define IT_EVENT_MAX_BODY      IT_MAX_BODY     /* one event (or batch item); EventBridge allows 1 MB */
/* Batches (docs/events.md "Batches"): the Custom Event Bus delivers 1-500 events per
 * request (eventbridgev2 BatchConfiguration.MaxBatchSize), so ITALIC_BATCH_MAX may be at
 * most that. */
#define IT_BATCH_MAX           500
/*
 * ITALIC_BATCH_MAX_BYTES, the request size of POST /v1/events (413 beyond, before the
 * body is read). AWS documents no maximum request size for a batch to an API
 * destination: a batch closes at MaxBatchSize, the batch window, or "the target's own
 * payload size limit" (eb-custom-bus-batching), and none is stated for API
 * destinations. So the bound comes from the events: the kinds Italic judges are
 * CloudTrail-delivered (documented at most 256 KB each) and Config item changes (a
 * larger item becomes the oversized notification, which is small), so 100 events, the
 * deploy/hub-bus.yaml default MaxBatchSize, reach 100 x 256 KiB = 25 MiB plus the
 * array's punctuation and WITH_METADATA wrappers (~300 bytes an event). 32 MiB holds
 * that with room. At MaxBatchSize 500 the same reasoning gives 128 MiB (500 x 256 KiB);
 * EventBridge payloads of up to 1 MB (other event kinds) would need 500 MiB, hence the
 * ceiling. A valid batch over the setting is refused with 413, which the Custom Event
 * Bus retries for a day and then dead-letters: size the setting from MaxBatchSize.
 */
#define IT_BATCH_MAX_BYTES_DEFAULT 33554432         /* 32 MiB (a plain number: config.c quotes it) */
#define IT_BATCH_MAX_BYTES_CEILING 536870912        /* 512 MiB */
/* Request bodies held in memory at once, all connections together (ITALIC_BODY_MEMORY):
 * with 32 MiB batches, 1024 connections could otherwise ask for 32 GiB. */
#define IT_BODY_MEMORY_DEFAULT 268435456            /* 256 MiB */
/* Bytes of a rejected batch item kept in the quarantine (GET /v1/rejected-events):
 * enough for a whole typical event (1-5 KB), bounded so that junk cannot grow the
 * database faster than the ingest rate allows. */
#define IT_REJECTED_MAX_BYTES  (16 * 1024)
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
/* Times an event carries (envelope time, Config capture / notification times, CloudTrail
 * eventTime, launchTime) may be at most this far ahead of the instant Italic received the
 * event; a later one is clamped to the receipt time (lib/reconcile.h). Senders' clocks
 * drift by seconds, and EventBridge stamps events before delivery, never after. */
#define IT_EVENT_CLOCK_SKEW_MS (5LL * 60 * 1000)

/* Policy: rules, exemptions, image facts (lib/glob, rule, policy, verdict, rule_import).
 * List and glob bounds follow EC2 Allowed AMIs where it has one (≤200 ImageProviders,
 * ≤50 ImageNames / MarketplaceProductCodes, names 1-128 chars), except watermarks.
 *
 * Watermarks (issue 13 §6): every watermark entry of a rule is a glob matched against
 * every watermark of the image, for each of up to IT_MAX_RULES rules. At Allowed AMIs'
 * 50 entries and 50 image watermarks that is 2.5 million glob matches per verdict; at
 * ~0.3 µs a match (the bit-parallel matcher's cost on a pattern built to be slow) that
 * is ~0.75 s, and the target is 50 ms on one core with every other list at its limit
 * too. Hence 10 entries x 5 image watermarks: 50 matches a rule.
 * Tag keys (an Italic criterion, not an Allowed AMIs one): 50 keys of 50 values is 2,500
 * strings a rule and 2.5 million in a full allow-list, which do not stay in any cache;
 * the tag criteria alone took 14 ms a verdict. 10 keys (a rule rarely needs more than a
 * few) took that to 2 ms. With both, the measured worst case at every limit is ~30 ms a
 * verdict on one core of a loaded machine (bench/policy_bench --worst, bench/README.md). */
#define IT_MAX_GLOB            128             /* name pattern, watermark key, source region */
#define IT_MAX_RULES           1000            /* enabled or not, in one allow-list */
#define IT_MAX_EXEMPTIONS      10000
#define IT_MAX_SCOPE_ITEMS     1000            /* scope.accounts / scope.regions */
#define IT_MAX_IMAGE_IDS       1000            /* criteria.image_ids */
#define IT_MAX_OWNERS          200
#define IT_MAX_NAME_PATTERNS   50
#define IT_MAX_PRODUCT_CODES   50
#define IT_MAX_PRODUCT_CODE    25              /* MarketplaceProductCodes: 1-25 alnum */
#define IT_MAX_PLATFORMS       2
#define IT_MAX_WATERMARKS      10              /* entries of one rule (Allowed AMIs: 50) */
#define IT_MAX_IMAGE_WATERMARKS 5              /* watermarks of one registered image */
#define IT_MAX_RULE_TAGS       10              /* keys in criteria.tags: see below */
#define IT_MAX_TAG_VALUES      50              /* values listed for one key */
#define IT_MAX_TAG_KEY         128             /* AWS tag key length */
#define IT_MAX_TAG_VALUE       256             /* AWS tag value length */
#define IT_MAX_FACT_TAGS       64              /* tags read from one image or instance */
#define IT_MAX_IMAGE_NAME      128
#define IT_MAX_DAYS            2147483647LL    /* Allowed AMIs Maximum* conditions */
#define IT_MAX_EXEMPTION_DAYS  365             /* expires_at at most this far ahead */
#define IT_MAX_REASON          1024            /* exemption reason */
#define IT_MAX_ACTOR           256             /* created_by / audit actor */
#define IT_MAX_RULES_DOC       (4 * 1024 * 1024) /* an import file */
/* One rule as Italic renders it (compact JSON), checked when a rule is written or
 * imported: GET /v1/rules answers every rule in one page, so IT_MAX_RULES of them must
 * fit IT_MAX_RESPONSE with room to spare (1000 x 48 KiB is 47 MiB of 64). 1000 image
 * ids take about 23 KiB; ten tag keys of 50 maximal values would take 128 KiB, which
 * no real allow-list needs. */
#define IT_MAX_RULE_BYTES      (48 * 1024)
#define IT_MAX_AMI_CSV         1024            /* approved-amis-by-id amiIds: 1024 chars */
#define IT_MAX_AMI_CSV_IDS     21              /* ... and 21 IDs (docs/aws-facts.md §4) */
#define IT_MAX_ALLOWED_CRITERIA 10             /* ImageCriteria per account and Region */
#define IT_VERDICT_MAX_REASONS 16              /* reasons kept in one verdict */
#define IT_VERDICT_REASON_LEN  256             /* bytes per reason, NUL included */

/* AWS client layer (aws_*.c). Sizes are bytes unless they say items. */
#define IT_AWS_MAX_URL         2048            /* endpoint + path + query */
#define IT_AWS_MAX_HEADERS     16              /* headers one signed request carries */
#define IT_AWS_MAX_HEADER_LEN  8192            /* one "name: value" line (session tokens are long) */
#define IT_AWS_MAX_CANONICAL   (64 * 1024)     /* canonical request / string to sign */
#define IT_AWS_MAX_KEY_ID      128             /* access key id */
#define IT_AWS_MAX_SECRET      128             /* secret access key */
#define IT_AWS_MAX_SESSION     4096            /* session token (STS documents no max; ~1-2 KB seen) */
#define IT_AWS_MAX_CODE        128             /* AWS error code */
#define IT_AWS_MAX_MESSAGE     512             /* AWS error message kept for the caller */
#define IT_AWS_MAX_REQUEST_ID  128
#define IT_AWS_XML_DEPTH       24              /* element nesting in a Query-API response */
#define IT_AWS_XML_TEXT        (16 * 1024)     /* text of one element */
#define IT_AWS_MAX_FIELD       2048            /* one parsed string field (names, ARNs, ...) */
#define IT_AWS_MAX_ITEMS       1000            /* instances / images / metadata items per page */
#define IT_AWS_MAX_IDS         200             /* ids in one Describe* call (EC2 accepts 1000; keep bodies small) */
#define IT_AWS_MAX_TAGS        64              /* AWS allows 50 user tags per resource */
#define IT_AWS_MAX_PRODUCT_CODES 16
#define IT_AWS_MAX_PAGES       1000            /* NextToken pages followed in one listing */
#define IT_AWS_MAX_ACCOUNTS    100000          /* assumed-role credential sets cached */
#define IT_AWS_MAX_CRED_DOC    (64 * 1024)     /* container / IMDS / web identity token documents */
#define IT_AWS_MAX_INI_LINE    4096            /* shared credentials file line */
#define IT_AWS_MAX_ENV         4096            /* one AWS_* environment value */
#define IT_AWS_MAX_S3_KEY      1024            /* S3 object key (S3 max) */
#define IT_AWS_MAX_S3_OBJECT   (256 * 1024 * 1024) /* one PutObject body */
#define IT_AWS_MAX_FAILED      IT_AWS_BATCH    /* failed items echoed back per batch call */
/* Reconciliation sweep (service/sweep.c, lib/store_sweep.c) */
#define IT_SWEEP_GIVE_UP_MS    (24LL * 3600 * 1000) /* a pair failing every sweep this long stops
						       being swept (made-up accounts, regions) */
/* Policy HTTP API (service/route_simulations.c) */
#define IT_SIM_MAX_CHANGES     1000            /* changed instances listed in one simulation answer */
#define IT_SIM_FACTS_CACHE     4096            /* (region, image) facts slots a simulation keeps (lib/simulate.c) */

/* Launch templates (lib/launch_template.c, lib/event_lt.c, lib/aws_ec2.c, lib/aws_ssm.c,
 * lib/store_template.c; docs/launch-templates.md) */
#define IT_LT_ID_BUF           24              /* lt- + 17 hex + NUL (cursor keys hold 24) */
#define IT_LT_AMI_BUF          32              /* ami- + 17 hex + NUL */
#define IT_LT_ACCOUNT_BUF      13              /* 12 digits + NUL */
#define IT_LT_MAX_NAME         128             /* LaunchTemplateName: 3..128 */
#define IT_LT_MAX_PARAMETER    2048            /* SSM GetParameter Name, selector included: 1..2048 */
#define IT_LT_MAX_IMAGE_REF    (12 + IT_LT_MAX_PARAMETER)  /* "resolve:ssm:" + Name */
#define IT_LT_MAX_SELECTOR     100             /* an SSM parameter label: at most 100 characters */
/* Version numbers are a Long in the EC2 API; a template holds at most 10,000 versions
 * (EC2 quota), so anything past 2^53 is junk (and would not survive a JSON double). */
#define IT_LT_MAX_VERSION      9007199254740991LL
#define IT_LT_MAX_GONE_VERSIONS 200            /* DeleteLaunchTemplateVersions: LaunchTemplateVersion.N */
#define IT_LT_MAX_VALUE        4096            /* an SSM parameter value read for an alias (String: 4 KB) */
#define IT_LT_VERSIONS_SHOWN   1000            /* versions listed by GET /v1/launch-templates/{...} */
#define IT_LT_INSTANCES_SHOWN  100             /* instances listed there, newest first */
#define IT_LT_IMAGE_TEMPLATES  100             /* templates listed by GET /v1/images/{region}/{id} */
#define IT_LT_SWEEP_VERSIONS   2               /* versions a sweep reads per template: $Default, $Latest */
/* Templates one sweep lists in one account and Region. EC2's quota is 5,000 per Region
 * (adjustable); ten times that keeps a listing's memory to a few MB. */
#define IT_LT_MAX_LISTED       50000
/* Versions a scheduled invocation of the launch template Config rule judges again in one
 * account and Region: the $Default and $Latest of EC2's 5,000 templates, twice over. */
#define IT_LT_SCHEDULED_MAX    20000
/* Alerts (docs/alerts.md): lib/alert.c, alert_settings.c, aws_events.c, webhook.c, store_alert.c */
#define IT_HTTP_MAX_RETRY_AFTER 64             /* Retry-After value kept from an answer */
#define IT_EVENTS_BATCH        10              /* PutEvents: entries per call (AWS maximum) */
/* PutEvents: the entries of one call, sized by AWS's formula (eb-putevent-size: Time 14
 * bytes, Source, DetailType, Detail and each Resources string in UTF-8 bytes), "must be
 * less than 256KB". EventBridge took 1 MB payloads from 2026-01-29 (docs/aws-facts.md §1), but
 * the API reference still says 256 KB, so that is the bound kept here. */
#define IT_EVENTS_MAX_BYTES    (256 * 1024)
#define IT_EVENTS_MAX_BUS      1600            /* EventBusName: a name or an ARN */
#define IT_EVENTS_MAX_RESOURCES 21             /* Resources of one entry (a digest: its first 20 + none) */
#define IT_ALERT_WINDOW_MS     (60 * 1000)     /* the storm window ("a minute") */
#define IT_ALERT_MAX_PER_MINUTE 100000         /* ITALIC_ALERT_MAX_PER_MINUTE upper bound */
#define IT_ALERT_DIGEST_FIRST  20              /* instances listed in full in a digest */
#define IT_ALERT_DIGEST_KEYS   50              /* accounts / images counted by name in a digest */
#define IT_ALERT_MAX_BODY      IT_EVENTS_MAX_BYTES /* a webhook body: the same bound as an entry */
#define IT_WEBHOOK_MAX_URL     511             /* a setting holds at most CONFIG_STR - 1 bytes */
#define IT_WEBHOOK_SECRET_MIN  16              /* bytes: shorter secrets are refused at start */
#define IT_WEBHOOK_SECRET_MAX  1024
#define IT_WEBHOOK_ANSWER_KEPT 200             /* bytes of a refusing answer kept in last_error */
#define IT_WEBHOOK_MAX_RESPONSE (1024 * 1024)  /* answer bytes read at most */
#define IT_WEBHOOK_TIMEOUT_MS  10000           /* whole request; connect: 3 s */
#define IT_WEBHOOK_RETRY_AFTER_MAX_MS (3600LL * 1000) /* a longer Retry-After is cut to this */

/* Logging */
#define IT_MAX_LOG_LINE        4096
#define IT_REQUEST_ID_LEN      16              /* hex chars */

#endif
