/* placement.h - where a group's nodes sit: the shards x AZs matrix and the
 * risks it shows.
 *
 * Pure functions over a model (core/model/model.h): no I/O, no clock (the caller
 * passes "now" for the age of the data). Flags, each with a stable id, a
 * severity, one line of text and the shard and/or AZ it concerns:
 *
 *   single-az          every node in one AZ (critical; warning for one node)
 *   primaries-one-az   all primaries of a multi-shard group in one AZ (warning)
 *   primaries-crowded  an AZ holds two or more primaries while another AZ of
 *                      the group holds none, as failovers leave it (warning)
 *   replica-same-az    a replica shares its primary's AZ (warning; critical
 *                      when no replica of the shard is elsewhere)
 *   no-replicas        a shard without replicas (warning; one flag for the
 *                      group when no shard has any)
 *   az-no-replica      an AZ of the group holding no replica: its clients
 *                      read across AZs (info)
 *   multi-az-off       Multi-AZ disabled (warning)
 *   auto-failover-off  automatic failover disabled (warning)
 *   uneven-spread      node counts per AZ differ by more than one (info)
 *   roles-unknown      some roles are not known (assumed from naming or
 *                      missing): role-based flags rest on them (info)
 *   az-unknown         some nodes have no AZ yet (info)
 *   stale-data         the API data is older than PLACEMENT_STALE_MS (info)
 *
 * Checks that need something the model does not know (a role, an AZ)
 * skip the nodes concerned; checks implied by a stronger flag are not
 * repeated (a single-AZ group gets no primaries-one-az or replica-same-az).
 */
#ifndef ELCUI_CORE_PLACEMENT_H
#define ELCUI_CORE_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/model/model.h"

#define PLACEMENT_STALE_MS (15 * 60 * 1000)

enum placement_severity {
    PLACEMENT_INFO = 0,
    PLACEMENT_WARNING,
    PLACEMENT_CRITICAL,
};

struct placement_flag {
    const char *id; /* stable, see above */
    enum placement_severity severity;
    char *text;  /* one line for people */
    char *shard; /* NodeGroupId it concerns, or NULL */
    char *az;    /* AZ it concerns, or NULL */
};

/* One cell: the members of a shard in an AZ. */
struct placement_cell {
    size_t *nodes; /* indices into the model's nodes, primaries first */
    size_t n_nodes;
    size_t primaries;
    size_t replicas;
    size_t unknown; /* role unknown */
};

struct placement_az {
    char *name; /* "us-east-2a"; "?" for nodes without an AZ */
    size_t nodes;
    size_t primaries;
    size_t replicas;
};

struct placement {
    struct placement_az *azs; /* sorted by name, "?" last */
    size_t n_azs;
    size_t n_shards;              /* the model's shards, same order */
    struct placement_cell *cells; /* n_shards x n_azs, row-major */
    struct placement_flag *flags; /* most severe first, then in check order */
    size_t n_flags;
    int64_t fetched_ms;       /* the model's API data */
    int64_t age_ms;           /* now - fetched_ms (0 when unknown) */
    int64_t redis_fetched_ms; /* 0: no Redis view */
    bool roles_known;         /* every role from the API, IsMaster or Redis */
};

/* Build the placement of g as of now_ms (epoch ms). Never NULL. */
struct placement *placement_build(const struct model_group *g, int64_t now_ms);
void placement_free(struct placement *p);

const struct placement_cell *placement_cell(const struct placement *p, size_t shard, size_t az);
/* Index of an AZ by name, or -1. */
long placement_az_index(const struct placement *p, const char *az);
/* The first flag with that id (and shard/AZ when given), or NULL. */
const struct placement_flag *placement_find(const struct placement *p, const char *id,
                                            const char *shard, const char *az);
/* Highest severity among the flags; -1 when there are none. */
int placement_worst(const struct placement *p);
const char *placement_severity_name(enum placement_severity s); /* info, warning, critical */

#endif
