/* tailsrc.h - where tails read from.
 *
 * Two things the tail engine (tail.h) does not know about AWS:
 * - the page source: FilterLogEvents through aws/logs.h, one page per
 *   call, adapted to struct tail_source;
 * - the log groups of a replication group: its LogDeliveryConfigurations
 *   (DescribeReplicationGroups), with the engine name and the group's
 *   model (core/model/model.h), whose nodes label the records with shard, role
 *   and AZ - the role the node had at the record's time, from the model's
 *   role history (Redis observations, failover events), "role?" where the
 *   history does not reach back. A caller that keeps the model fresh
 *   (core/model/inventory.h: roles move with failovers) swaps it in with
 *   tailsrc_rg_set_model.
 */
#ifndef ELCUI_CORE_TAILSRC_H
#define ELCUI_CORE_TAILSRC_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/aws_client.h"
#include "aws/elasticache.h"
#include "core/logs/logrec.h"
#include "core/model/model.h"
#include "core/logs/tail.h"

/* ---- FilterLogEvents as a tail source ---- */

struct tailsrc_logs;
/* c is not owned and must outlive the source. */
struct tailsrc_logs *tailsrc_logs_new(struct aws_client *c);
/* Cancels what is in flight (no callbacks). */
void tailsrc_logs_free(struct tailsrc_logs *s);
const struct tail_source *tailsrc_logs_source(struct tailsrc_logs *s);

/* ---- StartLiveTail as a live source ----
 *
 * A session is opened for log group names; StartLiveTail wants their
 * ARNs, so each name is looked up once (DescribeLogGroups, then kept).
 * Pushed events are handed over with the name of their group (the
 * service's logGroupIdentifier, "account:name" or the ARN, is matched to
 * the names asked for). A group that does not exist ends the session with
 * ResourceNotFoundException; a refused lookup ends it with its error. */
struct tailsrc_live;
/* c is not owned and must outlive the source; idle_ms as
 * logs_start_live_tail's (0: 30 s). */
struct tailsrc_live *tailsrc_live_new(struct aws_client *c, long idle_ms);
/* Closes every session (no callbacks). */
void tailsrc_live_free(struct tailsrc_live *s);
const struct tail_live_source *tailsrc_live_source(struct tailsrc_live *s);

/* ---- the log groups of a replication group ---- */

struct tailsrc_group {
    char *log_group;
    enum logrec_type type; /* slow-log / engine-log */
    char *log_type;        /* as configured: "slow-log" */
    char *format;          /* "json" | "text" | NULL */
    char *status;          /* "active", "enabling", ... */
    char *message;         /* service message for status "error" */
};

struct tailsrc_rg {
    char *id;
    char *engine; /* "redis" | "valkey" | NULL when the API did not say */
    char *status;
    bool cluster_enabled;
    struct tailsrc_group *groups; /* CloudWatch Logs destinations only */
    size_t n_groups;
    struct model_group *model; /* labels; a reference */
    /* log types delivered elsewhere (Kinesis Data Firehose): "slow-log" */
    char *firehose_types;
};

/* From an already described group (pure; for tests and the console). */
struct tailsrc_rg *tailsrc_rg_from_group(const struct elasticache_replication_group *g);
void tailsrc_rg_free(struct tailsrc_rg *r);

/* Replace the model used for labels (takes a reference on g); the role
 * history and the Redis view of the old one go into g
 * (model_group_carry_redis). */
void tailsrc_rg_set_model(struct tailsrc_rg *r, struct model_group *g);
/* logrec_label_fn over a struct tailsrc_rg (ctx): model_label on its
 * current model. */
bool tailsrc_label(void *ctx, const char *cache_cluster_id, const char *cache_node_id,
                   int64_t at_ms, struct logrec_labels *out);

/* Describe the group and deliver what it says; out is owned by the callback
 * (tailsrc_rg_free). Exactly one of out/err is non-NULL. A group that does
 * not exist gives err with code ReplicationGroupNotFoundFault. */
typedef void (*tailsrc_resolve_cb)(struct tailsrc_rg *out, const struct aws_error *err, void *arg);
struct tailsrc_resolve_req;
struct tailsrc_resolve_req *tailsrc_resolve(struct aws_client *c, const char *rg_id,
                                            tailsrc_resolve_cb cb, void *arg);
/* Until cb has run; cb is not called afterwards. */
void tailsrc_resolve_cancel(struct tailsrc_resolve_req *r);

/* People's text explaining how to enable log delivery for rg_id (for the
 * "no log delivery configured" error). Caller frees. */
char *tailsrc_enable_hint(const char *rg_id);

#endif
