/* tail_engine.h - what the tail engine's files share: the records of a
 * tail, a tail set and their deduplication sets, and the steps of
 * tail.c the live source (tail_live.c) calls. Internal to
 * core/logs/tail*.c; everything else uses tail.h.
 */
#ifndef ELCUI_CORE_TAIL_ENGINE_H
#define ELCUI_CORE_TAIL_ENGINE_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/paging.h"
#include "core/logs/tail.h"

struct tail_idset {
    uint64_t *key; /* 0 = empty */
    int64_t *ts;
    size_t cap; /* power of two */
    size_t n;
    size_t max;
    int64_t cutoff; /* ids below this time are forgotten; queries start at or
                       after it */
};

#define TAIL_MAX_STREAMS 100000

struct tail_strset {
    char **item;
    size_t cap;
    size_t n;
};

#define TAIL_CONTENT_GRACE_MS 60000 /* kept this long after last seen, whatever its time */

struct tail_centry {
    uint64_t key; /* 0 = empty */
    int64_t ts;
    uint64_t seen; /* loop_now_ms when last reported */
    uint32_t live_n, poll_n;
};

struct tail_cset {
    struct tail_centry *e;
    size_t cap; /* power of two */
    size_t n;
    size_t max;
};

#define TAIL_RATE_SLOTS 10

#define TAIL_REQ_SLOTS 60

#define TAIL_LIVE_MAX_GROUPS 10 /* StartLiveTail's logGroupIdentifiers */

struct tail {
    struct tail_set *set;
    size_t index;
    char *log_group;
    enum logrec_type hint;
    enum tail_state state;

    /* cycle */
    bool in_cycle;
    bool first_cycle_done;
    bool ever_ok;
    char *next_token;
    struct paging_seen seen; /* tokens of this cycle: one sent twice loops */
    unsigned cycle_pages;
    uint64_t cycle_events;
    int64_t cycle_start;
    int64_t cycle_pos; /* newest timestamp read in this cycle */
    bool cycle_new;    /* this cycle delivered something new */
    int64_t newest;    /* newest event timestamp seen; INT64_MIN = none */
    int64_t floor;     /* queries never start before this */
    uint64_t interval;

    /* pending things (at most one at a time) */
    void *fetch;
    struct tail_budget_wait *wait;
    struct loop_timer *timer;

    /* errors */
    unsigned failures;
    unsigned hard_failures;
    uint64_t backoff;
    char last_error[256];

    struct tail_idset ids;
    struct tail_strset streams;

    /* counters */
    int64_t last_ok_ms, last_poll_ms, lag_ms, lag_max_ms, lag_notice_ms;
    uint64_t events, duplicates, filtered, skipped, requests, throttled, errors, gaps;
    uint64_t rate_sec[TAIL_RATE_SLOTS];
    uint64_t rate_cnt[TAIL_RATE_SLOTS];

    /* with a live source */
    struct tail_cset content; /* events by content, both sources */
    bool content_on;
    uint64_t live_events, filled;
    int64_t pass_start_ms, reconciled_ms;
    uint64_t last_req_mono; /* the reconciliation's spacing */
    bool spaced;            /* timer: waiting out the reconciliation's spacing */
    uint64_t first_req_mono;
    uint64_t req_sec[TAIL_REQ_SLOTS];
    uint64_t req_cnt[TAIL_REQ_SLOTS];
};

struct tail_live_state {
    bool enabled; /* may go live: a source, following, not POLL, not refused */
    void *handle; /* the session (opening or up) */
    bool up;
    char session_id[128];
    bool sampled;
    uint64_t sessions, reconnects, opens, unrouted;
    unsigned failures;
    uint64_t up_since;
    struct loop_timer *timer; /* reopening */
    char note[256];           /* why polling */
};

struct tail_set {
    struct tail_options o;
    struct loop *loop;
    struct tail_budget *budget;
    bool own_budget;
    struct tail_match *match;
    char *filter_pattern;
    struct tail **tails;
    size_t n;
    bool started;
    bool stopped;
    bool done;
    bool failed;
    bool limited; /* max_records reached: output stopped there */
    uint64_t delivered;
    uint64_t rng;
    struct tail_live_state live;
};

/* An event that passed the dedupe, waiting for its turn: it becomes a
 * record (its message parsed) only then, so a page holds one record at a
 * time, and events past the record limit, or refused by a raw-text filter,
 * are never parsed. The strings are the page's (or the pushed batch's). */
struct tail_sorted {
    const char *id, *stream, *msg;
    size_t mlen;
    int64_t ts, ingest;
    size_t order;
    bool live;   /* pushed by the live session */
    bool filled; /* found by the reconciliation while live was up */
};

void tail_cset_free(struct tail_cset *c);
/* A notice of t to the caller (stream and detail may be NULL). */
void tail_notify(struct tail *t, enum tail_notice_kind kind, const char *stream,
                 const struct aws_error *err, const char *detail, uint64_t retry_in);
/* t ends in state st (done, failed, stopped). */
void tail_finish(struct tail *t, enum tail_state st);
/* t asks the shared budget for its next request. */
void tail_ask_budget(struct tail *t);
/* A polling cycle of the tail arg. */
void tail_begin_cycle(void *arg);
/* The entry of an event's content in what both sources saw. */
struct tail_centry *tail_content_entry(struct tail *t, const char *stream, int64_t ts,
                                       const char *msg, size_t mlen, uint64_t now);
/* An event's ingestion lag, for the status. */
void tail_note_lag(struct tail *t, int64_t ts, int64_t ingest);
/* Admit an event that passed the dedupe into *a (raw-text filters
 * applied, its stream noted): false when a filter refuses it. */
bool tail_admit(struct tail *t, struct tail_sorted *a, const char *id, const char *stream,
                const char *msg, size_t len, int64_t ts, int64_t ingest);
/* Deliver acc[0..na) in timestamp order, each made a record then;
 * frees acc. False when the set stopped meanwhile. */
bool tail_deliver(struct tail *t, struct tail_sorted *acc, size_t na);

#endif
