/* rsession_target.h - where a command of the session goes: the slot's
 * node, a node, a shard (or its primary or replicas), an Availability
 * Zone, every primary, replica or node. */
#ifndef ELCUI_CORE_RSESSION_TARGET_H
#define ELCUI_CORE_RSESSION_TARGET_H

#include <stddef.h>

#include "core/redis/rcluster.h"

enum rsession_target_kind {
    RSESSION_T_SLOT = 0, /* by key slot */
    RSESSION_T_NODE,     /* one node */
    RSESSION_T_SHARD,    /* a shard's nodes (role: all, primary or replicas) */
    RSESSION_T_AZ,       /* every node in an Availability Zone */
    RSESSION_T_PRIMARIES,
    RSESSION_T_REPLICAS,
    RSESSION_T_ALL,
};

struct rsession_target {
    enum rsession_target_kind kind;
    char node[RCLUSTER_NAME_MAX]; /* NODE */
    char shard[32];               /* SHARD: "0002" */
    enum rcluster_role role;      /* SHARD: UNKNOWN = every node of it */
    char az[64];                  /* AZ */
};

/* "slot", "primaries", "replicas", "all", "node ID", "shard 0002
 * [primary|replicas|all]", "az NAME", or a bare node id. 0, or -1 with
 * the reason in err. */
int rsession_target_parse(const char *text, struct rsession_target *t, char *err, size_t errlen);
/* For prompts and pickers: "slot-routed", "primaries", "node ID",
 * "shard 0002 primary", "az us-east-2a". */
void rsession_target_name(const struct rsession_target *t, char *out, size_t n);
/* The spec rsession_target_parse reads back ("shard 0002 primary"). */
void rsession_target_spec(const struct rsession_target *t, char *out, size_t n);

#endif
