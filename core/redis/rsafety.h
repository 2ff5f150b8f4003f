/* rsafety.h - what elcui lets a person send to an ElastiCache node.
 *
 * A pure decision on one command line, made before anything is sent:
 *  - blocked: ElastiCache does not allow it (its restricted-commands list:
 *    BGREWRITEAOF, BGSAVE, CONFIG, DEBUG, MIGRATE, REPLICAOF, SAVE,
 *    SLAVEOF, SHUTDOWN, SYNC), or the service manages it (PSYNC, MODULE,
 *    ACL SAVE/LOAD, FAILOVER, the CLUSTER subcommands that change
 *    topology). Each comes with why and what to do instead.
 *  - unsupported: would break the request/reply pairing elcui relies on
 *    (SUBSCRIBE, MONITOR, CLIENT REPLY OFF; MULTI/EXEC/WATCH across a
 *    cluster). HELLO 3 is allowed: the connection then reads RESP3
 *    (core/redis/resp3.h), and HELLO 2 switches back.
 *  - read-only: --read-only refuses every write: the COMMAND INFO flags
 *    when known (write, or may-replicate without readonly), else the
 *    built-in table; commands it cannot classify are refused too, and so
 *    are admin commands that change server state.
 *  - confirm: dangerous, needs explicit confirmation (--yes): FLUSHALL,
 *    FLUSHDB, KEYS, SCRIPT FLUSH, FUNCTION FLUSH/DELETE, CLIENT KILL/PAUSE,
 *    SLOWLOG RESET, SWAPDB, ACL DELUSER, DEL/UNLINK of many keys.
 * The order is: blocked, unsupported, read-only, confirm. Confirmation
 * never unblocks a blocked command or lifts read-only.
 */
#ifndef ELCUI_CORE_RSAFETY_H
#define ELCUI_CORE_RSAFETY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/redis/rcmd.h"

enum rsafety_kind {
    RSAFETY_OK = 0,
    RSAFETY_BLOCKED,
    RSAFETY_UNSUPPORTED,
    RSAFETY_READ_ONLY,
    RSAFETY_CONFIRM,
};

#define RSAFETY_DEFAULT_DEL_THRESHOLD 10

struct rsafety_policy {
    bool read_only;
    bool cluster;          /* cluster mode: transactions cannot span nodes */
    bool allow_restricted; /* not ElastiCache (a self-managed node): skip "blocked" */
    size_t del_threshold;  /* DEL/UNLINK with more keys need confirmation; 0 = default */
};

struct rsafety_verdict {
    enum rsafety_kind kind;
    char command[64];  /* "FLUSHALL", "CLUSTER SETSLOT" */
    char why[400];     /* one or two sentences for people */
    char instead[400]; /* what to do instead ("" when nothing) */
};

/* Decide for argv. info is the command's metadata (COMMAND INFO or
 * built-in; NULL when unknown). confirmed: the person said yes (--yes or a
 * prompt). Returns out->kind; RSAFETY_OK means send it. */
enum rsafety_kind rsafety_check(const struct rsafety_policy *p, int argc, const char *const *argv,
                                const size_t *argvlen, const struct rcmd_info *info, bool confirmed,
                                struct rsafety_verdict *out);

/* "blocked", "unsupported", "read-only", "confirm", "ok". */
const char *rsafety_kind_name(enum rsafety_kind k);

/* True when info (or the built-in table for argv) says the command writes. */
bool rsafety_is_write(int argc, const char *const *argv, const size_t *argvlen,
                      const struct rcmd_info *info);

#endif
