/* tail.h - the CloudWatch Logs tail engine (FilterLogEvents polling).
 *
 * A tail set follows one or more log groups (the slow-log and engine-log
 * groups of a replication group, or names given by the user) on the one
 * event loop. All tails of a set share one request budget, a token bucket
 * kept below the FilterLogEvents quota (5 TPS per account and region;
 * default 4/s); a budget can also be shared by several sets.
 *
 * Per tail, a poll cycle pages through FilterLogEvents (nextToken) from
 * max(start, newest timestamp seen - overlap window): the overlap re-reads
 * the recent past so late-arriving events are found, and event ids seen
 * inside the window are remembered in bounded memory (ids older than the
 * window are forgotten as the window moves), so every event is delivered
 * exactly once. New streams need no special handling (no stream names are
 * sent), they are counted and reported. The poll interval adapts: short
 * while events flow, longer when idle (bounded so output lags ingestion by
 * about two seconds at most). Throttling, 5xx and transport errors back off
 * exponentially with jitter and, while following, never stop the tail;
 * errors are reported as notices. A time range that could not be read
 * (a hard error that persisted) is reported as a gap; reaching the
 * record limit is not a gap: the set stops and tail_set_limited says so.
 * Records are delivered in timestamp order within what one page
 * returned, each exactly once.
 *
 * A live source (struct tail_live_source: StartLiveTail) can push events
 * as they are ingested, one session for the whole set. While a session is
 * up, every event it pushes is delivered at once and the polling above
 * becomes a slow reconciliation behind it: at most one FilterLogEvents
 * request per reconcile_ms (5 s) per tail, over the same overlap window,
 * which fills in what the session missed (a sampled session, frames lost,
 * the gap of a reconnect, the end after 3 hours). Pushed events carry no
 * event id, so the two sources meet on what identifies an event in both:
 * its stream, timestamp and message, counted (two identical events are two
 * events): an event is delivered by whichever source reports it first and
 * matched, not repeated, when the other one does. A session that ends is
 * opened again (at once after the 3-hour end, with back-off otherwise);
 * while it is down the tails poll as without it. When the session is
 * refused (access denied, an endpoint that does not serve it, the
 * concurrent-session quota), TAIL_SOURCE_AUTO falls back to polling for
 * good and says so once (TAIL_NOTICE_SOURCE); TAIL_SOURCE_LIVE fails.
 *
 * The sources are interfaces (struct tail_source, struct
 * tail_live_source), so tests drive the engine with scripted fakes;
 * tailsrc.h adapts aws/logs.h to them.
 */
#ifndef ELCUI_CORE_TAIL_H
#define ELCUI_CORE_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_error.h"
#include "core/logs/logrec.h"
#include "core/loop.h"
#include "core/logs/ring.h"
#include "core/logs/tail_budget.h"
#include "core/logs/tail_match.h"

/* Bounds on one pass over a log group, far above any real one (a pass
 * pages until FilterLogEvents sends no nextToken; pages of up to 10,000
 * events, some empty while the service scans): a nextToken sent twice in a
 * pass is PaginationLoop, more pages or events PaginationLimit. Without
 * --follow the tail then ends (failed, the rest of its range a gap);
 * following, the pass ends and polling goes on. */
#define TAIL_MAX_CYCLE_PAGES 5000u
#define TAIL_MAX_CYCLE_EVENTS ((uint64_t)20000000)

/* ---- the page source ---- */

struct tail_query {
    const char *log_group;
    int64_t start_ms;           /* inclusive */
    int64_t end_ms;             /* exclusive; 0 = open */
    const char *filter_pattern; /* CloudWatch filter pattern; NULL = all */
    const char *next_token;     /* NULL = first page */
    int limit;                  /* events per page; 0 = service default */
};

struct tail_event {
    const char *event_id;
    const char *log_stream;
    const char *message;
    size_t message_len;
    int64_t timestamp_ms;
    int64_t ingestion_ms;
};

struct tail_page {
    const struct tail_event *events;
    size_t n;
    const char *next_token; /* NULL or "" when this was the last page */
    const char *request_id;
};

/* Exactly one of page/err is non-NULL; both are valid during the call only. */
typedef void (*tail_page_cb)(const struct tail_page *page, const struct aws_error *err, void *arg);

struct tail_source {
    /* Start fetching one page. Must not call cb synchronously. Returns a
     * non-NULL handle for cancel, valid until cb has run. */
    void *(*fetch)(void *ctx, const struct tail_query *q, tail_page_cb cb, void *arg);
    /* Abort a fetch; cb is not called afterwards. */
    void (*cancel)(void *ctx, void *handle);
    void *ctx;
};

/* ---- the live source (StartLiveTail) ---- */

struct tail_live_event {
    const char *log_group; /* one of the names the session was opened for */
    const char *log_stream;
    const char *message;
    size_t message_len;
    int64_t timestamp_ms;
    int64_t ingestion_ms;
};

struct tail_live_cb {
    /* The session is up (its id, "" when the service gave none). */
    void (*on_start)(const char *session_id, void *arg);
    /* Events pushed; sampled: the service sent only a sample of them. */
    void (*on_events)(const struct tail_live_event *ev, size_t n, bool sampled, void *arg);
    /* The session is over (err always set: why). Once; the handle dies. */
    void (*on_end)(const struct aws_error *err, void *arg);
};

struct tail_live_source {
    /* Open one session over log_groups (names) with the service-side
     * filter (NULL: all). Never calls back synchronously. Returns the
     * handle for close, valid until on_end has run. */
    void *(*open)(void *ctx, const char *const *log_groups, size_t n, const char *filter_pattern,
                  const struct tail_live_cb *cb, void *arg);
    /* Close a session; on_end is not called afterwards. Safe from its
     * callbacks. */
    void (*close)(void *ctx, void *handle);
    void *ctx;
};

enum tail_source_mode {
    TAIL_SOURCE_AUTO = 0, /* live when the session is allowed, polling otherwise */
    TAIL_SOURCE_LIVE,     /* live (reconciled by polling); a refused session fails the set */
    TAIL_SOURCE_POLL,     /* polling only */
};

/* Shard of a member cluster id by ElastiCache's naming of the member
 * clusters of a cluster-mode group, "<group>-<shard>-<member>", both
 * numbers zero-padded:
 * "<rg>-0002-001" -> "0002"; false when the id does not say. */
bool tail_shard_from_cluster_id(const char *id, char *out, size_t n);

/* ---- the tail set ---- */

struct tail_set;

enum tail_state {
    TAIL_IDLE,     /* waiting for the next poll */
    TAIL_WAITING,  /* waiting for the request budget */
    TAIL_FETCHING, /* request in flight */
    TAIL_BACKOFF,  /* after an error */
    TAIL_DONE,
    TAIL_FAILED,
};

struct tail_gap {
    size_t tail;
    const char *log_group;
    int64_t from_ms;    /* inclusive */
    int64_t to_ms;      /* exclusive; 0 = open end */
    const char *reason; /* "error" */
    const char *detail; /* people's text (error message), may be "" */
};

enum tail_notice_kind {
    TAIL_NOTICE_ERROR,      /* a request failed; will retry (detail, err) */
    TAIL_NOTICE_RECOVERED,  /* a request succeeded after failures */
    TAIL_NOTICE_FATAL,      /* the tail stopped (group missing, access denied...) */
    TAIL_NOTICE_NEW_STREAM, /* a stream first seen after the first poll (stream)
                             */
    TAIL_NOTICE_READY,      /* first poll cycle complete (backfill done) */
    TAIL_NOTICE_LAG,        /* ingestion lag close to the overlap window */
    TAIL_NOTICE_OVERFLOW,   /* dedupe memory full: window shortened */
    TAIL_NOTICE_DONE,       /* the tail finished (not following, or --until passed) */
    TAIL_NOTICE_LIVE,       /* live session: up (detail has the id), ended (err; retry_in_ms),
                               sampled */
    TAIL_NOTICE_SOURCE,     /* the set polls from now on: the live session was refused
                               (once per set; log_group NULL, err the refusal) */
};

struct tail_notice {
    enum tail_notice_kind kind;
    size_t tail;
    const char *log_group;       /* NULL for the set's notices (LIVE, SOURCE) */
    const char *stream;          /* NEW_STREAM */
    const struct aws_error *err; /* ERROR, FATAL; may be NULL */
    const char *detail;          /* one line for people, safe-rendered */
    uint64_t retry_in_ms;        /* ERROR */
};

struct tail_callbacks {
    /* A record passed the filters. The record is owned by the engine (and
     * then by the ring, if any): copy what you keep. */
    void (*on_record)(struct tail_set *s, size_t tail, const struct logrec *r, void *arg);
    void (*on_gap)(struct tail_set *s, const struct tail_gap *g, void *arg);
    void (*on_notice)(struct tail_set *s, const struct tail_notice *n, void *arg);
    /* Every tail is done or failed (or the record limit was reached). */
    void (*on_done)(struct tail_set *s, void *arg);
    void *arg;
};

struct tail_options {
    struct loop *loop;
    const struct tail_source *source;
    struct tail_budget *budget; /* shared; NULL: the set makes one at rate_per_s */
    double rate_per_s;          /* 0: 4 */
    bool follow;
    int64_t start_ms;           /* required: epoch ms */
    int64_t end_ms;             /* exclusive; 0 = none */
    int64_t overlap_ms;         /* 0: 30000 */
    uint64_t min_poll_ms;       /* 0: 500 */
    uint64_t max_poll_ms;       /* 0: 2000 */
    uint64_t backoff_base_ms;   /* 0: 500 */
    uint64_t backoff_max_ms;    /* 0: 30000 */
    int max_failures;           /* not following: attempts per page; 0: 8; 1: none
                                   beyond the page source's own (the client's
                                   standard retries, as `elcui logs` does) */
    int hard_failures;          /* following: hard errors before skipping; 0: 5 */
    size_t dedupe_max_ids;      /* 0: 262144 */
    int page_limit;             /* 0: service default */
    unsigned max_cycle_pages;   /* pages in one pass; 0: TAIL_MAX_CYCLE_PAGES */
    const char *filter_pattern; /* server side */
    const struct tail_filter *filter;
    logrec_label_fn label_fn;
    void *label_ctx;
    struct ring *ring;    /* optional: delivered records are pushed here */
    uint64_t max_records; /* stop after this many; 0 = none */
    /* live source (following only): NULL = polling */
    const struct tail_live_source *live;
    enum tail_source_mode source_mode;
    uint64_t reconcile_ms;  /* live up: requests per tail at most one per this; 0: 5000 */
    uint64_t live_retry_ms; /* reopening after a failure: first delay; 0: 1000 (max 30 s) */
    unsigned int seed;      /* jitter; 0 = from the clock */
    struct tail_callbacks cb;
};

/* NULL with err set when the filter does not compile. */
struct tail_set *tail_set_new(const struct tail_options *o, char *err, size_t errlen);
/* Add a log group before tail_set_start(); returns its index. */
size_t tail_set_add(struct tail_set *s, const char *log_group, enum logrec_type hint);
void tail_set_start(struct tail_set *s);
/* Cancel everything; no callback runs afterwards. Safe from callbacks. */
void tail_set_stop(struct tail_set *s);
/* Stops first. Not from inside the set's own callbacks. */
void tail_set_free(struct tail_set *s);

size_t tail_set_count(const struct tail_set *s);
bool tail_set_done(const struct tail_set *s);
/* True when any tail failed fatally or gave up on a range. */
bool tail_set_failed(const struct tail_set *s);
/* True when the set stopped because max_records were delivered. */
bool tail_set_limited(const struct tail_set *s);
uint64_t tail_set_delivered(const struct tail_set *s);

struct tail_status {
    const char *log_group;
    enum logrec_type hint;
    enum tail_state state;
    int64_t last_ok_ms;   /* wall clock of the last successful request; 0 = none */
    int64_t last_poll_ms; /* wall clock of the last request sent */
    int64_t lag_ms;       /* ingestionTime - timestamp of the newest event seen */
    int64_t lag_max_ms;
    int64_t position_ms;  /* next poll starts here (newest - overlap) */
    int64_t newest_ms;    /* newest event timestamp seen; 0 = none */
    uint64_t backoff_ms;  /* current back-off; 0 = none */
    uint64_t interval_ms; /* current poll interval */
    unsigned failures;    /* consecutive */
    double events_per_s;  /* delivered, over the last 10 s */
    uint64_t events;      /* delivered */
    uint64_t duplicates;  /* suppressed by event id */
    uint64_t filtered;    /* rejected by the client-side filters */
    uint64_t skipped;     /* not delivered because the dedupe memory overflowed */
    uint64_t dropped;     /* ring: records evicted (shared by the set) */
    uint64_t requests;
    uint64_t throttled;
    uint64_t errors;
    uint64_t gaps;
    size_t streams;
    size_t dedupe_ids;
    char last_error[256];
    /* the source: "live" while a session pushes events (the polling is the
     * reconciliation then), "poll" otherwise */
    const char *source;
    bool live_enabled;        /* the set may use a live session (not refused, not POLL) */
    bool live_opening;        /* a session is being opened (not up yet) */
    char session_id[128];     /* the session up now, "" */
    bool sampled;             /* the session up now sent a sample */
    uint64_t sessions;        /* sessions that started */
    uint64_t reconnects;      /* sessions opened again after one ended or failed */
    uint64_t live_events;     /* delivered from the live session (of this tail) */
    uint64_t filled;          /* delivered by the reconciliation while live was up */
    int64_t reconciled_ms;    /* wall clock start of the last complete pass; 0 = none */
    int64_t reconcile_lag_ms; /* now - reconciled_ms (0 = no pass yet) */
    double requests_per_s;    /* FilterLogEvents requests over the last minute */
    char source_note[256];    /* why the set polls ("" when it may go live) */
};
void tail_status(const struct tail_set *s, size_t i, struct tail_status *out);
const char *tail_state_name(enum tail_state st);
const char *tail_source_mode_name(enum tail_source_mode m);
/* "tail /aws/...: following, lag 1.2s, 3.5 ev/s, 120 events, 2 dup, ..." */
void tail_status_format(const struct tail_status *st, char *out, size_t n);

#endif
