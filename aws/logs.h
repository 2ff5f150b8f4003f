/* logs.h - typed CloudWatch Logs calls, JSON 1.1
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html).
 *
 * Same shape as elasticache.h: one asynchronous function per operation,
 * exactly one of out/err delivered to the callback (never synchronously),
 * outputs owned by the callback and released with the matching _free.
 * DescribeLogGroups and DescribeLogStreams follow nextToken until done (or
 * max_pages) and deliver the concatenation; FilterLogEvents and
 * GetLogEvents are paged by the caller (the tail engine): one page per
 * call, the token goes in the input and the next one comes back.
 *
 * Times are epoch milliseconds, as the service speaks them. Event messages
 * are kept byte for byte as the JSON layer decoded them: escape sequences
 * become their bytes (ESC, control characters, UTF-8), embedded NULs are
 * kept (use message_len), and what cannot be Unicode text (lone surrogate
 * escapes) arrives as U+FFFD from awsjson_parse(); a page is never lost
 * over one odd message.
 *
 * Builders (logs_build_*) return the request object (jansson, new
 * reference); parsers (logs_parse_*) read a decoded response object. They
 * tolerate missing members and wrong types (treated as absent); a list
 * member of the wrong type makes the whole response AWS_ERR_PARSE, since
 * nothing of it could be used.
 *
 * StartLiveTail answers with an event stream (eventstream.h): the call
 * goes to the stream- host (stream-logs.REGION.amazonaws.com, or the
 * configured endpoint as given), signed like any other, and its messages
 * reach callbacks as they arrive: the session's start, one update per
 * push, and one end with its reason.
 */
#ifndef ELCUI_AWS_LOGS_H
#define ELCUI_AWS_LOGS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/eventstream.h"

/* Hard bound on automatic pagination (DescribeLogGroups/Streams). */
#define LOGS_PAGE_LIMIT 10000

/* Output of operations without output members. */
struct logs_ack {
    char request_id[96];
};
void logs_ack_free(struct logs_ack *a);

struct logs_tag_in {
    const char *key;
    const char *value;
};

/* ---- CreateLogGroup ---- */
struct logs_create_log_group_in {
    const char *log_group_name;
    const char *kms_key_id; /* key ARN */
    const struct logs_tag_in *tags;
    size_t n_tags;
    const char *log_group_class; /* STANDARD | INFREQUENT_ACCESS | DELIVERY */
};
typedef void (*logs_create_log_group_cb)(struct logs_ack *out, const struct aws_error *err,
                                         void *arg);
json_t *logs_build_create_log_group(const struct logs_create_log_group_in *in);
struct aws_call *logs_create_log_group(struct aws_client *c,
                                       const struct logs_create_log_group_in *in,
                                       logs_create_log_group_cb cb, void *arg);

/* ---- CreateLogStream (tests and tools) ---- */
struct logs_create_log_stream_in {
    const char *log_group_name;
    const char *log_stream_name;
};
typedef void (*logs_create_log_stream_cb)(struct logs_ack *out, const struct aws_error *err,
                                          void *arg);
json_t *logs_build_create_log_stream(const struct logs_create_log_stream_in *in);
struct aws_call *logs_create_log_stream(struct aws_client *c,
                                        const struct logs_create_log_stream_in *in,
                                        logs_create_log_stream_cb cb, void *arg);

/* ---- PutRetentionPolicy ---- */
struct logs_put_retention_policy_in {
    const char *log_group_name;
    int retention_in_days; /* 1, 3, 5, 7, 14, 30, ... 3653 */
};
typedef void (*logs_put_retention_policy_cb)(struct logs_ack *out, const struct aws_error *err,
                                             void *arg);
json_t *logs_build_put_retention_policy(const struct logs_put_retention_policy_in *in);
struct aws_call *logs_put_retention_policy(struct aws_client *c,
                                           const struct logs_put_retention_policy_in *in,
                                           logs_put_retention_policy_cb cb, void *arg);

/* ---- DeleteLogGroup ---- */
struct logs_delete_log_group_in {
    const char *log_group_name;
};
typedef void (*logs_delete_log_group_cb)(struct logs_ack *out, const struct aws_error *err,
                                         void *arg);
json_t *logs_build_delete_log_group(const struct logs_delete_log_group_in *in);
struct aws_call *logs_delete_log_group(struct aws_client *c,
                                       const struct logs_delete_log_group_in *in,
                                       logs_delete_log_group_cb cb, void *arg);

/* ---- tags of a log group ----
 * ListTagsForResource takes the log group's ARN without the trailing ":*"
 * (logs_log_group_tag_arn gives it); ListTagsLogGroup, which AWS marks
 * deprecated, takes the name. Both answer {"tags": {key: value}}. */
struct logs_tag {
    char *key;
    char *value;
};
struct logs_tag_list {
    char request_id[96];
    struct logs_tag *items;
    size_t n;
};
void logs_tag_list_free(struct logs_tag_list *l);
/* Value of the tag with this key, or NULL. */
const char *logs_tag_get(const struct logs_tag_list *l, const char *key);
/* "tags" absent or null: no tags; not an object: AWS_ERR_PARSE; entries
 * whose value is not a string are skipped. */
int logs_parse_list_tags(const json_t *obj, struct logs_tag_list *out, struct aws_error *err);

struct logs_list_tags_for_resource_in {
    const char *resource_arn; /* arn:aws:logs:REGION:ACCOUNT:log-group:NAME */
};
typedef void (*logs_list_tags_for_resource_cb)(struct logs_tag_list *out,
                                               const struct aws_error *err, void *arg);
json_t *logs_build_list_tags_for_resource(const struct logs_list_tags_for_resource_in *in);
struct aws_call *logs_list_tags_for_resource(struct aws_client *c,
                                             const struct logs_list_tags_for_resource_in *in,
                                             logs_list_tags_for_resource_cb cb, void *arg);

struct logs_list_tags_log_group_in {
    const char *log_group_name;
};
typedef void (*logs_list_tags_log_group_cb)(struct logs_tag_list *out, const struct aws_error *err,
                                            void *arg);
json_t *logs_build_list_tags_log_group(const struct logs_list_tags_log_group_in *in);
struct aws_call *logs_list_tags_log_group(struct aws_client *c,
                                          const struct logs_list_tags_log_group_in *in,
                                          logs_list_tags_log_group_cb cb, void *arg);

/* ---- DescribeLogGroups ---- */
struct logs_describe_log_groups_in {
    const char *log_group_name_prefix;
    const char *log_group_name_pattern; /* substring; exclusive with the prefix */
    const char *log_group_class;
    int limit;     /* page size 1..50; 0: service default */
    int max_pages; /* 0: all */
    const char *next_token;
};
struct logs_log_group {
    char *name;
    int64_t creation_time_ms;
    bool has_retention_in_days; /* absent: never expire */
    int retention_in_days;
    bool has_metric_filter_count;
    int metric_filter_count;
    char *arn; /* with the trailing ":*" */
    bool has_stored_bytes;
    int64_t stored_bytes;
    char *kms_key_id;
    char *data_protection_status;
    char *log_group_class;
    char *log_group_arn; /* without ":*" (newer API) */
    bool has_deletion_protection_enabled;
    bool deletion_protection_enabled;
};
struct logs_log_group_list {
    char request_id[96];
    struct logs_log_group *items;
    size_t n;
    char *next_token; /* non-NULL when more pages exist */
};
void logs_log_group_list_free(struct logs_log_group_list *l);
typedef void (*logs_describe_log_groups_cb)(struct logs_log_group_list *out,
                                            const struct aws_error *err, void *arg);
json_t *logs_build_describe_log_groups(const struct logs_describe_log_groups_in *in);
/* Appends the page's groups to out and replaces out->next_token. */
int logs_parse_describe_log_groups(const json_t *obj, struct logs_log_group_list *out,
                                   struct aws_error *err);
struct aws_call *logs_describe_log_groups(struct aws_client *c,
                                          const struct logs_describe_log_groups_in *in,
                                          logs_describe_log_groups_cb cb, void *arg);
/* The ARN ListTagsForResource takes for g (newly allocated): logGroupArn,
 * else arn without its trailing ":*"; NULL when g has neither. */
char *logs_log_group_tag_arn(const struct logs_log_group *g);

/* ---- DescribeLogStreams ---- */
struct logs_describe_log_streams_in {
    const char *log_group_name;
    const char *log_group_identifier; /* name or ARN; instead of the name */
    const char *log_stream_name_prefix;
    const char *order_by; /* LogStreamName | LastEventTime */
    bool has_descending;
    bool descending;
    int limit;
    int max_pages;
    const char *next_token;
};
struct logs_log_stream {
    char *name;
    int64_t creation_time_ms;
    int64_t first_event_timestamp_ms;
    int64_t last_event_timestamp_ms; /* eventually consistent */
    int64_t last_ingestion_time_ms;
    char *upload_sequence_token;
    char *arn;
    bool has_stored_bytes;
    int64_t stored_bytes;
};
struct logs_log_stream_list {
    char request_id[96];
    struct logs_log_stream *items;
    size_t n;
    char *next_token;
};
void logs_log_stream_list_free(struct logs_log_stream_list *l);
typedef void (*logs_describe_log_streams_cb)(struct logs_log_stream_list *out,
                                             const struct aws_error *err, void *arg);
json_t *logs_build_describe_log_streams(const struct logs_describe_log_streams_in *in);
int logs_parse_describe_log_streams(const json_t *obj, struct logs_log_stream_list *out,
                                    struct aws_error *err);
struct aws_call *logs_describe_log_streams(struct aws_client *c,
                                           const struct logs_describe_log_streams_in *in,
                                           logs_describe_log_streams_cb cb, void *arg);

/* ---- events (FilterLogEvents, GetLogEvents) ---- */
struct logs_event {
    char *event_id;        /* FilterLogEvents only */
    char *log_stream_name; /* FilterLogEvents only */
    int64_t timestamp_ms;
    int64_t ingestion_time_ms;
    char *message; /* bytes as delivered, NUL-terminated, may contain NULs */
    size_t message_len;
};

/* ---- FilterLogEvents (one page per call) ---- */
struct logs_filter_log_events_in {
    const char *log_group_name;
    const char *log_group_identifier; /* name or ARN; instead of the name */
    const char *const *log_stream_names;
    size_t n_log_stream_names;
    const char *log_stream_name_prefix; /* exclusive with the names */
    int64_t start_time_ms;              /* inclusive; 0: absent */
    int64_t end_time_ms;                /* exclusive; 0: absent */
    const char *filter_pattern;         /* "" is sent as given */
    const char *next_token;
    int limit; /* 1..10000; 0: service default */
    bool has_interleaved;
    bool interleaved;
    bool has_unmask;
    bool unmask;
};
struct logs_searched_stream {
    char *name;
    bool has_searched_completely;
    bool searched_completely;
};
struct logs_filter_log_events_out {
    char request_id[96];
    struct logs_event *events; /* in the service's order */
    size_t n_events;
    struct logs_searched_stream *searched;
    size_t n_searched;
    char *next_token;   /* NULL: the search is complete */
    size_t n_malformed; /* entries of "events" that were not objects (skipped) */
};
void logs_filter_log_events_out_free(struct logs_filter_log_events_out *o);
typedef void (*logs_filter_log_events_cb)(struct logs_filter_log_events_out *out,
                                          const struct aws_error *err, void *arg);
json_t *logs_build_filter_log_events(const struct logs_filter_log_events_in *in);
int logs_parse_filter_log_events(const json_t *obj, struct logs_filter_log_events_out *out,
                                 struct aws_error *err);
struct aws_call *logs_filter_log_events(struct aws_client *c,
                                        const struct logs_filter_log_events_in *in,
                                        logs_filter_log_events_cb cb, void *arg);

/* ---- GetLogEvents (one page per call) ---- */
struct logs_get_log_events_in {
    const char *log_group_name;
    const char *log_group_identifier;
    const char *log_stream_name;
    int64_t start_time_ms; /* 0: absent */
    int64_t end_time_ms;   /* 0: absent */
    const char *next_token;
    int limit;
    bool has_start_from_head; /* must be true when paging forward */
    bool start_from_head;
    bool has_unmask;
    bool unmask;
};
struct logs_get_log_events_out {
    char request_id[96];
    struct logs_event *events;
    size_t n_events;
    char *next_forward_token; /* equal to the token sent: end of stream (for now) */
    char *next_backward_token;
    size_t n_malformed;
};
void logs_get_log_events_out_free(struct logs_get_log_events_out *o);
typedef void (*logs_get_log_events_cb)(struct logs_get_log_events_out *out,
                                       const struct aws_error *err, void *arg);
json_t *logs_build_get_log_events(const struct logs_get_log_events_in *in);
int logs_parse_get_log_events(const json_t *obj, struct logs_get_log_events_out *out,
                              struct aws_error *err);
struct aws_call *logs_get_log_events(struct aws_client *c, const struct logs_get_log_events_in *in,
                                     logs_get_log_events_cb cb, void *arg);

/* ---- PutLogEvents (tests and tools) ---- */
struct logs_input_event {
    int64_t timestamp_ms;
    const char *message;
    size_t message_len; /* 0: strlen(message) */
};
struct logs_put_log_events_in {
    const char *log_group_name;
    const char *log_stream_name;
    const struct logs_input_event *events; /* sorted by timestamp */
    size_t n_events;
    const char *sequence_token;
};
struct logs_put_log_events_out {
    char request_id[96];
    char *next_sequence_token;
    bool has_too_new_start;
    int too_new_log_event_start_index;
    bool has_too_old_end;
    int too_old_log_event_end_index;
    bool has_expired_end;
    int expired_log_event_end_index;
};
void logs_put_log_events_out_free(struct logs_put_log_events_out *o);
typedef void (*logs_put_log_events_cb)(struct logs_put_log_events_out *out,
                                       const struct aws_error *err, void *arg);
/* JSON carries Unicode text only: bytes of a message that are not UTF-8
 * are sent as U+FFFD; NULs are kept (as \u0000). */
json_t *logs_build_put_log_events(const struct logs_put_log_events_in *in);
int logs_parse_put_log_events(const json_t *obj, struct logs_put_log_events_out *out,
                              struct aws_error *err);
struct aws_call *logs_put_log_events(struct aws_client *c, const struct logs_put_log_events_in *in,
                                     logs_put_log_events_cb cb, void *arg);

/* ---- StartLiveTail (an event stream: aws/eventstream.h) ---- */
struct logs_start_live_tail_in {
    const char *const *log_group_identifiers; /* ARNs without ":*", 1..10 */
    size_t n_log_group_identifiers;
    const char *const *log_stream_names; /* optional, <= 100 */
    size_t n_log_stream_names;
    const char *const *log_stream_name_prefixes; /* optional, <= 100 */
    size_t n_log_stream_name_prefixes;
    const char *log_event_filter_pattern; /* NULL: every event */
};
json_t *logs_build_start_live_tail(const struct logs_start_live_tail_in *in);

struct logs_live_start {
    char *request_id;
    char *session_id;
    char **log_group_identifiers;
    size_t n_log_group_identifiers;
    char *log_event_filter_pattern;
};
struct logs_live_result {
    char *log_stream_name;
    char *log_group_identifier; /* as the service gives it ("account:name" seen) */
    char *message;              /* bytes as delivered, NUL-terminated, may hold NULs */
    size_t message_len;
    int64_t timestamp_ms;
    int64_t ingestion_time_ms;
};
struct logs_live_update {
    bool sampled; /* sessionMetadata.sampled: the service sent a sample */
    struct logs_live_result *results;
    size_t n;
    size_t n_malformed; /* entries of sessionResults that were not objects */
};

enum logs_live_kind {
    LOGS_LIVE_INITIAL_RESPONSE, /* ":event-type" initial-response: nothing to say */
    LOGS_LIVE_SESSION_START,
    LOGS_LIVE_SESSION_UPDATE,
    LOGS_LIVE_END,     /* an exception or error message: the stream ends (error) */
    LOGS_LIVE_UNKNOWN, /* an event type this version does not know: skipped */
};
struct logs_live_message {
    enum logs_live_kind kind;
    char event_type[64]; /* as sent */
    struct logs_live_start start;
    struct logs_live_update update;
    /* LOGS_LIVE_END: SessionTimeoutException (the 3-hour end),
     * SessionStreamingException, ThrottlingException (throttling set),
     * or any other exception / error code, with the service's message */
    struct aws_error error;
};
/* Read one event-stream message of a StartLiveTail answer into out
 * (cleared first). 0, or -1 with err (AWS_ERR_PARSE) when the message is
 * not what its headers say: no :message-type, a payload that is not the
 * JSON object its event type needs, a list member of the wrong type. */
int logs_parse_live_message(const struct eventstream_message *m, struct logs_live_message *out,
                            struct aws_error *err);
void logs_live_message_clear(struct logs_live_message *m);

struct logs_live_callbacks {
    void (*on_start)(const struct logs_live_start *s, void *arg);
    void (*on_update)(const struct logs_live_update *u, void *arg);
    /* The session is over; err says why and is always set: the request was
     * refused before streaming (AccessDeniedException, LimitExceeded-
     * Exception, ResourceNotFoundException, transport errors after the
     * client's retries), the service ended it (SessionTimeoutException
     * after 3 hours, SessionStreamingException, an error message), a frame
     * could not be read (EventStreamChecksum, EventStreamBadFrame, ... or
     * EventStreamTruncated when the body ended inside a message), the
     * stream was cut (AWS_ERR_TRANSPORT) or went quiet (OperationTimedOut),
     * the answer was not an event stream (NotAnEventStream), or the server
     * closed it without a word (StreamEnded). Called once; the handle dies
     * when it returns (logs_live_cancel from inside it is a no-op). */
    void (*on_end)(const struct aws_error *err, void *arg);
    void *arg;
};
struct logs_live;
/* Start a session (never calls back synchronously). idle_ms: silence
 * after which the stream counts as cut (0: 30 s; the service sends an
 * update every second). NULL only for a NULL client or input. */
struct logs_live *logs_start_live_tail(struct aws_client *c,
                                       const struct logs_start_live_tail_in *in,
                                       const struct logs_live_callbacks *cb, long idle_ms);
/* Close the session; no callback runs afterwards. Safe from callbacks. */
void logs_live_cancel(struct logs_live *l);
/* Bytes and messages read so far (status). */
uint64_t logs_live_bytes(const struct logs_live *l);

#endif
