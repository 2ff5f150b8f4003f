/* failover.h - the test-failover engine: TestFailover of one shard, then
 * its events followed until the failover completed and the group is
 * available again (TestFailover and DescribeEvents:
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_TestFailover.html,
 * https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeEvents.html).
 *
 * Steps, each on the loop, reported through callbacks:
 *   1. DescribeReplicationGroups: the group and the shard must exist (the
 *      result names the shards there are when it does not);
 *   2. with confirm set, the engine stops and hands the shard to on_shard;
 *      the caller asks its person (a typed shard id) and calls
 *      failover_go, or frees the engine;
 *   3. TestFailover (on_started with the request id);
 *   4. unless no_wait: DescribeEvents over the window since the start,
 *      every poll_ms, each new event handed to on_event once (duplicates
 *      across polls dropped), until the group's "Failover from primary node
 *      X to replica node Y completed" (then old and new primary are known)
 *      or "Failover of node group N failed";
 *   5. after completion, DescribeReplicationGroups every poll_ms until the
 *      group is available again.
 * wait_ms bounds steps 4-5 (status FAILOVER_TIMEOUT: the failover may still
 * be under way). A failed events read is reported (on_trouble) and tried
 * again at the next poll.
 *
 * Read-only is the caller's question (session_read_only): the engine
 * changes something, so every caller asks before starting it.
 *
 * Callbacks run from the loop, never from inside failover_start or
 * failover_go. Any of them may call failover_free. Freeing cancels
 * whatever is in flight (the failover itself goes on at AWS).
 */
#ifndef ELCUI_CORE_FAILOVER_H
#define ELCUI_CORE_FAILOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "aws/elasticache.h"
#include "core/loop.h"
#include "core/model/events.h"

#define FAILOVER_POLL_MS 2000
#define FAILOVER_WAIT_MS 600000
/* ElastiCache's limit: TestFailover on this many shards per rolling 24 h. */
#define FAILOVER_DAILY_LIMIT 15

enum failover_phase {
    FAILOVER_PHASE_DESCRIBE,  /* the group and the shard are looked up */
    FAILOVER_PHASE_CONFIRM,   /* waiting for failover_go */
    FAILOVER_PHASE_START,     /* TestFailover sent */
    FAILOVER_PHASE_FOLLOW,    /* events followed until completed or failed */
    FAILOVER_PHASE_AVAILABLE, /* completed; waiting for the group to be available */
    FAILOVER_PHASE_DONE,
};

enum failover_status {
    FAILOVER_COMPLETED = 0, /* completed and the group is available */
    FAILOVER_STARTED,       /* started, not followed (no_wait) */
    FAILOVER_FAILED,        /* the service says the failover failed */
    FAILOVER_TIMEOUT,       /* wait_ms ran out while following */
    FAILOVER_NOT_FOUND,     /* no such group */
    FAILOVER_NO_SHARD,      /* the group has no such shard */
    FAILOVER_ERROR,         /* a call failed (err: which and why) */
};

struct failover_result {
    enum failover_status status;
    char rg_id[128];
    char shard[8];
    char old_primary[128]; /* "" until the completion event named it */
    char new_primary[128];
    char detail[700];      /* one line for people */
    char shards[400];      /* FAILOVER_NO_SHARD: the group's shards, space-separated */
    const char *operation; /* FAILOVER_ERROR: "DescribeReplicationGroups", "TestFailover" */
    struct aws_error err;  /* FAILOVER_ERROR / FAILOVER_NOT_FOUND */
    double seconds;        /* since TestFailover was sent (0 before) */
};

struct failover;

struct failover_callbacks {
    /* The shard to be failed over (confirm set): call failover_go to go on. */
    void (*on_shard)(struct failover *f, const struct elasticache_replication_group *g,
                     const struct elasticache_node_group *shard, void *arg);
    /* TestFailover accepted: the request id and the group's status. */
    void (*on_started)(struct failover *f, const char *request_id, const char *group_status,
                       void *arg);
    /* A new event of the group or its clusters since the start. */
    void (*on_event)(struct failover *f, const struct events_event *e, void *arg);
    /* The phase changed (FAILOVER_PHASE_AVAILABLE: completed, old and new
     * primary known through failover_result_now). */
    void (*on_phase)(struct failover *f, enum failover_phase phase, void *arg);
    /* A read while following failed and is tried again (text: the error). */
    void (*on_trouble)(struct failover *f, const char *text, void *arg);
    /* Once, at the end (r stays valid until failover_free). */
    void (*on_done)(struct failover *f, const struct failover_result *r, void *arg);
    void *arg;
};

struct failover_options {
    struct loop *loop;      /* required */
    struct aws_client *aws; /* required, not owned */
    const char *rg_id;      /* required */
    const char *shard;      /* required: any form failover_shard_id takes */
    bool confirm;           /* stop before TestFailover until failover_go */
    bool no_wait;           /* done once TestFailover was accepted */
    uint64_t wait_ms;       /* 0: FAILOVER_WAIT_MS */
    uint64_t poll_ms;       /* 0: FAILOVER_POLL_MS */
    struct failover_callbacks cb;
};

/* A shard id as typed ("2", "0002") into the node group id ("0002");
 * false when it is not one (1 to 9999, at most 4 digits). */
bool failover_shard_id(const char *in, char *out, size_t n);

/* "Failover from primary node X to replica node Y completed": X and Y. */
bool failover_parse_completed(const char *msg, char *old_primary, size_t on, char *new_primary,
                              size_t nn);

/* Start; NULL for unusable options (no loop/client/group, a bad shard). */
struct failover *failover_start(const struct failover_options *o);
/* After on_shard: send TestFailover. */
void failover_go(struct failover *f);
/* Cancel and free; NULL is fine; safe from inside any callback. */
void failover_free(struct failover *f);

enum failover_phase failover_phase(const struct failover *f);
const char *failover_phase_name(enum failover_phase p);
const char *failover_status_name(enum failover_status s); /* completed, started, ... */
/* The result as it stands (old/new primary once known, seconds so far). */
const struct failover_result *failover_result_now(struct failover *f);

#endif
