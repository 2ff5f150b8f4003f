/* doctor.h - the connectivity doctor: "network, TLS or auth?" for a group.
 *
 * For every endpoint of a replication group - the configuration endpoint
 * (or the primary and reader endpoints of a cluster-mode-disabled group)
 * and every node the API lists, plus nodes only Redis reports - the
 * doctor steps through
 *     DNS -> TCP connect -> TLS handshake and certificate name -> AUTH -> PING
 * with the time of each step, stops at the first failure, and names the
 * usual on-call cause in words:
 *   - DNS failure: the name does not resolve (a private name seen from
 *     outside the VPC, a deleted node, a typo);
 *   - connect timeout: a security group or network ACL drops the traffic,
 *     or this machine is not inside the group's VPC;
 *   - connect refused: nothing listens there (wrong port, node down);
 *   - TLS handshake failure: with a follow-up probe in plain text, "the
 *     group has in-transit encryption off" when a plain Redis answers, "the
 *     node is frozen or overloaded" when nothing answers at all; and the
 *     reverse (plain text to a TLS node) with a TLS probe;
 *   - certificate error: the CA (--redis-cacert / ELCUI_REDIS_CACERT);
 *   - WRONGPASS: the token (and where it came from); NOAUTH: no token;
 *   - a node that connects but never answers: frozen, overloaded, failing
 *     over.
 * Then the topology (CLUSTER SHARDS through the cluster client, or ROLE
 * per node with cluster mode off): all 16384 slots served and no node
 * reported failed (one primary for cluster mode off).
 *
 * Checks run concurrently (at most DOCTOR_MAX_INFLIGHT at a time) on the
 * loop; progress arrives step by step; doctor_cancel stops everything
 * without further callbacks. The token is copied and wiped when the
 * doctor is freed; it never appears in a report.
 */
#ifndef ELCUI_CORE_DOCTOR_H
#define ELCUI_CORE_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/redis/discover.h"
#include "core/loop.h"
#include "core/redis/rconn.h"

#define DOCTOR_MAX_INFLIGHT 32
#define DOCTOR_MAX_CHECKS 2048

enum doctor_step {
    DOCTOR_DNS,
    DOCTOR_CONNECT,
    DOCTOR_TLS,
    DOCTOR_AUTH,
    DOCTOR_PING,
    DOCTOR_STEPS,
};

enum doctor_status {
    DOCTOR_PENDING = 0,
    DOCTOR_OK,
    DOCTOR_FAIL,
    DOCTOR_SKIP, /* not applicable (no TLS, no AUTH) or not reached */
    DOCTOR_WARN, /* passed with a warning (TLS without verification) */
};

enum doctor_cause {
    DOCTOR_CAUSE_NONE = 0,
    DOCTOR_CAUSE_DNS,
    DOCTOR_CAUSE_NETWORK_TIMEOUT, /* security group / not in the VPC */
    DOCTOR_CAUSE_REFUSED,
    DOCTOR_CAUSE_NETWORK,
    DOCTOR_CAUSE_TLS_ON_PLAIN, /* TLS to a node without in-transit encryption */
    DOCTOR_CAUSE_PLAIN_ON_TLS, /* plain text to a node that wants TLS */
    DOCTOR_CAUSE_TLS,
    DOCTOR_CAUSE_CERT,    /* verification: the CA */
    DOCTOR_CAUSE_CA_FILE, /* the CA file cannot be used */
    DOCTOR_CAUSE_WRONGPASS,
    DOCTOR_CAUSE_NOAUTH,
    DOCTOR_CAUSE_AUTH,
    DOCTOR_CAUSE_UNRESPONSIVE, /* connects, never answers */
    DOCTOR_CAUSE_CLOSED,
    DOCTOR_CAUSE_PROTOCOL,
};

const char *doctor_step_name(enum doctor_step s);     /* "dns", "connect", ... */
const char *doctor_status_name(enum doctor_status s); /* "ok", "fail", "skip", "warn", "..." */
const char *doctor_cause_name(enum doctor_cause c);   /* "security-group-or-vpc", ... */

struct doctor_step_result {
    enum doctor_status status;
    uint64_t ms;
    char detail[300]; /* addresses, TLS version and name checked, "no AUTH" ... */
};

enum doctor_kind {
    DOCTOR_KIND_CONFIG,  /* configuration endpoint */
    DOCTOR_KIND_PRIMARY, /* primary endpoint (cluster mode off) */
    DOCTOR_KIND_READER,  /* reader endpoint (cluster mode off) */
    DOCTOR_KIND_NODE,    /* a node the API lists */
    DOCTOR_KIND_REDIS,   /* a node only Redis reports */
};

const char *doctor_kind_name(enum doctor_kind k);

struct doctor_check {
    enum doctor_kind kind;
    char host[256];
    int port;
    char cache_cluster_id[64]; /* "" when not a listed node */
    char cache_node_id[16];
    char shard[16];
    char az[32];
    char role[16]; /* "primary" / "replica" as Redis or the API says, "" */
    bool routed;   /* a --connect-to rule applies */
    struct doctor_step_result steps[DOCTOR_STEPS];
    bool done;
    bool ok;
    enum doctor_cause cause;
    enum rconn_err err;
    char error[RCONN_ERRMSG_MAX]; /* the failure as measured (no secret) */
    char advice[1000];            /* the cause in words, with what to do */
    uint64_t total_ms;
};

struct doctor_topology {
    bool checked;
    bool ok;
    bool cluster;
    char source[32]; /* "CLUSTER SHARDS", "ROLE", ... */
    size_t nodes, shards, primaries, slots_covered, failed_nodes;
    uint64_t ms;
    char detail[600];
};

struct doctor_report {
    struct doctor_check *checks;
    size_t n_checks;
    struct doctor_topology topology;
    bool ok;       /* everything passed */
    size_t failed; /* checks that failed */
    char summary[800];
    uint64_t total_ms;
};

struct doctor;
typedef void (*doctor_progress_cb)(struct doctor *d, size_t check, enum doctor_step step,
                                   void *arg);
typedef void (*doctor_done_cb)(struct doctor *d, const struct doctor_report *r, void *arg);

struct doctor_options {
    struct loop *loop;
    const struct discover_result *disc; /* endpoint, model, user, token source (borrowed) */
    const char *token;                  /* copied, wiped; NULL: no AUTH */
    rconn_cred_fn cred;                 /* IAM provider instead of the token */
    void *cred_arg;
    bool tls;           /* connect with TLS */
    const char *cafile; /* NULL: $ELCUI_REDIS_CACERT or the system store */
    bool insecure;      /* no verification (reported as a warning) */
    const char *const *connect_to;
    size_t n_connect_to;
    uint64_t timeout_ms;    /* per step; 0: 5000 */
    size_t max_reply_bytes; /* what one reply may cost in memory; 0: 64 MiB */
    doctor_progress_cb on_progress;
    doctor_done_cb on_done; /* once; the report stays valid until doctor_free */
    void *arg;
};

/* Starts at once; callbacks run from the loop only. NULL for unusable
 * options (no loop, no endpoint). */
struct doctor *doctor_start(const struct doctor_options *o);
/* Stop (no callback afterwards) and free; NULL is fine. */
void doctor_free(struct doctor *d);
/* The report so far (checks fill in as they go). */
const struct doctor_report *doctor_report(const struct doctor *d);

#endif
