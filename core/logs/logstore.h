/* logstore.h - the record store of the console's log panel: many log
 * records in little memory, in time order, filtered, searched.
 *
 * A tail (tail.h) hands over each record once (struct logrec, a rich
 * parse result of about 700 bytes); the store keeps a compact copy:
 *
 *  - strings that repeat are interned: the log group (one per source),
 *    the stream name (one per node and log type, with its engine,
 *    cluster id and node id) and the labels (shard, role and AZ as of the
 *    record's time) become 4-byte ids;
 *  - the raw message is kept once. ElastiCache's own JSON layouts (the
 *    slow-log and engine-log objects of
 *    https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html, keys in their
 *    order, no spaces) are kept as their values only and rebuilt byte for
 *    byte when needed (every such record is rebuilt and compared when it
 *    is stored; anything else is kept as it came). The cluster and node
 *    ids inside the message are not kept again when the stream names
 *    them, nor the slow-log Timestamp when it is the event's second;
 *  - parsed fields (the command or message, the client address and name)
 *    are spans into those bytes, and a copy only when the message escapes
 *    them (JSON \u sequences);
 *  - a 56-digit CloudWatch event id takes 28 bytes;
 *  - records live in 64 KiB slabs, oldest first, freed as the oldest
 *    records go.
 *
 * Capacity: the newest cap records (the [logs] ring_size of the config);
 * pushing into a full store drops the one that arrived first and counts
 * it (logstore_dropped). Every push gets a sequence number (1, 2, ...).
 *
 * GAP rows are entries too: a time range of one source that could not be
 * read, with the reason; they sort in at the start of their range.
 *
 * Views: a view is the store through a filter (which sources' log types,
 * node, shard, role, AZ, level, minimum duration, command name, client
 * address), in time order (timestamp, then arrival), kept up to date as
 * records come and go. Nothing about a row is formatted until it is shown:
 * logstore_row() gives its fields in place; logstore_full() parses it
 * again into a struct logrec (every field, for the expanded view and
 * saved files).
 *
 * Search: a text (case-insensitive) or ~regex over what a row shows - its
 * node (cluster id and labels), level, command or message, client address
 * and name, or the raw text of a record that did not parse.
 */
#ifndef ELCUI_CORE_LOGSTORE_H
#define ELCUI_CORE_LOGSTORE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"
#include "core/logs/logrec.h"

#define LOGSTORE_DEFAULT_CAP ((size_t)100000)
#define LOGSTORE_MAX_SOURCES 64
#define LOGSTORE_NONE ((size_t)-1)

struct logstore;
struct logstore_view;

enum logstore_kind {
    LOGSTORE_RECORD = 0,
    LOGSTORE_GAP,
};

/* cap 0: LOGSTORE_DEFAULT_CAP. */
struct logstore *logstore_new(size_t cap);
void logstore_free(struct logstore *s);
/* Drop every entry (not counted as dropped); sources, interned strings and
 * views stay (views become empty). */
void logstore_clear(struct logstore *s);

/* A source: one log group and what it is for (slow-log, engine-log, or
 * LOGREC_UNKNOWN). The same group again gives the same index; -1 past
 * LOGSTORE_MAX_SOURCES. */
int logstore_source(struct logstore *s, const char *log_group, enum logrec_type type);
const char *logstore_source_group(const struct logstore *s, int src);
enum logrec_type logstore_source_type(const struct logstore *s, int src);

/* Keep a compact copy of r (read from source src); returns its sequence
 * number. */
uint64_t logstore_push(struct logstore *s, int src, const struct logrec *r);
/* A range of source src that could not be read: [from_ms, to_ms) (to_ms 0:
 * open), the reason ("error") and people's text. */
uint64_t logstore_push_gap(struct logstore *s, int src, int64_t from_ms, int64_t to_ms,
                           const char *reason, const char *detail);

size_t logstore_len(const struct logstore *s); /* entries held */
size_t logstore_cap(const struct logstore *s);
uint64_t logstore_pushed(const struct logstore *s);  /* ever */
uint64_t logstore_dropped(const struct logstore *s); /* dropped to make room */
uint64_t logstore_first_seq(const struct logstore *s);
/* Heap bytes the store holds (slabs, indexes, interned strings). */
size_t logstore_bytes(const struct logstore *s);
/* Entries in the order they arrived: i = 0 the oldest held (LOGSTORE_NONE
 * out of range as 0). */
uint64_t logstore_seq_at(const struct logstore *s, size_t i);

/* ---- one row, in place ---- */

struct logstore_span {
    const char *p; /* NOT NUL-terminated; may hold NUL bytes */
    size_t n;
};

struct logstore_row {
    uint64_t seq;
    enum logstore_kind kind;
    int src;
    const char *log_group;
    enum logrec_type src_type; /* what the source is for */
    int64_t ts_ms;             /* records: the event's time; gaps: from */
    int64_t ingest_ms;
    /* records */
    enum logrec_type type; /* LOGREC_UNKNOWN: did not parse (shown raw) */
    enum logrec_format format;
    const char *stream;                  /* "" when none */
    const char *engine, *cluster, *node; /* from the stream name, else the record; "" */
    bool labelled;
    const char *shard, *role, *az;            /* labels ("" when unknown) */
    const char *label;                        /* "0001/primary/us-east-2a" ("" when unlabelled) */
    int64_t duration_us;                      /* slow; -1 when absent */
    enum logrec_level level;                  /* engine */
    enum logrec_role engine_role;             /* engine */
    struct logstore_span text;                /* slow: command; engine: message; unknown: raw */
    struct logstore_span client, client_name; /* slow */
    bool spans;         /* text/client/client_name are set (else: logstore_full) */
    size_t message_len; /* the raw message's length */
    /* gaps */
    int64_t gap_to_ms; /* 0: open */
    const char *gap_reason, *gap_detail;
};

/* False when seq is no longer (or not yet) held. */
bool logstore_row(const struct logstore *s, uint64_t seq, struct logstore_row *out);

/* Every field again: the raw message rebuilt and parsed (logrec_format_*
 * work on it). The strings live in f until the next call or
 * logstore_full_free. */
struct logstore_full {
    struct logrec rec;
    struct buf msg, parse, eid;
};
void logstore_full_init(struct logstore_full *f);
void logstore_full_free(struct logstore_full *f);
bool logstore_full(const struct logstore *s, uint64_t seq, struct logstore_full *f);
/* The raw message bytes alone, appended to b. */
bool logstore_message(const struct logstore *s, uint64_t seq, struct buf *b);
/* The event id, appended to b. */
bool logstore_event_id(const struct logstore *s, uint64_t seq, struct buf *b);

/* ---- filters and views ---- */

struct logstore_filter {
    unsigned types;              /* bit (1 << LOGREC_SLOW) etc. of the sources shown; 0: all */
    const char *node;            /* cache cluster id, or "cluster/node"; NULL: any */
    const char *shard;           /* "0001"; NULL: any */
    const char *role;            /* "primary", "replica" (labels); NULL: any */
    const char *az;              /* "us-east-2a"; NULL: any */
    enum logrec_level min_level; /* engine records below are hidden */
    int64_t min_duration_us;     /* slow records faster are hidden; <= 0: any */
    const char *command;         /* slow-log command name, any case; NULL: any */
    const char *client;          /* client address "ip:port", or just "ip"; NULL: any */
};

/* Node, shard, role and AZ apply to every record (a gap is shown when its
 * source's type is); level, duration, command and client to records of
 * their type only: a record that did not parse is never hidden by them. */
bool logstore_filter_match(const struct logstore *s, const struct logstore_filter *f,
                           const struct logstore_row *row);
/* Is any field of the filter set (types aside)? */
bool logstore_filter_active(const struct logstore_filter *f);

struct logstore_view *logstore_view_new(struct logstore *s);
void logstore_view_free(struct logstore_view *v);
/* The filter is copied; the view is filled again. */
void logstore_view_set_filter(struct logstore_view *v, const struct logstore_filter *f);
const struct logstore_filter *logstore_view_filter(const struct logstore_view *v);
size_t logstore_view_count(const struct logstore_view *v);
/* The seq at a position (0 = the oldest in time); 0 when out of range. */
uint64_t logstore_view_seq(const struct logstore_view *v, size_t pos);
/* The position of seq, or where it would be (the first entry after it in
 * time order) when the view does not hold it; *held says which. */
size_t logstore_view_pos(const struct logstore_view *v, uint64_t seq, bool *held);
/* Entries ever added to the view as they arrived (a refill does not
 * count). */
uint64_t logstore_view_added(const struct logstore_view *v);

/* ---- search ---- */

struct logstore_search {
    char *text; /* as typed */
    bool regex; /* text started with '~' */
    regex_t re;
    bool re_ok;
    char error[160];
};

/* Compile a search: plain text (any case), or ~regex (POSIX extended, any
 * case). False (and error set) for a regex that does not compile. */
bool logstore_search_init(struct logstore_search *q, const char *text);
void logstore_search_free(struct logstore_search *q);
/* Does the row show the text? */
bool logstore_search_row(const struct logstore *s, const struct logstore_search *q,
                         const struct logstore_row *row);
/* Matches of the search in a text as drawn: byte ranges, at most max;
 * returns how many. */
size_t logstore_search_ranges(const struct logstore_search *q, const char *text, size_t len,
                              size_t *starts, size_t *ends, size_t max);
/* The next position at or after from (dir > 0), or at or before from
 * (dir < 0), whose row shows the search, wrapping around once; LOGSTORE_NONE
 * when none does. */
size_t logstore_view_find(const struct logstore_view *v, const struct logstore_search *q,
                          size_t from, int dir);
/* How many rows of the view show the search. */
size_t logstore_view_count_matches(const struct logstore_view *v, const struct logstore_search *q);

/* The store a view looks at. */
struct logstore *logstore_view_store(const struct logstore_view *v);

/* The command name of a slow-log row (its first word), into out. */
void logstore_command_name(const struct logstore_row *row, char *out, size_t n);

#endif
