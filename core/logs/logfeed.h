/* logfeed.h - the slow log and engine log of one replication group, read
 * into a record store (logstore.h): the console's log panel without the
 * terminal.
 *
 * It keeps the group's model fresh (inventory.h: the API, the IsMaster
 * metric), asks Redis for the roles now and then (observe.h) and reads
 * the group's failover events (events.h), so every record is labelled with
 * the shard, role and AZ its node had at the record's time (tailsrc.h);
 * the log delivery configuration of the model names the log groups, one
 * tail each (tail.h), on a request budget shared with every other feed of
 * the session. Records go into the store as they come, exactly once; a
 * range that could not be read goes in as a GAP row.
 *
 * The tails start once that history reaches back to the window's start
 * (or after LOGFEED_HISTORY_WAIT_MS without it: records older than what
 * is known are labelled role?).
 *
 * logfeed_set_start() reads again from another time (the panel's time
 * windows): the store is emptied and the tails start over from there with
 * fresh event id memories, so the range comes in once, completely.
 * logfeed_free() cancels every request: the budget's other users get its
 * share at once.
 *
 * Everything runs on the loop; callbacks never run from inside a
 * logfeed_* call.
 */
#ifndef ELCUI_CORE_LOGFEED_H
#define ELCUI_CORE_LOGFEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/logs/logstore.h"
#include "core/logs/tail.h"
#include "core/model/model.h"
#include "core/session.h"

#define LOGFEED_REFRESH_MS 15000
#define LOGFEED_OBSERVE_MS 10000
#define LOGFEED_EVENTS_MS 30000
/* Events a FilterLogEvents page may hold: the work one answer costs the loop
 * stays small (a key is answered between pages) while 4 requests a second
 * still carry 10,000 events a second. */
#define LOGFEED_PAGE_LIMIT 2500

struct logfeed;

enum logfeed_state {
    LOGFEED_STARTING,    /* describing the group */
    LOGFEED_RUNNING,     /* tails reading */
    LOGFEED_NO_DELIVERY, /* no slow-log or engine-log delivery to CloudWatch Logs */
    LOGFEED_FAILED,      /* the group could not be described (logfeed_error) */
};

/* What changed (on_change's bits). */
enum {
    LOGFEED_RECORDS = 1, /* entries went into the store */
    LOGFEED_STATUS = 2,  /* a tail's state, an error, a notice */
    LOGFEED_MODEL = 4,   /* the group's model (labels, nodes) */
};

struct logfeed_callbacks {
    void (*on_change)(struct logfeed *f, unsigned what, void *arg);
    /* Something people should read once (a tail stopped for good, a
     * delivery in error, Redis not reachable). error: else a note. */
    void (*on_message)(struct logfeed *f, bool error, const char *text, void *arg);
    void *arg;
};

struct logfeed_options {
    struct session *session; /* loop, clients, credentials, Redis settings */
    const char *rg_id;
    struct logstore *store;     /* not owned */
    struct tail_budget *budget; /* shared; not owned */
    int64_t start_ms;           /* read from here on (following) */
    uint64_t refresh_ms;        /* the model; 0: LOGFEED_REFRESH_MS */
    bool no_redis;              /* roles from the API, the metric and events only */
    uint64_t observe_ms;        /* 0: LOGFEED_OBSERVE_MS */
    uint64_t events_ms;         /* 0: LOGFEED_EVENTS_MS */
    /* the tail engine's knobs (0: its defaults) */
    uint64_t backoff_base_ms, backoff_max_ms;
    int hard_failures;
    int page_limit; /* 0: LOGFEED_PAGE_LIMIT */
    /* following: StartLiveTail reconciled by polling when allowed (AUTO,
     * the default), live only (a refused session fails the tails), or
     * polling only (POLL: no live session, which AWS bills per minute) */
    enum tail_source_mode source_mode;
    struct logfeed_callbacks cb;
};

struct logfeed *logfeed_new(const struct logfeed_options *o);
void logfeed_free(struct logfeed *f);
/* Read again from start_ms (see above). */
void logfeed_set_start(struct logfeed *f, int64_t start_ms);
int64_t logfeed_start(const struct logfeed *f);
/* Ask for the model again now. */
void logfeed_refresh(struct logfeed *f);

enum logfeed_state logfeed_state(const struct logfeed *f);
/* Why the feed is FAILED or has NO_DELIVERY (people's text), else NULL. */
const char *logfeed_error(const struct logfeed *f);
/* The group's model (with its role history), NULL until known. */
const struct model_group *logfeed_model(const struct logfeed *f);
const char *logfeed_rg_id(const struct logfeed *f);

size_t logfeed_tails(const struct logfeed *f);
/* The tails wait for the role history (Redis's roles, the failover events
 * over the window; at most a few seconds). */
bool logfeed_waiting(const struct logfeed *f);
void logfeed_tail_status(const struct logfeed *f, size_t i, struct tail_status *out);
/* The last error of tail i while it retries ("" when none). */
const char *logfeed_tail_note(const struct logfeed *f, size_t i);
/* Where the roles come from now: "Redis", or why not. */
const char *logfeed_roles_note(const struct logfeed *f);

#endif
