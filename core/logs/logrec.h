/* logrec.h - ElastiCache slow-log and engine-log records
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html).
 *
 * One CloudWatch Logs event in, one record out: the event's own fields
 * (eventId, timestamp, ingestion time, group, stream, raw message bytes),
 * what the stream name says (engine, cache cluster id, cache node id, log
 * type), the parsed fields of a slow-log or engine-log entry in either
 * delivery format (JSON or TEXT), and labels (shard, role, AZ) from a
 * caller-supplied lookup. A message that does not parse is kept as it is
 * with type LOGREC_UNKNOWN: records are never dropped for being malformed.
 *
 * Log content is untrusted. The raw bytes are kept unchanged; every output
 * path renders them with logrec_safe_append() (terminal) or
 * logrec_json_append() (JSON), which never let control characters, escape
 * sequences or invalid UTF-8 through.
 *
 * A record is one allocation (all strings live inside it): logrec_free().
 */
#ifndef ELCUI_CORE_LOGREC_H
#define ELCUI_CORE_LOGREC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"

enum logrec_type {
    LOGREC_UNKNOWN = 0, /* not parsed: shown raw */
    LOGREC_SLOW,
    LOGREC_ENGINE,
};

enum logrec_format {
    LOGREC_FMT_NONE = 0, /* unknown records */
    LOGREC_FMT_JSON,
    LOGREC_FMT_TEXT,
};

/* Engine-log Role character: M primary, S replica, C child (RDB/AOF
 * writer), X sentinel. */
enum logrec_role {
    LOGREC_ROLE_NONE = 0,
    LOGREC_ROLE_PRIMARY,
    LOGREC_ROLE_REPLICA,
    LOGREC_ROLE_CHILD,
    LOGREC_ROLE_SENTINEL,
};

/* Ordered by severity, so "level >= NOTICE" means notice and warning. */
enum logrec_level {
    LOGREC_LEVEL_NONE = 0,
    LOGREC_LEVEL_DEBUG,   /* '.' (native Redis; not documented for ElastiCache) */
    LOGREC_LEVEL_VERBOSE, /* '-' */
    LOGREC_LEVEL_NOTICE,  /* '*' */
    LOGREC_LEVEL_WARNING, /* '#' */
};

/* Labels joined from the cluster model; "" when unknown. */
struct logrec_labels {
    char shard[64]; /* node group id, "0001" */
    char role[16];  /* "primary", "replica" */
    char az[48];    /* "us-east-1a" */
};

/* Fills *out for a member cluster / node as of at_ms (the record's time;
 * labels such as the role can change over time); false when unknown
 * (labels stay empty). cache_node_id may be "" when the record did not
 * say. */
typedef bool (*logrec_label_fn)(void *ctx, const char *cache_cluster_id, const char *cache_node_id,
                                int64_t at_ms, struct logrec_labels *out);

/* elasticache/<engine>/<cache-cluster-id>/<cache-node-id>/<log-type> */
struct logrec_stream {
    char engine[16]; /* "redis", "valkey" */
    char cache_cluster_id[128];
    char cache_node_id[32];
    char log_type[32]; /* "slow-log", "engine-log" */
    enum logrec_type type;
};

/* The CloudWatch event a record is built from (borrowed strings). */
struct logrec_event {
    const char *event_id;
    const char *log_group;
    const char *log_stream;
    const char *message; /* raw bytes, may contain NUL */
    size_t message_len;
    int64_t timestamp_ms;
    int64_t ingestion_ms;
    /* What the log group is for (from the delivery configuration), used
     * when the stream name does not say; LOGREC_UNKNOWN = guess. */
    enum logrec_type hint;
};

struct logrec {
    /* event */
    const char *event_id; /* never NULL ("" when absent) */
    const char *log_group;
    const char *log_stream;
    const char *message; /* raw bytes, NUL-terminated, message_len long */
    size_t message_len;
    int64_t timestamp_ms;
    int64_t ingestion_ms;

    /* parse result */
    enum logrec_type type;
    enum logrec_format format;
    const char *engine;           /* from the stream name, "" when unknown */
    const char *cache_cluster_id; /* stream name, else the record's field; "" */
    const char *cache_node_id;    /* "" when unknown */
    struct logrec_labels labels;
    bool labelled; /* the lookup knew the node */

    /* slow-log fields */
    bool has_id;
    long long id;        /* SLOWLOG id (JSON only) */
    int64_t slow_time_s; /* Timestamp, Unix seconds; 0 when absent */
    int64_t duration_us; /* -1 when absent */
    const char *command; /* "KEYS ... (1 more arguments)" */
    const char *client;  /* "10.20.32.14:53412" */
    const char *client_name;
    /* Their lengths: a NUL inside a field (a hostile or odd log line) does
     * not end it; renderers use these (NUL shows as \0, or \u0000 in JSON). */
    size_t command_len, client_len, client_name_len;

    /* engine-log fields */
    enum logrec_level level;
    enum logrec_role role;
    int64_t engine_time_ms;  /* parsed Time; 0 when absent or unparsable */
    const char *engine_time; /* Time as written */
    const char *text;        /* Message */
    size_t text_len;         /* its length (may hold NUL, see command_len) */
};

/* Parse an event into a new record; never fails (allocation aborts). The
 * label function may be NULL. */
struct logrec *logrec_new(const struct logrec_event *ev, logrec_label_fn label_fn, void *label_ctx);
void logrec_free(struct logrec *r);
/* void * form, for ring_new(). */
void logrec_free_void(void *r);
/* Approximate heap bytes held by a record (for memory accounting). */
size_t logrec_size(const struct logrec *r);

/* Parse a stream name; false (and *out zeroed) when it is not an
 * ElastiCache delivery stream. */
bool logrec_parse_stream(const char *name, struct logrec_stream *out);

/* Parsers of the message alone (no event), for tests and fuzzing: fill a
 * record whose strings point into *scratch (reset by the caller). Return
 * the type found (LOGREC_UNKNOWN when the text is not such an entry). */
enum logrec_type logrec_parse_message(const char *msg, size_t len, enum logrec_type hint,
                                      struct logrec *out, struct buf *scratch);

/* Parse "01 May 2024 12:03:41.517 UTC" (the " UTC" is optional, as is the
 * fraction) into epoch ms. */
bool logrec_parse_engine_time(const char *s, size_t len, int64_t *ms);

/* Names for output. */
const char *logrec_type_name(enum logrec_type t);     /* "slow", "engine", "unknown" */
const char *logrec_format_name(enum logrec_format f); /* "json", "text", "" */
const char *logrec_role_name(enum logrec_role r);     /* "primary", "replica", "child", ... */
char logrec_role_char(enum logrec_role r);            /* 'M', 'S', 'C', 'X', '?' */
const char *logrec_level_name(enum logrec_level l);   /* "VERBOSE", ... */
/* "VERBOSE"/"verbose"/"-", "NOTICE"/"*", "WARNING"/"warn"/"#", "DEBUG"/".". */
bool logrec_level_parse(const char *s, enum logrec_level *out);
/* First word of a slow-log command ("KEYS" of "KEYS ... (1 more arguments)"),
 * into out (n bytes). */
void logrec_command_name(const struct logrec *r, char *out, size_t n);

/* Terminal-safe rendering, appended to b: printable ASCII and valid UTF-8
 * pass; backslash becomes "\\"; \n \r \t and NUL become "\n" "\r" "\t" "\0"; other C0
 * controls, DEL and bytes that are not valid UTF-8 become "\xNN"; C1
 * controls (U+0080..U+009F), bidi overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069), line/paragraph separators and other invisible formatting
 * code points in that family become "\u{XXXX}". ESC therefore never reaches
 * the terminal. -1 when the buffer cap is hit. */
int logrec_safe_append(struct buf *b, const char *s, size_t n);
/* Convenience for NUL-terminated strings (NULL renders as ""). */
int logrec_safe_appends(struct buf *b, const char *s);

/* JSON string literal (with quotes), ASCII only, lossless: valid UTF-8
 * becomes \uXXXX escapes where needed (controls, C1, bidi, non-ASCII is
 * written as \uXXXX / surrogate pairs so output is plain ASCII); each byte
 * that is not valid UTF-8 becomes \udcXX (0x80..0xff: Python's
 * "surrogateescape" convention), so decoding the string and encoding it
 * with surrogateescape gives the original bytes back. */
int logrec_json_append(struct buf *b, const char *s, size_t n);
int logrec_json_appends(struct buf *b, const char *s);

/* Human line (no newline): "2024-05-01T12:00:05.000Z 0001/primary/us-east-1a
 * app-4-0001-001/0001 slow 10.452ms KEYS ... client=... name=..." */
int logrec_format_human(const struct logrec *r, struct buf *b);
/* One JSON object (no newline) with eventId, timestamp, ingestionTime,
 * logGroup, logStream, type, format, labels, parsed fields and message. */
int logrec_format_json(const struct logrec *r, struct buf *b);

#endif
