/* inventory.h - the inventory engine: replication groups and cluster
 * models, fetched on the event loop and kept fresh.
 *
 * Two jobs, each optional, each refreshed every refresh_ms when set:
 *
 *  - the list: every replication group of the region (DescribeReplication
 *    Groups without an id, one page per request so the first listing can
 *    be shown as pages arrive), optionally completed with DescribeCache
 *    Clusters over the region to fill engine versions and node details
 *    (elcui ls). Models in the list have no IsMaster roles.
 *  - one open group: DescribeReplicationGroups(id), then DescribeCache
 *    Clusters with ShowCacheNodeInfo for its members (one request per
 *    member up to per_member_max members, all at once; above that one
 *    region-wide listing, paged, filtered), then, for cluster-mode groups
 *    whose roles the API does not give, the IsMaster metric of every node
 *    (GetMetricData, last 10 minutes; when that fails the roles stay
 *    assumed and the failure is reported through on_progress). A Redis
 *    view merged into the previous model (model_group_merge_redis) is
 *    carried into each new one.
 *
 * Callbacks run from the loop, never from inside an inventory_* call.
 * Models passed to them are borrowed: take a reference (model_group_ref)
 * to keep one past the callback. on_list, on_group and on_error may call
 * any inventory_* function, inventory_free included. Freeing the inventory (or cancelling)
 * cancels every request in flight: their answers are dropped and no
 * callback runs afterwards.
 */
#ifndef ELCUI_CORE_INVENTORY_H
#define ELCUI_CORE_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/aws_client.h"
#include "aws/aws_error.h"
#include "core/loop.h"
#include "core/model/model.h"

#define INVENTORY_PER_MEMBER_MAX 20
#define INVENTORY_ROLE_WINDOW_MS (10 * 60 * 1000)

enum inventory_op {
    INVENTORY_OP_LIST,
    INVENTORY_OP_GROUP,
};

struct inventory;

struct inventory_callbacks {
    /* The region's groups (sorted by id). During the first listing after
     * every page (complete false), then once complete; refreshes deliver
     * only complete lists. */
    void (*on_list)(struct inventory *inv, struct model_group *const *groups, size_t n,
                    bool complete, void *arg);
    /* A fresh model of the open group. */
    void (*on_group)(struct inventory *inv, struct model_group *g, void *arg);
    /* A job failed (err->code says why: ReplicationGroupNotFoundFault for
     * a group that does not exist). Earlier data stays; with refresh_ms
     * the job is tried again then. */
    void (*on_error)(struct inventory *inv, enum inventory_op op, const struct aws_error *err,
                     void *arg);
    /* One line about what is under way ("DescribeReplicationGroups page 2").
     * Informational: it may call the getters below, nothing else. */
    void (*on_progress)(struct inventory *inv, enum inventory_op op, const char *text, void *arg);
    void *arg;
};

struct inventory_options {
    struct loop *loop;       /* required */
    struct aws_client *aws;  /* required, not owned */
    uint64_t refresh_ms;     /* 0: fetch once per request */
    bool list_clusters;      /* list: also DescribeCacheClusters (engine versions) */
    bool roles_from_metrics; /* group: IsMaster when the API gives no roles */
    bool tags;               /* group: also ListTagsForResource (model tags) */
    size_t per_member_max;   /* 0: INVENTORY_PER_MEMBER_MAX */
    int page_size;           /* MaxRecords 20..100; 0: the service default (100) */
    struct inventory_callbacks cb;
};

struct inventory *inventory_new(const struct inventory_options *o);
/* Cancels everything; safe from inside a callback. NULL is fine. */
void inventory_free(struct inventory *inv);

/* Start (or restart) the listing of the region's groups. */
void inventory_list(struct inventory *inv);
/* Open a group (replacing the open one, whose model is dropped) and start
 * building its model. */
void inventory_open(struct inventory *inv, const char *rg_id);
/* Forget the open group. */
void inventory_close(struct inventory *inv);
/* Refresh now what is wanted and idle (the list once asked for, the open
 * group); requests in flight are left to finish. */
void inventory_refresh(struct inventory *inv);
/* Stop: cancel requests and refresh timers (data stays). */
void inventory_cancel(struct inventory *inv);
void inventory_set_refresh(struct inventory *inv, uint64_t refresh_ms);

/* Latest model of the open group, or NULL (borrowed). */
struct model_group *inventory_group(const struct inventory *inv);
/* Latest list (borrowed), sorted by id. */
size_t inventory_groups(const struct inventory *inv, struct model_group *const **out);
/* Requests in flight for a job. */
bool inventory_busy(const struct inventory *inv, enum inventory_op op);

struct inventory_stats {
    unsigned lists;           /* listings completed */
    unsigned builds;          /* group models built */
    unsigned errors;          /* jobs failed */
    unsigned requests;        /* typed calls started (a paged listing counts once) */
    unsigned pages;           /* DescribeReplicationGroups pages of the last listing */
    unsigned cluster_calls;   /* DescribeCacheClusters requests of the last build */
    bool last_build_regional; /* the last build listed the region's clusters */
};
void inventory_get_stats(const struct inventory *inv, struct inventory_stats *out);

#endif
