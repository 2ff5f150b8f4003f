/* timeline.h - a group's failover timeline, shard by shard: the service's
 * events (core/model/events.h) merged with the role changes observed over
 * time, each row saying when, which shard, what happened and who says so.
 *
 * Pure: the events, the role facts and the model go in, rows come out.
 * Events are placed in their shard by the member cluster they name (the
 * model's node, else the "<rg>-NNNN-NNN" naming), or by the node group or
 * the old primary a group-level message names ("Test Failover API called
 * for node group 0002", "Failover from primary node X to replica node Y
 * completed"); group-wide events have no shard. Role facts are spans over
 * which one source saw a node in one role; where a node's role differs
 * from its previous span the timeline gets a row "X: replica -> primary",
 * dated when the new role was first seen, with the last time the old one
 * was seen (the change happened in between).
 *
 * Role facts come from the model's role history. The watch below keeps
 * them from successive models of a group (one observation per node and
 * model, consecutive ones of one source and role extending one span) for
 * screens that follow a group.
 */
#ifndef ELCUI_CORE_TIMELINE_H
#define ELCUI_CORE_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model/events.h"
#include "core/model/model.h"

#define TIMELINE_WATCH_MAX 4096

/* A node was seen in role by source over [from_ms, to_ms]. */
struct timeline_fact {
    char *node; /* cache cluster id */
    enum model_role role;
    enum model_role_source source;
    int64_t from_ms, to_ms;
};

enum timeline_kind {
    TIMELINE_EVENT,    /* a service event */
    TIMELINE_FAILOVER, /* a failover event (started, completed, failed) */
    TIMELINE_ROLE,     /* an observed role change */
};

struct timeline_row {
    int64_t when_ms;
    enum timeline_kind kind;
    char shard[16]; /* "0002"; "" group-wide */
    char *node;     /* the node it is about, or NULL */
    char *what;     /* one line */
    char *source;   /* "replication-group app-4" (an event), "observed: redis" */
};

struct timeline {
    struct timeline_row *rows; /* oldest first */
    size_t n;
    size_t n_events, n_failovers, n_role_changes;
};

/* Build from the events (NULL: none), the role facts and the model (NULL:
 * shards from the naming only). rg_id names the group. Never NULL. */
struct timeline *timeline_build(const char *rg_id, const struct events_result *ev,
                                const struct timeline_fact *facts, size_t n_facts,
                                const struct model_group *g);
void timeline_free(struct timeline *t);

/* The shard ("0002") a cache cluster id sits in by the model or the naming;
 * false when neither says. */
bool timeline_shard_of(const char *rg_id, const struct model_group *g, const char *cluster_id,
                       char *out, size_t n);

/* ---- the watch ---- */

struct timeline_watch {
    struct timeline_fact *facts; /* oldest first, at most TIMELINE_WATCH_MAX */
    size_t n;
    int64_t since_ms; /* the first model noted */
};

void timeline_watch_init(struct timeline_watch *w);
void timeline_watch_free(struct timeline_watch *w);
/* Note every node's effective role in g (with its source) as of at_ms
 * (the model's data time). Roles only assumed from the naming are left
 * out: they are no observation. */
void timeline_watch_note(struct timeline_watch *w, const struct model_group *g, int64_t at_ms);

#endif
