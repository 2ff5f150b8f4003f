/* observe.h - the Redis observation engine: what Redis itself says about
 * the nodes of one replication group, the one source of truth for roles
 * and health that show, the console's group screen, audit, log labels and
 * exec targets share.
 *
 * observe_start() opens a command session (core/redis/console.h: the
 * group's endpoint and AUTH token from discovery - Secrets Manager, tags,
 * SSM - TLS with the CA or --insecure, --connect-to, IAM), then runs
 * rounds. A round asks every node of the topology (CLUSTER SHARDS, or the
 * primary and replicas of a cluster-mode-disabled group) for
 *     PING               answering, slow (PING at or above slow_ms) or not
 *                        answering (since when, and why)
 *     ROLE               its own role, its link to its primary (replicas),
 *                        its replication offset
 *     INFO replication   the lag in seconds as Redis reports it (the
 *                        primary's lag= per replica; a replica whose link is
 *                        down: master_link_down_since_seconds)
 * and computes each replica's lag in bytes (its primary's offset minus its
 * own). A node that does not answer keeps the role its peers report, unless
 * another node of its shard answers as the primary (then its role is
 * unknown: never two primaries in a shard). Every round is bounded by
 * timeout_ms; a node that has not answered by then is "not answering".
 *
 * The result is a Redis view (core/model/model.h: struct model_redis_view
 * with a probe per node) that observe_merge() merges into any model of the
 * group, so every screen and command shows the same roles, each with its
 * source and age. When Redis cannot be reached (discovery failed, wrong
 * token, every node down) the state says so with the reason, and
 * observe_merge() records it in the model, whose roles then come from the
 * API, the IsMaster metric or the naming.
 *
 * With interval_ms the rounds repeat in the background (after a failed
 * start the session is opened again at the next interval). Everything
 * runs on the loop; on_update is never called from inside an observe_*
 * call; observe_free() cancels everything (no callback afterwards). The
 * token never leaves the session (see console.h).
 *
 * A live health column for a screen (the group screen's nodes):
 *     struct observe_options o = {.loop = .., .aws = .., .creds = ..,
 *         .region = .., .rg_id = id, .cafile = opts->redis_cacert,
 *         .insecure = opts->insecure, .connect_to = opts->connect_to,
 *         .n_connect_to = opts->nconnect_to, .interval_ms = 5000,
 *         .on_update = screen_on_observed, .arg = screen};
 *     screen->ob = observe_start(&o);
 *   in screen_on_observed(ob, arg): observe_merge(ob, inventory_group(inv));
 *     mark the screen dirty (the inventory carries the merged view into
 *     every later model);
 *   when drawing a node n: model_probe_text(&n->probe, now, buf, len) for
 *     the health column ("answering 0.4 ms", "slow 250 ms", "not answering
 *     since 12:03:04Z (35s)"), model_role_origin(n, now, ...) for the
 *     role's source and age, observe_status_text(ob, ...) for the title;
 *   on close: observe_free(screen->ob).
 */
#ifndef ELCUI_CORE_OBSERVE_H
#define ELCUI_CORE_OBSERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "aws/aws_client.h"
#include "aws/creds.h"
#include "core/loop.h"
#include "core/model/model.h"
#include "core/redis/console.h"

#define OBSERVE_DEFAULT_TIMEOUT_MS 2000
#define OBSERVE_DEFAULT_SLOW_MS 100
#define OBSERVE_MAX_NODES 1024

enum observe_state {
    OBSERVE_S_STARTING,    /* discovering the endpoint and token, connecting */
    OBSERVE_S_OK,          /* the last round got answers */
    OBSERVE_S_UNREACHABLE, /* Redis could not be asked (observe_reason says why) */
};

/* "starting", "ok", "unreachable" */
const char *observe_state_name(enum observe_state s);

struct observe;
typedef void (*observe_cb)(struct observe *ob, void *arg);

struct observe_options {
    struct loop *loop;
    struct aws_client *aws;       /* discovery; NULL: endpoint and token must be given */
    struct creds_provider *creds; /* IAM tokens */
    const char *region;
    const char *rg_id;
    /* the group as the caller has just described it (a reference is
     * taken): discovery does not describe it again */
    struct model_group *model;
    /* discovery and connection, as console_options */
    const char *endpoint;
    const char *token_env;
    const char *secret_id;
    const char *user;
    bool iam;
    bool no_auth;
    creds_prompt_fn prompt; /* NULL: never ask (a screen, show) */
    void *prompt_ctx;
    enum console_tls tls;
    const char *cafile;
    bool insecure;
    const char *const *connect_to;
    size_t n_connect_to;
    uint64_t interval_ms; /* between rounds; 0: one round */
    uint64_t timeout_ms;  /* a round's bound, connects included; 0: the default */
    uint64_t slow_ms;     /* PING at or above this is slow; 0: the default */
    observe_cb on_update; /* after every round, and when the start fails */
    void *arg;
};

/* NULL for unusable options (no loop, neither group nor endpoint). */
struct observe *observe_start(const struct observe_options *o);
/* Cancel everything; no callback afterwards. Safe from inside on_update.
 * NULL is fine. */
void observe_free(struct observe *ob);
/* Start a round now (when none runs and the session is ready). */
void observe_refresh(struct observe *ob);

enum observe_state observe_state(const struct observe *ob);
/* Why Redis could not be asked (UNREACHABLE), or what the engine waits
 * for (STARTING); "" when OK. Never a secret. */
const char *observe_reason(const struct observe *ob);
/* Rounds completed. */
unsigned observe_rounds(const struct observe *ob);
/* The latest round's view (valid until the next round or observe_free),
 * or NULL before the first round. */
const struct model_redis_view *observe_view(const struct observe *ob);
/* Merge the latest view into g (a model of the same group) and record
 * the state: the reason when Redis is unreachable, none when it answers.
 * Before the first result only an unreachable state is recorded. false
 * when there was nothing to merge. */
bool observe_merge(const struct observe *ob, struct model_group *g);
/* One line for a title or a note: "redis: 9 nodes, 1 not answering,
 * observed 2s ago", "redis: unreachable (auth-wrongpass: ...)",
 * "redis: connecting". */
void observe_status_text(const struct observe *ob, int64_t now_ms, char *out, size_t len);
/* The session (its model, discovery, cluster), or NULL. */
struct console *observe_console(const struct observe *ob);

/* ---- pure helpers (tests) ---- */

/* A ROLE reply: ["master", offset, [...]] or ["slave", host, port, state,
 * offset]: the role, a replica's link state (control bytes replaced) and
 * the offset (-1 when absent). false for anything else. */
bool observe_parse_role(const redisReply *r, enum model_role *role, char *link, size_t linklen,
                        long long *offset);

/* One field of an INFO reply ("key:value" lines, "# Section" headers):
 * the value copied into out. false when absent (or too long). */
bool observe_info_field(const char *info, size_t len, const char *key, char *out, size_t outlen);
/* One k=v item of an INFO value such as slave0's
 * "ip=10.0.0.1,port=6379,state=online,offset=123,lag=0". */
bool observe_info_item(const char *value, const char *key, char *out, size_t outlen);

#endif
