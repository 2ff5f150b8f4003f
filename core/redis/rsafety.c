/* rsafety.c - blocked, unsupported, read-only and dangerous commands. */
#include "core/redis/rsafety.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct rsafety_rule {
    const char *cmd;
    const char *sub; /* NULL: any (or none) */
    const char *why;
    const char *instead;
};

/* ElastiCache's restricted commands (its "Restricted commands" page) and
 * what the service manages itself. */
static const struct rsafety_rule rsafety_blocked[] = {
    {"bgrewriteaof", NULL, "ElastiCache restricts BGREWRITEAOF: persistence is run by the service.",
     "Take a backup instead: a manual snapshot (CreateSnapshot) or the automatic backup "
     "window."},
    {"bgsave", NULL, "ElastiCache restricts BGSAVE: snapshots are taken by the service.",
     "Create a backup with the ElastiCache API (CreateSnapshot) or rely on automatic backups; "
     "export it to S3 to get an RDB file."},
    {"save", NULL, "ElastiCache restricts SAVE: snapshots are taken by the service.",
     "Create a backup with the ElastiCache API (CreateSnapshot) or rely on automatic backups."},
    {"config", NULL,
     "ElastiCache restricts CONFIG: engine settings live in the cluster's parameter group.",
     "Read or change settings through the parameter group (DescribeCacheParameters, "
     "ModifyCacheParameterGroup); INFO shows many running values."},
    {"debug", NULL, "ElastiCache restricts DEBUG.",
     "For diagnostics use INFO, MEMORY DOCTOR, MEMORY USAGE, LATENCY DOCTOR or SLOWLOG GET."},
    {"migrate", NULL, "ElastiCache restricts MIGRATE: keys and slots are moved by the service.",
     "Rebalance or reshard with ModifyReplicationGroupShardConfiguration; to copy a key, "
     "DUMP it and RESTORE it elsewhere."},
    {"replicaof", NULL,
     "ElastiCache restricts REPLICAOF: replication is set up and repaired by the service.",
     "Change replicas with IncreaseReplicaCount / DecreaseReplicaCount; promote a replica "
     "with a test failover (elcui failover)."},
    {"slaveof", NULL,
     "ElastiCache restricts SLAVEOF: replication is set up and repaired by the service.",
     "Change replicas with IncreaseReplicaCount / DecreaseReplicaCount; promote a replica "
     "with a test failover (elcui failover)."},
    {"shutdown", NULL, "ElastiCache restricts SHUTDOWN: nodes are run by the service.",
     "Reboot a node with RebootCacheCluster, or exercise a failover with elcui failover."},
    {"sync", NULL,
     "ElastiCache restricts SYNC: it is the replication stream, and replication is the "
     "service's.",
     "To copy the data out, take a backup and export it to S3."},
    {"psync", NULL,
     "PSYNC is the replication stream; ElastiCache runs replication itself and does not "
     "serve it to clients.",
     "To copy the data out, take a backup and export it to S3."},
    {"module", NULL, "Modules cannot be loaded or listed by clients on ElastiCache.", ""},
    {"acl", "save",
     "ElastiCache manages users and user groups itself; there is no ACL file to save.",
     "Manage users with the ElastiCache API (CreateUser, ModifyUser, ModifyUserGroup)."},
    {"acl", "load",
     "ElastiCache manages users and user groups itself; there is no ACL file to load.",
     "Manage users with the ElastiCache API (CreateUser, ModifyUser, ModifyUserGroup)."},
    {"failover", NULL, "Failover on ElastiCache is run by the service.",
     "Use elcui failover RG --shard ID (the TestFailover API)."},
    {"cluster", "failover", "Failover on ElastiCache is run by the service.",
     "Use elcui failover RG --shard ID (the TestFailover API)."},
    {"cluster", "addslots", "ElastiCache manages slot ownership.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "addslotsrange", "ElastiCache manages slot ownership.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "delslots", "ElastiCache manages slot ownership.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "delslotsrange", "ElastiCache manages slot ownership.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "flushslots", "ElastiCache manages slot ownership.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "setslot", "ElastiCache manages slot ownership and migrations.",
     "Reshard with ModifyReplicationGroupShardConfiguration."},
    {"cluster", "bumpepoch", "ElastiCache manages the cluster's configuration epochs.", ""},
    {"cluster", "set-config-epoch", "ElastiCache manages the cluster's configuration epochs.", ""},
    {"cluster", "meet", "ElastiCache manages cluster membership.",
     "Add shards or replicas with ModifyReplicationGroupShardConfiguration or "
     "IncreaseReplicaCount."},
    {"cluster", "forget", "ElastiCache manages cluster membership.",
     "Remove shards or replicas with ModifyReplicationGroupShardConfiguration or "
     "DecreaseReplicaCount."},
    {"cluster", "replicate", "ElastiCache manages which node replicates which.",
     "Change replicas with IncreaseReplicaCount / DecreaseReplicaCount."},
    {"cluster", "reset", "ElastiCache manages cluster membership.", ""},
    {"cluster", "saveconfig", "ElastiCache manages the cluster configuration file.", ""},
};

static const struct rsafety_rule rsafety_unsupported[] = {
    {"subscribe", NULL,
     "SUBSCRIBE turns the connection into a message stream, which elcui's command prompt "
     "does not follow.",
     "Look with PUBSUB CHANNELS / PUBSUB NUMSUB, or subscribe with valkey-cli/redis-cli."},
    {"psubscribe", NULL,
     "PSUBSCRIBE turns the connection into a message stream, which elcui's command prompt "
     "does not follow.",
     "Look with PUBSUB CHANNELS / PUBSUB NUMPAT, or subscribe with valkey-cli/redis-cli."},
    {"ssubscribe", NULL,
     "SSUBSCRIBE turns the connection into a message stream, which elcui's command prompt "
     "does not follow.",
     "Look with PUBSUB SHARDCHANNELS, or subscribe with valkey-cli/redis-cli."},
    {"monitor", NULL,
     "MONITOR streams every command the node runs (and slows it down); elcui's prompt does "
     "not follow streams.",
     "Use the slow log (elcui logs RG --slow) or SLOWLOG GET."},
    {"reset", NULL, "RESET drops the connection's authentication and state.",
     "Open a new session instead."},
};

static const struct rsafety_rule rsafety_dangerous[] = {
    {"flushall", NULL, "FLUSHALL deletes every key on each node it reaches.", ""},
    {"flushdb", NULL, "FLUSHDB deletes every key of the database on each node it reaches.", ""},
    {"keys", NULL,
     "KEYS walks the whole keyspace in one go and blocks the node while it runs (seconds on "
     "a large dataset).",
     "Use SCAN with MATCH and COUNT (on every primary: --primaries)."},
    {"script", "flush",
     "SCRIPT FLUSH drops every cached Lua script; clients using EVALSHA get NOSCRIPT until "
     "they load them again.",
     ""},
    {"function", "flush", "FUNCTION FLUSH deletes every function library.", ""},
    {"function", "delete", "FUNCTION DELETE removes a function library.", ""},
    {"client", "kill", "CLIENT KILL disconnects clients, possibly your application's.", ""},
    {"client", "pause", "CLIENT PAUSE stops the node serving clients until it ends.", ""},
    {"slowlog", "reset",
     "SLOWLOG RESET erases the node's slow log (entries already delivered to CloudWatch Logs "
     "stay there).",
     ""},
    {"swapdb", NULL, "SWAPDB exchanges two databases for every client.", ""},
    {"acl", "deluser", "ACL DELUSER removes users; connections using them are closed.",
     "On ElastiCache manage users with the API (DeleteUser, ModifyUserGroup)."},
    {"acl", "setuser", "ACL SETUSER changes a user's passwords and permissions.",
     "On ElastiCache manage users with the API (ModifyUser)."},
};

/* Admin commands that change server state without a write flag. */
static const char *const rsafety_ro_admin[] = {
    "client|kill",   "client|pause", "acl|setuser",   "acl|deluser",      "slowlog|reset",
    "latency|reset", "script|kill",  "function|kill", "config|resetstat",
};

const char *rsafety_kind_name(enum rsafety_kind k)
{
    switch (k) {
    case RSAFETY_OK:
        return "ok";
    case RSAFETY_BLOCKED:
        return "blocked";
    case RSAFETY_UNSUPPORTED:
        return "unsupported";
    case RSAFETY_READ_ONLY:
        return "read-only";
    case RSAFETY_CONFIRM:
        return "confirm";
    }
    return "?";
}

static bool rsafety_eq(const char *a, size_t alen, const char *lit)
{
    /* the first letter first (every command is checked against every
     * rule): case folded, so a match is never rejected here */
    if (alen == 0 || ((unsigned char)a[0] | 0x20) != ((unsigned char)lit[0] | 0x20))
        return false;
    return alen == strlen(lit) && strncasecmp(a, lit, alen) == 0;
}

static size_t rsafety_len(const char *const *argv, const size_t *argvlen, int i)
{
    return argvlen ? argvlen[i] : strlen(argv[i]);
}

static const struct rsafety_rule *rsafety_match(const struct rsafety_rule *rules, size_t n,
                                                int argc, const char *const *argv,
                                                const size_t *argvlen)
{
    for (size_t i = 0; i < n; i++) {
        if (!rsafety_eq(argv[0], rsafety_len(argv, argvlen, 0), rules[i].cmd))
            continue;
        if (!rules[i].sub)
            return &rules[i];
        if (argc > 1 && rsafety_eq(argv[1], rsafety_len(argv, argvlen, 1), rules[i].sub))
            return &rules[i];
    }
    return NULL;
}

static void rsafety_name(struct rsafety_verdict *v, int argc, const char *const *argv,
                         const size_t *argvlen, bool with_sub)
{
    size_t n = 0;
    for (int a = 0; a < (with_sub && argc > 1 ? 2 : 1); a++) {
        size_t len = rsafety_len(argv, argvlen, a);
        if (a && n + 1 < sizeof(v->command))
            v->command[n++] = ' ';
        for (size_t i = 0; i < len && n + 1 < sizeof(v->command); i++) {
            char ch = argv[a][i];
            v->command[n++] = (ch >= 'a' && ch <= 'z')    ? (char)(ch - 'a' + 'A')
                              : (ch < 0x20 || ch == 0x7f) ? '?'
                                                          : ch;
        }
    }
    v->command[n] = '\0';
}

static enum rsafety_kind rsafety_set(struct rsafety_verdict *v, enum rsafety_kind k,
                                     const struct rsafety_rule *r, int argc,
                                     const char *const *argv, const size_t *argvlen)
{
    v->kind = k;
    rsafety_name(v, argc, argv, argvlen, r && r->sub);
    if (r) {
        snprintf(v->why, sizeof(v->why), "%s", r->why);
        snprintf(v->instead, sizeof(v->instead), "%s", r->instead);
    }
    return k;
}

/* The metadata to judge by: the given info, else the built-in table. */
static const struct rcmd_info *rsafety_info(int argc, const char *const *argv,
                                            const size_t *argvlen, const struct rcmd_info *info)
{
    if (info)
        return info;
    char name[RCMD_NAME_MAX];
    rcmd_lookup_name(argc, argv, argvlen, false, name, sizeof(name));
    const struct rcmd_info *b = rcmd_builtin(name);
    if (b && (b->flags & RCMD_F_SUBCOMMANDS) && argc > 1) {
        rcmd_lookup_name(argc, argv, argvlen, true, name, sizeof(name));
        b = rcmd_builtin(name);
    }
    return b;
}

bool rsafety_is_write(int argc, const char *const *argv, const size_t *argvlen,
                      const struct rcmd_info *info)
{
    if (argc < 1)
        return false;
    const struct rcmd_info *in = rsafety_info(argc, argv, argvlen, info);
    if (!in)
        return true; /* unknown: assume it writes */
    if (in->flags & RCMD_F_WRITE)
        return true;
    if (!(in->flags & RCMD_F_READONLY)) {
        /* Neither write nor readonly: scripts, PUBLISH, SCRIPT FLUSH...
         * COMMAND INFO does not show "may replicate" (Redis 7.0), so the
         * built-in table decides for the commands it knows. */
        const struct rcmd_info *b = in->from_server ? rsafety_info(argc, argv, argvlen, NULL) : in;
        if (b && ((b->flags & RCMD_F_WRITE) ||
                  ((b->flags & RCMD_F_MAY_REPLICATE) && !(b->flags & RCMD_F_READONLY))))
            return true;
    }
    for (size_t i = 0; i < sizeof(rsafety_ro_admin) / sizeof(rsafety_ro_admin[0]); i++)
        if (strcmp(in->name, rsafety_ro_admin[i]) == 0)
            return true;
    if (argc > 1) {
        char name[RCMD_NAME_MAX];
        rcmd_lookup_name(argc, argv, argvlen, true, name, sizeof(name));
        for (size_t i = 0; i < sizeof(rsafety_ro_admin) / sizeof(rsafety_ro_admin[0]); i++)
            if (strcmp(name, rsafety_ro_admin[i]) == 0)
                return true;
    }
    return false;
}

enum rsafety_kind rsafety_check(const struct rsafety_policy *p, int argc, const char *const *argv,
                                const size_t *argvlen, const struct rcmd_info *info, bool confirmed,
                                struct rsafety_verdict *out)
{
    static const struct rsafety_policy none = {0};
    if (!p)
        p = &none;
    memset(out, 0, sizeof(*out));
    if (argc < 1 || !argv || !argv[0])
        return RSAFETY_OK;
    const struct rsafety_rule *r;

    if (!p->allow_restricted) {
        r = rsafety_match(rsafety_blocked, sizeof(rsafety_blocked) / sizeof(rsafety_blocked[0]),
                          argc, argv, argvlen);
        if (r)
            return rsafety_set(out, RSAFETY_BLOCKED, r, argc, argv, argvlen);
    }

    r = rsafety_match(rsafety_unsupported,
                      sizeof(rsafety_unsupported) / sizeof(rsafety_unsupported[0]), argc, argv,
                      argvlen);
    if (r)
        return rsafety_set(out, RSAFETY_UNSUPPORTED, r, argc, argv, argvlen);
    size_t l0 = rsafety_len(argv, argvlen, 0);
    if (rsafety_eq(argv[0], l0, "client") && argc > 2 &&
        rsafety_eq(argv[1], rsafety_len(argv, argvlen, 1), "reply") &&
        !rsafety_eq(argv[2], rsafety_len(argv, argvlen, 2), "on")) {
        static const struct rsafety_rule reply = {
            "client", "reply",
            "CLIENT REPLY OFF/SKIP makes the node stop answering, and elcui pairs every "
            "command with its reply.",
            ""};
        return rsafety_set(out, RSAFETY_UNSUPPORTED, &reply, argc, argv, argvlen);
    }
    if (p->cluster) {
        static const char *const tx[] = {"multi", "exec", "discard", "watch", "unwatch"};
        for (size_t i = 0; i < sizeof(tx) / sizeof(tx[0]); i++) {
            if (rsafety_eq(argv[0], l0, tx[i])) {
                static const struct rsafety_rule txr = {
                    "multi", NULL,
                    "In cluster mode elcui routes every command on its own by its key, so a "
                    "transaction cannot be kept on one connection.",
                    "Use a Lua script (EVAL) over keys that share a {hash tag}."};
                return rsafety_set(out, RSAFETY_UNSUPPORTED, &txr, argc, argv, argvlen);
            }
        }
    }

    if (p->read_only && rsafety_is_write(argc, argv, argvlen, info)) {
        const struct rcmd_info *in = rsafety_info(argc, argv, argvlen, info);
        out->kind = RSAFETY_READ_ONLY;
        rsafety_name(out, argc, argv, argvlen, in && strchr(in->name, '|'));
        if (!in)
            snprintf(out->why, sizeof(out->why),
                     "Read-only mode: %s is not a command elcui knows, so it cannot tell that "
                     "it does not write.",
                     out->command);
        else
            snprintf(out->why, sizeof(out->why),
                     "Read-only mode: %s changes data or server state (%s).", out->command,
                     !in->from_server             ? "elcui's command table"
                     : (in->flags & RCMD_F_WRITE) ? "COMMAND INFO flags"
                                                  : "COMMAND INFO and elcui's command table");
        snprintf(out->instead, sizeof(out->instead), "%s",
                 rsafety_eq(argv[0], l0, "sort")        ? "Use SORT_RO."
                 : rsafety_eq(argv[0], l0, "georadius") ? "Use GEORADIUS_RO or GEOSEARCH."
                 : rsafety_eq(argv[0], l0, "eval")      ? "Use EVAL_RO for a read-only script."
                 : rsafety_eq(argv[0], l0, "evalsha")   ? "Use EVALSHA_RO."
                 : rsafety_eq(argv[0], l0, "fcall")     ? "Use FCALL_RO."
                                                        : "Run elcui without --read-only.");
        return RSAFETY_READ_ONLY;
    }

    if (confirmed)
        return RSAFETY_OK;
    r = rsafety_match(rsafety_dangerous, sizeof(rsafety_dangerous) / sizeof(rsafety_dangerous[0]),
                      argc, argv, argvlen);
    if (r)
        return rsafety_set(out, RSAFETY_CONFIRM, r, argc, argv, argvlen);
    size_t threshold = p->del_threshold ? p->del_threshold : RSAFETY_DEFAULT_DEL_THRESHOLD;
    if ((rsafety_eq(argv[0], l0, "del") || rsafety_eq(argv[0], l0, "unlink")) &&
        (size_t)(argc - 1) > threshold) {
        out->kind = RSAFETY_CONFIRM;
        rsafety_name(out, argc, argv, argvlen, false);
        snprintf(out->why, sizeof(out->why), "%s of %d keys (more than %zu at once).", out->command,
                 argc - 1, threshold);
        return RSAFETY_CONFIRM;
    }
    return RSAFETY_OK;
}
